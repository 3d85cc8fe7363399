// XEP-0202: the server's time in UTC; to a user's full JID the request reaches that client.
#include <gtest/gtest.h>

#include "fakes.hpp"
#include "module/module.hpp"
#include "stream/namespaces.hpp"
#include "time/entity_time.hpp"

namespace jabberadmin::entity_time {
namespace {
using test::FakeSession;

xml::Element time_iq(std::string_view type, std::string_view to) {
  xml::Element iq("iq", std::string(ns::kClient));
  iq.set_attr("type", type).set_attr("id", "t1").set_attr("to", to).set_attr("from", "alice@example.org/a");
  iq.add(xml::Element("time", std::string(ns::kTime)));
  return iq;
}

TEST(EntityTime, TheServerAnswersInUtc) {
  router::Router router({"example.org"});
  auto reg = router.handle_iq(router::IqTarget::Server, std::string(ns::kTime), handler([] {
    return std::chrono::system_clock::time_point(std::chrono::milliseconds(1166550515123));  // 2006-12-19T17:48:35.123Z
  }));
  FakeSession alice(*Jid::parse("alice@example.org/a"));
  alice.host = &router;
  router.bind(alice);
  router.on_stanza(alice, time_iq("get", "example.org"));
  ASSERT_EQ(alice.received.size(), 1u);
  const xml::Element r = alice.take()[0];
  EXPECT_EQ(r.attr_or("type"), "result");
  EXPECT_EQ(r.attr_or("from"), "example.org");
  const xml::Element* t = r.child("time", ns::kTime);
  ASSERT_NE(t, nullptr);
  EXPECT_EQ(t->child("tzo", ns::kTime)->text(), "+00:00");
  EXPECT_EQ(t->child("utc", ns::kTime)->text(), "2006-12-19T17:48:35.123Z");

  router.on_stanza(alice, time_iq("set", "example.org"));
  ASSERT_EQ(alice.received.size(), 1u);
  EXPECT_EQ(alice.take()[0].attr_or("type"), "error");
}

TEST(EntityTime, AFullJidsClientAnswersItself) {
  router::Router router({"example.org"});
  stream::StreamFeatures stream_features;
  module::DiscoFeatures disco_features;
  module::Modules modules(module::Services{router, stream_features, disco_features}, {module::make<EntityTime>()});
  const auto server = disco_features.of(router::IqTarget::Server);
  EXPECT_NE(std::find(server.begin(), server.end(), "urn:xmpp:time"), server.end());

  FakeSession alice(*Jid::parse("alice@example.org/a")), bob(*Jid::parse("bob@example.org/b"));
  alice.host = bob.host = &router;
  router.bind(alice);
  router.bind(bob);
  router.on_stanza(alice, time_iq("get", "bob@example.org/b"));
  EXPECT_TRUE(alice.received.empty());
  ASSERT_EQ(bob.received.size(), 1u);
  EXPECT_EQ(bob.received[0].attr_or("from"), "alice@example.org/a");
  EXPECT_NE(bob.received[0].child("time", ns::kTime), nullptr);
}

}  // namespace
}  // namespace jabberadmin::entity_time
