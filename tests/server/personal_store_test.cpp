// The personal roster store on a real database file: items, their order and versions.
#include <gtest/gtest.h>

#include <vector>

#include "roster/personal_store.hpp"
#include "store/database.hpp"
#include "temp_dir.hpp"

namespace jabberadmin::roster {
namespace {

class PersonalStoreTest : public ::testing::Test {
 protected:
  test::TempDir tmp_{"personal"};
};

TEST_F(PersonalStoreTest, ItemsAndVersions) {
  store::Database db(tmp_.path() / "jabberadmin.sqlite");
  PersonalStore roster(db);
  EXPECT_EQ(roster.version("anna@h"), 0);
  PersonalItem romeo{"romeo@other", "Ромео", {"Друзья", "Work"}, "none", true};
  roster.put("anna@h", romeo);
  EXPECT_EQ(roster.version("anna@h"), 1);
  EXPECT_EQ(roster.item("anna@h", "romeo@other"), romeo);
  romeo.subscription = "both";
  romeo.ask = false;
  roster.put("anna@h", romeo);
  EXPECT_EQ(roster.items("anna@h"), std::vector<PersonalItem>{romeo});
  EXPECT_EQ(roster.version("anna@h"), 2);
  EXPECT_TRUE(roster.items("boris@h").empty());
  EXPECT_TRUE(roster.remove("anna@h", "romeo@other"));
  EXPECT_FALSE(roster.remove("anna@h", "romeo@other"));
  EXPECT_EQ(roster.version("anna@h"), 3);
  EXPECT_FALSE(roster.item("anna@h", "romeo@other"));
}

}  // namespace
}  // namespace jabberadmin::roster
