// DirectoryWatch against a real slapd: the initial refresh, then changes made by the real
// tools, seen live through syncprov (and by polling).
#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <deque>
#include <mutex>

#include "jabberadmin/directory_watch.hpp"
#include "jabberadmin/ldap_setup.hpp"
#include "slapd_fixture.hpp"

namespace jabberadmin::test {
namespace {

using Kind = DirectoryEvent::Kind;
using namespace std::chrono_literals;

// Collects events from the watch thread; next() waits for one matching a predicate.
class Events {
 public:
  void push(const DirectoryEvent& e) {
    std::lock_guard lock(mutex_);
    events_.push_back(e);
    cv_.notify_all();
  }
  std::optional<DirectoryEvent> next(const std::function<bool(const DirectoryEvent&)>& match,
                                     std::chrono::milliseconds within) {
    std::unique_lock lock(mutex_);
    std::optional<DirectoryEvent> found;
    cv_.wait_for(lock, within, [&] {
      while (!events_.empty()) {
        DirectoryEvent e = std::move(events_.front());
        events_.pop_front();
        if (match(e)) {
          found = std::move(e);
          return true;
        }
      }
      return false;
    });
    return found;
  }

 private:
  std::mutex mutex_;
  std::condition_variable cv_;
  std::deque<DirectoryEvent> events_;
};

auto is(Kind kind, const std::string& name = {}) {
  return [kind, name](const DirectoryEvent& e) { return e.kind == kind && (name.empty() || e.user.name == name); };
}

class DirectoryWatchTest : public SlapdTest, public ::testing::WithParamInterface<bool> {};

TEST_P(DirectoryWatchTest, SeesTheDirectoryThenEveryChangeWithinTwoSeconds) {
  const bool use_sync = GetParam();
  ASSERT_EQ(slapd().tool("cl-groupadd", {"Staff", "jabber"}).status, 0);
  ASSERT_EQ(slapd().tool("cl-useradd", {"-g", "Staff", "-c", "Анна", "anna", "jabber"}).status, 0);
  Events events;
  WatchOptions options;
  options.use_sync = use_sync;
  options.poll_interval = 300ms;
  DirectoryWatch watch(slapd().settings(), [&](const DirectoryEvent& e) { events.push(e); }, options);

  auto anna = events.next(is(Kind::Changed, "anna"), 5s);
  ASSERT_TRUE(anna) << "initial refresh";
  EXPECT_EQ(anna->user.nickname, "Анна");
  EXPECT_EQ(anna->user.group, "Staff");
  EXPECT_EQ(anna->user.uuid.size(), 36u) << "entryUUID, asked for by name";
  ASSERT_TRUE(events.next(is(Kind::Refreshed), 5s));
  EXPECT_EQ(watch.live(), use_sync);

  ASSERT_EQ(slapd().tool("cl-useradd", {"boris", "jabber"}).status, 0);
  ASSERT_TRUE(events.next(is(Kind::Changed, "boris"), 2s)) << "a new user";
  ASSERT_EQ(slapd().tool("cl-groupmod", {"-a", "boris", "Staff", "jabber"}).status, 0);
  auto moved = events.next(is(Kind::Changed, "boris"), 2s);
  ASSERT_TRUE(moved) << "a membership change";
  EXPECT_EQ(moved->user.group, "Staff");
  ASSERT_EQ(slapd().tool("cl-groupmod", {"-n", "Персонал", "Staff", "jabber"}).status, 0);
  auto renamed = events.next([](const DirectoryEvent& e) { return e.user.group == "Персонал"; }, 2s);
  ASSERT_TRUE(renamed) << "a group rename reaches the members";
  ASSERT_EQ(slapd().tool("cl-usermod", {"-L", "anna", "jabber"}).status, 0);
  auto locked = events.next([](const DirectoryEvent& e) { return e.user.name == "anna" && e.user.locked; }, 2s);
  ASSERT_TRUE(locked) << "a lock";
  ASSERT_EQ(slapd().tool("cl-userdel", {"boris", "jabber"}).status, 0);
  auto gone = events.next(is(Kind::Deleted), 2s);
  ASSERT_TRUE(gone) << "a deletion";
  EXPECT_EQ(gone->user.name, "boris");
}

// Nothing in the directory changes when an expiry date comes: the watch itself announces
// the user again, expired, once its clock reaches that day.
TEST_P(DirectoryWatchTest, AnnouncesAUserAgainWhenItsExpiryDayComes) {
  ASSERT_EQ(slapd().tool("cl-useradd", {"anna", "jabber"}).status, 0);
  const std::int64_t tomorrow = day_number() + 1;
  ASSERT_EQ(slapd().tool("cl-usermod", {"-e", format_date(tomorrow), "anna", "jabber"}).status, 0);
  std::atomic<int> days_ahead{0};
  Events events;
  WatchOptions options;
  options.use_sync = GetParam();
  options.poll_interval = 300ms;
  options.clock = [&] { return std::chrono::system_clock::now() + std::chrono::days(days_ahead.load()); };
  DirectoryWatch watch(slapd().settings(), [&](const DirectoryEvent& e) { events.push(e); }, options);
  const auto anna = events.next(is(Kind::Changed, "anna"), 5s);
  ASSERT_TRUE(anna);
  EXPECT_EQ(anna->user.expires, tomorrow);
  EXPECT_FALSE(anna->user.expired);
  ASSERT_TRUE(events.next(is(Kind::Refreshed), 5s));
  days_ahead = 1;
  const auto expired = events.next(is(Kind::Changed, "anna"), 3s);
  ASSERT_TRUE(expired) << "announced again when the day came";
  EXPECT_TRUE(expired->user.expired);
  EXPECT_TRUE(expired->user.disabled());
  EXPECT_FALSE(events.next(is(Kind::Changed, "anna"), 1500ms)) << "once";
}

std::size_t count_of(Events& events, Kind kind, std::chrono::milliseconds within) {
  std::size_t n = 0;
  while (events.next(is(kind), within)) ++n;
  return n;
}

// A lost directory is announced once, with the reason, however often the watch retries;
// its return once, after the refresh that follows it.
TEST_P(DirectoryWatchTest, ALostDirectoryIsAnnouncedOnceAndItsReturnOnce) {
  ASSERT_EQ(slapd().tool("cl-useradd", {"anna", "jabber"}).status, 0);
  Events events;
  WatchOptions options;
  options.use_sync = GetParam();
  options.poll_interval = 300ms;
  options.retry_interval = 200ms;
  DirectoryWatch watch(slapd().settings(), [&](const DirectoryEvent& e) { events.push(e); }, options);
  ASSERT_TRUE(events.next(is(Kind::Refreshed), 5s));
  setup::stop_private_ldap(slapd().settings().ldap);
  const auto lost = events.next(is(Kind::Lost), 5s);
  ASSERT_TRUE(lost) << "the loss is announced";
  EXPECT_FALSE(lost->reason.empty());
  EXPECT_EQ(count_of(events, Kind::Lost, 2s), 0u) << "once, not once per retry (every 200 ms)";
  setup::start_private_ldap(slapd().settings().ldap);
  ASSERT_TRUE(events.next(is(Kind::Refreshed), 10s));
  ASSERT_TRUE(events.next(is(Kind::Restored), 1s)) << "its return is announced after the refresh";
  EXPECT_EQ(count_of(events, Kind::Restored, 1s), 0u);
}

TEST_P(DirectoryWatchTest, AWatchStartedWithoutItsDirectorySaysSoOnce) {
  setup::stop_private_ldap(slapd().settings().ldap);
  Events events;
  WatchOptions options;
  options.use_sync = GetParam();
  options.retry_interval = 200ms;
  DirectoryWatch watch(slapd().settings(), [&](const DirectoryEvent& e) { events.push(e); }, options);
  const auto lost = events.next(is(Kind::Lost), 5s);
  ASSERT_TRUE(lost);
  EXPECT_NE(lost->reason.find(slapd().settings().ldap.uri), std::string::npos) << lost->reason;
  EXPECT_EQ(count_of(events, Kind::Lost, 2s), 0u);
  setup::start_private_ldap(slapd().settings().ldap);
  ASSERT_TRUE(events.next(is(Kind::Restored), 10s));
}

INSTANTIATE_TEST_SUITE_P(SyncAndPolling, DirectoryWatchTest, ::testing::Values(true, false),
                         [](const auto& info) { return info.param ? "Syncprov" : "Polling"; });

}  // namespace
}  // namespace jabberadmin::test
