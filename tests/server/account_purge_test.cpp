// roster::AccountPurge on a real database file: everything a deleted account owned in the
// roster's tables goes, and every other user's item for it and request from it, in one
// step; the rest stays. Its offline messages are the offline module's to remove
// (module::AccountData, account_data_test.cpp).
#include <gtest/gtest.h>

#include <chrono>

#include "roster/account_purge.hpp"
#include "roster/pending_store.hpp"
#include "offline/offline_store.hpp"
#include "roster/personal_store.hpp"
#include "temp_dir.hpp"

namespace jabberadmin::roster {
namespace {

class AccountPurgeTest : public ::testing::Test {
 protected:
  test::TempDir tmp_{"purge"};
  store::Database db{tmp_.path() / "jabberadmin.sqlite"};
  roster::PersonalStore rosters{db};
  PendingStore pending{db};
  offline::OfflineStore offline{db, 100};
  AccountPurge purge{db};

  void SetUp() override {
    const auto now = std::chrono::system_clock::now();
    // dave, on both hosts, and what others hold about him.
    rosters.put("dave@a.org", {"alice@a.org", "", {}, "both", false});
    rosters.put("dave@b.org", {"carol@b.org", "", {}, "to", false});
    pending.put("dave@a.org", "carol@a.org", "<presence type='subscribe'/>");
    offline.store("dave@a.org", "<message/>", now);
    offline.store("dave@b.org", "<message/>", now);
    rosters.put("alice@a.org", {"dave@a.org", "Dave", {"Friends"}, "both", false});
    rosters.put("carol@b.org", {"dave@b.org", "", {}, "none", true});
    pending.put("erin@a.org", "dave@a.org", "<presence type='subscribe'/>");
    // Nothing to do with dave.
    rosters.put("alice@a.org", {"carol@a.org", "", {}, "both", false});
    pending.put("alice@a.org", "carol@a.org", "<presence type='subscribe'/>");
    offline.store("alice@a.org", "<message/>", now);
  }
};

TEST_F(AccountPurgeTest, EverythingOfTheAccountOnEveryHostGoesAndNothingElse) {
  const auto alice_version = rosters.version("alice@a.org");
  const auto dave_version = rosters.version("dave@a.org");
  const auto removed = purge.purge({"dave@a.org", "dave@b.org"});
  EXPECT_EQ(removed.items, (std::vector<std::pair<std::string, std::string>>{{"alice@a.org", "dave@a.org"},
                                                                             {"carol@b.org", "dave@b.org"}}));
  EXPECT_EQ(removed.rows, 6u);
  for (const char* jid : {"dave@a.org", "dave@b.org"}) {
    EXPECT_TRUE(rosters.items(jid).empty()) << jid;
    EXPECT_TRUE(pending.requests(jid).empty()) << jid;
    EXPECT_EQ(offline.count(jid), 1u) << jid;  // not the roster's table
  }
  EXPECT_FALSE(rosters.item("alice@a.org", "dave@a.org"));
  EXPECT_FALSE(rosters.item("carol@b.org", "dave@b.org"));
  EXPECT_TRUE(pending.requests("erin@a.org").empty());
  // Others' own data stays; the rosters that changed and the deleted one's have new versions.
  EXPECT_TRUE(rosters.item("alice@a.org", "carol@a.org"));
  EXPECT_EQ(pending.requests("alice@a.org").size(), 1u);
  EXPECT_EQ(offline.count("alice@a.org"), 1u);
  EXPECT_GT(rosters.version("alice@a.org"), alice_version);
  EXPECT_GT(rosters.version("dave@a.org"), dave_version);
  // Done twice: nothing more.
  EXPECT_EQ(purge.purge({"dave@a.org", "dave@b.org"}).rows, 0u);
}

TEST_F(AccountPurgeTest, KnownJidsNameOwnersAndContacts) {
  const auto jids = purge.known_jids();
  for (const char* jid : {"dave@a.org", "dave@b.org", "alice@a.org", "carol@a.org", "carol@b.org", "erin@a.org"})
    EXPECT_TRUE(jids.contains(jid)) << jid;
}

}  // namespace
}  // namespace jabberadmin::roster
