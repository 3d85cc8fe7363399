// The roster features wired as the server wires them (router, presence, rosters) over a
// directory cache the test fills, a real SQLite file and recording sessions: jabber:iq:roster, versioning,
// subscriptions, live directory changes, avatar hashes and the end of locked accounts.
#include <gtest/gtest.h>

#include <unistd.h>

#include <boost/asio/io_context.hpp>

#include <filesystem>
#include <map>

#include "directory_users.hpp"
#include "fakes.hpp"
#include "presence/presence.hpp"
#include "roster/roster_pushes.hpp"
#include "roster/roster_module.hpp"
#include "temp_dir.hpp"
#include "router/router.hpp"
#include "roster/personal_store.hpp"
#include "stream/stanza.hpp"

namespace jabberadmin::roster {
namespace {

using presence::Presence;
using test::FakeSession;
namespace fs = std::filesystem;
constexpr std::string_view kRoster = "jabber:iq:roster";

Jid jid(std::string_view s) { return *Jid::parse(s); }

std::string condition(const xml::Element& e) {
  const xml::Element* error = e.child("error");
  return error && error->first_element() ? error->first_element()->name() : std::string();
}

class RosterModuleTest : public ::testing::Test {
 protected:
  jabberadmin::test::TempDir tmp_{"roster"};  // first, so removed after all that uses it
  RosterModuleTest() {
    db = std::make_unique<store::Database>(tmp_ / "db.sqlite");
    directory.put(test::make_user("anna", "Staff", "Анна"));
    directory.put(test::make_user("boris", "Staff", "Boris"));
    directory.put(test::make_user("loner", std::nullopt));
    directory.refreshed();
    rosters = std::make_unique<RosterModule>(router, directory, *db);
    presence = std::make_unique<Presence>(router, rosters->contacts());
    rosters->start(*presence, io.get_executor(), RosterDirectoryOptions{{"example.org", "other.example"}});
    rosters->follow(directory);
  }
  // A directory change made before the test's users log in, already applied.
  void before_logins(const std::string& name, const std::function<void(User&)>& edit) {
    if (directory.find(name)) test::change_user(directory, name, edit);
    else {
      User u = test::make_user(name, std::nullopt);
      edit(u);
      directory.put(u);
    }
    rosters->live().flush();
  }
  ~RosterModuleTest() override {
    rosters.reset();
  }

  FakeSession& connect(std::string_view full, bool available = true) {
    auto& s = *sessions.emplace_back(std::make_unique<FakeSession>(jid(full)));
    s.host = &router;
    router.bind(s);
    if (available) send(s, xml::Element("presence", "jabber:client"));
    return s;
  }
  void send(FakeSession& s, xml::Element e) {
    e.set_attr("from", s.jid().full());
    router.on_stanza(s, std::move(e));
  }
  xml::Element roster_iq(std::string_view type, std::optional<std::string> ver = {}) {
    xml::Element iq("iq", "jabber:client");
    iq.set_attr("type", type);
    iq.set_attr("id", "r1");
    auto& q = iq.add(xml::Element("query", std::string(kRoster)));
    if (ver) q.set_attr("ver", *ver);
    return iq;
  }
  xml::Element roster_set(std::string_view contact, std::string_view subscription = {}) {
    xml::Element iq = roster_iq("set");
    auto& item = iq.children()[0].add(xml::Element("item", std::string(kRoster)));
    item.set_attr("jid", contact);
    if (!subscription.empty()) item.set_attr("subscription", subscription);
    return iq;
  }
  xml::Element subscription(std::string_view type, std::string_view to) {
    xml::Element p("presence", "jabber:client");
    p.set_attr("type", type);
    p.set_attr("to", to);
    return p;
  }
  // The stanzas s got that match, taken out of its inbox.
  std::vector<xml::Element> take(FakeSession& s, std::string_view name, std::string_view type = {}) {
    std::vector<xml::Element> out, rest;
    for (auto& e : s.received)
      (e.name() == name && (type.empty() || stream::stanza_type(e) == type) ? out : rest).push_back(e);
    s.received = rest;
    return out;
  }
  const xml::Element* item_of(const xml::Element& iq) {
    const xml::Element* q = iq.child("query", kRoster);
    return q ? q->child("item", kRoster) : nullptr;
  }

