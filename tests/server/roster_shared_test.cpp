// The shared roster over a directory cache the test fills: who sees whom, versions, avatar
// hashes, and the comparison of a batch of changes (pushes, presence pairs, ended accounts).
#include <gtest/gtest.h>

#include "roster/shared_roster.hpp"
#include "directory_users.hpp"

namespace jabberadmin::roster {
namespace {

Jid jid(std::string_view s) { return *Jid::parse(s); }

class SharedRosterTest : public ::testing::Test {
 protected:
  directory::DirectoryCache dir;
  SharedRoster shared{dir, {"example.org"}};
  void SetUp() override {
    dir.put(test::make_user("anna", "Staff", "Анна"));
    dir.put(test::make_user("boris", "Staff"));
    dir.put(test::make_user("vera", "Sales", "Vera"));
    dir.put(test::make_user("loner", std::nullopt));
    dir.refreshed();
  }
  Before remember(std::initializer_list<std::string> names) {
    Before b;
    for (const auto& n : names) b[n] = dir.find(n) ? std::optional<User>(*dir.find(n)) : std::nullopt;
    return b;
  }
  void change(const std::string& name, const std::function<void(User&)>& edit) { test::change_user(dir, name, edit); }
};

TEST_F(SharedRosterTest, MembersOfOneGroupSeeEachOtherByNicknameUnderTheGroup) {
  const auto items = shared.items(jid("anna@example.org"));
  ASSERT_EQ(items.size(), 1u);
  EXPECT_EQ(items[0], (SharedItem{"boris@example.org", "boris", "Staff"})) << "no cn: the user name";
  EXPECT_EQ(shared.items(jid("boris@example.org"))[0].name, "Анна");
  EXPECT_TRUE(shared.items(jid("loner@example.org")).empty());
  EXPECT_TRUE(shared.items(jid("anna@other.example")).empty()) << "a host this server does not serve";
  EXPECT_TRUE(shared.item(jid("anna@example.org"), "boris@example.org"));
  EXPECT_FALSE(shared.item(jid("anna@example.org"), "vera@example.org"));
}

TEST_F(SharedRosterTest, LockedUsersAreInNobodysRoster) {
  change("boris", [](User& u) { u.locked = true; });
  EXPECT_TRUE(shared.items(jid("anna@example.org")).empty());
  EXPECT_EQ(shared.member(jid("boris@example.org")), nullptr);
}

TEST_F(SharedRosterTest, DigestFollowsTheItems) {
  const std::string before = shared.digest(jid("anna@example.org"));
  const auto* view = shared.group_items(jid("anna@example.org"));
  const auto views = shared.views_version();
  // Kept while the directory stays the same (a login storm asks for it a thousand times)...
  EXPECT_EQ(before, shared.digest(jid("anna@example.org")));
  EXPECT_EQ(view, shared.group_items(jid("anna@example.org")));
  EXPECT_EQ(views, shared.views_version());
  // ...and computed anew once it says it changed (DirectoryCache::generation),
  change("boris", [](User& u) { u.nickname = "Boris"; });
  EXPECT_NE(views, shared.views_version());
  const std::string renamed = shared.digest(jid("anna@example.org"));
  EXPECT_NE(before, renamed);
  // or once the change is reported (RosterDirectory::changed).
  const auto reported = shared.views_version();
  shared.forget("boris");
  EXPECT_NE(reported, shared.views_version());
  change("boris", [](User& u) { u.nickname = "Борис"; });
  EXPECT_NE(renamed, shared.digest(jid("anna@example.org")));
  EXPECT_EQ(shared.items(jid("anna@example.org")).at(0).name, "Борис");
}

TEST_F(SharedRosterTest, AvatarHashIsTheSha1OfTheJpegPhotoOnAnyHost) {
  EXPECT_EQ(shared.avatar_hash(jid("anna@example.org")), "");
  change("anna", [](User& u) { u.photo = "abc"; });
  shared.forget("anna");
  EXPECT_EQ(shared.avatar_hash(jid("anna@other.example")), "a9993e364706816aba3e25717850c26c9cd0d89d");
  EXPECT_EQ(shared.avatar_hash(jid("nobody@example.org")), std::nullopt);
}

TEST_F(SharedRosterTest, JoiningAGroupPushesBothWaysAndSharesPresence) {
  const Before before = remember({"loner"});
  change("loner", [](User& u) { u.group = "Staff"; });
  const SharedDelta d = shared.diff(before);
  EXPECT_EQ(d.pushes.size(), 3u);
  EXPECT_TRUE(d.pushes.at("anna@example.org").at("loner@example.org"));
  EXPECT_EQ(d.pushes.at("loner@example.org").size(), 2u);
  EXPECT_EQ(d.gained.size(), 4u);
  EXPECT_TRUE(d.lost.empty());
}

TEST_F(SharedRosterTest, ARenameOfEveryMemberIsOneChangePerItemWithoutLosingPresence) {
  const Before before = remember({"anna", "boris"});
  change("anna", [](User& u) { u.group = "Персонал"; });
  change("boris", [](User& u) { u.group = "Персонал"; });
  const SharedDelta d = shared.diff(before);
  ASSERT_EQ(d.pushes.size(), 2u);
  EXPECT_EQ(d.pushes.at("anna@example.org").at("boris@example.org")->group, "Персонал");
  EXPECT_TRUE(d.gained.empty());
  EXPECT_TRUE(d.lost.empty());
}

TEST_F(SharedRosterTest, LockingRemovesAndEndsAndDeletingToo) {
  Before before = remember({"boris"});
  change("boris", [](User& u) { u.locked = true; });
  SharedDelta d = shared.diff(before);
  EXPECT_FALSE(d.pushes.at("anna@example.org").at("boris@example.org"));
  EXPECT_EQ(d.lost.size(), 2u);
  EXPECT_EQ(d.ended, std::vector<std::string>{"boris"});

  before = remember({"vera"});
  dir.erase("vera");
  d = shared.diff(before);
  EXPECT_EQ(d.ended, std::vector<std::string>{"vera"});
  EXPECT_TRUE(d.pushes.empty()) << "alone in her group: nobody's roster changes";
}

TEST_F(SharedRosterTest, APhotoChangeIsAnAvatarChange) {
  const Before before = remember({"anna"});
  change("anna", [](User& u) { u.photo = "jpeg"; });
  const SharedDelta d = shared.diff(before);
  EXPECT_EQ(d.avatars, std::vector<std::string>{"anna"});
  EXPECT_TRUE(d.pushes.empty());
}

}  // namespace
}  // namespace jabberadmin::roster

