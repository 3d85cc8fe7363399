#include <gtest/gtest.h>

#include "jabberadmin/encoding.hpp"
#include "stream/sasl_plain.hpp"

namespace jabberadmin::stream {
namespace {
using encoding::base64_decode;
using encoding::base64_encode;

// The decoder SASL PLAIN relies on (the library's) stays strict.
TEST(PlainBase64, RoundTripsAndIsStrict) {
  for (const std::string& s : std::vector<std::string>{"", "a", "ab", "abc", "abcd", std::string("\0\xff\x10", 3)})
    EXPECT_EQ(base64_decode(base64_encode(s)), s);
  EXPECT_FALSE(base64_decode("abc"));
  EXPECT_FALSE(base64_decode("ab=c"));
  EXPECT_FALSE(base64_decode("a==="));
  EXPECT_FALSE(base64_decode("YW Jj"));
}

TEST(PlainMessage, SplitsIntoItsThreeParts) {
  auto p = parse_plain(base64_encode(std::string("z\0alice\0pw\0x", 12)));
  EXPECT_FALSE(p.credentials) << "a fourth part is malformed";
  p = parse_plain(base64_encode(std::string("z\0alice\0p w", 11)));
  ASSERT_TRUE(p.credentials);
  EXPECT_EQ(p.credentials->authzid, "z");
  EXPECT_EQ(p.credentials->authcid, "alice");
  EXPECT_EQ(p.credentials->password, "p w");
  EXPECT_EQ(parse_plain("=").error, PlainError::Malformed);
  EXPECT_EQ(parse_plain("***").error, PlainError::IncorrectEncoding);
}

}  // namespace
}  // namespace jabberadmin::stream
