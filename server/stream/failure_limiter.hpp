// Counts failed logins per key (a remote address, an account) over a sliding window, so
// password guessing is slowed without any LDAP work. Bounded: old keys are forgotten first.
#pragma once

#include <chrono>
#include <cstddef>
#include <deque>
#include <string>
#include <unordered_map>

namespace jabberadmin::stream {

class FailureLimiter {
 public:
  using Clock = std::chrono::steady_clock;
  FailureLimiter(std::size_t max_failures, Clock::duration window, std::size_t max_keys = 100000);

  bool blocked(const std::string& key, Clock::time_point now = Clock::now());
  void record(const std::string& key, Clock::time_point now = Clock::now());

 private:
  void expire(std::deque<Clock::time_point>& times, Clock::time_point now) const;
  std::size_t max_failures_;
  Clock::duration window_;
  std::size_t max_keys_;
  std::unordered_map<std::string, std::deque<Clock::time_point>> failures_;
};

}  // namespace jabberadmin::stream
