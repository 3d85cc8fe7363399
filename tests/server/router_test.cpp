#include <gtest/gtest.h>

#include <algorithm>
#include <functional>

#include "fakes.hpp"
#include "core_modules.hpp"
#include "router/router.hpp"
#include "stream/stanza.hpp"

namespace jabberadmin::router {
namespace {
using test::FakeSession;

Jid jid(std::string_view s) { return *Jid::parse(s); }

xml::Element stanza(std::string_view name, std::string_view from, std::string_view to, std::string_view type = {}) {
  xml::Element e(std::string(name), "jabber:client");
  if (!from.empty()) e.set_attr("from", from);
  if (!to.empty()) e.set_attr("to", to);
  if (!type.empty()) e.set_attr("type", type);
  return e;
}

xml::Element presence(std::string_view from, int priority) {
  xml::Element p = stanza("presence", from, {});
  p.add(xml::Element("priority", "jabber:client")).add_text(std::to_string(priority));
  return p;
}

struct FixedContacts : presence::Contacts {
  std::map<std::string, std::vector<Jid>> of;
  std::vector<Jid> subscribers(const Jid& u) const override {
    auto it = of.find(u.bare());
    return it == of.end() ? std::vector<Jid>{} : it->second;
  }
  std::vector<Jid> subscriptions(const Jid& u) const override { return subscribers(u); }
};

std::string error_condition(const xml::Element& e) {
  const xml::Element* error = e.child("error");
  if (error == nullptr || error->first_element() == nullptr) return {};
  return error->first_element()->name();
}

class RouterTest : public ::testing::Test {
 protected:
  Router router{{"example.org", "other.example"}};
  test::CoreModules modules{router};
  std::vector<std::unique_ptr<FakeSession>> sessions;

