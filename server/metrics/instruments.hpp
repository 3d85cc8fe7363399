// The three kinds of measurement a metric is made of. The server's io loop runs on one
// thread, but the LDAP workers and the directory watch have threads of their own, so every
// update is one relaxed atomic operation: no lock, no allocation, nothing a stanza waits
// for. A scrape reads each value on its own; it never needs them frozen together.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

namespace jabberadmin::metrics {

// Only ever goes up (from the start of the process): Prometheus computes rates from it.
class Counter {
 public:
  void inc(std::uint64_t n = 1) noexcept { value_.fetch_add(n, std::memory_order_relaxed); }
  std::uint64_t value() const noexcept { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<std::uint64_t> value_{0};
};

// A value now: set outright, or moved up and down.
class Gauge {
 public:
  void set(double value) noexcept { value_.store(value, std::memory_order_relaxed); }
  void add(double delta) noexcept { value_.fetch_add(delta, std::memory_order_relaxed); }
  double value() const noexcept { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0};
};

// Observations counted into fixed buckets (each an upper bound, ascending) and summed.
class Histogram {
 public:
  // Throws std::logic_error unless bounds are finite and strictly ascending.
  explicit Histogram(std::span<const double> bounds);

  void observe(double value) noexcept;

  struct Snapshot {
    std::vector<std::uint64_t> cumulative;  // per bound, then +Inf (= count)
    double sum = 0;
  };
  Snapshot snapshot() const;
  const std::vector<double>& bounds() const noexcept { return bounds_; }

 private:
  std::vector<double> bounds_;
  // One per bound and one past the last, each counted alone; the scrape adds them up.
  std::unique_ptr<std::atomic<std::uint64_t>[]> buckets_;
  std::atomic<double> sum_{0};
};

}  // namespace jabberadmin::metrics
