// SASL2 (XEP-0388) on C2s with Bind2 (XEP-0386): the <authentication/> feature with its
// mechanisms and inline features; a login in one round trip, the resource made from the
// tag, the modules' inline features set up into <bound/>, no stream restart; a login
// without <bind/> gets the features at once; failures framed as SASL2's; a challenge.
#include <gtest/gtest.h>

#include <boost/asio/post.hpp>

#include <regex>

#include "auth/scram_mechanism.hpp"
#include "jabberadmin/encoding.hpp"
#include "sasl_fixture.hpp"
#include "stream/plain_mechanism.hpp"

namespace jabberadmin::stream {
namespace {
using encoding::base64_encode;
using test::kOpen;

std::string authenticate(std::string_view mechanism, std::optional<std::string_view> initial, std::string_view inner) {
  return "<authenticate xmlns='urn:xmpp:sasl:2' mechanism='" + std::string(mechanism) + "'>" +
         (initial ? "<initial-response>" + base64_encode(*initial) + "</initial-response>" : std::string()) +
         "<user-agent id='d4565fa7-4d72-4749-b3d3-740edbf87770'/>" + std::string(inner) + "</authenticate>";
}

const std::string kAlice("\0alice\0secret", 13);

class Sasl2C2sTest : public test::SaslC2sFixture {
 protected:
  std::vector<std::string> inline_seen;
  util::Registration inline_feature;

  void SetUp() override {
    mechanisms.add("PLAIN", [this](const sasl::StreamInfo& info) {
      return std::make_unique<sasl::PlainMechanism>(authenticator, info.domain);
    });
    // A module's Bind2 inline feature: it sees the bound stream and answers into <bound/>.
    inline_feature = features.bind_inline("urn:example:inline", [this](C2s& s, const xml::Element& request, xml::Element& bound) {
      inline_seen.push_back(request.name() + " for " + s.jid().full());
      bound.add(xml::Element("done", "urn:example:inline"));
    });
    offer_features = true;
  }
};

TEST_F(Sasl2C2sTest, OffersAuthenticationWithItsMechanismsAndBindInline) {
  start();
  const std::string out = exchange(kOpen);
  EXPECT_NE(out.find("<authentication xmlns='urn:xmpp:sasl:2'><mechanism>PLAIN</mechanism><inline>"
                     "<bind xmlns='urn:xmpp:bind:0'><inline><feature var='urn:example:inline'/></inline></bind>"
                     "</inline></authentication>"),
            std::string::npos)
      << out;
}

TEST_F(Sasl2C2sTest, OneRoundTripBindsAndSetsUpInlineFeaturesWithoutRestart) {
  start();
  exchange(kOpen);
  const std::string out = exchange(authenticate(
      "PLAIN", kAlice, "<bind xmlns='urn:xmpp:bind:0'><tag>phone</tag><x xmlns='urn:example:inline'/></bind>"));
  std::smatch m;
  ASSERT_TRUE(std::regex_search(out, m,
                                std::regex("^<success xmlns='urn:xmpp:sasl:2'><authorization-identifier>"
                                           "alice@example\\.org/phone\\.[0-9a-f]{8}</authorization-identifier>"
                                           "<bound xmlns='urn:xmpp:bind:0'><done xmlns='urn:example:inline'/>"
                                           "</bound></success>$")))
      << out;
  ASSERT_EQ(host.bound.size(), 1u);
  EXPECT_TRUE(c2s->bound());
  EXPECT_EQ(inline_seen, (std::vector<std::string>{"x for " + host.bound[0]}));
  // No restart: the next stanza on the same stream is routed, stamped with the bound JID.
  exchange("<message to='bob@example.org'><body>hi</body></message>");
  ASSERT_EQ(host.stanzas.size(), 1u);
  EXPECT_EQ(host.stanzas[0].attr_or("from"), host.bound[0]);
}

TEST_F(Sasl2C2sTest, WithoutBindTheFeaturesFollowAtOnce) {
  start();
  exchange(kOpen);
  const std::string out = exchange(authenticate("PLAIN", kAlice, ""));
  EXPECT_NE(out.find("<success xmlns='urn:xmpp:sasl:2'><authorization-identifier>alice@example.org"
                     "</authorization-identifier></success><stream:features>"
                     "<bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/>"),
            std::string::npos)
      << out;
  EXPECT_TRUE(c2s->authenticated());
  EXPECT_FALSE(c2s->bound());
}

TEST_F(Sasl2C2sTest, FailuresAreSasl2sAndCount) {
  start();
  exchange(kOpen);
  const std::string out = exchange(authenticate("PLAIN", std::string("\0alice\0wrong", 12), ""));
  EXPECT_NE(out.find("<failure xmlns='urn:xmpp:sasl:2'><not-authorized xmlns='urn:ietf:params:xml:ns:xmpp-sasl'/>"
                     "</failure>"),
            std::string::npos)
      << out;
  EXPECT_EQ(address_failures.count("192.0.2.1"), 1u);
  EXPECT_NE(exchange(authenticate("X-NONE", kAlice, "")).find("<invalid-mechanism"), std::string::npos);
  // FAST without a token service registered: not a mechanism here.
  EXPECT_NE(exchange(authenticate("HT-SHA-256-NONE", kAlice, "<fast xmlns='urn:xmpp:fast:0'/>")).find("<invalid-mechanism"),
            std::string::npos);
}

TEST_F(Sasl2C2sTest, NoInitialResponseGetsAnEmptyChallenge) {
  start();
  exchange(kOpen);
  EXPECT_EQ(exchange(authenticate("PLAIN", std::nullopt, "")), "<challenge xmlns='urn:xmpp:sasl:2'/>");
  const std::string out = exchange("<response xmlns='urn:xmpp:sasl:2'>" + base64_encode(kAlice) + "</response>");
  EXPECT_NE(out.find("<success xmlns='urn:xmpp:sasl:2'>"), std::string::npos) << out;
}

// XEP-0474 over SASL2: the same list as RFC 6120's. Binding data exists but no -PLUS
// mechanism is offered, so no XEP-0440 list went out and none is hashed (no %x1F).
TEST_F(Sasl2C2sTest, ScramHashesTheMechanismsThisStreamOffered) {
  transport->bindings["tls-exporter"] = std::string(32, 'e');
  mechanisms.add("SCRAM-SHA-256", [this](const sasl::StreamInfo& info) {
    auth::ScramOptions options;
    options.nonce = [] { return std::string("SERVER"); };
    return std::make_unique<auth::ScramMechanism>(io.get_executor(), options, info);
  });
  start();
  const std::string features = exchange(kOpen);
  ASSERT_NE(features.find("<authentication xmlns='urn:xmpp:sasl:2'><mechanism>PLAIN</mechanism><mechanism>SCRAM-SHA-256"
                          "</mechanism>"),
            std::string::npos)
      << features;
  EXPECT_EQ(features.find("sasl-channel-binding"), std::string::npos);
  const std::string challenge =
      test::SaslC2sFixture::decoded_text(exchange(authenticate("SCRAM-SHA-256", "n,,n=alice,r=abc", "")));
  EXPECT_TRUE(challenge.starts_with("r=abcSERVER,s=")) << challenge;
  EXPECT_TRUE(challenge.ends_with(",h=" + base64_encode(encoding::sha256("PLAIN\x1eSCRAM-SHA-256")))) << challenge;
}

}  // namespace
}  // namespace jabberadmin::stream
