// RFC 7395 framing to and from the XML stream C2s speaks.
#include "http/websocket_framing.hpp"

#include <gtest/gtest.h>

namespace jabberadmin::http {
namespace {

TEST(WebSocketFraming, OpenBecomesAStreamHeaderWithItsAttributes) {
  EXPECT_EQ(stream_bytes("<open xmlns='urn:ietf:params:xml:ns:xmpp-framing' to='example.org' version='1.0'/>"),
            "<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' to='example.org' "
            "version='1.0'>");
  EXPECT_EQ(stream_bytes(" <close xmlns=\"urn:ietf:params:xml:ns:xmpp-framing\"/>\n"), "</stream:stream>");
}

TEST(WebSocketFraming, OtherMessagesPassUnchanged) {
  const std::string message = "<message xmlns='jabber:client' to='a@b'><body>hi</body></message>";
  EXPECT_EQ(stream_bytes(message), message);
  // An <open/> in another namespace is no stream header: the stream parser judges it.
  EXPECT_EQ(stream_bytes("<open xmlns='jabber:client'/>"), "<open xmlns='jabber:client'/>");
  EXPECT_EQ(stream_bytes("<open"), "<open");
}

TEST(WebSocketFraming, HeaderBecomesOpenAndEndBecomesClose) {
  const auto out = messages(
      "<?xml version='1.0'?><stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' "
      "id='abc' from='example.org' version='1.0' xml:lang='en'>");
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].text,
            "<open xmlns='urn:ietf:params:xml:ns:xmpp-framing' id='abc' from='example.org' version='1.0' xml:lang='en'/>");
  const auto end = messages("</stream:stream>");
  ASSERT_EQ(end.size(), 1u);
  EXPECT_EQ(end[0].text, "<close xmlns='urn:ietf:params:xml:ns:xmpp-framing'/>");
}

TEST(WebSocketFraming, EveryElementIsAStandaloneMessage) {
  // A stream error and the stream's end in one write; a stanza with a '>' in an attribute.
  const auto out = messages(
      "<stream:error><policy-violation xmlns='urn:ietf:params:xml:ns:xmpp-streams'/></stream:error></stream:stream>");
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].text,
            "<stream:error xmlns:stream='http://etherx.jabber.org/streams'><policy-violation "
            "xmlns='urn:ietf:params:xml:ns:xmpp-streams'/></stream:error>");
  EXPECT_EQ(out[1].text, "<close xmlns='urn:ietf:params:xml:ns:xmpp-framing'/>");
  const auto two = messages("<message to='a@b' id='x>y'><body>1</body></message><presence/>");
  ASSERT_EQ(two.size(), 2u);
  EXPECT_EQ(two[0].text, "<message xmlns='jabber:client' to='a@b' id='x>y'><body>1</body></message>");
  EXPECT_EQ(two[1].text, "<presence xmlns='jabber:client'/>");
  // An element in its own namespace keeps it.
  const auto sasl = messages("<success xmlns='urn:ietf:params:xml:ns:xmpp-sasl'/>");
  ASSERT_EQ(sasl.size(), 1u);
  EXPECT_EQ(sasl[0].text, "<success xmlns='urn:ietf:params:xml:ns:xmpp-sasl'/>");
  const auto features = messages("<stream:features><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/></stream:features>");
  ASSERT_EQ(features.size(), 1u);
  EXPECT_EQ(features[0].text,
            "<stream:features xmlns:stream='http://etherx.jabber.org/streams'><bind "
            "xmlns='urn:ietf:params:xml:ns:xmpp-bind'/></stream:features>");
}

TEST(WebSocketFraming, WhitespaceKeepaliveIsAPing) {
  const auto out = messages(" ");
  ASSERT_EQ(out.size(), 1u);
  EXPECT_TRUE(out[0].ping);
  EXPECT_TRUE(messages("").empty());
}

}  // namespace
}  // namespace jabberadmin::http
