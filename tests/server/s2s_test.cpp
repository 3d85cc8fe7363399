// Federation's pure parts: dialback keys (XEP-0185), the domain policy, which stanzas
// bounce, SRV answers and their order, and stanzas moved between the client and server
// namespaces.
#include <gtest/gtest.h>

#include <arpa/nameser.h>

#include "s2s/dialback.hpp"
#include "s2s/policy.hpp"
#include "s2s/resolver.hpp"
#include "s2s/stream_io.hpp"
#include "xml/stream_parser.hpp"

namespace jabberadmin::s2s {
namespace {

// XEP-0185 §3's example: secret s3cr3tf0rd14lb4ck, example.net receiving, example.com
// originating, stream id D60000229F.
TEST(Dialback, KeyIsXep0185sHmacOfTheDomainsAndStreamId) {
  EXPECT_EQ(dialback_key("s3cr3tf0rd14lb4ck", "example.net", "example.com", "D60000229F"),
            "008c689ff366b50c63d69a3e2d2c0e0e1f8404b0118eb688a0102c87cb691bdc");
  const std::string key = dialback_key("secret", "b.test", "a.test", "id1");
  EXPECT_TRUE(same_key(key, dialback_key("secret", "b.test", "a.test", "id1")));
  EXPECT_FALSE(same_key(key, dialback_key("secret", "a.test", "b.test", "id1"))) << "the direction counts";
  EXPECT_FALSE(same_key(key, dialback_key("secret", "b.test", "a.test", "id2")));
  EXPECT_FALSE(same_key(key, dialback_key("other", "b.test", "a.test", "id1")));
  EXPECT_FALSE(same_key("", "")) << "an empty key proves nothing";
}

TEST(Policy, BlockedDomainsAndTheirSubdomainsAreRefusedAndTheAllowlistIsExact) {
  DomainPolicy open;
  EXPECT_TRUE(open.allows("example.org"));
  DomainPolicy blocked{{"spam.example"}, {}};
  EXPECT_FALSE(blocked.allows("spam.example"));
  EXPECT_FALSE(blocked.allows("conference.spam.example"));
  EXPECT_TRUE(blocked.allows("notspam.example"));
  EXPECT_TRUE(blocked.allows("example"));
  DomainPolicy allow{{"bad.partner.example"}, {"partner.example", "bad.partner.example"}};
  EXPECT_TRUE(allow.allows("partner.example"));
  EXPECT_FALSE(allow.allows("other.example"));
  EXPECT_FALSE(allow.allows("conference.partner.example"));
  EXPECT_FALSE(allow.allows("bad.partner.example")) << "the blocklist wins";
}

bool bounces(std::string_view name, std::string_view type) {
  xml::Element e(std::string(name), "jabber:client");
  if (!type.empty()) e.set_attr("type", type);
  return bounceable(stream::Stanza(e, *Jid::parse("a@a.test/r"), *Jid::parse("b@b.test")));
}

TEST(Policy, OnlyMessagesRequestsAndSubscriptionsBounce) {
  EXPECT_TRUE(bounces("message", ""));
  EXPECT_TRUE(bounces("message", "chat"));
  EXPECT_FALSE(bounces("message", "error"));
  EXPECT_TRUE(bounces("iq", "get"));
  EXPECT_TRUE(bounces("iq", "set"));
  EXPECT_FALSE(bounces("iq", "result"));
  EXPECT_FALSE(bounces("iq", "error"));
  EXPECT_TRUE(bounces("presence", "subscribe"));
  EXPECT_TRUE(bounces("presence", "unsubscribed"));
  EXPECT_FALSE(bounces("presence", ""));
  EXPECT_FALSE(bounces("presence", "unavailable"));
  EXPECT_FALSE(bounces("presence", "probe"));
  EXPECT_FALSE(bounces("presence", "error"));
}

// A DNS answer to an SRV query, made by hand: header, the question, then the records.
std::vector<unsigned char> srv_answer(const std::vector<SrvRecord>& records) {
  std::vector<unsigned char> m;
  const auto u16 = [&m](unsigned v) {
    m.push_back(static_cast<unsigned char>(v >> 8));
    m.push_back(static_cast<unsigned char>(v & 0xff));
  };
  const auto name = [&m](std::string_view n) {
    while (!n.empty()) {
      const auto dot = n.find('.');
      const auto label = n.substr(0, dot);
      m.push_back(static_cast<unsigned char>(label.size()));
      m.insert(m.end(), label.begin(), label.end());
      n = dot == std::string_view::npos ? "" : n.substr(dot + 1);
    }
    m.push_back(0);
  };
  u16(0x1234);
  u16(0x8180);
  u16(1);
  u16(static_cast<unsigned>(records.size()));
  u16(0);
  u16(0);
  name("_xmpp-server._tcp.example.org");
  u16(ns_t_srv);
  u16(ns_c_in);
  for (const auto& r : records) {
    u16(0xc00c);  // the question's name
    u16(ns_t_srv);
    u16(ns_c_in);
    u16(0);
    u16(300);  // TTL
    std::vector<unsigned char> saved;
    saved.swap(m);
    u16(r.priority);
    u16(r.weight);
    u16(r.port);
    name(r.target == "." ? "" : r.target);
    std::vector<unsigned char> rdata;
    rdata.swap(m);
    m.swap(saved);
    u16(static_cast<unsigned>(rdata.size()));
    m.insert(m.end(), rdata.begin(), rdata.end());
  }
  return m;
}

TEST(Resolver, SrvRecordsAreReadAndOrderedByPriorityThenWeight) {
  const auto answer = srv_answer({{20, 0, 5270, "backup.example.org"},
                                  {10, 5, 5269, "light.example.org"},
                                  {10, 50, 5269, "heavy.example.org"}});
  const auto records = parse_srv_answer(answer.data(), answer.size());
  ASSERT_EQ(records.size(), 3u);
  EXPECT_EQ(records[0].target, "backup.example.org");
  EXPECT_EQ(records[0].port, 5270);
  EXPECT_EQ(srv_targets(records), (std::vector<Target>{{"heavy.example.org", 5269},
                                                       {"light.example.org", 5269},
                                                       {"backup.example.org", 5270}}));
}

TEST(Resolver, ADotTargetMeansNoServiceAndBrokenAnswersGiveNothing) {
  const auto none = srv_answer({{0, 0, 0, "."}});
  const auto records = parse_srv_answer(none.data(), none.size());
  ASSERT_EQ(records.size(), 1u);
  EXPECT_TRUE(srv_targets(records).empty());
  auto answer = srv_answer({{10, 0, 5269, "xmpp.example.org"}});
  for (std::size_t cut = 0; cut < answer.size(); ++cut)
    EXPECT_TRUE(parse_srv_answer(answer.data(), cut).empty()) << "cut at " << cut;
}

// XEP-0368 §3: _xmpps-server and _xmpp-server records in one order, each keeping its way in.
TEST(Resolver, DirectTlsAndStarttlsRecordsAreMixedByPriorityAndWeight) {
  const std::vector<SrvRecord> direct{{10, 0, 5270, "a.example.org"}, {30, 0, 5270, "c.example.org"}};
  const std::vector<SrvRecord> starttls{{20, 0, 5269, "b.example.org"}, {10, 0, 5269, "a.example.org"}};
  EXPECT_EQ(targets_for("example.org", direct, starttls),
            (std::vector<Target>{{"a.example.org", 5270, true},
                                 {"a.example.org", 5269, false},
                                 {"b.example.org", 5269, false},
                                 {"c.example.org", 5270, true}}))
      << "equal priority and weight: direct TLS first";
  EXPECT_EQ(targets_for("example.org", {}, {{0, 0, 5269, "x.example.org"}}),
            (std::vector<Target>{{"x.example.org", 5269, false}}));
  EXPECT_EQ(targets_for("example.org", {{0, 0, 443, "x.example.org"}}, {}),
            (std::vector<Target>{{"x.example.org", 443, true}}))
      << "direct TLS alone: no A/AAAA fallback beside it";
}

TEST(Resolver, NoRecordsFallBackToTheDomainUnlessADotSaysNoService) {
  EXPECT_EQ(targets_for("example.org", {}, {}), (std::vector<Target>{{"example.org", 5269, false}}));
  const std::vector<SrvRecord> dot{{0, 0, 0, "."}};
  EXPECT_TRUE(targets_for("example.org", {}, dot).empty()) << "RFC 6120 §3.2.1: the service is not offered";
  EXPECT_TRUE(targets_for("example.org", dot, {}).empty()) << "XEP-0368 §5: no A/AAAA fallback after a '.'";
  EXPECT_EQ(targets_for("example.org", dot, {{5, 0, 5269, "x.example.org"}}),
            (std::vector<Target>{{"x.example.org", 5269, false}}))
      << "no direct TLS, STARTTLS as its records say";
}

TEST(StreamIo, StanzasMoveBetweenTheClientAndServerNamespaces) {
  xml::Element m("message", "jabber:client");
  m.set_attr("to", "b@b.test");
  m.add(xml::Element("body", "jabber:client")).add_text("hi <3");
  m.add(xml::Element("x", "urn:other"));
  const std::string out = to_link(m);
  EXPECT_EQ(out, "<message to='b@b.test'><body>hi &lt;3</body><x xmlns='urn:other'/></message>");
  const auto back = xml::parse_serialized(out, "jabber:server");
  ASSERT_TRUE(back);
  EXPECT_EQ(renamespace(*back, "jabber:server", "jabber:client"), m);
}

TEST(StreamIo, HeaderAndErrorAreWellFormed) {
  xml::StreamParser parser;
  std::vector<xml::StreamEvent> events;
  EXPECT_FALSE(parser.feed(stream_header("a.test", "b'.test", "id", true) + stream_error("invalid-from", "a < b"), events));
  ASSERT_EQ(events.size(), 3u);
  const auto& header = std::get<xml::StreamOpen>(events[0]).header;
  EXPECT_EQ(header.attr_or("xmlns"), "jabber:server");
  EXPECT_EQ(header.attr_or("xmlns:db"), "jabber:server:dialback");
  EXPECT_EQ(header.attr_or("to"), "b'.test");
  const auto& error = std::get<xml::Element>(events[1]);
  EXPECT_TRUE(error.child("invalid-from", "urn:ietf:params:xml:ns:xmpp-streams"));
  EXPECT_TRUE(std::holds_alternative<xml::StreamClose>(events[2]));
}

}  // namespace
}  // namespace jabberadmin::s2s
