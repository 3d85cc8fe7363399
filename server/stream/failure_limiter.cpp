#include "stream/failure_limiter.hpp"

#include <algorithm>
#include <utility>

namespace jabberadmin::stream {
namespace {
// Failures kept beyond the limit: enough for any delay to reach its cap.
constexpr std::size_t kKeptBeyond = 32;
}  // namespace

FailureLimiter::Attempt& FailureLimiter::Attempt::operator=(Attempt&& other) noexcept {
  if (this != &other) {
    end();
    state_ = std::move(other.state_);
    key_ = std::move(other.key_);
    other.state_.reset();
  }
  return *this;
}

void FailureLimiter::Attempt::end() {
  const auto state = state_.lock();
  state_.reset();
  if (!state) return;
  const auto it = state->entries.find(key_);
  if (it == state->entries.end()) return;
  if (it->second.in_flight > 0) --it->second.in_flight;
  // Taken out first: a waiter may begin a check of its own, which changes the entries.
  const auto waiting = std::exchange(it->second.waiting, {});
  for (const auto& wake : waiting) wake();
}

void FailureLimiter::Attempt::failed(Clock::time_point now) {
  const auto state = state_.lock();
  if (!state) return;
  const auto it = state->entries.find(key_);
  if (it != state->entries.end()) it->second.failures.push_back(now);
  end();
}

FailureLimiter::FailureLimiter(std::size_t max_failures, Clock::duration window, std::size_t max_keys)
    : max_failures_(max_failures), window_(window), max_keys_(max_keys) {}

void FailureLimiter::expire(Entry& e, Clock::time_point now) const {
  while (!e.failures.empty() && now - e.failures.front() >= window_) e.failures.pop_front();
  while (e.failures.size() > max_failures_ + kKeptBeyond) e.failures.pop_front();
}

FailureLimiter::Entry& FailureLimiter::entry(const std::string& key, Clock::time_point now) {
  auto& entries = state_->entries;
  if (entries.size() >= max_keys_ && !entries.contains(key)) {
    for (auto it = entries.begin(); it != entries.end();) {
      expire(it->second, now);
      it = it->second.failures.empty() && it->second.in_flight == 0 ? entries.erase(it) : std::next(it);
    }
    if (entries.size() >= max_keys_) {
      // Still full: forget one without a check in flight (its Attempt would find nothing).
      const auto victim = std::find_if(entries.begin(), entries.end(), [](auto& kv) { return kv.second.in_flight == 0; });
      if (victim != entries.end()) entries.erase(victim);
    }
  }
  Entry& e = entries[key];
  expire(e, now);
  return e;
}

bool FailureLimiter::refused(const std::string& key, Clock::time_point now) {
  const std::size_t all = count(key, now);  // expires the window first
  if (all < max_failures_) return false;
  return state_->entries.at(key).failures.size() >= max_failures_;
}

std::size_t FailureLimiter::count(const std::string& key, Clock::time_point now) {
  const auto it = state_->entries.find(key);
  if (it == state_->entries.end()) return 0;
  expire(it->second, now);
  if (it->second.failures.empty() && it->second.in_flight == 0) {
    state_->entries.erase(it);
    return 0;
  }
  return it->second.failures.size() + it->second.in_flight;
}

FailureLimiter::Clock::duration FailureLimiter::delay(const std::string& key, Clock::duration first,
                                                     Clock::duration cap, Clock::time_point now) {
  const std::size_t n = count(key, now);
  if (n < max_failures_) return Clock::duration::zero();
  Clock::duration d = first;
  for (std::size_t i = max_failures_; i < n && d < cap; ++i) d *= 2;
  return std::min(d, cap);
}

void FailureLimiter::record(const std::string& key, Clock::time_point now) {
  Entry& e = entry(key, now);
  e.failures.push_back(now);
  expire(e, now);
}

void FailureLimiter::when_answered(const std::string& key, std::function<void()> wake) {
  const auto it = state_->entries.find(key);
  // Nothing in flight, nothing to wait for (an entry with a check in flight is never forgotten).
  if (it == state_->entries.end() || it->second.in_flight == 0) return wake();
  it->second.waiting.push_back(std::move(wake));
}

FailureLimiter::Attempt FailureLimiter::begin(const std::string& key) {
  ++entry(key, Clock::now()).in_flight;
  return Attempt(state_, key);
}

}  // namespace jabberadmin::stream
