// The router's two observer hooks for part 2: on_available (offline delivery) and
// on_client_message (the history log).
#include <gtest/gtest.h>

#include "fakes.hpp"
#include "router/router.hpp"

namespace jabberadmin::router {
namespace {
using test::FakeSession;

Jid jid(std::string_view s) { return *Jid::parse(s); }

class RouterHooksTest : public ::testing::Test {
 protected:
  Router router{{"example.org"}};
  std::vector<std::unique_ptr<FakeSession>> sessions;
  std::vector<std::string> available;
  util::Registration observer;

  void SetUp() override {
    observer = router.on_available([this](const Jid& full) { available.push_back(full.full()); });
  }
  FakeSession& bind(std::string_view full) {
    auto& s = *sessions.emplace_back(std::make_unique<FakeSession>(jid(full)));
    s.host = &router;
    router.bind(s);
    return s;
  }
};

TEST_F(RouterHooksTest, AvailableFiresOnceWhenAResourceCanFirstTakeMessages) {
  bind("bob@example.org/desk");
  EXPECT_TRUE(available.empty()) << "binding is not availability";
  router.set_presence(jid("bob@example.org/desk"), true, 0);
  EXPECT_EQ(available, std::vector<std::string>{"bob@example.org/desk"});
  router.set_presence(jid("bob@example.org/desk"), true, 5);
  EXPECT_EQ(available.size(), 1u) << "a presence update is not initial presence";
  router.set_presence(jid("bob@example.org/desk"), false, 0);
  EXPECT_EQ(available.size(), 1u) << "unavailable never fires";
  router.set_presence(jid("bob@example.org/desk"), true, 1);
  EXPECT_EQ(available.size(), 2u) << "available again after unavailable fires again";
}

TEST_F(RouterHooksTest, NegativePriorityIsNotAvailableForMessagesUntilRaised) {
  bind("bob@example.org/bot");
  router.set_presence(jid("bob@example.org/bot"), true, -1);
  EXPECT_TRUE(available.empty());
  router.set_presence(jid("bob@example.org/bot"), true, 0);
  EXPECT_EQ(available, std::vector<std::string>{"bob@example.org/bot"});
  router.set_presence(jid("bob@example.org/bot"), true, -5);
  router.set_presence(jid("bob@example.org/bot"), true, 2);
  EXPECT_EQ(available.size(), 2u);
}

TEST_F(RouterHooksTest, AvailableObserverSeesTheStateAlreadyUpdated) {
  bind("bob@example.org/desk");
  bool seen_available = false;
  const auto also = router.on_available([&](const Jid& full) {
    const Resource* r = router.find(full);
    seen_available = r != nullptr && r->available && r->priority == 3;
  });
  router.set_presence(jid("bob@example.org/desk"), true, 3);
  EXPECT_TRUE(seen_available);
}

TEST_F(RouterHooksTest, AvailableForAnUnboundJidDoesNothing) {
  router.set_presence(jid("ghost@example.org/x"), true, 0);
  EXPECT_TRUE(available.empty());
}

TEST_F(RouterHooksTest, ClientMessagesAreSeenStampedBeforeRouting) {
  auto& alice = bind("alice@example.org/a");
  std::vector<xml::Element> seen;
  const auto observer = router.on_client_message([&](const xml::Element& m) { seen.push_back(m); });

  xml::Element m("message", "jabber:client");
  m.set_attr("from", "alice@example.org/a");
  m.set_attr("to", "Bob@Example.org");
  m.set_attr("type", "chat");
  router.on_stanza(alice, m);
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].attr_or("to"), "bob@example.org") << "normalised";
  EXPECT_EQ(seen[0].attr_or("from"), "alice@example.org/a");
  EXPECT_EQ(alice.received.size(), 1u) << "then routed as ever (bob is offline: an error)";

  xml::Element self("message", "jabber:client");
  self.set_attr("from", "alice@example.org/a");
  router.on_stanza(alice, self);
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[1].attr_or("to"), "alice@example.org") << "no 'to' is the sender's bare JID";
}