  FakeSession& connect(std::string_view full, std::optional<int> priority = 0) {
    auto& s = *sessions.emplace_back(std::make_unique<FakeSession>(jid(full)));
    s.host = &router;
    router.bind(s);
    if (priority) router.on_stanza(s, presence(full, *priority));
    for (auto& each : sessions) each->take();
    return s;
  }
  void send(FakeSession& s, xml::Element e) {
    e.set_attr("from", s.jid().full());
    router.on_stanza(s, std::move(e));
  }
};

TEST_F(RouterTest, MessageToFullJidGoesToThatResourceOnly) {
  auto& a = connect("alice@example.org/a");
  auto& b1 = connect("bob@example.org/1");
  auto& b2 = connect("bob@example.org/2");
  send(a, stanza("message", {}, "bob@example.org/2", "chat"));
  EXPECT_TRUE(b1.received.empty());
  ASSERT_EQ(b2.received.size(), 1u);
  EXPECT_EQ(b2.received[0].attr_or("from"), "alice@example.org/a");
}

TEST_F(RouterTest, TransferKeepsTheBindingAndItsPresenceWithoutUnbinding) {
  auto& a = connect("alice@example.org/a");
  auto& b = connect("bob@example.org/phone", 3);
  FakeSession resumed(jid("bob@example.org/phone"));
  FakeSession stranger(jid("bob@example.org/other"));
  EXPECT_FALSE(router.transfer(b, stranger));  // another JID
  EXPECT_FALSE(router.transfer(resumed, b));   // not bound
  EXPECT_TRUE(router.transfer(b, resumed));
  const Resource* r = router.find(jid("bob@example.org/phone"));
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(r->session, &resumed);
  EXPECT_TRUE(r->available);
  EXPECT_EQ(r->priority, 3);
  EXPECT_TRUE(a.received.empty());  // nobody heard it leave
  router.unbind(b);                 // the old session is no longer the one bound
  EXPECT_EQ(router.find(jid("bob@example.org/phone"))->session, &resumed);
  send(a, stanza("message", {}, "bob@example.org", "chat"));
  EXPECT_EQ(resumed.received.size(), 1u);
  EXPECT_TRUE(b.received.empty());
}

TEST_F(RouterTest, MessageToBareJidGoesToTheHighestPriority) {
  auto& a = connect("alice@example.org/a");
  auto& low = connect("bob@example.org/low", 1);
  auto& high = connect("bob@example.org/high", 5);
  auto& also_high = connect("bob@example.org/high2", 5);
  send(a, stanza("message", {}, "bob@example.org", "chat"));
  EXPECT_TRUE(low.received.empty());
  EXPECT_EQ(high.received.size(), 1u);
  EXPECT_EQ(also_high.received.size(), 1u);
}

TEST_F(RouterTest, NegativePriorityAndNoPresenceDoNotReceiveBareMessages) {
  auto& a = connect("alice@example.org/a");
  auto& neg = connect("bob@example.org/neg", -1);
  auto& silent = connect("bob@example.org/silent", std::nullopt);
  send(a, stanza("message", {}, "bob@example.org", "chat"));
  EXPECT_TRUE(neg.received.empty());
  EXPECT_TRUE(silent.received.empty());
  ASSERT_EQ(a.received.size(), 1u);
  EXPECT_EQ(error_condition(a.received[0]), "service-unavailable");
}

TEST_F(RouterTest, OfflineRecipientIsAnErrorNeverASilentDrop) {
  auto& a = connect("alice@example.org/a");
  auto m = stanza("message", {}, "nobody@example.org", "chat");
  m.set_attr("id", "m1");
  send(a, m);
  ASSERT_EQ(a.received.size(), 1u);
  EXPECT_EQ(a.received[0].attr_or("type"), "error");
  EXPECT_EQ(a.received[0].attr_or("id"), "m1");
  EXPECT_EQ(a.received[0].attr_or("from"), "nobody@example.org");
  EXPECT_EQ(error_condition(a.received[0]), "service-unavailable");
}

TEST_F(RouterTest, UndeliverableHookTakesOverWhenRegistered) {
  std::vector<xml::Element> stored;
  const auto hook = router.on_undeliverable_message([&](const xml::Element& m) { stored.push_back(m); });
  auto& a = connect("alice@example.org/a");
  send(a, stanza("message", {}, "nobody@example.org", "chat"));
  EXPECT_EQ(stored.size(), 1u);
  EXPECT_TRUE(a.received.empty());
}

TEST_F(RouterTest, MessageToAGoneResourceFallsBackToTheBareJid) {
  auto& a = connect("alice@example.org/a");
  auto& b = connect("bob@example.org/desk");
  send(a, stanza("message", {}, "bob@example.org/phone", "chat"));
  EXPECT_EQ(b.received.size(), 1u);
  send(a, stanza("message", {}, "bob@example.org/phone", "headline"));
  EXPECT_EQ(b.received.size(), 1u);
  EXPECT_TRUE(a.received.empty());
}

TEST_F(RouterTest, ErrorsAreNeverAnswered) {
  auto& a = connect("alice@example.org/a");
  send(a, stanza("message", {}, "nobody@example.org", "error"));
  EXPECT_TRUE(a.received.empty());
}

TEST_F(RouterTest, RemoteDomainsAreNotReachable) {
  auto& a = connect("alice@example.org/a");
  send(a, stanza("message", {}, "bob@jabber.example.com", "chat"));
  ASSERT_EQ(a.received.size(), 1u);
  EXPECT_EQ(error_condition(a.received[0]), "remote-server-not-found");
}

TEST_F(RouterTest, VirtualHostsRouteToEachOther) {
  auto& a = connect("alice@example.org/a");
  auto& c = connect("carol@other.example/c");
  send(a, stanza("message", {}, "carol@other.example", "chat"));
  EXPECT_EQ(c.received.size(), 1u);
}

TEST_F(RouterTest, MalformedToIsJidMalformed) {
  auto& a = connect("alice@example.org/a");
  send(a, stanza("message", {}, "@@bad", "chat"));
  ASSERT_EQ(a.received.size(), 1u);
  EXPECT_EQ(error_condition(a.received[0]), "jid-malformed");
}

TEST_F(RouterTest, SameResourceReplacesTheOldSessionWithConflict) {
  auto& first = connect("alice@example.org/a");
  auto& watcher = connect("alice@example.org/w");
  FakeSession second(jid("alice@example.org/a"));
  second.host = &router;
  router.bind(second);
  EXPECT_EQ(first.terminated, "conflict");
  EXPECT_EQ(router.find(jid("alice@example.org/a"))->session, &second);
  // The replaced session's unavailable presence reached the other resource.
  ASSERT_FALSE(watcher.received.empty());
  EXPECT_EQ(watcher.received.back().attr_or("type"), "unavailable");
}

TEST_F(RouterTest, IqErrors) {
  auto& a = connect("alice@example.org/a");
  auto iq = stanza("iq", {}, "example.org", "get");
  iq.set_attr("id", "1");
  iq.add(xml::Element("query", "urn:unknown"));
  send(a, iq);
  ASSERT_EQ(a.received.size(), 1u);
  EXPECT_EQ(error_condition(a.received[0]), "service-unavailable");
  EXPECT_EQ(a.received[0].attr_or("from"), "example.org");

  auto to_gone = stanza("iq", {}, "bob@example.org/gone", "get");
  to_gone.set_attr("id", "2");
  to_gone.add(xml::Element("ping", "urn:xmpp:ping"));
  send(a, to_gone);
  EXPECT_EQ(error_condition(a.received.at(1)), "service-unavailable");

  auto two = stanza("iq", {}, "example.org", "get");
  two.set_attr("id", "3");
  two.add(xml::Element("ping", "urn:xmpp:ping"));
  two.add(xml::Element("ping", "urn:xmpp:ping"));
  send(a, two);
  EXPECT_EQ(error_condition(a.received.at(2)), "bad-request");

  auto node = stanza("iq", {}, "example.org", "get");
  node.set_attr("id", "4");
  node.add(xml::Element("query", "http://jabber.org/protocol/disco#info")).set_attr("node", "nope");
  send(a, node);
  EXPECT_EQ(error_condition(a.received.at(3)), "item-not-found");

  // Results and errors addressed to the server are never answered.
  send(a, stanza("iq", {}, "example.org", "result"));
  EXPECT_EQ(a.received.size(), 4u);
}

TEST_F(RouterTest, IqBetweenClientsIsRoutedBothWays) {
  auto& a = connect("alice@example.org/a");
  auto& b = connect("bob@example.org/b");
  auto iq = stanza("iq", {}, "bob@example.org/b", "get");
  iq.set_attr("id", "v");
  iq.add(xml::Element("query", "jabber:iq:version"));
  send(a, iq);
  ASSERT_EQ(b.received.size(), 1u);
  send(b, stream::iq_result(b.received[0]));
  ASSERT_EQ(a.received.size(), 1u);
  EXPECT_EQ(a.received[0].attr_or("type"), "result");
}

TEST_F(RouterTest, DiscoPingVersion) {
  auto& a = connect("alice@example.org/a");
  auto disco = stanza("iq", {}, "example.org", "get");
  disco.set_attr("id", "d");
  disco.add(xml::Element("query", "http://jabber.org/protocol/disco#info"));
  send(a, disco);
  ASSERT_EQ(a.received.size(), 1u);
  const std::string info = xml::serialize(a.received[0], "jabber:client");
  EXPECT_NE(info.find("category='server'"), std::string::npos);
  EXPECT_NE(info.find("var='urn:xmpp:ping'"), std::string::npos);
  EXPECT_NE(info.find("var='jabber:iq:version'"), std::string::npos);

  auto ping = stanza("iq", {}, "example.org", "get");
  ping.set_attr("id", "p");
  ping.add(xml::Element("ping", "urn:xmpp:ping"));
  send(a, ping);
  EXPECT_EQ(a.received.at(1).attr_or("type"), "result");
  EXPECT_EQ(a.received.at(1).attr_or("id"), "p");

  auto version = stanza("iq", {}, "example.org", "get");
  version.set_attr("id", "v");
  version.add(xml::Element("query", "jabber:iq:version"));
  send(a, version);
  EXPECT_EQ(a.received.at(2).child("query")->child("name")->text(), "cl-jabberd");
}

TEST_F(RouterTest, LegacySessionAndEmptyRoster) {
  auto& a = connect("alice@example.org/a");
  auto session = stanza("iq", {}, "example.org", "set");
  session.set_attr("id", "s");
  session.add(xml::Element("session", "urn:ietf:params:xml:ns:xmpp-session"));
  send(a, session);
  EXPECT_EQ(a.received.at(0).attr_or("type"), "result");
  auto roster = stanza("iq", {}, {}, "get");
  roster.set_attr("id", "r");
  roster.add(xml::Element("query", "jabber:iq:roster"));
  send(a, roster);
  EXPECT_EQ(a.received.at(1).attr_or("type"), "result");
  EXPECT_NE(a.received.at(1).child("query", "jabber:iq:roster"), nullptr);
}

TEST_F(RouterTest, DirectedPresenceAndUnavailableOnDisconnect) {
  auto& a = connect("alice@example.org/a");
  auto& b = connect("bob@example.org/b");
  send(a, stanza("presence", {}, "bob@example.org"));
  ASSERT_EQ(b.received.size(), 1u);
  EXPECT_EQ(b.received[0].attr_or("from"), "alice@example.org/a");
  router.unbind(a);  // an unclean disconnect
  ASSERT_EQ(b.received.size(), 2u);
  EXPECT_EQ(b.received[1].attr_or("type"), "unavailable");
  EXPECT_EQ(b.received[1].attr_or("from"), "alice@example.org/a");
}

TEST_F(RouterTest, DirectedPresenceToAnOfflineUserIsDropped) {
  auto& a = connect("alice@example.org/a");
  send(a, stanza("presence", {}, "nobody@example.org"));
  EXPECT_TRUE(a.received.empty());
}

TEST_F(RouterTest, InitialPresenceReachesOwnResources) {
  auto& other = connect("alice@example.org/other", 0);
  auto& fresh = connect("alice@example.org/new", std::nullopt);
  send(fresh, presence({}, 3));
  ASSERT_FALSE(other.received.empty());
  EXPECT_EQ(other.received.back().attr_or("from"), "alice@example.org/new");
  // The new resource gets its own presence back and its sibling's.
  bool sibling = false;
  for (const auto& p : fresh.received) sibling = sibling || p.attr_or("from") == "alice@example.org/other";
  EXPECT_TRUE(sibling);
  EXPECT_EQ(router.find(jid("alice@example.org/new"))->priority, 3);
}

TEST_F(RouterTest, SerializedPresenceFollowsTheRulesOfDeliver) {
  auto& one = connect("alice@example.org/one");
  auto& low = connect("alice@example.org/low", -1);  // a negative priority still hears presence
  auto& quiet = connect("alice@example.org/quiet", std::nullopt);  // bound, never available
  const xml::StanzaTemplate bytes(stanza("presence", "bob@example.org/b", {}), "jabber:client");

  EXPECT_TRUE(router.deliver_presence(jid("alice@example.org"), bytes));
  for (FakeSession* s : {&one, &low}) {
    const auto got = s->take();
    ASSERT_EQ(got.size(), 1u);
    EXPECT_EQ(got[0].attr_or("from"), "bob@example.org/b");
    EXPECT_EQ(got[0].attr_or("to"), "alice@example.org");
    EXPECT_EQ(got[0].attrs().size(), 2u);
  }
  EXPECT_TRUE(quiet.take().empty());

  // To a full JID: that resource, available or not, as deliver() does.
  EXPECT_TRUE(router.deliver_presence(jid("alice@example.org/quiet"), bytes));
  const auto got = quiet.take();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].attr_or("to"), "alice@example.org/quiet");
  EXPECT_TRUE(one.received.empty());