namespace jabberadmin::roster {
namespace {

TEST(SharedRosterHosts, EveryServedHostIsAViewOfTheSameGroups) {
  directory::DirectoryCache dir;
  dir.put(test::make_user("anna", "Staff", "Анна"));
  dir.put(test::make_user("boris", "Staff"));
  dir.refreshed();
  SharedRoster shared{dir, {"example.org", "other.example"}};
  const auto on_other = shared.items(*Jid::parse("anna@other.example"));
  ASSERT_EQ(on_other.size(), 1u);
  EXPECT_EQ(on_other[0].jid, "boris@other.example") << "group-mates on the host the viewer logged in on";
  EXPECT_EQ(shared.items(*Jid::parse("anna@example.org"))[0].jid, "boris@example.org");
  EXPECT_FALSE(shared.item(*Jid::parse("anna@other.example"), "boris@example.org")) << "never across hosts";
  EXPECT_TRUE(shared.items(*Jid::parse("anna@elsewhere.example")).empty());

  // A change reaches the viewers on every host.
  Before before{{"boris", *dir.find("boris")}};
  test::change_user(dir, "boris", [](User& u) { u.nickname = "Борис"; });
  const auto delta = shared.diff(before);
  EXPECT_TRUE(delta.pushes.contains("anna@example.org"));
  EXPECT_TRUE(delta.pushes.contains("anna@other.example"));
  EXPECT_EQ(delta.pushes.at("anna@other.example").at("boris@other.example")->name, "Борис");
}

}  // namespace
}  // namespace jabberadmin::roster
