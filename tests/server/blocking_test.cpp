// XEP-0191 blocking through the router, on a real SQLite file: the IQs, the pushes, both
// directions of enforcement with the XEP's errors, offline storage, presence withdrawn
// and restored, and the list kept across a restart.
#include <gtest/gtest.h>

#include <map>

#include "blocking/blocking.hpp"
#include "directory_users.hpp"
#include "fakes.hpp"
#include "module/module.hpp"
#include "presence/presence.hpp"
#include "router/router.hpp"
#include "store/database.hpp"
#include "temp_dir.hpp"

namespace jabberadmin::blocking {
namespace {
using test::FakeSession;

Jid jid(std::string_view s) { return *Jid::parse(s); }

// Presence shared both ways between the pairs listed.
class PairContacts final : public presence::Contacts {
 public:
  std::multimap<std::string, std::string> pairs;
  std::vector<Jid> subscribers(const Jid& user) const override {
    std::vector<Jid> out;
    for (const auto& [a, b] : pairs) {
      if (a == user.bare()) out.push_back(jid(b));
      if (b == user.bare()) out.push_back(jid(a));
    }
    return out;
  }
  std::vector<Jid> subscriptions(const Jid& user) const override { return subscribers(user); }
};

std::string condition(const xml::Element& e) {
  const xml::Element* error = e.child("error");
  return error && error->first_element() ? error->first_element()->name() : std::string{};
}

class BlockingTest : public ::testing::Test {
 protected:
  jabberadmin::test::TempDir tmp{"blocking"};
  std::unique_ptr<store::Database> db;
  std::unique_ptr<router::Router> router;
  stream::StreamFeatures features;
  module::DiscoFeatures disco;
  std::unique_ptr<module::Modules> modules;
  PairContacts contacts;
  // Never ready unless a test fills it.
  std::unique_ptr<directory::DirectoryCache> directory = std::make_unique<directory::DirectoryCache>();
  std::vector<std::unique_ptr<FakeSession>> sessions;
  std::vector<std::string> stored;  // what reached the offline hook
  util::Registration offline;
  int ids = 0;

