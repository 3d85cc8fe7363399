#include <gtest/gtest.h>

#include "jabberadmin/error.hpp"
#include "jabberadmin/password.hpp"

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

}  // namespace
}  // namespace jabberadmin::password