  boost::asio::io_context io;
  router::Router router{{"example.org", "other.example"}};
  std::unique_ptr<store::Database> db;
  directory::DirectoryCache directory;
  std::unique_ptr<RosterModule> rosters;
  std::unique_ptr<Presence> presence;
  std::vector<std::unique_ptr<FakeSession>> sessions;
};

TEST_F(RosterModuleTest, GetReturnsTheSharedItemsAndNothingWhenTheVersionIsCurrent) {
  auto& a = connect("anna@example.org/a");
  send(a, roster_iq("get"));
  auto results = take(a, "iq", "result");
  ASSERT_EQ(results.size(), 1u);
  const xml::Element* q = results[0].child("query", kRoster);
  ASSERT_NE(q, nullptr);
  const std::string ver = q->attr_or("ver");
  EXPECT_FALSE(ver.empty());
  const xml::Element* item = q->child("item", kRoster);
  ASSERT_NE(item, nullptr);
  EXPECT_EQ(item->attr_or("jid"), "boris@example.org");
  EXPECT_EQ(item->attr_or("name"), "Boris");
  EXPECT_EQ(item->attr_or("subscription"), "both");
  EXPECT_EQ(item->child("group", kRoster)->text(), "Staff");

  send(a, roster_iq("get", ver));
  results = take(a, "iq", "result");
  ASSERT_EQ(results.size(), 1u);
  EXPECT_EQ(results[0].child("query", kRoster), nullptr);
}

TEST_F(RosterModuleTest, GetMergesPersonalItemsInOrderAndFollowsTheDirectory) {
  before_logins("zoe", [](User& u) {
    u.group = "Staff";
    u.nickname = "Zoe";
  });
  auto& a = connect("anna@example.org/a");
  send(a, roster_set("carl@example.org"));     // personal, between two shared items
  send(a, roster_set("aaron@remote.example"));  // personal, before them all
  // Personal from before zoe joined the group: the shared item covers it.
  rosters->roster().personal().put("anna@example.org", PersonalItem{"zoe@example.org", "old friend"});
  a.take();
  auto get = [&] {
    send(a, roster_iq("get"));
    auto results = take(a, "iq", "result");
    EXPECT_EQ(results.size(), 1u);
    return results.empty() ? xml::Element() : results[0];
  };
  // What the model says, as the one-element-at-a-time path wrote it.
  auto expected = [&] {
    xml::Element q("query", std::string(kRoster));
    q.set_attr("ver", rosters->roster().version(jid("anna@example.org")));
    for (const auto& item : rosters->roster().items(jid("anna@example.org"))) q.add(roster_item_element(item));
    return q;
  };
  xml::Element reply = get();
  EXPECT_EQ(reply.attr_or("id"), "r1");
  EXPECT_EQ(reply.attr_or("to"), "anna@example.org/a");
  ASSERT_NE(reply.child("query", kRoster), nullptr);
  EXPECT_EQ(*reply.child("query", kRoster), expected());
  std::vector<std::string> jids;
  for (const auto& item : reply.child("query", kRoster)->children()) jids.push_back(item.attr_or("jid"));
  EXPECT_EQ(jids, (std::vector<std::string>{"aaron@remote.example", "boris@example.org", "carl@example.org",
                                            "zoe@example.org"}));
  EXPECT_EQ(reply.child("query", kRoster)->children().back().attr_or("subscription"), "both");

  // Zoe renamed in the directory: the next get shows it, with a new version.
  const std::string ver = reply.child("query", kRoster)->attr_or("ver");
  test::change_user(directory, "zoe", [](User& u) { u.nickname = "Зоя"; });
  a.take();
  reply = get();
  ASSERT_NE(reply.child("query", kRoster), nullptr);
  EXPECT_EQ(*reply.child("query", kRoster), expected());
  EXPECT_NE(reply.child("query", kRoster)->attr_or("ver"), ver);
  EXPECT_EQ(reply.child("query", kRoster)->children().back().attr_or("name"), "Зоя");
}

// Issue 13: a roster get applied the directory changes still gathered for a batch, so one
// user's get pushed to others ahead of the batch. A get only answers.
TEST_F(RosterModuleTest, AGetOnlyAnswersAndLeavesGatheredChangesToTheirBatch) {
  auto& b = connect("boris@example.org/b");
  send(b, roster_iq("get"));
  auto& a = connect("anna@example.org/a");
  a.take();
  b.take();
  test::change_user(directory, "loner", [](User& u) { u.group = "Staff"; });
  send(a, roster_iq("get"));
  const auto results = take(a, "iq", "result");
  ASSERT_EQ(results.size(), 1u);
  std::vector<std::string> jids;
  for (const auto& item : results[0].child("query", kRoster)->children()) jids.push_back(item.attr_or("jid"));
  EXPECT_EQ(jids, (std::vector<std::string>{"boris@example.org", "loner@example.org"})) << "the directory as it is";
  EXPECT_TRUE(take(b, "iq", "set").empty()) << "anna's get pushed to boris";
  EXPECT_TRUE(take(b, "presence").empty());
  rosters->live().flush();  // the batch, when its time comes
  const auto pushes = take(b, "iq", "set");
  ASSERT_EQ(pushes.size(), 1u);
  EXPECT_EQ(item_of(pushes[0])->attr_or("jid"), "loner@example.org");
}

// Issue 13: the same personal-roster query ran three times per login (the roster get, then
// the initial presence's broadcast and its probes). Once now.
TEST_F(RosterModuleTest, ALoginReadsThePersonalRosterOnce) {
  rosters->roster().personal().put("anna@example.org", PersonalItem{"carl@example.org", "", {}, "both", false});
  const auto reads = [&] {
    std::uint64_t n = 0;
    for (const auto& [sql, uses] : db->statement_uses())
      if (sql.find("FROM roster WHERE user = ? ORDER BY jid") != std::string::npos) n += uses;
    return n;
  };
  const auto before = reads();
  auto& a = connect("anna@example.org/a", false);
  send(a, roster_iq("get"));
  send(a, xml::Element("presence", "jabber:client"));
  EXPECT_EQ(take(a, "iq", "result").size(), 1u);
  EXPECT_EQ(reads() - before, 1u);
}

TEST_F(RosterModuleTest, ASharedItemCannotBeRemovedOrCancelled) {
  auto& a = connect("anna@example.org/a");
  send(a, roster_set("boris@example.org", "remove"));
  auto errors = take(a, "iq", "error");
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(condition(errors[0]), "not-allowed");
  EXPECT_NE(xml::serialize(errors[0]).find("directory group 'Staff'"), std::string::npos);
  send(a, subscription("unsubscribed", "boris@example.org"));
  auto refused = take(a, "presence", "error");
  ASSERT_EQ(refused.size(), 1u);
  EXPECT_EQ(condition(refused[0]), "not-allowed");
}

TEST_F(RosterModuleTest, GroupMembersExchangePresenceWithAvatarHashes) {
  before_logins("anna", [](User& u) { u.photo = "abc"; });
  auto& b = connect("boris@example.org/b");
  b.take();
  connect("anna@example.org/a");
  auto seen = take(b, "presence");
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].attr_or("from"), "anna@example.org/a");
  const xml::Element* x = seen[0].child("x", "vcard-temp:x:update");
  ASSERT_NE(x, nullptr);
  EXPECT_EQ(x->child("photo")->text(), "a9993e364706816aba3e25717850c26c9cd0d89d");

