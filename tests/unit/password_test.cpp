#include <gtest/gtest.h>

#include <algorithm>

#include "jabberadmin/error.hpp"
#include "jabberadmin/password.hpp"
#include "jabberadmin/scram.hpp"

namespace jabberadmin::password {
namespace {

TEST(Password, HashIsSaltedSha512CryptThatVerifies) {
  const auto a = hash("correct horse");
  const auto b = hash("correct horse");
  EXPECT_TRUE(a.starts_with("{CRYPT}$6$"));
  EXPECT_NE(a, b);
  EXPECT_TRUE(verify("correct horse", a));
  EXPECT_FALSE(verify("correct horsf", a));
  EXPECT_FALSE(verify("", a));
}

TEST(Password, EmptyAndNulPasswordsAreRefused) {
  EXPECT_THROW(hash(""), Error);
  EXPECT_THROW(hash(std::string("a\0b", 3)), Error);
}

TEST(Password, LockMarkerGoesAfterTheSchemeAndRoundTrips) {
  const auto h = hash("pw");
  const auto locked = lock(h);
  EXPECT_TRUE(locked.starts_with("{CRYPT}!$6$"));
  EXPECT_TRUE(is_locked(locked));
  EXPECT_FALSE(is_locked(h));
  EXPECT_EQ(lock(locked), locked) << "idempotent";
  EXPECT_FALSE(verify("pw", locked));
  EXPECT_EQ(unlock(locked), h);
  EXPECT_EQ(unlock(h), h);
}

TEST(Password, LocksValuesThatAreNotCryptHashesByWrappingThem) {
  // A clear-text or scheme-less value (a user once set it over TCP): locked all the same.
  for (const std::string value : {"cleartext", "!pw", "{CLEARTEXT}pw", "{CLEARTEXT}!pw", "{SSHA}H3byrpsZ8zDzkzLLAZGK41IugMcww12f"}) {
    EXPECT_FALSE(is_locked(value)) << value;
    const auto locked = lock(value);
    EXPECT_TRUE(locked.starts_with("{CRYPT}!!")) << locked;
    EXPECT_TRUE(is_locked(locked)) << locked;
    EXPECT_EQ(lock(locked), locked) << "idempotent";
    EXPECT_EQ(unlock(locked), value);
  }
  // A lock made the old way on another scheme still unlocks.
  EXPECT_EQ(unlock("{SSHA}!H3byrpsZ8zDzkzLLAZGK41IugMcww12f"), "{SSHA}H3byrpsZ8zDzkzLLAZGK41IugMcww12f");
}

TEST(Password, VerifiesSshaFromOtherTools) {
  // Made by `slappasswd -s secret -h {SSHA}` (OpenLDAP 2.5): a known answer from another tool.
  EXPECT_TRUE(verify("secret", "{SSHA}H3byrpsZ8zDzkzLLAZGK41IugMcww12f"));
  EXPECT_FALSE(verify("Secret", "{SSHA}H3byrpsZ8zDzkzLLAZGK41IugMcww12f"));
}

TEST(PasswordStore, GivesTheHashAndOneVerifierPerHashEachWithItsOwnSalt) {
  const std::string clear = "Пароль-ёлка 1";  // Cyrillic, as typed
  const Stored stored = store(clear, 4096);
  EXPECT_TRUE(verify(clear, stored.hash));
  ASSERT_EQ(stored.verifiers.size(), scram::all_hashes().size());
  std::vector<std::string> salts;
  for (std::size_t i = 0; i < stored.verifiers.size(); ++i) {
    const auto v = scram::parse_auth_password(stored.verifiers[i]);
    ASSERT_TRUE(v) << stored.verifiers[i];
    EXPECT_EQ(v->hash, scram::all_hashes()[i]);
    EXPECT_EQ(v->iterations, 4096u);
    // The verifier is the password's: the same salt and count give the same keys.
    EXPECT_EQ(scram::make_verifier(v->hash, clear, v->salt, v->iterations), *v);
    EXPECT_NE(scram::make_verifier(v->hash, "Пароль-ёлка 2", v->salt, v->iterations), *v);
    salts.push_back(v->salt);
  }
  std::sort(salts.begin(), salts.end());
  EXPECT_EQ(std::unique(salts.begin(), salts.end()), salts.end()) << "a fresh salt each";
  EXPECT_NE(store(clear, 4096).verifiers, stored.verifiers) << "and fresh on every store";
  EXPECT_EQ(scram::parse_auth_password(store(clear, 10000).verifiers[0])->iterations, 10000u);
}

TEST(PasswordStore, WithoutScramOnlyTheHash) {
  const Stored stored = store("password", std::nullopt);
  EXPECT_TRUE(verify("password", stored.hash));
  EXPECT_TRUE(stored.verifiers.empty());
}

TEST(PasswordStore, APasswordSaslprepRefusesIsRefusedWithOrWithoutScram) {
  for (const std::optional<unsigned> iterations : {std::optional<unsigned>(4096), std::optional<unsigned>()}) {
    try {
      store("pass\x07word", iterations);
      FAIL() << "a control character was accepted";
    } catch (const Error& e) {
      EXPECT_EQ(e.kind(), ErrorKind::InvalidArgument);
      EXPECT_NE(std::string(e.what()).find("SASLprep"), std::string::npos) << e.what();
    }
  }
  EXPECT_THROW(check_saslprep("tab\there"), Error);
  EXPECT_NO_THROW(check_saslprep("пароль с пробелом"));
}

TEST(VerifierLock, MakesTheValueUnparseableAndUnlockGivesItBack) {
  const std::string value = store("password", 4096).verifiers[1];
  const std::string locked = lock_verifier(value);
  EXPECT_TRUE(is_verifier_locked(locked));
  EXPECT_FALSE(is_verifier_locked(value));
  EXPECT_FALSE(scram::parse_auth_password(locked)) << locked;
  EXPECT_EQ(lock_verifier(locked), locked) << "idempotent";
  EXPECT_EQ(unlock_verifier(locked), value);
  EXPECT_EQ(unlock_verifier(value), value) << "idempotent";
}

}  // namespace
}  // namespace jabberadmin::password
