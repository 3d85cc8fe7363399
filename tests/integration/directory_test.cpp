// The directory core against a real slapd: escaping, users, groups, lock, passwords.
#include <gtest/gtest.h>
#include <ldap.h>

#include "jabberadmin/error.hpp"
#include "jabberadmin/ldap.hpp"
#include "jabberadmin/password.hpp"
#include "slapd_fixture.hpp"

namespace jabberadmin::test {
namespace {

// A fresh connection that binds as nobody yet: for password checks.
ldap::Connection anonymous(const Slapd& slapd) {
  ldap::ConnectOptions options;
  options.uri = slapd.tcp_uri();
  return ldap::Connection::open(options);
}

class DirectoryTest : public SlapdTest {};

TEST_F(DirectoryTest, CreatedUserBindsWithItsPasswordOnly) {
  auto dir = slapd().directory();
  dir.add_user({.name = "alice", .nickname = "Алиса", .password = "s3cret"});
  auto conn = anonymous(slapd());
  EXPECT_TRUE(conn.check_password(dir.user_dn("alice"), "s3cret"));
  EXPECT_FALSE(conn.check_password(dir.user_dn("alice"), "wrong"));
  EXPECT_FALSE(conn.check_password(dir.user_dn("alice"), ""));
  const std::string ldif = slapd().ldapsearch("(uid=alice)", {"userPassword", "cn", "mail"});
  EXPECT_NE(ldif.find("userPassword:: "), std::string::npos) << "stored as a hash, base64 in LDIF";
  EXPECT_EQ(ldif.find("s3cret"), std::string::npos);
}

TEST_F(DirectoryTest, StoredHashIsSaltedCrypt) {
  auto dir = slapd().directory();
  dir.add_user({.name = "a1", .password = "same"});
  dir.add_user({.name = "a2", .password = "same"});
  auto& conn = dir.connection();
  const auto h1 = conn.read(dir.user_dn("a1"), {"userPassword"})->first("userPassword").value();
  const auto h2 = conn.read(dir.user_dn("a2"), {"userPassword"})->first("userPassword").value();
  EXPECT_TRUE(h1.starts_with("{CRYPT}$6$")) << h1;
  EXPECT_NE(h1, h2) << "a salt per password";
  EXPECT_TRUE(password::verify("same", h1));
}

TEST_F(DirectoryTest, LockFailsBindAndUnlockRestoresTheSamePassword) {
  auto dir = slapd().directory();
  dir.add_user({.name = "bob", .password = "pw-bob"});
  dir.update_user("bob", {.lock = UserUpdate::Lock::Lock});
  EXPECT_TRUE(dir.user("bob").locked);
  auto conn = anonymous(slapd());
  EXPECT_FALSE(conn.check_password(dir.user_dn("bob"), "pw-bob"));
  // The marker must never turn the value into a clear-text password that binds.
  const auto stored = dir.connection().read(dir.user_dn("bob"), {"userPassword"})->first("userPassword").value();
  EXPECT_FALSE(conn.check_password(dir.user_dn("bob"), stored));
  EXPECT_TRUE(stored.starts_with("{CRYPT}!"));
  dir.update_user("bob", {.lock = UserUpdate::Lock::Unlock});
  EXPECT_FALSE(dir.user("bob").locked);
  EXPECT_TRUE(conn.check_password(dir.user_dn("bob"), "pw-bob"));
}

TEST_F(DirectoryTest, LockIsVisibleToReadersWhoCannotReadHashes) {
  auto dir = slapd().directory();
  dir.add_user({.name = "carol", .password = "pw-carol"});
  dir.add_user({.name = "reader", .password = "pw-reader"});
  dir.update_user("carol", {.lock = UserUpdate::Lock::Lock});
  // An ordinary authenticated reader (as the server's or ejabberd's service account would be).
  ldap::ConnectOptions options;
  options.uri = slapd().tcp_uri();
  options.bind_dn = dir.user_dn("reader");
  options.bind_password = "pw-reader";
  auto reader = ldap::Connection::open(options);
  const auto entry = reader.read(dir.user_dn("carol"), schema::user_attributes());
  ASSERT_TRUE(entry);
  EXPECT_FALSE(entry->has("userPassword")) << "hashes stay hidden";
  EXPECT_TRUE(dir.user_from_entry(*entry).locked);
}

// shadowExpire holds a real expiry date as days since 1970: from that day on the account
// counts as expired (refused like a locked one), without being locked.
TEST_F(DirectoryTest, AnExpiryDateInThePastCountsAsExpired) {
  auto dir = slapd().directory();
  const std::int64_t today = day_number();
  for (const char* name : {"past", "today", "future", "never"}) dir.add_user({.name = name, .password = "pw-12345"});
  auto& conn = dir.connection();
  using Op = ldap::Modification::Op;
  conn.modify(dir.user_dn("past"), {{Op::Replace, "shadowExpire", {std::to_string(today - 30)}}});
  conn.modify(dir.user_dn("today"), {{Op::Replace, "shadowExpire", {std::to_string(today)}}});
  conn.modify(dir.user_dn("future"), {{Op::Replace, "shadowExpire", {std::to_string(today + 30)}}});
  conn.modify(dir.user_dn("never"), {{Op::Replace, "shadowExpire", {"-1"}}});  // shadow-utils' "none"

  const User past = dir.user("past");
  EXPECT_TRUE(past.expired);
  EXPECT_FALSE(past.locked);
  EXPECT_TRUE(past.disabled());
  EXPECT_EQ(past.expires, today - 30);
  EXPECT_TRUE(dir.user("today").disabled());
  EXPECT_FALSE(dir.user("future").disabled());
  EXPECT_EQ(dir.user("future").expires, today + 30);
  EXPECT_FALSE(dir.user("never").disabled());
  EXPECT_FALSE(dir.user("never").expires);
  // The lock's own value is the lock, not a date.
  dir.update_user("never", {.lock = UserUpdate::Lock::Lock});
  EXPECT_TRUE(dir.user("never").locked);
  EXPECT_FALSE(dir.user("never").expires);
}

// cl-usermod(8): -U takes away the lock only; an expiry date is changed with -e.
TEST_F(DirectoryTest, UnlockLeavesAnExpiryDateAndSetExpiryExtendsOrClearsIt) {
  auto dir = slapd().directory();
  const std::int64_t today = day_number();
  dir.add_user({.name = "olga", .password = "pw-12345"});
  dir.update_user("olga", {.expires = std::optional<std::int64_t>(today - 1)});
  EXPECT_TRUE(dir.user("olga").expired);
  dir.update_user("olga", {.lock = UserUpdate::Lock::Unlock});
  EXPECT_TRUE(dir.user("olga").expired) << "unlock is not an extension";
  dir.update_user("olga", {.expires = std::optional<std::int64_t>(today + 10)});
  EXPECT_FALSE(dir.user("olga").disabled());
  EXPECT_EQ(dir.user("olga").expires, today + 10);
  dir.update_user("olga", {.expires = std::optional<std::int64_t>(std::nullopt)});
  EXPECT_FALSE(dir.user("olga").expires);
  EXPECT_FALSE(dir.connection().read(dir.user_dn("olga"), {"shadowExpire"})->has("shadowExpire"));
  dir.update_user("olga", {.expires = std::optional<std::int64_t>(std::nullopt)});  // nothing to remove: no error
  // A lock replaces a date (the lock must be visible to readers of shadowExpire); unlocking
  // leaves no date behind.
  dir.update_user("olga", {.expires = std::optional<std::int64_t>(today + 10)});
  dir.update_user("olga", {.lock = UserUpdate::Lock::Lock});
  EXPECT_TRUE(dir.user("olga").locked);
  dir.update_user("olga", {.lock = UserUpdate::Lock::Unlock});
  EXPECT_FALSE(dir.user("olga").disabled());
  EXPECT_FALSE(dir.user("olga").expires);
  EXPECT_THROW(dir.update_user("olga", {.expires = std::optional<std::int64_t>(1)}), Error) << "day 1 is the lock's value, not a date";
}

// The server keeps what an account owns by its entryUUID: a new entry under the old name
// must not look like the old account.
TEST_F(DirectoryTest, EveryUserCarriesItsEntryUuidAndARecreatedOneANewOne) {
  auto dir = slapd().directory();
  dir.add_user({.name = "ivan"});
  const std::string first = dir.user("ivan").uuid;
  EXPECT_EQ(first.size(), 36u) << first;
  EXPECT_EQ(dir.users().front().uuid, first);
  dir.remove_user("ivan");
  dir.add_user({.name = "ivan"});
  EXPECT_NE(dir.user("ivan").uuid, first);
  EXPECT_EQ(dir.user("ivan").uuid.size(), 36u);
}

TEST_F(DirectoryTest, PasswordChangeOfLockedUserStaysLocked) {
  auto dir = slapd().directory();
  dir.add_user({.name = "dave", .password = "old"});
  dir.update_user("dave", {.lock = UserUpdate::Lock::Lock});
  dir.update_user("dave", {.password = "new"});
  auto conn = anonymous(slapd());
  EXPECT_FALSE(conn.check_password(dir.user_dn("dave"), "new"));
  dir.update_user("dave", {.lock = UserUpdate::Lock::Unlock});
  EXPECT_TRUE(conn.check_password(dir.user_dn("dave"), "new"));
  EXPECT_FALSE(conn.check_password(dir.user_dn("dave"), "old"));
}

TEST_F(DirectoryTest, HostileFilterValuesFindNothingTheyShouldNot) {
  auto dir = slapd().directory();
  dir.add_user({.name = "eve"});
  dir.add_group("Staff");
  dir.update_user("eve", {.group = "Staff"});
  for (const std::string& hostile : std::vector<std::string>{"*", "*)(uid=*", "Staff)(|(uid=*", "St*", "\\2a", std::string("Sta\0ff", 6)}) {
    EXPECT_TRUE(dir.members(hostile).empty()) << hostile;
  }
  EXPECT_EQ(dir.members("Staff").size(), 1u);
  EXPECT_EQ(dir.members("staff").size(), 1u) << "departmentNumber matches regardless of case";
}

TEST_F(DirectoryTest, HostileDnValuesStayOneEntryWithTheirExactName) {
  auto dir = slapd().directory();
  const std::vector<std::string> names{"R&D, Moscow", "a,b=c", "#lead", "trail x", "q\"uote", "semi;colon",
                                       "plus+sign", "back\\slash", "<angle>", "Тестовая группа"};
  for (const auto& name : names) dir.add_group(name);
  const auto groups = dir.groups();
  ASSERT_EQ(groups.size(), names.size());
  for (const auto& name : names) {
    const auto g = dir.find_group(name);
    ASSERT_TRUE(g) << name;
    EXPECT_EQ(g->name, name);
    EXPECT_TRUE(g->dn.ends_with("," + dir.groups_dn())) << "stays directly under ou=Groups: " << g->dn;
  }
  EXPECT_THROW(dir.add_group("trail "), Error) << "a trailing space would be silently trimmed";
  EXPECT_THROW(dir.add_group(""), Error);
  EXPECT_THROW(dir.add_group(std::string("nul\0x", 5)), Error);
}

TEST_F(DirectoryTest, GroupNamesAreUniqueRegardlessOfCaseCyrillicIncluded) {
  auto dir = slapd().directory();
  dir.add_group("Тестовая группа");
  try {
    dir.add_group("ТЕСТОВАЯ ГРУППА");
    FAIL() << "a group differing only by case was created";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::AlreadyExists);
  }
}

TEST_F(DirectoryTest, UserNamesAreNormalisedAndBadCharactersNamed) {
  auto dir = slapd().directory();
  EXPECT_EQ(dir.add_user({.name = "Guest"}).name, "guest");
  EXPECT_EQ(dir.add_user({.name = "Пётр"}).name, "пётр");
  EXPECT_THROW(dir.add_user({.name = "guest"}), Error);
  for (const std::string bad : {"a@b", "a/b", "a b", "", "x:y", "<x>"}) {
    try {
      dir.add_user({.name = bad});
      FAIL() << "accepted " << bad;
    } catch (const Error& e) {
      EXPECT_EQ(e.kind(), ErrorKind::InvalidArgument) << bad;
    }
  }
  EXPECT_EQ(dir.users().size(), 2u);
  // RFC 7622 allows filter metacharacters in a localpart: stored literally, matched literally.
  EXPECT_EQ(dir.add_user({.name = "*)(uid=*"}).name, "*)(uid=*");
  EXPECT_FALSE(dir.find_user("*"));
  EXPECT_EQ(dir.users().size(), 3u);
  EXPECT_NE(slapd().ldapsearch("(uid=\\2a\\29\\28uid=\\2a)", {"uid"}).find("uid: *)(uid=*"), std::string::npos);
}

TEST_F(DirectoryTest, GroupMembershipMovesRenamesAndDeletes) {
  auto dir = slapd().directory();
  dir.add_group("A");
  dir.add_group("B");
  dir.add_user({.name = "u1", .group = "A"});
  dir.add_user({.name = "u2"});
  const auto changes = dir.add_members("B", {"u1", "u2"});
  ASSERT_EQ(changes.size(), 2u);
  EXPECT_EQ(changes[0].previous_group, "A");
  EXPECT_FALSE(changes[1].previous_group);
  EXPECT_TRUE(dir.group("A").members.empty());
  EXPECT_EQ(dir.group("B").members, (std::vector<std::string>{"u1", "u2"}));
  dir.rename_group("B", "Бета");
  EXPECT_EQ(dir.user("u1").group, "Бета");
  EXPECT_FALSE(dir.find_group("B"));
  dir.remove_members("Бета", {"u2"});
  EXPECT_FALSE(dir.user("u2").group);
  EXPECT_THROW(dir.remove_members("Бета", {"u2"}), Error);
  dir.remove_group("Бета");
  EXPECT_FALSE(dir.user("u1").group) << "members stay, without a group";
  EXPECT_EQ(dir.users().size(), 2u);
}

TEST_F(DirectoryTest, UnknownGroupLeavesNoHalfMadeUser) {
  auto dir = slapd().directory();
  try {
    dir.add_user({.name = "frank", .group = "nope"});
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::NotFound);
  }
  EXPECT_FALSE(dir.find_user("frank"));
}