  EXPECT_TRUE(router.deliver_presence(jid("nobody@example.org"), bytes));  // ours, nobody online
  EXPECT_TRUE(router.deliver_presence(jid("alice@example.org/gone"), bytes));
  // Not an account of ours: the caller routes the element (bounces and all).
  EXPECT_FALSE(router.deliver_presence(jid("alice@remote.example"), bytes));
  EXPECT_FALSE(router.deliver_presence(jid("example.org"), bytes));
  EXPECT_TRUE(one.received.empty() && low.received.empty() && quiet.received.empty());
}

// The contract a fan-out relies on: a delivery never ends a session before it returns
// (net::Transport::send queues; a client that does not read is dropped in a later turn).
// A session records, at each delivery, how many of its account's resources are bound.
struct SessionSeeingSiblings : FakeSession {
  SessionSeeingSiblings(Jid jid, Router& router) : FakeSession(std::move(jid)), router(router) {}
  Router& router;
  std::vector<std::size_t> bound_at_delivery;
  void deliver_serialized(std::string stanza) override {
    FakeSession::deliver_serialized(std::move(stanza));
    bound_at_delivery.push_back(router.resources(jid().to_bare()).size());
  }
};

TEST_F(RouterTest, AFanOutReachesEveryAvailableResourceOnceWithAllStillBound) {
  std::vector<SessionSeeingSiblings*> alice;
  for (std::string_view full : {"alice@example.org/a", "alice@example.org/b", "alice@example.org/c"}) {
    auto& s = *sessions.emplace_back(std::make_unique<SessionSeeingSiblings>(jid(full), router));
    alice.push_back(static_cast<SessionSeeingSiblings*>(&s));
    s.host = &router;
    router.bind(s);
    router.on_stanza(s, presence(full, 0));
  }
  for (auto& s : sessions) s->take();
  for (auto* s : alice) s->bound_at_delivery.clear();
  const xml::StanzaTemplate bytes(stanza("presence", "bob@example.org/b", {}), "jabber:client");
  EXPECT_TRUE(router.deliver_presence(jid("alice@example.org"), bytes));
  for (auto* s : alice) {
    EXPECT_EQ(s->take().size(), 1u) << s->jid().full();
    EXPECT_EQ(s->bound_at_delivery, (std::vector<std::size_t>{3})) << s->jid().full();
  }
}

