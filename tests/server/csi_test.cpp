// XEP-0352 as a module on a bare router: the stream feature, <inactive/> puts a filter on
// the session, what it holds (elements and serialized broadcasts alike) goes at <active/>,
// and a session that leaves takes its filter with it.
#include <gtest/gtest.h>

#include "csi/csi.hpp"
#include "fakes.hpp"
#include "module/module.hpp"
#include "router/router.hpp"

namespace jabberadmin::csi {
namespace {

// A session that filters as C2s does: deliveries go through the filter while one is set.
class FilteringSession : public test::FakeSession {
 public:
  using FakeSession::FakeSession;
  OutboundFilter filter;
  void deliver(const xml::Element& stanza) override {
    if (filter) return filter(&stanza, xml::serialize(stanza, "jabber:client"));
    FakeSession::deliver(stanza);
  }
  void deliver_serialized(std::string stanza) override {
    if (filter) return filter(nullptr, std::move(stanza));
    FakeSession::deliver_serialized(std::move(stanza));
  }
  void filter_outbound(OutboundFilter f) override { filter = std::move(f); }
  void send_now(std::string bytes) override { FakeSession::deliver_serialized(std::move(bytes)); }
};

xml::Element presence(std::string_view from, std::string_view show) {
  xml::Element p("presence", "jabber:client");
  p.set_attr("from", from);
  p.set_attr("to", "eric@example.org/phone");
  p.add(xml::Element("show", "jabber:client")).add_text(show);
  return p;
}

class CsiTest : public ::testing::Test {
 protected:
  router::Router router{{"example.org"}};
  stream::StreamFeatures features;
  module::DiscoFeatures disco;
  FilteringSession eric{*Jid::parse("eric@example.org/phone")};
  std::unique_ptr<module::Modules> modules = std::make_unique<module::Modules>(
      module::Services{router, features, disco}, std::vector<module::Factory>{module::make<Csi>()});
  void SetUp() override {
    eric.host = &router;
    router.bind(eric);
  }
  void TearDown() override { router.unbind(eric); }
  void nonza(std::string_view name) { ASSERT_TRUE(router.on_nonza(eric, xml::Element(std::string(name), "urn:xmpp:csi:0"))); }
};

TEST_F(CsiTest, OffersTheFeatureAfterAuthentication) {
  EXPECT_EQ(features.serialized(stream::FeatureStage::PostAuth), "<csi xmlns='urn:xmpp:csi:0'/>");
  EXPECT_EQ(features.serialized(stream::FeatureStage::PreAuth), "");
}

TEST_F(CsiTest, InactiveHoldsPresenceUntilActiveSquashedElementsAndBytesAlike) {
  nonza("inactive");
  ASSERT_TRUE(eric.filter);
  eric.deliver(presence("dora@example.org/r", "away"));
  eric.deliver_serialized(xml::serialize(presence("dora@example.org/r", "dnd"), "jabber:client"));
  eric.deliver(presence("carl@example.org/r", "xa"));
  EXPECT_TRUE(eric.received.empty());
  nonza("active");
  EXPECT_FALSE(eric.filter) << "an active client is not filtered at all";
  ASSERT_EQ(eric.received.size(), 2u);
  EXPECT_EQ(eric.received[0].attr_or("from"), "dora@example.org/r");
  EXPECT_EQ(eric.received[0].child("show")->text(), "dnd");
  EXPECT_EQ(eric.received[1].attr_or("from"), "carl@example.org/r");
}

TEST_F(CsiTest, AMessageWithABodyGoesAtOnceAfterItsSendersPresence) {
  nonza("inactive");
  nonza("inactive");  // twice is once
  eric.deliver(presence("dora@example.org/r", "away"));
  eric.deliver(presence("carl@example.org/r", "xa"));
  xml::Element m("message", "jabber:client");
  m.set_attr("from", "dora@example.org/r");
  m.add(xml::Element("body", "jabber:client")).add_text("hi");
  eric.deliver(m);
  ASSERT_EQ(eric.received.size(), 2u);
  EXPECT_EQ(eric.received[0].name(), "presence");
  EXPECT_EQ(eric.received[1].name(), "message");
}

TEST_F(CsiTest, ALeavingSessionAndTheModuleGoingTakeTheFilterAway) {
  nonza("inactive");
  ASSERT_TRUE(eric.filter);
  router.unbind(eric);
  EXPECT_FALSE(eric.filter);
  router.bind(eric);
  nonza("inactive");
  ASSERT_TRUE(eric.filter);
  modules.reset();
  EXPECT_FALSE(eric.filter);
}

}  // namespace
}  // namespace jabberadmin::csi
