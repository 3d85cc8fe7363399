// C2s driving SASL mechanisms other than its default PLAIN: the offered list (allow list,
// -PLUS only with channel binding, XEP-0440), a challenge round trip, and the failure
// limits applying to every mechanism alike.
#include <gtest/gtest.h>

#include <boost/asio/post.hpp>

#include "auth/scram_mechanism.hpp"
#include "jabberadmin/encoding.hpp"
#include "sasl_fixture.hpp"
#include "stream/plain_mechanism.hpp"

namespace jabberadmin::stream {
namespace {
using encoding::base64_encode;
using test::kOpen;

// Two messages: "user" -> challenge "who?" ; then the password: Check, right when "good".
class TwoStep final : public sasl::Mechanism {
 public:
  TwoStep(boost::asio::io_context& io, int& checks) : io_(io), checks_(checks) {}
  sasl::Step step(std::string_view message) override {
    if (name_.empty()) {
      if (message.empty()) return sasl::Step::failure("malformed-request");
      name_ = message;
      return sasl::Step::challenge("who?");
    }
    password_ = message;
    return sasl::Step::check();
  }
  void verify(std::function<void(sasl::Verdict)> done) override {
    ++checks_;
    const auto result = password_ == "good" ? AuthResult::Success : AuthResult::NotAuthorized;
    boost::asio::post(io_, [done, result] { done({result, result == AuthResult::Success ? "v=ok" : ""}); });
  }
  const std::string& username() const override { return name_; }

 private:
  boost::asio::io_context& io_;
  int& checks_;
  std::string name_, password_;
};

// Always refuses at once as a channel-binding mismatch: a negotiation failure.
class NoBinding final : public sasl::Mechanism {
 public:
  sasl::Step step(std::string_view) override {
    return sasl::Step::negotiation_failure("not-authorized", "Unsupported channel binding type");
  }
  void verify(std::function<void(sasl::Verdict)>) override {}
  const std::string& username() const override { return name_; }

 private:
  std::string name_;
};

std::string auth(std::string_view mechanism, std::string_view initial) {
  return "<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='" + std::string(mechanism) + "'>" +
         (initial.empty() ? std::string() : base64_encode(initial)) + "</auth>";
}
std::string response(std::string_view data) {
  return "<response xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>" + base64_encode(data) + "</response>";
}

class SaslC2sTest : public test::SaslC2sFixture {
 protected:
  int checks = 0;