TEST_F(RouterHooksTest, ClientMessageStampersChangeWhatObserversSeeAndWhatIsRouted) {
  auto& alice = bind("alice@example.org/a");
  auto& bob = bind("bob@example.org/b");
  router.set_presence(jid("bob@example.org/b"), true, 0);
  std::vector<std::string> order;
  const auto stamper = router.stamp_client_messages([&](const stream::Stanza& sent, xml::Element& message) {
    order.push_back("stamp " + sent.from().full());
    message.add(xml::Element("stamp", "urn:test"));
  });
  const auto observer = router.on_client_message([&](const stream::Stanza& m) {
    order.push_back(m.element().child("stamp", "urn:test") ? "observed stamped" : "observed bare");
  });
  xml::Element m("message", "jabber:client");
  m.set_attr("to", "bob@example.org");
  m.set_attr("type", "chat");
  router.on_stanza(alice, m);
  EXPECT_EQ(order, (std::vector<std::string>{"stamp alice@example.org/a", "observed stamped"}));
  ASSERT_EQ(bob.received.size(), 1u);
  EXPECT_NE(bob.received[0].child("stamp", "urn:test"), nullptr) << "routed as stamped";

  xml::Element iq("iq", "jabber:client");
  iq.set_attr("type", "get");
  iq.set_attr("id", "1");
  iq.add(xml::Element("ping", "urn:xmpp:ping"));
  router.on_stanza(alice, iq);
  EXPECT_EQ(order.size(), 2u) << "messages only";
}

TEST_F(RouterHooksTest, PresenceIqAndMalformedMessagesAreNotClientMessages) {
  auto& alice = bind("alice@example.org/a");
  int seen = 0;
  const auto observer = router.on_client_message([&](const xml::Element&) { ++seen; });
  xml::Element bad("message", "jabber:client");
  bad.set_attr("from", "alice@example.org/a");
  bad.set_attr("to", "@@@");
  router.on_stanza(alice, bad);
  xml::Element presence("presence", "jabber:client");
  presence.set_attr("from", "alice@example.org/a");
  router.on_stanza(alice, presence);
  EXPECT_EQ(seen, 0);
}

// Route filters (XEP-0191 blocking) are asked before every delivery, the serialized
// presence fan-out included; a filter that says no stops the stanza there.
TEST_F(RouterHooksTest, RouteFiltersSeeEveryDeliveryAndMayStopIt) {
  auto& bob = bind("bob@example.org/b");
  router.set_presence(jid("bob@example.org/b"), true, 0);
  std::vector<std::string> asked;  // "from -> to (element or bytes)"
  bool pass = false;
  const auto filter = router.filter_routes([&](std::string_view from, const Jid& to, const xml::Element* stanza) {
    asked.push_back(std::string(from) + " -> " + to.full() + (stanza ? " element" : " bytes"));
    return pass;
  });
  xml::Element m("message", "jabber:client");
  m.set_attr("from", "alice@example.org/a");
  m.set_attr("to", "bob@example.org");
  m.set_attr("type", "chat");
  router.deliver(m);
  xml::Element p("presence", "jabber:client");
  p.set_attr("from", "alice@example.org/a");
  EXPECT_TRUE(router.deliver_presence(jid("bob@example.org"), xml::StanzaTemplate(p, "jabber:client")))
      << "stopped is handled";
  EXPECT_TRUE(bob.received.empty());
  EXPECT_EQ(asked, (std::vector<std::string>{"alice@example.org/a -> bob@example.org element",
                                             "alice@example.org/a -> bob@example.org bytes"}));
  pass = true;
  router.deliver(m);
  router.deliver_presence(jid("bob@example.org"), xml::StanzaTemplate(p, "jabber:client"));
  EXPECT_EQ(bob.received.size(), 2u);
}