// slapd runs concurrent operations in any order: two pipelined adds of one DN must not be
// in flight together, or a repeated line of an import could win over the first (seen once
// in CI before the fix: the first line of a CSV failed as "already exists").
TEST_F(DirectoryTest, PipelinedAddsOfOneDnAnswerTheEarlierFirst) {
  auto dir = slapd().directory();
  auto& conn = dir.connection();
  std::vector<ldap::Connection::NewEntry> entries;
  for (int i = 0; i < 64; ++i)
    for (const char* which : {"first", "second"}) {
      // Every other pair differs in case only: still one entry to slapd.
      const std::string name = "dup" + std::to_string(i);
      const bool shouted = i % 2 == 1 && std::string_view(which) == "second";
      entries.push_back({ldap::child_dn("cn", shouted ? "DUP" + std::to_string(i) : name, slapd().base_dn()),
                         {{"objectClass", {"organizationalRole"}}, {"cn", {name}}, {"description", {which}}}});
    }
  const auto results = conn.add_many(entries);
  ASSERT_EQ(results.size(), entries.size());
  for (std::size_t i = 0; i < entries.size(); i += 2) {
    EXPECT_FALSE(results[i].has_value()) << entries[i].dn << ": " << results[i]->what();
    ASSERT_TRUE(results[i + 1].has_value()) << entries[i + 1].dn << " was added twice";
    EXPECT_EQ(results[i + 1]->code(), LDAP_ALREADY_EXISTS) << results[i + 1]->what();
    EXPECT_EQ(conn.read(entries[i].dn, {"description"})->first("description"), "first") << entries[i].dn;
  }
}

TEST_F(DirectoryTest, UnreachableServerNamesTheUri) {
  ldap::ConnectOptions options;
  options.uri = "ldap://127.0.0.1:" + std::to_string(free_port()) + "/";
  options.network_timeout = std::chrono::milliseconds(500);
  try {
    ldap::Connection::open(options);
    FAIL();
  } catch (const ldap::LdapError& e) {
    EXPECT_EQ(e.code(), ldap::kServerDown);
    EXPECT_NE(std::string(e.what()).find(options.uri), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace jabberadmin::test