  void SetUp() override {
    mechanisms.add("X-TWO-STEP-PLUS", [this](const sasl::StreamInfo&) { return std::make_unique<TwoStep>(io, checks); });
    mechanisms.add("X-TWO-STEP", [this](const sasl::StreamInfo&) { return std::make_unique<TwoStep>(io, checks); });
    mechanisms.add("PLAIN", [this](const sasl::StreamInfo& info) {
      return std::make_unique<sasl::PlainMechanism>(authenticator, info.domain);
    });
  }
};

TEST_F(SaslC2sTest, OffersTheRegisteredMechanismsInOrderAndPlusOnlyWithChannelBinding) {
  start();
  const std::string out = exchange(kOpen);
  EXPECT_NE(out.find("<mechanism>X-TWO-STEP</mechanism><mechanism>PLAIN</mechanism></mechanisms>"), std::string::npos) << out;
  EXPECT_EQ(out.find("PLUS"), std::string::npos);
  EXPECT_EQ(out.find("sasl-channel-binding"), std::string::npos);
  EXPECT_NE(exchange(auth("X-TWO-STEP-PLUS", "alice")).find("<invalid-mechanism/>"), std::string::npos)
      << "a -PLUS mechanism not offered is not accepted either";
}

TEST_F(SaslC2sTest, WithChannelBindingOffersPlusAndTheBindingTypes) {
  transport->bindings["tls-server-end-point"] = std::string(32, 'h');
  start();
  const std::string out = exchange(kOpen);
  EXPECT_NE(out.find("<mechanism>X-TWO-STEP-PLUS</mechanism><mechanism>X-TWO-STEP</mechanism>"), std::string::npos) << out;
  EXPECT_NE(out.find("<sasl-channel-binding xmlns='urn:xmpp:sasl-cb:0'><channel-binding type='tls-server-end-point'/>"
                     "</sasl-channel-binding>"),
            std::string::npos)
      << out;
}

TEST_F(SaslC2sTest, TheAllowListRemovesPlain) {
  mechanisms.allow({"X-TWO-STEP"});
  start();
  const std::string out = exchange(kOpen);
  EXPECT_NE(out.find("<mechanism>X-TWO-STEP</mechanism></mechanisms>"), std::string::npos) << out;
  EXPECT_EQ(out.find("PLAIN"), std::string::npos);
  EXPECT_NE(exchange(auth("PLAIN", std::string("\0alice\0secret", 13))).find("<invalid-mechanism/>"), std::string::npos);
  EXPECT_EQ(authenticator.calls, 0);
}

TEST_F(SaslC2sTest, ChallengeResponseAndSuccessWithAdditionalData) {
  start();
  exchange(kOpen);
  EXPECT_NE(exchange(auth("X-TWO-STEP", "alice")).find(">" + base64_encode("who?") + "</challenge>"), std::string::npos);
  const std::string out = exchange(response("good"));
  EXPECT_NE(out.find("<success xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>" + base64_encode("v=ok") + "</success>"),
            std::string::npos)
      << out;
  EXPECT_TRUE(c2s->authenticated());
  EXPECT_EQ(c2s->username(), "alice");
}

TEST_F(SaslC2sTest, FailuresOfAnyMechanismCountByAddressAndAccountAndPerStream) {
  start();
  exchange(kOpen);
  exchange(auth("X-TWO-STEP", "alice"));
  EXPECT_NE(exchange(response("bad")).find("<not-authorized/>"), std::string::npos);
  EXPECT_EQ(address_failures.count("192.0.2.1"), 1u);
  EXPECT_EQ(account_failures.count("alice"), 1u);
  // A malformed message is a failure of the stream, not a guess at a password.
  EXPECT_NE(exchange(auth("X-TWO-STEP", "")).find("<challenge"), std::string::npos);
  EXPECT_NE(exchange("<response xmlns='urn:ietf:params:xml:ns:xmpp-sasl'/>").find("<malformed-request/>"),
            std::string::npos);
  EXPECT_EQ(address_failures.count("192.0.2.1"), 1u);
  // PLAIN's failure counts in the same limits; the third failure on the stream ends it.
  const std::string out = exchange(auth("PLAIN", std::string("\0alice\0wrong", 12)));
  EXPECT_NE(out.find("<not-authorized/>"), std::string::npos);
  EXPECT_NE(out.find("<policy-violation"), std::string::npos);
  EXPECT_EQ(address_failures.count("192.0.2.1"), 2u);
  EXPECT_EQ(account_failures.count("alice"), 2u);
}

TEST_F(SaslC2sTest, AnAddressAtItsLimitIsRefusedWithoutACheckWhateverTheMechanism) {
  for (int i = 0; i < 10; ++i) address_failures.record("192.0.2.1");
  start();
  exchange(kOpen);
  exchange(auth("X-TWO-STEP", "alice"));
  EXPECT_NE(exchange(response("good")).find("<not-authorized/>"), std::string::npos);
  EXPECT_EQ(checks, 0);
}

// A client whose only binding type we lack meets refusals that try no password: they do not
// use up the stream's attempts, so it still reaches a mechanism it can use.
TEST_F(SaslC2sTest, NegotiationFailuresDoNotCountAgainstTheStream) {
  mechanisms.add("X-NO-BINDING", [](const sasl::StreamInfo&) { return std::make_unique<NoBinding>(); });
  start();
  exchange(kOpen);
  for (int i = 0; i < 5; ++i) {
    const std::string out = exchange(auth("X-NO-BINDING", "p=tls-unique,,n=alice,r=x"));
    EXPECT_NE(out.find("<not-authorized/>"), std::string::npos) << out;
    EXPECT_EQ(out.find("policy-violation"), std::string::npos) << out;
  }
  EXPECT_EQ(address_failures.count("192.0.2.1"), 0u);
  EXPECT_NE(exchange(auth("PLAIN", std::string("\0alice\0secret", 13))).find("<success"), std::string::npos);
}

TEST_F(SaslC2sTest, AbortEndsTheExchange) {
  start();
  exchange(kOpen);
  exchange(auth("X-TWO-STEP", "alice"));
  EXPECT_NE(exchange("<abort xmlns='urn:ietf:params:xml:ns:xmpp-sasl'/>").find("<aborted/>"), std::string::npos);
  EXPECT_NE(exchange(response("good")).find("unsupported-stanza-type"), std::string::npos)
      << "no response is expected after an abort";
  EXPECT_EQ(checks, 0);
}

// XEP-0474: SCRAM's first challenge hashes what this stream's features offered (the test's
// mechanisms, SCRAM-SHA-256 among them, and XEP-0440's one binding type), written out here.
TEST_F(SaslC2sTest, ScramHashesTheMechanismsAndBindingTypesThisStreamOffered) {
  transport->bindings["tls-server-end-point"] = std::string(32, 'h');
  mechanisms.add("SCRAM-SHA-256", [this](const sasl::StreamInfo& info) {
    auth::ScramOptions options;  // no accounts: a fake challenge, which carries h= all the same
    options.nonce = [] { return std::string("SERVER"); };
    return std::make_unique<auth::ScramMechanism>(io.get_executor(), options, info);
  });
  start();
  const std::string features = exchange(kOpen);
  ASSERT_NE(features.find("<mechanism>X-TWO-STEP-PLUS</mechanism><mechanism>X-TWO-STEP</mechanism><mechanism>PLAIN"
                          "</mechanism><mechanism>SCRAM-SHA-256</mechanism></mechanisms>"),
            std::string::npos)
      << features;
  const std::string challenge = test::SaslC2sFixture::decoded_text(exchange(auth("SCRAM-SHA-256", "n,,n=alice,r=abc")));
  EXPECT_TRUE(challenge.ends_with(",h=" + base64_encode(encoding::sha256(
                                              "PLAIN\x1eSCRAM-SHA-256\x1eX-TWO-STEP\x1eX-TWO-STEP-PLUS"
                                              "\x1ftls-server-end-point"))))
      << challenge;
}

}  // namespace
}  // namespace jabberadmin::stream
