// The SCRAM mechanisms against the RFCs' own exchanges (RFC 5802 §5, RFC 7677 §3), with the
// server nonce fixed; malformed messages; and a name the server cannot show (unknown,
// disabled, no verifier) answered exactly like a known one with a wrong password.
#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <openssl/evp.h>

#include "auth/scram_mechanism.hpp"
#include "fakes.hpp"
#include "jabberadmin/encoding.hpp"

namespace jabberadmin::auth {
namespace {
using encoding::base64_decode;
using encoding::base64_encode;
using stream::sasl::Step;
using stream::sasl::Verdict;

class ScramTest : public ::testing::Test {
 protected:
  boost::asio::io_context io;
  test::FakeTransport transport;
  std::map<std::string, scram::Verifier> verifiers;  // name -> its verifier (of any hash)
  std::vector<std::string> looked_up;
  bool directory_down = false;

  unsigned fake_iterations = scram::kDefaultIterations;
  // What the stream offered (XEP-0474); left empty, no list is known and no h= is sent.
  std::vector<std::string> offered, advertised_bindings;

  std::unique_ptr<ScramMechanism> make(scram::Hash hash, std::string server_nonce, bool plus = false,
                                       bool plus_offered = false) {
    ScramOptions options;
    options.fake_iterations = fake_iterations;
    options.hash = hash;
    options.plus = plus;
    options.secret = "server secret";
    options.lookup = [this](const std::string& name, scram::Hash h) {
      looked_up.push_back(name);
      if (directory_down) return ScramAccount{ScramAccount::State::Unavailable, {}};
      const auto found = verifiers.find(name);
      if (found == verifiers.end() || found->second.hash != h) return ScramAccount{};
      return ScramAccount{ScramAccount::State::Found, found->second};
    };
    if (!server_nonce.empty()) options.nonce = [server_nonce] { return server_nonce; };
    return std::make_unique<ScramMechanism>(
        io.get_executor(), options,
        stream::sasl::StreamInfo{"example.org", &transport, plus_offered, offered, advertised_bindings});
  }
  Verdict verify(ScramMechanism& m) {
    std::optional<Verdict> out;
    m.verify([&](Verdict v) { out = std::move(v); });
    EXPECT_FALSE(out) << "the verdict never comes inside verify()";
    io.restart();
    io.run();
    return out.value_or(Verdict{stream::AuthResult::TemporaryFailure, "none"});
  }
};

TEST_F(ScramTest, Rfc5802Sha1Exchange) {
  verifiers["user"] = scram::make_verifier(scram::Hash::Sha1, "pencil", *base64_decode("QSXCR+Q6sek8bf92"), 4096);
  auto m = make(scram::Hash::Sha1, "3rfcNHYJY1ZVvWVs7j");
  const Step first = m->step("n,,n=user,r=fyko+d2lbbFgONRv9qkxdawL");
  ASSERT_EQ(first.kind, Step::Kind::Challenge);
  EXPECT_EQ(first.data, "r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,s=QSXCR+Q6sek8bf92,i=4096");
  EXPECT_EQ(m->username(), "user");
  const Step final = m->step("c=biws,r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,p=v0X8v3Bz2T0CJGbJQyF0X+HI4Ts=");
  ASSERT_EQ(final.kind, Step::Kind::Check);
  const Verdict v = verify(*m);
  EXPECT_EQ(v.result, stream::AuthResult::Success);
  EXPECT_EQ(v.additional, "v=rmF9pqV8S7suAoZWja4dJRkFsKQ=");
}

TEST_F(ScramTest, Rfc7677Sha256Exchange) {
  verifiers["user"] =
      scram::make_verifier(scram::Hash::Sha256, "pencil", *base64_decode("W22ZaJ0SNY7soEsUEjb6gQ=="), 4096);
  auto m = make(scram::Hash::Sha256, "%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0");
  const Step first = m->step("n,,n=user,r=rOprNGfwEbeRWgbNEkqO");
  ASSERT_EQ(first.kind, Step::Kind::Challenge);
  EXPECT_EQ(first.data, "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096");
  ASSERT_EQ(m->step("c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,"
                    "p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=")
                .kind,
            Step::Kind::Check);
  const Verdict v = verify(*m);
  EXPECT_EQ(v.result, stream::AuthResult::Success);
  EXPECT_EQ(v.additional, "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=");
}

// The client side of an exchange, for the tests that need a proof of their own.
std::string client_final(scram::Hash hash, std::string_view password, std::string_view client_first_bare,
                         std::string_view server_first, std::string_view gs2_and_binding = "n,,") {
  const auto attribute = [&](char key) {
    const auto at = server_first.find(std::string(1, key) + "=");
    const auto end = server_first.find(',', at);
    return std::string(server_first.substr(at + 2, end == std::string_view::npos ? end : end - at - 2));
  };
  const std::string without_proof = "c=" + base64_encode(gs2_and_binding) + ",r=" + attribute('r');
  const std::string auth_message = std::string(client_first_bare) + "," + std::string(server_first) + "," + without_proof;
  const std::string salted = scram::salted_password(hash, password, *base64_decode(attribute('s')),
                                                    static_cast<unsigned>(std::stoul(attribute('i'))));
  return without_proof + ",p=" + base64_encode(scram::client_proof(hash, salted, auth_message));
}

TEST_F(ScramTest, WrongPasswordFailsAfterTheWholeExchange) {
  verifiers["alice"] = scram::make_verifier(scram::Hash::Sha256, "secret", "0123456789abcdef", 4096);
  auto m = make(scram::Hash::Sha256, "");
  const Step first = m->step("n,,n=alice,r=abcdef");
  ASSERT_EQ(first.kind, Step::Kind::Challenge);
  ASSERT_EQ(m->step(client_final(scram::Hash::Sha256, "wrong", "n=alice,r=abcdef", first.data)).kind, Step::Kind::Check);
  const Verdict v = verify(*m);
  EXPECT_EQ(v.result, stream::AuthResult::NotAuthorized);
  EXPECT_EQ(v.additional, "");
}

TEST_F(ScramTest, ServerNoncesAreFreshRandomAndPrintable) {
  const auto a = ScramMechanism::random_nonce(), b = ScramMechanism::random_nonce();
  ASSERT_TRUE(a && b);
  EXPECT_NE(*a, *b);
  EXPECT_EQ(a->find(','), std::string::npos);
  EXPECT_GE(a->size(), 24u);
}

// An unknown name, and one with a verifier of another hash only, get what a known name gets:
// a challenge of the same form (its salt stable across exchanges), then not-authorized.
TEST_F(ScramTest, UnknownUserIsIndistinguishableFromAWrongPassword) {
  verifiers["alice"] = scram::make_verifier(scram::Hash::Sha256, "secret", "0123456789abcdef", 4096);
  verifiers["sha1only"] = scram::make_verifier(scram::Hash::Sha1, "secret", "0123456789abcdef", 4096);
  for (const std::string name : {"nobody", "sha1only"}) {
    auto m = make(scram::Hash::Sha256, "SERVER");
    const Step first = m->step("n,,n=" + name + ",r=abcdef");
    ASSERT_EQ(first.kind, Step::Kind::Challenge) << name;
    auto again = make(scram::Hash::Sha256, "SERVER");
    EXPECT_EQ(again->step("n,,n=" + name + ",r=abcdef").data, first.data) << "the same salt every time";
    EXPECT_EQ(first.data, "r=abcdefSERVER,s=" + base64_encode(fake_salt("server secret", scram::Hash::Sha256, name)) +
                              ",i=4096");
    EXPECT_EQ(base64_decode(first.data.substr(first.data.find("s=") + 2, 24))->size(), scram::kSaltLength);
    ASSERT_EQ(m->step(client_final(scram::Hash::Sha256, "secret", "n=" + name + ",r=abcdef", first.data)).kind,
              Step::Kind::Check);
    const Verdict v = verify(*m);
    EXPECT_EQ(v.result, stream::AuthResult::NotAuthorized) << name;
    EXPECT_EQ(v.additional, "");
  }
  EXPECT_NE(fake_salt("server secret", scram::Hash::Sha256, "nobody"),
            fake_salt("server secret", scram::Hash::Sha256, "nobody2"));
  EXPECT_NE(fake_salt("server secret", scram::Hash::Sha256, "nobody"),
            fake_salt("another secret", scram::Hash::Sha256, "nobody"));
}

// With new verifiers made at a higher count (scram_iterations), a fake challenge says that
// count too: "i=4096" would tell a name without a verifier from a real account.
TEST_F(ScramTest, AFakeChallengeGivesTheIterationsNewVerifiersGet) {
  fake_iterations = 10000;
  auto m = make(scram::Hash::Sha256, "SERVER");
  const Step first = m->step("n,,n=nobody,r=abcdef");
  ASSERT_EQ(first.kind, Step::Kind::Challenge);
  EXPECT_TRUE(first.data.ends_with(",i=10000")) << first.data;
}

TEST_F(ScramTest, ALockOrPasswordChangeDuringTheExchangeCounts) {
  verifiers["alice"] = scram::make_verifier(scram::Hash::Sha256, "secret", "0123456789abcdef", 4096);
  auto m = make(scram::Hash::Sha256, "");
  const Step first = m->step("n,,n=alice,r=abcdef");
  ASSERT_EQ(m->step(client_final(scram::Hash::Sha256, "secret", "n=alice,r=abcdef", first.data)).kind, Step::Kind::Check);
  verifiers.erase("alice");  // locked meanwhile: the directory shows no verifier
  EXPECT_EQ(verify(*m).result, stream::AuthResult::NotAuthorized);
}

TEST_F(ScramTest, DirectoryUnavailableIsATemporaryFailure) {
  directory_down = true;
  auto m = make(scram::Hash::Sha256, "");
  const Step first = m->step("n,,n=alice,r=abcdef");
  ASSERT_EQ(first.kind, Step::Kind::Challenge);
  ASSERT_EQ(m->step(client_final(scram::Hash::Sha256, "secret", "n=alice,r=abcdef", first.data)).kind, Step::Kind::Check);
  EXPECT_EQ(verify(*m).result, stream::AuthResult::TemporaryFailure);
}

TEST_F(ScramTest, EscapedNamesAreDecoded) {
  auto m = make(scram::Hash::Sha256, "");
  ASSERT_EQ(m->step("n,,n=a=3Db,r=abcdef").kind, Step::Kind::Challenge);
  EXPECT_EQ(m->username(), "a=b");
  EXPECT_EQ(looked_up, std::vector<std::string>{"a=b"});
}

TEST_F(ScramTest, MalformedClientFirstMessages) {
  const std::vector<std::pair<std::string, std::string>> cases{
      {"", "malformed-request"},
      {"n,n=user,r=abc", "malformed-request"},          // no second comma of the gs2 header
      {"x,,n=user,r=abc", "malformed-request"},         // unknown flag
      {"n,,m=ext,n=user,r=abc", "malformed-request"},   // mandatory extension
      {"n,,n=user", "malformed-request"},
      {"n,,r=abc,n=user", "malformed-request"},
      {"n,,n=us=2Xer,r=abc", "malformed-request"},      // bad escape
      {"n,,n=us=2,r=abc", "malformed-request"},
      {"n,,n=,r=abc", "malformed-request"},
      {"n,,n=user,r=", "malformed-request"},
      {"n,,n=user,r=ab\x01" "c", "malformed-request"},
      {"n,,n=user,r=abc,junk", "malformed-request"},
      {"n,,n=user,r=" + std::string(kMaxScramMessage, 'a'), "malformed-request"},
      {"p=tls-exporter,,n=user,r=abc", "not-authorized"},  // binding asked of a non-PLUS mechanism
      {"n,a=someone@example.org,n=user,r=abc", "invalid-authzid"},
      {"n,,n=us@er,r=abc", "not-authorized"},              // not a possible localpart
  };
  for (const auto& [message, condition] : cases) {
    auto m = make(scram::Hash::Sha256, "");
    const Step step = m->step(message);
    EXPECT_EQ(step.kind, Step::Kind::Failure) << message;
    EXPECT_EQ(step.condition, condition) << message;
  }
  // The authzid of the user itself is fine, and an extension after r= is ignored.
  EXPECT_EQ(make(scram::Hash::Sha256, "")->step("n,a=user@example.org,n=user,r=abc,x=1").kind, Step::Kind::Challenge);
}

TEST_F(ScramTest, MalformedOrMismatchedClientFinalMessages) {
  verifiers["alice"] = scram::make_verifier(scram::Hash::Sha256, "secret", "0123456789abcdef", 4096);
  const auto good = [&](ScramMechanism& m) {
    return client_final(scram::Hash::Sha256, "secret", "n=alice,r=abc", m.step("n,,n=alice,r=abc").data);
  };
  const auto replace = [](std::string s, std::string_view from, std::string_view to) {
    return s.replace(s.find(from), from.size(), to);
  };
  const std::vector<std::pair<std::function<std::string(std::string)>, std::string>> cases{
      {[&](std::string s) { return replace(s, "r=abc", "r=abd"); }, "not-authorized"},  // nonce
      {[&](std::string s) { return replace(s, "c=biws", "c=eSws"); }, "not-authorized"},  // "y,," instead
      {[&](std::string s) { return replace(s, "c=biws", "c=!!!!"); }, "malformed-request"},
      {[&](std::string s) { return s.substr(0, s.find(",p=")); }, "malformed-request"},
      {[&](std::string s) { return s.substr(0, s.find(",p=")) + ",p=AAAA"; }, "malformed-request"},
      {[&](std::string s) { return s.substr(s.find(",r=") + 1); }, "malformed-request"},
  };
  for (const auto& [damage, condition] : cases) {
    auto m = make(scram::Hash::Sha256, "");
    const std::string message = damage(good(*m));
    const Step step = m->step(message);
    EXPECT_EQ(step.kind, Step::Kind::Failure) << message;
    EXPECT_EQ(step.condition, condition) << message;
  }
  auto m = make(scram::Hash::Sha256, "");
  EXPECT_EQ(m->step(good(*m)).kind, Step::Kind::Check);
  EXPECT_EQ(m->step("c=biws").kind, Step::Kind::Failure) << "no third message";
}

TEST_F(ScramTest, ClientThatCouldBindButSawNoPlusIsADowngradeWhenWeOfferedIt) {
  verifiers["alice"] = scram::make_verifier(scram::Hash::Sha256, "secret", "0123456789abcdef", 4096);
  EXPECT_EQ(make(scram::Hash::Sha256, "", false, false)->step("y,,n=alice,r=abc").kind, Step::Kind::Challenge);
  const Step step = make(scram::Hash::Sha256, "", false, true)->step("y,,n=alice,r=abc");
  EXPECT_EQ(step.kind, Step::Kind::Failure);
  EXPECT_EQ(step.condition, "not-authorized");
}

TEST_F(ScramTest, PlusBindsTheExchangeToTheTlsChannel) {
  verifiers["alice"] = scram::make_verifier(scram::Hash::Sha256, "secret", "0123456789abcdef", 4096);
  transport.bindings["tls-exporter"] = std::string(32, '\x07');
  for (const bool right : {true, false}) {
    auto m = make(scram::Hash::Sha256, "", true, true);
    const Step first = m->step("p=tls-exporter,,n=alice,r=abc");
    ASSERT_EQ(first.kind, Step::Kind::Challenge);
    const std::string binding = right ? std::string(32, '\x07') : std::string(32, '\x08');
    const Step final = m->step(client_final(scram::Hash::Sha256, "secret", "n=alice,r=abc", first.data,
                                            "p=tls-exporter,," + binding));
    if (right) {
      ASSERT_EQ(final.kind, Step::Kind::Check);
      EXPECT_EQ(verify(*m).result, stream::AuthResult::Success);
    } else {
      EXPECT_EQ(final.kind, Step::Kind::Failure);
      EXPECT_EQ(final.condition, "not-authorized");
    }
  }
  // A -PLUS mechanism without binding, or with a type this connection cannot give.
  EXPECT_EQ(make(scram::Hash::Sha256, "", true, true)->step("n,,n=alice,r=abc").kind, Step::Kind::Failure);
  EXPECT_EQ(make(scram::Hash::Sha256, "", true, true)->step("y,,n=alice,r=abc").kind, Step::Kind::Failure);
  EXPECT_EQ(make(scram::Hash::Sha256, "", true, true)->step("p=tls-server-end-point,,n=alice,r=abc").kind,
            Step::Kind::Failure);
  EXPECT_EQ(make(scram::Hash::Sha256, "", true, true)->step("p=tls-unique,,n=alice,r=abc").kind, Step::Kind::Failure);
}

// Downgrade protection (XEP-0474): the XEP's own example, end to end. SCRAM-SHA-1-PLUS
// with tls-exporter (the XEP's fake binding data), the password "pencil", the XEP's nonces
// and salt; the server offered SCRAM-SHA-1-PLUS and SCRAM-SHA-1 and both binding types.
TEST_F(ScramTest, DowngradeProtectionAsInXep0474sExample) {
  verifiers["user"] = scram::make_verifier(scram::Hash::Sha1, "pencil", *base64_decode("QSXCR+Q6sek8bf92"), 4096);
  transport.bindings["tls-exporter"] = "THIS IS FAKE CB DATA";
  offered = {"SCRAM-SHA-1-PLUS", "SCRAM-SHA-1"};
  advertised_bindings = {"tls-exporter", "tls-server-end-point"};
  auto m = make(scram::Hash::Sha1, "a09117a6-ac50-4f2f-93f1-93799c2bddf6", true, true);
  const Step first = m->step("p=tls-exporter,,n=user,r=12C4CD5C-E38E-4A98-8F6D-15C38F51CCC6");
  ASSERT_EQ(first.kind, Step::Kind::Challenge);
  EXPECT_EQ(first.data,
            "r=12C4CD5C-E38E-4A98-8F6D-15C38F51CCC6a09117a6-ac50-4f2f-93f1-93799c2bddf6,s=QSXCR+Q6sek8bf92,i=4096,"
            "h=G6k/rBLDqgOhRRaCuuatSDFkJ08=");
  const Step final = m->step(
      "c=cD10bHMtZXhwb3J0ZXIsLFRISVMgSVMgRkFLRSBDQiBEQVRB,"
      "r=12C4CD5C-E38E-4A98-8F6D-15C38F51CCC6a09117a6-ac50-4f2f-93f1-93799c2bddf6,"
      "x=19C6532F-1CF4-4A27-A18D-DC9CEA41BBB3,p=M/SIDjT+dfcxUh89jZEypRvFxB4=");
  ASSERT_EQ(final.kind, Step::Kind::Check);
  const Verdict v = verify(*m);
  EXPECT_EQ(v.result, stream::AuthResult::Success);
  EXPECT_EQ(v.additional, "v=MQrMPvv7yv4x4Cq4W4Ih25EqS2c=");
}

// base64(H(text)) by OpenSSL directly, not through the code under test.
std::string base64_digest(const EVP_MD* md, std::string_view text) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  EXPECT_EQ(EVP_Digest(text.data(), text.size(), out, &size, md, nullptr), 1);
  return base64_encode(std::string_view(reinterpret_cast<const char*>(out), size));
}

const std::vector<std::string> kEveryMechanism{"SCRAM-SHA-512-PLUS", "SCRAM-SHA-512", "SCRAM-SHA-256-PLUS",
                                               "SCRAM-SHA-256",      "SCRAM-SHA-1-PLUS", "SCRAM-SHA-1",
                                               "PLAIN"};

// The list cl-jabberd offers by default with both binding types: the hash input written out
// by hand from XEP-0474 §6.1 (sorted, %x1E between names, %x1F before the binding types),
// hashed with each mechanism's own hash.
TEST_F(ScramTest, TheServerFirstMessageEndsWithTheHashOfTheOfferedList) {
  offered = kEveryMechanism;
  advertised_bindings = {"tls-exporter", "tls-server-end-point"};
  const std::string input =
      "PLAIN\x1eSCRAM-SHA-1\x1eSCRAM-SHA-1-PLUS\x1eSCRAM-SHA-256\x1eSCRAM-SHA-256-PLUS\x1eSCRAM-SHA-512\x1e"
      "SCRAM-SHA-512-PLUS\x1ftls-exporter\x1etls-server-end-point";
  const std::string salt = base64_encode(fake_salt("server secret", scram::Hash::Sha256, "nobody"));
  EXPECT_EQ(make(scram::Hash::Sha256, "SERVER")->step("n,,n=nobody,r=abcdef").data,
            "r=abcdefSERVER,s=" + salt + ",i=4096,h=" + base64_digest(EVP_sha256(), input));
  const std::string salt512 = base64_encode(fake_salt("server secret", scram::Hash::Sha512, "nobody"));
  EXPECT_EQ(make(scram::Hash::Sha512, "SERVER")->step("n,,n=nobody,r=abcdef").data,
            "r=abcdefSERVER,s=" + salt512 + ",i=4096,h=" + base64_digest(EVP_sha512(), input));
}

// What a man in the middle would make the client see gives another hash than what the
// server offered: -PLUS struck (and with it XEP-0440's list), a binding type struck, PLAIN
// alone. And whatever list it is, the client's proof covers h= (it is in the AuthMessage).
TEST_F(ScramTest, TheHashChangesWhenTheOfferedListChanges) {
  verifiers["alice"] = scram::make_verifier(scram::Hash::Sha256, "secret", "0123456789abcdef", 4096);
  const auto h_of = [&](std::vector<std::string> mechanisms, std::vector<std::string> bindings) {
    offered = std::move(mechanisms);
    advertised_bindings = std::move(bindings);
    const std::string data = make(scram::Hash::Sha256, "SERVER")->step("n,,n=alice,r=abcdef").data;
    const auto at = data.find(",h=");
    return at == std::string::npos ? std::string() : data.substr(at + 3);
  };
  const std::string full = h_of(kEveryMechanism, {"tls-exporter", "tls-server-end-point"});
  const std::string no_plus = h_of({"SCRAM-SHA-512", "SCRAM-SHA-256", "SCRAM-SHA-1", "PLAIN"}, {});
  const std::string one_binding = h_of(kEveryMechanism, {"tls-server-end-point"});
  const std::string plain_only = h_of({"SCRAM-SHA-256", "PLAIN"}, {});
  EXPECT_FALSE(full.empty());
  EXPECT_NE(full, no_plus);
  EXPECT_NE(full, one_binding);
  EXPECT_NE(no_plus, one_binding);
  // Without XEP-0440's list nothing follows the mechanisms (no %x1F).
  EXPECT_EQ(no_plus, base64_digest(EVP_sha256(), "PLAIN\x1eSCRAM-SHA-1\x1eSCRAM-SHA-256\x1eSCRAM-SHA-512"));
  EXPECT_EQ(plain_only, base64_digest(EVP_sha256(), "PLAIN\x1eSCRAM-SHA-256"));
  // The order the server lists them in does not matter, only the set.
  EXPECT_EQ(h_of({"PLAIN", "SCRAM-SHA-256"}, {}), plain_only);
  // No list known (a mechanism made outside a stream's offer): no h=.
  EXPECT_EQ(h_of({}, {}), "");

  offered = kEveryMechanism;
  advertised_bindings = {"tls-exporter", "tls-server-end-point"};
  auto m = make(scram::Hash::Sha256, "SERVER");
  const Step first = m->step("n,,n=alice,r=abcdef");
  ASSERT_EQ(m->step(client_final(scram::Hash::Sha256, "secret", "n=alice,r=abcdef", first.data)).kind,
            Step::Kind::Check);
  EXPECT_EQ(verify(*m).result, stream::AuthResult::Success);
  // A proof made over a server-first-message with another h= fails.
  auto other = make(scram::Hash::Sha256, "SERVER");
  const Step other_first = other->step("n,,n=alice,r=abcdef");
  std::string tampered = other_first.data.substr(0, other_first.data.find(",h=")) + ",h=" + no_plus;
  ASSERT_EQ(other->step(client_final(scram::Hash::Sha256, "secret", "n=alice,r=abcdef", tampered)).kind,
            Step::Kind::Check);
  EXPECT_EQ(verify(*other).result, stream::AuthResult::NotAuthorized);
}

}  // namespace
}  // namespace jabberadmin::auth
