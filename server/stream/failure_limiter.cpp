#include "stream/failure_limiter.hpp"

namespace jabberadmin::stream {

FailureLimiter::FailureLimiter(std::size_t max_failures, Clock::duration window, std::size_t max_keys)
    : max_failures_(max_failures), window_(window), max_keys_(max_keys) {}

void FailureLimiter::expire(std::deque<Clock::time_point>& times, Clock::time_point now) const {
  while (!times.empty() && now - times.front() >= window_) times.pop_front();
}

bool FailureLimiter::blocked(const std::string& key, Clock::time_point now) {
  const auto it = failures_.find(key);
  if (it == failures_.end()) return false;
  expire(it->second, now);
  if (it->second.empty()) {
    failures_.erase(it);
    return false;
  }
  return it->second.size() >= max_failures_;
}

void FailureLimiter::record(const std::string& key, Clock::time_point now) {
  if (failures_.size() >= max_keys_ && !failures_.contains(key)) {
    for (auto it = failures_.begin(); it != failures_.end();) {
      expire(it->second, now);
      it = it->second.empty() ? failures_.erase(it) : std::next(it);
    }
    if (failures_.size() >= max_keys_) failures_.erase(failures_.begin());
  }
  auto& times = failures_[key];
  expire(times, now);
  times.push_back(now);
  if (times.size() > max_failures_) times.pop_front();
}

}  // namespace jabberadmin::stream
