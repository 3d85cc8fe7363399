// The resume window's bookkeeping (XEP-0198 §5): sessions whose connection was lost, by
// resumption id, each until its deadline, at most `per_account` of one account at a time
// (beyond it the oldest is given up first: a client that reconnects without resuming
// cannot pile up sessions). Pure: the module drives it with a timer and the clock.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace jabberadmin::sm {

class DetachedSessions {
 public:
  using Clock = std::chrono::steady_clock;

  explicit DetachedSessions(std::size_t per_account) : per_account_(per_account) {}

  // Adds a session of account (its bare JID) that waits until deadline; returns the ids of
  // the account's older sessions that no longer fit, which the caller ends (already removed).
  std::vector<std::string> add(const std::string& id, const std::string& account, Clock::time_point deadline);
  // A session resumed or ended otherwise; false when it was not waiting.
  bool remove(const std::string& id);
  bool contains(const std::string& id) const { return sessions_.contains(id); }
  // The ids whose window has closed by now (removed), soonest deadline first.
  std::vector<std::string> expire(Clock::time_point now);
  std::optional<Clock::time_point> next_deadline() const;
  std::size_t size() const noexcept { return sessions_.size(); }
  std::size_t count(const std::string& account) const;

 private:
  struct Entry {
    std::string account;
    Clock::time_point deadline;
    std::uint64_t order;  // when it was added: the oldest of an account goes first
  };
  std::size_t per_account_;  // 0: no limit
  std::uint64_t next_ = 0;
  std::map<std::string, Entry> sessions_;                            // by id
  std::multimap<Clock::time_point, std::string> deadlines_;          // -> id
  std::map<std::string, std::map<std::uint64_t, std::string>> by_account_;  // account -> order -> id
};

}  // namespace jabberadmin::sm