  // The avatar changes: anna's presence again, with the new hash.
  test::change_user(directory, "anna", [](User& u) { u.photo = "new"; });
  rosters->live().flush();
  seen = take(b, "presence");
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_NE(seen[0].child("x", "vcard-temp:x:update")->child("photo")->text(), "a9993e364706816aba3e25717850c26c9cd0d89d");
}

TEST_F(RosterModuleTest, ALoginHearsEachOnlineGroupMateOnceThroughItsProbes) {
  // RFC 6121 §4.3: the initial presence probes every contact, and each available resource of
  // a group-mate answers with its last presence, addressed to the new resource.
  before_logins("vera", [](User& u) {
    u.group = "Staff";
    u.nickname = "Vera";
  });
  auto& b = connect("boris@example.org/b");
  send(b, [] {
    xml::Element p("presence", "jabber:client");
    p.add(xml::Element("show", "jabber:client")).add_text("away");
    return p;
  }());
  auto& b2 = connect("boris@example.org/phone");
  connect("vera@example.org/v", false);  // bound, never available: nothing to answer
  b.take();
  b2.take();
  auto& a = connect("anna@example.org/a");
  auto seen = take(a, "presence");
  std::map<std::string, std::string> shows;  // from -> <show/>
  for (const auto& p : seen) {
    EXPECT_EQ(p.attr_or("to"), "anna@example.org/a");
    const xml::Element* show = p.child("show");
    shows[p.attr_or("from")] = show ? show->text() : "";
  }
  EXPECT_EQ(seen.size(), 3u);  // its own echo and boris' two resources
  EXPECT_EQ(shows, (std::map<std::string, std::string>{
                       {"anna@example.org/a", ""}, {"boris@example.org/b", "away"}, {"boris@example.org/phone", ""}}));
  // And the other way round: each of boris' resources heard anna come online, once.
  for (FakeSession* s : {&b, &b2}) {
    const auto heard = take(*s, "presence");
    ASSERT_EQ(heard.size(), 1u);
    EXPECT_EQ(heard[0].attr_or("from"), "anna@example.org/a");
  }
}

