// The rate limit of a streamed body (Route::rate_limit) as arithmetic: how long to wait
// before the next read so that the bytes read so far stay within rate × elapsed, plus one
// read's worth of burst (a read takes whatever the socket holds, up to the buffer).
#pragma once

#include <chrono>
#include <cstdint>

namespace jabberadmin::http {

class Pacer {
 public:
  using Clock = std::chrono::steady_clock;
  static constexpr std::uint64_t kBurst = 16 * 1024;

  Pacer(std::uint64_t bytes_per_second, Clock::time_point start) : rate_(bytes_per_second), start_(start) {}

  // The wait before the next read after `bytes` were read, at `now` (zero: read now).
  Clock::duration delay(std::uint64_t bytes, Clock::time_point now) const {
    if (rate_ == 0 || bytes <= kBurst) return Clock::duration::zero();
    // When `bytes - kBurst` is what the rate allows: start + (bytes - burst) / rate.
    const auto due = start_ + std::chrono::duration_cast<Clock::duration>(
                                  std::chrono::duration<double>(static_cast<double>(bytes - kBurst) / static_cast<double>(rate_)));
    return due > now ? due - now : Clock::duration::zero();
  }
  // The time the rate itself makes a body of `bytes` take.
  Clock::duration minimum(std::uint64_t bytes) const {
    if (rate_ == 0) return Clock::duration::zero();
    return std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(static_cast<double>(bytes) / static_cast<double>(rate_)));
  }

 private:
  std::uint64_t rate_;
  Clock::time_point start_;
};

}  // namespace jabberadmin::http
