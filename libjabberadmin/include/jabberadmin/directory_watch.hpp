// Follows the Jabber users live, so the server can keep a cache instead of searching LDAP
// per login: RFC 4533 content synchronisation (refreshAndPersist against slapd's syncprov
// overlay, which `cl-setup ldap` loads), or, for a directory without syncprov, polling.
//
// Events arrive on the watch's own thread, in order: RefreshStarted, Changed for every user,
// Refreshed; then Changed/Deleted as they happen. After a lost connection it reconnects and
// starts again with RefreshStarted: a user not re-announced before the next Refreshed is gone.
// Lost and Restored tell a lost directory from a quiet one: once each per outage.
// When a user's expiry date comes, nothing changes in the directory: the watch announces the
// user again itself (Changed, now expired) within a second or a poll.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <thread>

#include "jabberadmin/account.hpp"
#include "jabberadmin/settings.hpp"

namespace jabberadmin {

struct DirectoryEvent {
  // Lost: the directory cannot be followed (unreachable, or the session broke), announced
  // once however often the watch retries. Restored: followed again, after the Refreshed of
  // the first complete refresh since.
  enum class Kind { RefreshStarted, Changed, Deleted, Refreshed, Lost, Restored };
  Kind kind;
  User user;           // Changed: the whole user; Deleted: name and dn only
  std::string reason;  // Lost: why, for the log
};

struct WatchOptions {
  bool use_sync = true;                                     // false: poll instead
  std::chrono::milliseconds poll_interval{2000};            // polling, and the fallback
  std::chrono::milliseconds retry_interval{1000};           // after a lost connection
  // The clock expiry dates are judged by; empty: the system clock (tests move it ahead).
  std::function<std::chrono::system_clock::time_point()> clock;
};

class DirectoryWatch {
 public:
  using Callback = std::function<void(const DirectoryEvent&)>;

  // Starts following at once. The callback must not block for long (post to your loop).
  DirectoryWatch(Settings settings, Callback callback, WatchOptions options = {});
  ~DirectoryWatch();  // stops and joins
  DirectoryWatch(const DirectoryWatch&) = delete;
  DirectoryWatch& operator=(const DirectoryWatch&) = delete;

  // True once syncprov answered (false while polling or before the first refresh).
  bool live() const noexcept { return live_; }

 private:
  void run();
  bool follow_with_sync();  // false when the server has no syncprov
  void follow_by_polling();
  bool sleep(std::chrono::milliseconds duration);  // false when stopping
  std::int64_t today() const;                       // by options_.clock
  void lost(const std::string& reason);             // announces Lost once per outage
  void refreshed();                                 // Refreshed, then Restored after an outage

  Settings settings_;
  Callback callback_;
  WatchOptions options_;
  std::atomic<bool> stopping_{false};
  std::atomic<bool> live_{false};
  bool lost_ = false;  // the watch thread's own
  std::thread thread_;
};

}  // namespace jabberadmin