  void SetUp() override { start(); }
  void TearDown() override { stop(); }
  void stop() {
    offline = {};
    modules.reset();
    sessions.clear();
    router.reset();
    db.reset();
  }
  void start() {
    db = std::make_unique<store::Database>(tmp / "jabberadmin.sqlite");
    router = std::make_unique<router::Router>(std::vector<std::string>{"example.org", "example.net"});
    modules = std::make_unique<module::Modules>(
        module::Services{*router, features, disco, nullptr, directory.get(), db.get()},
        std::vector<module::Factory>{module::make<presence::Presence>(), module::make<Blocking>()});
    modules->find<presence::Presence>()->set_contacts(&contacts);
    offline = router->on_undeliverable_message([this](const xml::Element& m) { stored.push_back(m.attr_or("from")); });
  }
  FakeSession& online(std::string_view full) {
    auto& s = *sessions.emplace_back(std::make_unique<FakeSession>(jid(full)));
    s.host = router.get();
    router->bind(s);
    xml::Element p("presence", "jabber:client");
    p.set_attr("from", full);
    router->on_stanza(s, p);
    s.take();
    return s;
  }
  // An IQ in urn:xmpp:blocking from session: its answer (pushes stay in received).
  xml::Element iq(FakeSession& from, std::string_view type, xml::Element payload) {
    xml::Element q("iq", "jabber:client");
    q.set_attr("type", type);
    q.set_attr("id", "q" + std::to_string(++ids));
    q.set_attr("from", from.jid().full());
    q.add(std::move(payload));
    router->on_stanza(from, q);
    for (auto it = from.received.begin(); it != from.received.end(); ++it)
      if (it->attr_or("id") == q.attr_or("id")) {
        xml::Element answer = *it;
        from.received.erase(it);
        return answer;
      }
    ADD_FAILURE() << "no answer";
    return xml::Element("none", "jabber:client");
  }
  static xml::Element command(std::string_view name, std::initializer_list<std::string_view> jids) {
    xml::Element c{std::string(name), "urn:xmpp:blocking"};
    for (auto j : jids) c.add(xml::Element("item", "urn:xmpp:blocking")).set_attr("jid", j);
    return c;
  }
  void message(FakeSession& from, std::string_view to, std::string_view body) {
    xml::Element m("message", "jabber:client");
    m.set_attr("from", from.jid().full());
    m.set_attr("to", to);
    m.set_attr("type", "chat");
    m.add(xml::Element("body", "jabber:client")).add_text(body);
    router->on_stanza(from, m);
  }
  static std::vector<std::string> bodies(const std::vector<xml::Element>& stanzas) {
    std::vector<std::string> out;
    for (const auto& s : stanzas)
      if (const auto* b = s.child("body")) out.push_back(b->text());
    return out;
  }
};

TEST_F(BlockingTest, AnEmptyListThenBlockGetAndUnblock) {
  auto& alice = online("alice@example.org/a");
  xml::Element list = iq(alice, "get", xml::Element("blocklist", "urn:xmpp:blocking"));
  EXPECT_EQ(list.attr_or("type"), "result");
  ASSERT_NE(list.child("blocklist", "urn:xmpp:blocking"), nullptr);
  EXPECT_EQ(list.child("blocklist", "urn:xmpp:blocking")->element_count(), 0u);

  EXPECT_EQ(iq(alice, "set", command("block", {"Spam@Example.org", "spam.example"})).attr_or("type"), "result");
  list = iq(alice, "get", xml::Element("blocklist", "urn:xmpp:blocking"));
  std::vector<std::string> items;
  for (const auto& i : list.child("blocklist", "urn:xmpp:blocking")->children()) items.push_back(i.attr_or("jid"));
  EXPECT_EQ(items, (std::vector<std::string>{"spam.example", "spam@example.org"})) << "normalised";

  EXPECT_EQ(iq(alice, "set", command("unblock", {"spam@example.org"})).attr_or("type"), "result");
  EXPECT_EQ(iq(alice, "get", xml::Element("blocklist", "urn:xmpp:blocking")).child("blocklist")->element_count(), 1u);
  EXPECT_EQ(iq(alice, "set", command("unblock", {})).attr_or("type"), "result") << "unblock all";
  EXPECT_EQ(iq(alice, "get", xml::Element("blocklist", "urn:xmpp:blocking")).child("blocklist")->element_count(), 0u);
}

TEST_F(BlockingTest, BadRequestsAreRefusedWithAReason) {
  auto& alice = online("alice@example.org/a");
  EXPECT_EQ(condition(iq(alice, "set", command("block", {}))), "bad-request");
  EXPECT_EQ(condition(iq(alice, "set", command("block", {"not a jid@example.org"}))), "jid-malformed");
  EXPECT_EQ(condition(iq(alice, "set", command("block", {""}))), "bad-request");
  EXPECT_EQ(condition(iq(alice, "get", command("block", {"a@example.org"}))), "bad-request");
  xml::Element big("block", "urn:xmpp:blocking");
  for (std::size_t i = 0; i <= kMaxItems; ++i)
    big.add(xml::Element("item", "urn:xmpp:blocking")).set_attr("jid", "u" + std::to_string(i) + "@example.org");
  const xml::Element refused = iq(alice, "set", big);
  EXPECT_EQ(condition(refused), "policy-violation");
  EXPECT_NE(refused.child("error")->child("text")->text().find("at most 1000"), std::string::npos);
  EXPECT_EQ(iq(alice, "get", xml::Element("blocklist", "urn:xmpp:blocking")).child("blocklist")->element_count(), 0u)
      << "nothing of a refused command is kept";
}

TEST_F(BlockingTest, ABlockedSendersMessagesBounceAndOthersArrive) {
  auto& alice = online("alice@example.org/a");
  auto& spam = online("spam@example.org/s");
  auto& friendly = online("friend@example.org/f");
  iq(alice, "set", command("block", {"spam@example.org"}));
  message(spam, "alice@example.org", "buy");
  message(friendly, "alice@example.org", "hello");
  EXPECT_EQ(bodies(alice.received), std::vector<std::string>{"hello"});
  ASSERT_EQ(spam.received.size(), 1u);
  EXPECT_EQ(condition(spam.received[0]), "service-unavailable");
  EXPECT_EQ(spam.received[0].attr_or("from"), "alice@example.org");
}

TEST_F(BlockingTest, TheUserCannotWriteToABlockedContact) {
  auto& alice = online("alice@example.org/a");
  auto& spam = online("spam@example.org/s");
  iq(alice, "set", command("block", {"spam@example.org"}));
  message(alice, "spam@example.org/s", "hi?");
  EXPECT_TRUE(bodies(spam.received).empty());
  ASSERT_EQ(alice.received.size(), 1u);
  EXPECT_EQ(condition(alice.received[0]), "not-acceptable");
  EXPECT_NE(alice.received[0].child("error")->child("blocked", "urn:xmpp:blocking:errors"), nullptr);
}

TEST_F(BlockingTest, ADomainBlocksEveryoneThereButNeverTheUserOrTheServer) {
  auto& alice = online("alice@example.org/a");
  auto& alice2 = online("alice@example.org/b");
  auto& bob = online("bob@example.net/x");
  iq(alice, "set", command("block", {"example.net", "example.org"}));
  message(bob, "alice@example.org", "from the other domain");
  message(alice2, "alice@example.org/a", "from myself");
  EXPECT_EQ(bodies(alice.received), std::vector<std::string>{"from myself"});
  // The server still answers (disco, ping: here an IQ nobody handles is service-unavailable).
  xml::Element ping("iq", "jabber:client");
  ping.set_attr("type", "get");
  ping.set_attr("id", "p");
  ping.set_attr("to", "example.org");
  ping.set_attr("from", "alice@example.org/a");
  ping.add(xml::Element("ping", "urn:xmpp:ping"));
  alice.take();
  router->on_stanza(alice, ping);
  ASSERT_EQ(alice.received.size(), 1u);
  EXPECT_EQ(alice.received[0].attr_or("from"), "example.org");
}

TEST_F(BlockingTest, MessagesFromABlockedSenderAreNotStoredOffline) {
  auto& alice = online("alice@example.org/a");
  auto& spam = online("spam@example.org/s");
  auto& friendly = online("friend@example.org/f");
  iq(alice, "set", command("block", {"spam@example.org"}));
  router->unbind(alice);
  message(spam, "alice@example.org", "stored?");
  message(friendly, "alice@example.org", "for later");
  EXPECT_EQ(stored, std::vector<std::string>{"friend@example.org/f"});
  EXPECT_EQ(condition(spam.received.at(0)), "service-unavailable");
}

TEST_F(BlockingTest, PushesGoToTheResourcesThatAskedForTheList) {
  auto& a = online("alice@example.org/a");
  auto& b = online("alice@example.org/b");
  auto& c = online("alice@example.org/c");
  iq(b, "get", xml::Element("blocklist", "urn:xmpp:blocking"));
  for (auto* s : {&a, &b, &c}) s->take();  // the siblings' presence
  iq(a, "set", command("block", {"spam@example.org"}));
  ASSERT_EQ(b.received.size(), 1u);
  EXPECT_EQ(b.received[0].attr_or("type"), "set");
  const xml::Element* pushed = b.received[0].child("block", "urn:xmpp:blocking");
  ASSERT_NE(pushed, nullptr);
  EXPECT_EQ(pushed->child("item")->attr_or("jid"), "spam@example.org");
  EXPECT_TRUE(a.received.empty()) << "a never asked for the list";
  EXPECT_TRUE(c.received.empty());
  iq(a, "set", command("unblock", {}));
  ASSERT_EQ(b.received.size(), 2u);
  EXPECT_EQ(b.received[1].child("unblock", "urn:xmpp:blocking")->element_count(), 0u);
}

TEST_F(BlockingTest, BlockingWithdrawsPresenceBothWaysAndUnblockingRestoresIt) {
  contacts.pairs.emplace("alice@example.org", "bob@example.org");
  auto& alice = online("alice@example.org/a");
  auto& bob = online("bob@example.org/b");
  alice.take();
  bob.take();
  iq(alice, "set", command("block", {"bob@example.org"}));
  ASSERT_EQ(bob.received.size(), 1u);
  EXPECT_EQ(bob.received[0].attr_or("type"), "unavailable");
  EXPECT_EQ(bob.received[0].attr_or("from"), "alice@example.org/a");
  ASSERT_EQ(alice.received.size(), 1u);
  EXPECT_EQ(alice.received[0].attr_or("type"), "unavailable");
  EXPECT_EQ(alice.received[0].attr_or("from"), "bob@example.org/b");
  alice.take();
  bob.take();
  // Presence from then on goes neither way.
  xml::Element away("presence", "jabber:client");
  away.set_attr("from", "bob@example.org/b");
  away.add(xml::Element("show", "jabber:client")).add_text("away");
  router->on_stanza(bob, away);
  xml::Element dnd = away;
  dnd.set_attr("from", "alice@example.org/a");
  router->on_stanza(alice, dnd);
  for (const auto& s : alice.received) EXPECT_NE(s.attr_or("from"), "bob@example.org/b") << xml::serialize(s);
  for (const auto& s : bob.received) EXPECT_NE(s.attr_or("from"), "alice@example.org/a") << xml::serialize(s);
  alice.take();
  bob.take();
  iq(alice, "set", command("unblock", {"bob@example.org"}));
  ASSERT_EQ(bob.received.size(), 1u);
  EXPECT_EQ(bob.received[0].attr_or("from"), "alice@example.org/a");
  EXPECT_EQ(bob.received[0].child("show")->text(), "away") << "the current presence, not the old one";
  ASSERT_EQ(alice.received.size(), 1u);
  EXPECT_EQ(alice.received[0].attr_or("from"), "bob@example.org/b");
}

TEST_F(BlockingTest, TheListSurvivesARestartAndBelongsToTheAccountOnEveryHost) {
  auto& alice = online("alice@example.org/a");
  iq(alice, "set", command("block", {"spam@example.org"}));
  stop();
  start();
  auto& again = online("alice@example.net/a");
  auto& spam = online("spam@example.org/s");
  message(spam, "alice@example.net", "still there?");
  EXPECT_TRUE(bodies(again.received).empty());
  EXPECT_EQ(iq(again, "get", xml::Element("blocklist", "urn:xmpp:blocking")).child("blocklist")->element_count(), 1u);
}

TEST_F(BlockingTest, AnotherAccountsListIsForbidden) {
  auto& mallory = online("mallory@example.org/m");
  xml::Element q("iq", "jabber:client");
  q.set_attr("type", "get");
  q.set_attr("id", "x");
  q.set_attr("to", "alice@example.org");
  q.set_attr("from", "mallory@example.org/m");
  q.add(xml::Element("blocklist", "urn:xmpp:blocking"));
  router->on_stanza(mallory, q);
  ASSERT_EQ(mallory.received.size(), 1u);
  EXPECT_EQ(condition(mallory.received[0]), "forbidden");
}

// A deleted account's list goes with it: a new account under the old name starts with none,
// whether the deletion is seen live or found at start.
// The roster tells an account's removal (live, swept at start, re-created under its name)
// through module::AccountData; blocking answers for the account's list.
TEST_F(BlockingTest, ARemovedAccountsListGoesWithIt) {
  auto& alice = online("alice@example.org/a");
  auto& bob = online("bob@example.org/b");
  iq(alice, "set", command("block", {"spam@example.org"}));
  iq(bob, "set", command("block", {"spam@example.org"}));
  router->unbind(alice);
  EXPECT_TRUE(modules->account_data().known().contains("alice@example.org")) << "the sweep at start sees it";
  EXPECT_EQ(modules->account_data().removed({"alice@example.org"}), 1u);
  EXPECT_FALSE(modules->account_data().known().contains("alice@example.org"));
  auto& again = online("alice@example.org/new");
  EXPECT_EQ(iq(again, "get", xml::Element("blocklist", "urn:xmpp:blocking")).child("blocklist")->element_count(), 0u);
  EXPECT_EQ(iq(bob, "get", xml::Element("blocklist", "urn:xmpp:blocking")).child("blocklist")->element_count(), 1u);
  // And from the database: a restart does not bring it back.
  stop();
  start();
  auto& bob_again = online("bob@example.org/b2");
  auto& alice_again = online("alice@example.org/a2");
  EXPECT_EQ(iq(alice_again, "get", xml::Element("blocklist", "urn:xmpp:blocking")).child("blocklist")->element_count(), 0u);
  EXPECT_EQ(iq(bob_again, "get", xml::Element("blocklist", "urn:xmpp:blocking")).child("blocklist")->element_count(), 1u);
}


}  // namespace
}  // namespace jabberadmin::blocking
