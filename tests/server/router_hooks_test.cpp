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

}  // namespace
}  // namespace jabberadmin::router
