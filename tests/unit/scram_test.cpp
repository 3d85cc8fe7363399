// SCRAM key derivation against the RFCs' own examples: RFC 5802 §5 (SHA-1), RFC 7677 §3
// (SHA-256) and RFC 5803 §4 (the stored form).
#include "jabberadmin/scram.hpp"

#include <gtest/gtest.h>

#include "jabberadmin/encoding.hpp"
#include "jabberadmin/error.hpp"

namespace jabberadmin::scram {
namespace {

std::string b64(std::string_view text) { return encoding::base64_decode(text).value(); }

struct Exchange {
  Hash hash;
  std::string client_first_bare, server_first, client_final_without_proof, proof, server_signature;
  std::string salt;
};

std::string auth_message(const Exchange& e) {
  return e.client_first_bare + "," + e.server_first + "," + e.client_final_without_proof;
}

const Exchange kRfc5802{Hash::Sha1,
                        "n=user,r=fyko+d2lbbFgONRv9qkxdawL",
                        "r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,s=QSXCR+Q6sek8bf92,i=4096",
                        "c=biws,r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j",
                        "v0X8v3Bz2T0CJGbJQyF0X+HI4Ts=",
                        "rmF9pqV8S7suAoZWja4dJRkFsKQ=",
                        "QSXCR+Q6sek8bf92"};

const Exchange kRfc7677{Hash::Sha256,
                        "n=user,r=rOprNGfwEbeRWgbNEkqO",
                        "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096",
                        "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0",
                        "dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=",
                        "6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=",
                        "W22ZaJ0SNY7soEsUEjb6gQ=="};

class RfcExample : public ::testing::TestWithParam<Exchange> {};

TEST_P(RfcExample, TheClientsProofIsWhatTheRfcSays) {
  const Exchange& e = GetParam();
  const std::string salted = salted_password(e.hash, "pencil", b64(e.salt), 4096);
  EXPECT_EQ(encoding::base64_encode(client_proof(e.hash, salted, auth_message(e))), e.proof);
}

TEST_P(RfcExample, AVerifierAcceptsTheRfcsProofAndSignsAsTheRfcSays) {
  const Exchange& e = GetParam();
  const Verifier v = make_verifier(e.hash, "pencil", b64(e.salt), 4096);
  EXPECT_TRUE(proof_matches(v, auth_message(e), b64(e.proof)));
  EXPECT_EQ(encoding::base64_encode(server_signature(v, auth_message(e))), e.server_signature);
}

TEST_P(RfcExample, AnotherPasswordsProofIsRefused) {
  const Exchange& e = GetParam();
  const Verifier v = make_verifier(e.hash, "pencil", b64(e.salt), 4096);
  const std::string wrong = salted_password(e.hash, "pencil2", b64(e.salt), 4096);
  EXPECT_FALSE(proof_matches(v, auth_message(e), client_proof(e.hash, wrong, auth_message(e))));
  EXPECT_FALSE(proof_matches(v, auth_message(e), ""));
  EXPECT_FALSE(proof_matches(v, auth_message(e) + "x", b64(e.proof)));
}

INSTANTIATE_TEST_SUITE_P(Scram, RfcExample, ::testing::Values(kRfc5802, kRfc7677));

TEST(ScramStoredForm, MatchesRfc5803sExample) {
  const Verifier v = make_verifier(Hash::Sha1, "pencil", b64("QSXCR+Q6sek8bf92"), 4096);
  EXPECT_EQ(format_auth_password(v),
            "SCRAM-SHA-1$4096:QSXCR+Q6sek8bf92$6dlGYMOdZcOPutkcNY8U2g7vK9Y=:D+CSWLOshSulAsxiupA+qs2/fTE=");
}

TEST(ScramStoredForm, ReadsBackWhatItWrites) {
  for (Hash hash : all_hashes()) {
    const Verifier v = new_verifier(hash, "Пароль-123");
    EXPECT_EQ(v.salt.size(), kSaltLength);
    EXPECT_EQ(v.iterations, kDefaultIterations);
    EXPECT_EQ(parse_auth_password(format_auth_password(v)), v) << mechanism_name(hash);
  }
}

TEST(ScramStoredForm, RefusesWhatIsNotAWellFormedVerifier) {
  const std::string good = "SCRAM-SHA-1$4096:QSXCR+Q6sek8bf92$6dlGYMOdZcOPutkcNY8U2g7vK9Y=:D+CSWLOshSulAsxiupA+qs2/fTE=";
  ASSERT_TRUE(parse_auth_password(good));
  for (const std::string& bad : {
           std::string(""), std::string("SCRAM-SHA-1"), std::string("MD5$4096:QSXCR+Q6sek8bf92$a:b"),
           // a key of the wrong length for the hash
           std::string("SCRAM-SHA-256$4096:QSXCR+Q6sek8bf92$6dlGYMOdZcOPutkcNY8U2g7vK9Y=:D+CSWLOshSulAsxiupA+qs2/fTE="),
           std::string("SCRAM-SHA-1$1000:QSXCR+Q6sek8bf92$6dlGYMOdZcOPutkcNY8U2g7vK9Y=:D+CSWLOshSulAsxiupA+qs2/fTE="),
           std::string("SCRAM-SHA-1$4096x:QSXCR+Q6sek8bf92$6dlGYMOdZcOPutkcNY8U2g7vK9Y=:D+CSWLOshSulAsxiupA+qs2/fTE="),
           std::string("SCRAM-SHA-1$4096:$6dlGYMOdZcOPutkcNY8U2g7vK9Y=:D+CSWLOshSulAsxiupA+qs2/fTE="),
           std::string("SCRAM-SHA-1$4096:QSXCR+Q6sek8bf92$6dlGYMOdZcOPutkcNY8U2g7vK9Y=D+CSWLOshSulAsxiupA+qs2/fTE="),
           std::string("SCRAM-SHA-1$4096:QSXCR+Q6sek8bf9$6dlGYMOdZcOPutkcNY8U2g7vK9Y=:D+CSWLOshSulAsxiupA+qs2/fTE="),
       })
    EXPECT_FALSE(parse_auth_password(bad)) << bad;
}

TEST(ScramNames, AreTheIanaNames) {
  EXPECT_EQ(mechanism_name(Hash::Sha1), "SCRAM-SHA-1");
  EXPECT_EQ(hash_named("SCRAM-SHA-512"), Hash::Sha512);
  EXPECT_FALSE(hash_named("SCRAM-SHA-256-PLUS"));
  EXPECT_FALSE(hash_named("scram-sha-256"));
}

TEST(Saslprep, MapsAndRefusesAsRfc4013Says) {
  EXPECT_EQ(saslprep("I\xC2\xAD" "X"), "IX");       // soft hyphen mapped to nothing
  EXPECT_EQ(saslprep("\xE2\x85\xA8"), "IX");        // ROMAN NUMERAL NINE, NFKC
  EXPECT_EQ(saslprep("a\xC2\xA0" "b"), "a b");      // no-break space mapped to space
  EXPECT_FALSE(saslprep("a\x07"));                  // a control character is prohibited
  EXPECT_FALSE(saslprep(std::string("a\0b", 3)));
  EXPECT_EQ(saslprep("пароль"), "пароль");
}

TEST(Saslprep, APasswordItRefusesGetsNoVerifier) {
  try {
    make_verifier(Hash::Sha256, "bad\x07", "salt", 4096);
    FAIL() << "a control character was accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::InvalidArgument);
  }
}

}  // namespace
}  // namespace jabberadmin::scram