// A client's message a route filter refuses (XEP-0191: to a JID the user blocked) reaches
// no observer: the history log and carbons never see what was not sent. The filter is
// asked once.
TEST_F(RouterHooksTest, AMessageAFilterRefusesReachesNoObserver) {
  auto& alice = bind("alice@example.org/a");
  auto& bob = bind("bob@example.org/b");
  router.set_presence(jid("bob@example.org/b"), true, 0);
  int seen = 0, delivered = 0, asked = 0;
  bool pass = false;
  const auto observer = router.on_client_message([&](const stream::Stanza&) { ++seen; });
  const auto delivery = router.on_message_delivered(
      [&](const stream::Stanza&, const std::vector<std::string>&) { ++delivered; });
  const auto filter = router.filter_routes([&](std::string_view, const Jid&, const xml::Element*) {
    ++asked;
    return pass;
  });
  xml::Element m("message", "jabber:client");
  m.set_attr("from", "alice@example.org/a");
  m.set_attr("to", "bob@example.org");
  m.set_attr("type", "chat");
  router.on_stanza(alice, m);
  EXPECT_EQ(seen, 0) << "refused before any observer";
  EXPECT_EQ(delivered, 0);
  EXPECT_EQ(asked, 1);
  EXPECT_TRUE(bob.received.empty());
  pass = true;
  router.on_stanza(alice, m);
  EXPECT_EQ(seen, 1);
  EXPECT_EQ(delivered, 1);
  EXPECT_EQ(asked, 2) << "asked once per message";
  EXPECT_EQ(bob.received.size(), 1u);
}

TEST_F(RouterHooksTest, NonzasGoToTheHandlerOfTheirNamespace) {
  auto& alice = bind("alice@example.org/a");
  std::vector<std::string> seen;
  {
    const auto handler = router.handle_nonza("urn:xmpp:csi:0", [&](stream::Session& s, const xml::Element& e) {
      seen.push_back(s.jid().full() + " " + e.name());
    });
    EXPECT_THROW(router.handle_nonza("urn:xmpp:csi:0", [](stream::Session&, const xml::Element&) {}), std::logic_error);
    EXPECT_TRUE(router.on_nonza(alice, xml::Element("inactive", "urn:xmpp:csi:0")));
    EXPECT_FALSE(router.on_nonza(alice, xml::Element("r", "urn:xmpp:sm:3")));
  }
  EXPECT_FALSE(router.on_nonza(alice, xml::Element("active", "urn:xmpp:csi:0"))) << "its registration is gone";
  EXPECT_EQ(seen, std::vector<std::string>{"alice@example.org/a inactive"});
}

TEST_F(RouterHooksTest, PresenceChangesAreSeenWithThePresenceThatSetThem) {
  bind("bob@example.org/desk");
  std::vector<std::pair<std::string, bool>> seen;
  std::string shown_child;
  const auto observer = router.on_presence_changed([&](const Jid& full, const Resource& r, const xml::Element* presence) {
    seen.emplace_back(full.full(), r.available);
    if (presence && presence->first_element()) shown_child = presence->first_element()->name();
  });
  xml::Element p("presence", "jabber:client");
  p.add(xml::Element("c", "http://jabber.org/protocol/caps"));
  router.set_presence(jid("bob@example.org/desk"), true, -1, &p);
  router.set_presence(jid("bob@example.org/desk"), false, 0);
  const std::vector<std::pair<std::string, bool>> expected{{"bob@example.org/desk", true}, {"bob@example.org/desk", false}};
  EXPECT_EQ(seen, expected) << "every change, a negative priority and unavailable included";
  EXPECT_EQ(shown_child, "c") << "the presence that set it";
}

