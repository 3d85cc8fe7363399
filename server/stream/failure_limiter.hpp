// Counts failed logins per key (a remote address, an account) over a sliding window, so
// password guessing is slowed without any LDAP work. A check still in flight counts as a
// failure until its answer says otherwise (Attempt), so guesses sent in parallel cannot all
// reach the directory before the first answer: a caller makes a check wait while the key is
// blocked() (when_answered() wakes it), and refuses it only once the key is refused() by its
// answered failures. Bounded: old keys are forgotten first.
#pragma once

#include <chrono>
#include <cstddef>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

namespace jabberadmin::stream {

class FailureLimiter {
  struct State;

 public:
  using Clock = std::chrono::steady_clock;

  // One check in flight for a key: counted from begin() until failed() or destruction.
  class Attempt {
   public:
    Attempt() = default;
    Attempt(Attempt&& other) noexcept { *this = std::move(other); }
    Attempt& operator=(Attempt&& other) noexcept;
    Attempt(const Attempt&) = delete;
    Attempt& operator=(const Attempt&) = delete;
    ~Attempt() { end(); }
    // The check failed: it stays counted, as a failure of the window.
    void failed(Clock::time_point now = Clock::now());

   private:
    friend class FailureLimiter;
    Attempt(std::weak_ptr<State> state, std::string key) : state_(std::move(state)), key_(std::move(key)) {}
    void end();
    std::weak_ptr<State> state_;  // the limiter may go first (at shutdown)
    std::string key_;
  };

  FailureLimiter(std::size_t max_failures, Clock::duration window, std::size_t max_keys = 100000);

  // Failures in the window plus checks in flight.
  std::size_t count(const std::string& key, Clock::time_point now = Clock::now());
  // No place for another check now: failures and checks in flight reach the limit.
  bool blocked(const std::string& key, Clock::time_point now = Clock::now()) { return count(key, now) >= max_failures_; }
  // Refused: the failures of the window alone reach the limit (checks in flight may still
  // succeed and free their places).
  bool refused(const std::string& key, Clock::time_point now = Clock::now());
  // How long a new check for key waits: nothing below max_failures, then `first`, doubled
  // for every failure (or check in flight) beyond, at most `cap`.
  Clock::duration delay(const std::string& key, Clock::duration first, Clock::duration cap,
                        Clock::time_point now = Clock::now());
  void record(const std::string& key, Clock::time_point now = Clock::now());
  Attempt begin(const std::string& key);
  // Calls wake once, when the next check in flight for key is answered (its Attempt fails or
  // ends), or at once when key has none: then a blocked caller looks again. wake runs inside
  // the Attempt's end, so it should only post work.
  void when_answered(const std::string& key, std::function<void()> wake);

 private:
  struct Entry {
    std::deque<Clock::time_point> failures;  // oldest first, at most max_failures + kKeptBeyond
    std::size_t in_flight = 0;
    std::vector<std::function<void()>> waiting;  // when_answered, woken at the next answer
  };
  struct State {
    std::unordered_map<std::string, Entry> entries;
  };
  Entry& entry(const std::string& key, Clock::time_point now);
  void expire(Entry& e, Clock::time_point now) const;

  std::size_t max_failures_;
  Clock::duration window_;
  std::size_t max_keys_;
  std::shared_ptr<State> state_ = std::make_shared<State>();
};

}  // namespace jabberadmin::stream
