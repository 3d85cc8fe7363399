// module::AccountData: an account removed from the directory is one event that each module
// answers for its own data. The roster (which follows the directory) purges its tables and
// tells the others; the offline module removes the account's stored messages. Issue 13: the
// roster used to delete from the offline table itself.
#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>

#include <chrono>
#include <memory>

#include "directory_users.hpp"
#include "module/account_data.hpp"
#include "offline/offline_messages.hpp"
#include "offline/offline_store.hpp"
#include "presence/presence.hpp"
#include "roster/roster_module.hpp"
#include "router/router.hpp"
#include "store/database.hpp"
#include "temp_dir.hpp"

namespace jabberadmin::module {
namespace {

class AccountDataTest : public ::testing::Test {
 protected:
  test::TempDir tmp_{"account-data"};
  AccountDataTest() {
    db = std::make_unique<store::Database>(tmp_ / "db.sqlite");
    stored = std::make_unique<offline::OfflineStore>(*db, 100);
    directory.put(test::make_user("anna", "Staff"));
    directory.put(test::make_user("boris", "Staff"));
  }
  // The roster and the offline module as the server starts them; the offline messages are
  // registered as per-account data unless told otherwise. Then the first refresh.
  void start(bool offline_keeps = true) {
    rosters = std::make_unique<roster::RosterModule>(router, directory, *db);
    presence = std::make_unique<presence::Presence>(router, rosters->contacts());
    rosters->start(*presence, io.get_executor(), roster::RosterDirectoryOptions{{"example.org", "other.example"}}, {},
                   &accounts);
    offline = std::make_unique<offline::OfflineMessages>(router, *db, [](const Jid&) { return true; });
    if (offline_keeps) kept = accounts.keep(offline->keeper());
    rosters->follow(directory);
    directory.refreshed();
  }
  void store(const std::string& user) { ASSERT_TRUE(stored->store(user, "<message/>", std::chrono::system_clock::now())); }
  ~AccountDataTest() override {
    kept.reset();
    offline.reset();
    rosters.reset();
  }

  boost::asio::io_context io;
  router::Router router{{"example.org", "other.example"}};
  std::unique_ptr<store::Database> db;
  std::unique_ptr<offline::OfflineStore> stored;
  directory::DirectoryCache directory;
  AccountData accounts;
  std::unique_ptr<roster::RosterModule> rosters;
  std::unique_ptr<presence::Presence> presence;
  std::unique_ptr<offline::OfflineMessages> offline;
  util::Registration kept;
};

TEST_F(AccountDataTest, AnAccountRemovedFromTheDirectoryLosesItsOfflineMessagesOnEveryHost) {
  start();
  store("boris@example.org");
  store("boris@other.example");
  store("anna@example.org");
  directory.erase("boris");
  EXPECT_EQ(stored->count("boris@example.org"), 0u);
  EXPECT_EQ(stored->count("boris@other.example"), 0u);
  EXPECT_EQ(stored->count("anna@example.org"), 1u);
}

TEST_F(AccountDataTest, TheSweepAtStartFindsAnAccountThatOnlyHasOfflineMessages) {
  // Deleted while the server was down; nothing of it in the roster's tables.
  store("gone@example.org");
  store("anna@example.org");
  start();
  EXPECT_EQ(stored->count("gone@example.org"), 0u);
  EXPECT_EQ(stored->count("anna@example.org"), 1u);
}

TEST_F(AccountDataTest, TheRosterLeavesTheOfflineTableToItsModule) {
  start(/*offline_keeps=*/false);
  store("boris@example.org");
  directory.erase("boris");
  EXPECT_EQ(stored->count("boris@example.org"), 1u);
}

TEST(AccountData, AKeeperThatFailsDoesNotStopTheOthers) {
  AccountData accounts;
  std::vector<std::string> removed;
  auto failing = accounts.keep({"broken", [](std::set<std::string>&) { throw std::runtime_error("disk"); },
                                [](const std::vector<std::string>&) -> std::size_t { throw std::runtime_error("disk"); }});
  auto working = accounts.keep({"things", [](std::set<std::string>& jids) { jids.insert("a@example.org"); },
                                [&](const std::vector<std::string>& jids) {
                                  removed = jids;
                                  return jids.size();
                                }});
  EXPECT_EQ(accounts.known(), (std::set<std::string>{"a@example.org"}));
  EXPECT_EQ(accounts.removed({"a@example.org", "a@other.example"}), 2u);
  EXPECT_EQ(removed, (std::vector<std::string>{"a@example.org", "a@other.example"}));
  working.reset();
  EXPECT_EQ(accounts.removed({"a@example.org"}), 0u);  // gone with its registration
}

}  // namespace
}  // namespace jabberadmin::module
