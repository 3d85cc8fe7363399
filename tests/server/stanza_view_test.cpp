// stream::Stanza, the stanza parsed once that the router hands to handlers: RFC 6121's type
// defaults, the addresses as the router parsed them, and the legacy handler form (taking
// const xml::Element&) still working beside the view.
#include <gtest/gtest.h>

#include "fakes.hpp"
#include "router/router.hpp"
#include "stream/stanza.hpp"
#include "stream/stanza_view.hpp"

namespace jabberadmin::stream {
namespace {

Jid jid(std::string_view s) { return *Jid::parse(s); }

TEST(StanzaView, TypesHaveTheirDefaultsAndAbsentAddressesAreEmpty) {
  const xml::Element message("message", "jabber:client"), presence("presence", "jabber:client");
  xml::Element iq("iq", "jabber:client");
  iq.set_attr("type", "get").set_attr("id", "x1");
  EXPECT_EQ(Stanza(message, {}, {}).type(), "normal");
  EXPECT_TRUE(Stanza(message, {}, {}).is_message());
  EXPECT_EQ(Stanza(presence, {}, {}).type(), "available");
  const Stanza view(iq, jid("anna@example.org/a"), {});
  EXPECT_TRUE(view.is_iq());
  EXPECT_EQ(view.type(), "get");
  EXPECT_EQ(view.id(), "x1");
  EXPECT_FALSE(view.has_to());
  EXPECT_EQ(view.from().full(), "anna@example.org/a");
  const xml::Element& element = view;  // the legacy form
  EXPECT_EQ(&element, &iq);
}

TEST(StanzaView, HandlersGetTheParsedAddressesAndLegacyHandlersStillWork) {
  router::Router router({"example.org"});
  test::FakeSession anna(jid("anna@example.org/a"));
  router.bind(anna);
  std::string seen_from, seen_to;
  auto parsed = router.handle_iq(router::IqTarget::Server, "urn:xmpp:ping",
                                 [&](router::Router& r, const Stanza& iq) {
                                   seen_from = iq.from().full();
                                   seen_to = iq.to().full();
                                   r.reply(iq, iq_result(iq));
                                 });
  int legacy_calls = 0;
  auto legacy = router.handle_iq(router::IqTarget::Account, "jabber:iq:version",
                                 [&](router::Router& r, const xml::Element& iq) {
                                   ++legacy_calls;
                                   r.deliver(iq_result(iq));
                                 });
  const auto ask = [&](std::string_view to, std::string_view xmlns) {
    xml::Element iq("iq", "jabber:client");
    iq.set_attr("type", "get").set_attr("id", "q").set_attr("from", "anna@example.org/a");
    if (!to.empty()) iq.set_attr("to", to);
    iq.add(xml::Element("query", std::string(xmlns)));
    router.on_stanza(anna, std::move(iq));
  };
  ask("EXAMPLE.org", "urn:xmpp:ping");  // 'to' normalised once, on the way in
  EXPECT_EQ(seen_from, "anna@example.org/a");
  EXPECT_EQ(seen_to, "example.org");
  ask("", "jabber:iq:version");
  EXPECT_EQ(legacy_calls, 1);
  ASSERT_EQ(anna.received.size(), 2u);
  for (const auto& reply : anna.received) {
    EXPECT_EQ(stanza_type(reply), "result");
    EXPECT_EQ(reply.attr_or("to"), "anna@example.org/a");
  }
  EXPECT_EQ(anna.received[0].attr_or("from"), "example.org");
}

}  // namespace
}  // namespace jabberadmin::stream