TEST_F(RouterHooksTest, ResponsesToTheServerReachItsObserversAndNothingElse) {
  auto& alice = bind("alice@example.org/a");
  std::vector<xml::Element> seen;
  const auto observer = router.on_server_iq_response([&](const xml::Element& iq) { seen.push_back(iq); });
  xml::Element result("iq", "jabber:client");
  result.set_attr("type", "result").set_attr("id", "q1").set_attr("to", "example.org").set_attr("from", "alice@example.org/a");
  router.on_stanza(alice, result);
  xml::Element request = result;
  request.set_attr("type", "get").add(xml::Element("query", "urn:example"));
  router.on_stanza(alice, request);
  xml::Element to_account = result;
  to_account.set_attr("to", "alice@example.org");
  router.on_stanza(alice, to_account);
  ASSERT_EQ(seen.size(), 1u) << "only the result to the server";
  EXPECT_EQ(seen[0].attr_or("id"), "q1");
}

// A message to a local account is stamped once before it is delivered or handed to the
// undeliverable hook (offline storage): the recipient, the delivered observers and the
// offline store all see the stamped copy (the archive's XEP-0359 stanza-id).
TEST_F(RouterHooksTest, StampersChangeAMessageOnceBeforeDeliveryOrOfflineStorage) {
  auto& bob = bind("bob@example.org/desk");
  router.set_presence(jid("bob@example.org/desk"), true, 0);
  int stamped = 0;
  std::vector<std::string> stamped_to;
  const auto stamper = router.stamp_messages([&](const stream::Stanza& original, xml::Element& message) {
    stamped_to.push_back(original.to().full() + " " + std::string(original.type()));
    EXPECT_EQ(original.to().bare(), message.attr_or("to").substr(0, original.to().bare().size()));
    message.add(xml::Element("stamp", "urn:test")).set_attr("n", std::to_string(++stamped));
  });
  std::vector<std::string> delivered, offline;
  const auto seen = router.on_message_delivered([&](const stream::Stanza& m, const std::vector<std::string>&) {
    delivered.push_back(m.element().child("stamp", "urn:test") ? m.element().child("stamp", "urn:test")->attr_or("n") : "");
  });
  const auto stored = router.on_undeliverable_message([&](const stream::Stanza& m) {
    offline.push_back(m.element().child("stamp", "urn:test") ? m.element().child("stamp", "urn:test")->attr_or("n") : "");
  });
  xml::Element m("message", "jabber:client");
  m.set_attr("from", "alice@example.org/a");
  m.set_attr("to", "bob@example.org");
  m.set_attr("type", "chat");
  router.deliver(m);
  ASSERT_EQ(bob.received.size(), 1u);
  ASSERT_NE(bob.received[0].child("stamp", "urn:test"), nullptr);
  EXPECT_EQ(delivered, std::vector<std::string>{"1"});
  EXPECT_EQ(m.child("stamp", "urn:test"), nullptr) << "the caller's element is left alone";

  m.set_attr("to", "bob@example.org/gone");  // no such resource: to the bare JID, stamped once
  router.deliver(m);
  EXPECT_EQ(delivered, (std::vector<std::string>{"1", "2"}));
  ASSERT_EQ(bob.received.size(), 2u);
  EXPECT_EQ(bob.received[1].children().size(), m.children().size() + 1) << "one stamp, not two";

  router.set_presence(jid("bob@example.org/desk"), false, 0);
  m.set_attr("to", "bob@example.org");
  router.deliver(m);
  EXPECT_EQ(offline, std::vector<std::string>{"3"}) << "offline storage gets the stamped copy";

  xml::Element iq("iq", "jabber:client");
  iq.set_attr("from", "alice@example.org/a");
  iq.set_attr("to", "example.org");
  iq.set_attr("type", "get");
  iq.set_attr("id", "x");
  router.deliver(iq);
  xml::Element to_server = m;
  to_server.set_attr("to", "example.org");
  router.deliver(to_server);
  // Neither the IQ nor the message to the server; the error that answers the message is
  // one to alice's account.
  EXPECT_EQ(stamped_to, (std::vector<std::string>{"bob@example.org chat", "bob@example.org/gone chat",
                                                  "bob@example.org chat", "alice@example.org/a error"}));
}

}  // namespace
}  // namespace jabberadmin::router
