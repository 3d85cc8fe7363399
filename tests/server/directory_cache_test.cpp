// The passive directory cache, filled by the test as the directory feed would fill it: the
// group index, refreshes, readiness, and observers that stop when their registration goes.
#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

#include "directory/directory_cache.hpp"
#include "directory_users.hpp"

namespace jabberadmin::directory {
namespace {

using test::make_user;

std::vector<std::string> names(const std::vector<const User*>& users) {
  std::vector<std::string> out;
  for (const User* u : users) out.push_back(u->name);
  return out;
}

TEST(DirectoryCache, GroupsFollowTheirMembers) {
  DirectoryCache cache;
  cache.put(make_user("vera", "Staff"));
  cache.put(make_user("anna", "Staff"));
  cache.put(make_user("loner", std::nullopt));
  EXPECT_EQ(names(cache.members("Staff")), (std::vector<std::string>{"anna", "vera"})) << "sorted by name";
  EXPECT_EQ(cache.size(), 3u);
  test::change_user(cache, "anna", [](User& u) { u.group = "Sales"; });
  EXPECT_EQ(names(cache.members("Staff")), std::vector<std::string>{"vera"});
  EXPECT_EQ(names(cache.members("Sales")), std::vector<std::string>{"anna"});
  cache.erase("vera");
  EXPECT_TRUE(cache.members("Staff").empty());
  EXPECT_EQ(cache.find("vera"), nullptr);
  EXPECT_EQ(cache.find("anna")->group, "Sales");
}

TEST(DirectoryCache, TheGenerationChangesWithEveryChangeOnly) {
  DirectoryCache cache;
  cache.put(make_user("anna", "Staff"));
  const auto generation = cache.generation();
  cache.put(make_user("anna", "Staff"));  // a refresh re-announcing what it knows
  EXPECT_EQ(cache.generation(), generation);
  test::change_user(cache, "anna", [](User& u) { u.locked = true; });
  EXPECT_NE(cache.generation(), generation);
}

TEST(DirectoryCache, ObserversHearChangesAfterTheFirstRefreshUntilTheirRegistrationGoes) {
  DirectoryCache cache;
  std::vector<UserChange> heard;
  int ready = 0;
  auto observing = cache.observe([&](const UserChange& c) { heard.push_back(c); });
  auto when_ready = cache.on_ready([&] { ++ready; });
  cache.put(make_user("anna", "Staff"));
  EXPECT_FALSE(cache.ready());
  EXPECT_TRUE(heard.empty()) << "the first refresh is state, not changes";
  cache.refreshed();
  EXPECT_TRUE(cache.ready());
  EXPECT_EQ(ready, 1);
  cache.put(make_user("boris", "Staff"));
  cache.erase("anna");
  ASSERT_EQ(heard.size(), 2u);
  EXPECT_FALSE(heard[0].before);
  EXPECT_EQ(heard[0].after->name, "boris");
  EXPECT_EQ(heard[1].before->name, "anna");
  EXPECT_FALSE(heard[1].after);

  observing.reset();
  cache.put(make_user("vera", "Staff"));
  EXPECT_EQ(heard.size(), 2u) << "unregistered";
  {
    auto scoped = cache.observe([&](const UserChange& c) { heard.push_back(c); });
  }
  cache.erase("vera");
  EXPECT_EQ(heard.size(), 2u) << "gone with its registration";
  cache.refreshed();
  EXPECT_EQ(ready, 1) << "once";
}

TEST(DirectoryCache, ARefreshDropsTheUsersItDidNotAnnounce) {
  DirectoryCache cache;
  cache.put(make_user("anna", "Staff"));
  cache.put(make_user("boris", "Staff"));
  cache.refreshed();
  std::vector<UserChange> heard;
  auto observing = cache.observe([&](const UserChange& c) { heard.push_back(c); });
  // A reconnect: everything announced again but boris.
  cache.apply({DirectoryEvent::Kind::RefreshStarted, {}});
  cache.apply({DirectoryEvent::Kind::Changed, make_user("anna", "Staff")});
  cache.apply({DirectoryEvent::Kind::Refreshed, {}});
  EXPECT_EQ(cache.find("boris"), nullptr);
  EXPECT_NE(cache.find("anna"), nullptr);
  ASSERT_EQ(heard.size(), 1u);
  EXPECT_EQ(heard[0].before->name, "boris");
  EXPECT_FALSE(heard[0].after);
}

}  // namespace
}  // namespace jabberadmin::directory