TEST_F(RosterModuleTest, JoiningTheGroupPushesToInterestedResourcesAndSharesPresence) {
  auto& a = connect("anna@example.org/a");
  auto& l = connect("loner@example.org/l");
  send(a, roster_iq("get"));
  send(l, roster_iq("get"));
  a.take();
  l.take();
  test::change_user(directory, "loner", [](User& u) { u.group = "Staff"; });
  EXPECT_TRUE(take(a, "iq").empty()) << "gathered for the settle time first";
  rosters->live().flush();
  auto pushes = take(a, "iq", "set");
  ASSERT_EQ(pushes.size(), 1u);
  EXPECT_EQ(item_of(pushes[0])->attr_or("jid"), "loner@example.org");
  EXPECT_EQ(item_of(pushes[0])->attr_or("subscription"), "both");
  EXPECT_EQ(take(l, "iq", "set").size(), 2u);
  EXPECT_EQ(take(a, "presence").size(), 1u) << "loner's presence, no subscription asked";
  EXPECT_EQ(take(l, "presence").size(), 1u);
}

TEST_F(RosterModuleTest, LockingEndsTheStreamsOnEveryHost) {
  auto& b = connect("boris@example.org/b");
  auto& other = connect("boris@other.example/x");
  auto& a = connect("anna@example.org/a");
  send(a, roster_iq("get"));
  a.take();
  test::change_user(directory, "boris", [](User& u) { u.locked = true; });
  rosters->live().flush();
  EXPECT_EQ(b.terminated, "policy-violation");
  EXPECT_EQ(other.terminated, "policy-violation");
  auto pushes = take(a, "iq", "set");
  ASSERT_EQ(pushes.size(), 1u);
  EXPECT_EQ(item_of(pushes[0])->attr_or("subscription"), "remove");
  auto gone = take(a, "presence", "unavailable");
  ASSERT_EQ(gone.size(), 1u);
  EXPECT_EQ(gone[0].attr_or("from"), "boris@example.org/b");
}

TEST_F(RosterModuleTest, ASubscriptionWaitsForAnOfflineUserAndThenBothSidesAreUpdated) {
  auto& a = connect("anna@example.org/a");
  send(a, roster_iq("get"));
  a.take();
  send(a, subscription("subscribe", "loner@example.org"));
  auto pushes = take(a, "iq", "set");
  ASSERT_EQ(pushes.size(), 1u);
  EXPECT_EQ(item_of(pushes[0])->attr_or("ask"), "subscribe");

  auto& l = connect("loner@example.org/l");
  auto requests = take(l, "presence", "subscribe");
  ASSERT_EQ(requests.size(), 1u) << "kept while loner was offline";
  EXPECT_EQ(requests[0].attr_or("from"), "anna@example.org");
  send(l, roster_iq("get"));
  l.take();
  send(l, subscription("subscribed", "anna@example.org"));
  pushes = take(a, "iq", "set");
  ASSERT_EQ(pushes.size(), 1u);
  EXPECT_EQ(item_of(pushes[0])->attr_or("subscription"), "to");
  EXPECT_FALSE(item_of(pushes[0])->attr("ask"));
  EXPECT_EQ(take(a, "presence", "subscribed").size(), 1u);
  EXPECT_EQ(take(a, "presence", "available").size(), 1u) << "loner's presence follows the approval";
  pushes = take(l, "iq", "set");
  ASSERT_EQ(pushes.size(), 1u);
  EXPECT_EQ(item_of(pushes[0])->attr_or("subscription"), "from");

  // Answered: not shown again at the next login.
  auto& l2 = connect("loner@example.org/two");
  EXPECT_TRUE(take(l2, "presence", "subscribe").empty());
  // Loner's presence now reaches anna, and a probe is answered.
  EXPECT_EQ(rosters->contacts().subscribers(jid("loner@example.org")).size(), 1u);
}

TEST_F(RosterModuleTest, RemoteSubscriptionsBounceAndChangeNothing) {
  auto& a = connect("anna@example.org/a");
  send(a, roster_iq("get"));
  a.take();
  send(a, subscription("subscribe", "friend@remote.example"));
  auto errors = take(a, "presence", "error");
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(condition(errors[0]), "remote-server-not-found");
  EXPECT_TRUE(take(a, "iq").empty());
}