TEST(RouterContacts, BroadcastAndProbesFollowContacts) {
  Router router{{"example.org"}};
  auto contacts = std::make_unique<FixedContacts>();
  contacts->of["alice@example.org"] = {jid("bob@example.org")};
  contacts->of["bob@example.org"] = {jid("alice@example.org")};
  test::CoreModules modules(router, std::move(contacts));
  FakeSession bob(jid("bob@example.org/b")), alice(jid("alice@example.org/a"));
  router.bind(bob);
  router.on_stanza(bob, presence("bob@example.org/b", 0));
  bob.take();
  router.bind(alice);
  router.on_stanza(alice, presence("alice@example.org/a", 0));
  // Bob hears Alice come online; Alice's probe brought Bob's presence back.
  ASSERT_FALSE(bob.received.empty());
  EXPECT_EQ(bob.received[0].attr_or("from"), "alice@example.org/a");
  bool got_bob = false;
  for (const auto& p : alice.received) got_bob = got_bob || p.attr_or("from") == "bob@example.org/b";
  EXPECT_TRUE(got_bob);
  router.unbind(alice);
  EXPECT_EQ(bob.received.back().attr_or("type"), "unavailable");
}

// The router is where the served hosts are kept: in the configured order (primary first,
// as the start-up line names them), each once.
TEST(RouterHosts, KeptInTheConfiguredOrderEachOnce) {
  Router router{{"primary.example", "b.example", "a.example", "b.example"}};
  EXPECT_EQ(router.hosts(), (std::vector<std::string>{"primary.example", "b.example", "a.example"}));
  EXPECT_TRUE(router.serves("a.example"));
  EXPECT_TRUE(router.serves("primary.example"));
  EXPECT_FALSE(router.serves("c.example"));
  EXPECT_FALSE(router.serves(""));
}

}  // namespace
}  // namespace jabberadmin::router