// Issue 12 item 8: 400 items of 64 KB were accepted, and the owner's own roster get then
// passed her output bound. The defaults: 500 items of at most 1024 bytes.
TEST_F(RosterModuleTest, PersonalItemsAreCappedInNumberAndSize) {
  auto& anna = connect("anna@example.org/a");
  anna.take();
  xml::Element big = roster_set("big@example.org");
  big.children()[0].children()[0].set_attr("name", std::string(900, 'n'));
  big.children()[0].children()[0].add(xml::Element("group", std::string(kRoster))).add_text(std::string(500, 'g'));
  send(anna, big);
  auto replies = take(anna, "iq");
  ASSERT_EQ(replies.size(), 1u);
  EXPECT_EQ(stream::stanza_type(replies[0]), "error");
  EXPECT_EQ(condition(replies[0]), "not-acceptable");
  EXPECT_FALSE(PersonalStore(*db).item("anna@example.org", "big@example.org"));

  for (int i = 0; i < 500; ++i) {
    send(anna, roster_set("c" + std::to_string(i) + "@example.org"));
    ASSERT_EQ(take(anna, "iq", "result").size(), 1u) << i;
    anna.take();  // the pushes
  }
  send(anna, roster_set("one-more@example.org"));
  replies = take(anna, "iq");
  ASSERT_EQ(replies.size(), 1u);
  EXPECT_EQ(condition(replies[0]), "resource-constraint");
  EXPECT_EQ(PersonalStore(*db).items("anna@example.org").size(), 500u);
  // Changing an item that is there still works at the cap.
  send(anna, roster_set("c7@example.org"));
  EXPECT_EQ(take(anna, "iq", "result").size(), 1u);
  // A subscription request would add an item too.
  send(anna, subscription("subscribe", "boris@example.org/x"));
  send(anna, subscription("subscribe", "someone@example.org"));
  const auto refused = take(anna, "presence", "error");
  ASSERT_EQ(refused.size(), 1u);
  EXPECT_EQ(condition(refused[0]), "resource-constraint");
  EXPECT_EQ(PersonalStore(*db).items("anna@example.org").size(), 500u);
}

// Issue 12 item 8: directed-presence tracking grew by each target with no cap.
TEST_F(RosterModuleTest, DirectedPresenceTargetsAreCapped) {
  presence->set_max_directed(3);
  auto& anna = connect("anna@example.org/a");
  auto& loner = connect("loner@example.org/l");
  anna.take();
  loner.take();
  auto directed = [](std::string_view to, std::string_view type = {}) {
    xml::Element p("presence", "jabber:client");
    p.set_attr("to", to);
    if (!type.empty()) p.set_attr("type", type);
    return p;
  };
  for (const char* to : {"x1@example.org", "x2@example.org", "x3@example.org"}) send(anna, directed(to));
  EXPECT_TRUE(take(anna, "presence", "error").empty());
  send(anna, directed("loner@example.org/l"));
  const auto errors = take(anna, "presence", "error");
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(condition(errors[0]), "resource-constraint");
  EXPECT_TRUE(take(loner, "presence").empty()) << "over the cap, nothing is sent";
  // Unavailable to one target frees its place.
  send(anna, directed("x1@example.org", "unavailable"));
  send(anna, directed("loner@example.org/l"));
  EXPECT_TRUE(take(anna, "presence", "error").empty());
  EXPECT_EQ(take(loner, "presence").size(), 1u);
}

TEST_F(RosterModuleTest, RemovingAPersonalItemCancelsBothWays) {
  auto& a = connect("anna@example.org/a");
  auto& l = connect("loner@example.org/l");
  send(a, roster_iq("get"));
  send(l, roster_iq("get"));
  send(a, subscription("subscribe", "loner@example.org"));
  send(l, subscription("subscribed", "anna@example.org"));
  a.take();
  l.take();
  send(a, roster_set("loner@example.org", "remove"));
  EXPECT_EQ(take(a, "iq", "result").size(), 1u);
  auto pushes = take(a, "iq", "set");
  ASSERT_FALSE(pushes.empty());
  EXPECT_EQ(item_of(pushes.back())->attr_or("subscription"), "remove");
  pushes = take(l, "iq", "set");
  ASSERT_FALSE(pushes.empty());
  EXPECT_EQ(item_of(pushes.back())->attr_or("subscription"), "none");
  EXPECT_TRUE(rosters->contacts().subscribers(jid("loner@example.org")).empty());
}

}  // namespace
}  // namespace jabberadmin::roster
