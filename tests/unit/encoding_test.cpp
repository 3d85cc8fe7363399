// The library's one home of encodings: base64 against RFC 4648 §10, hex, and the digests
// against the FIPS 180 example messages.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "jabberadmin/encoding.hpp"

namespace jabberadmin::encoding {
namespace {

TEST(Base64, EncodesTheRfc4648Vectors) {
  EXPECT_EQ(base64_encode(""), "");
  EXPECT_EQ(base64_encode("f"), "Zg==");
  EXPECT_EQ(base64_encode("fo"), "Zm8=");
  EXPECT_EQ(base64_encode("foo"), "Zm9v");
  EXPECT_EQ(base64_encode("foob"), "Zm9vYg==");
  EXPECT_EQ(base64_encode("fooba"), "Zm9vYmE=");
  EXPECT_EQ(base64_encode("foobar"), "Zm9vYmFy");
  EXPECT_EQ(base64_encode(std::string("\xff\xd8\xff\xe0\x00\x10", 6)), "/9j/4AAQ");
}

TEST(Base64, EncodesBeyondOneInternalChunkWithoutLineBreaks) {
  const std::string big(3 * (1u << 20) + 2, '\xab');
  const std::string encoded = base64_encode(big);
  EXPECT_EQ(encoded.size(), 4 * ((big.size() + 2) / 3));
  EXPECT_EQ(encoded.substr(0, 4), "q6ur");
  EXPECT_EQ(encoded.substr(encoded.size() - 4), "q6s=");
  EXPECT_EQ(encoded.find('\n'), std::string::npos);
  EXPECT_EQ(base64_decode(encoded), big);
}

TEST(Base64, DecodesTheRfc4648Vectors) {
  EXPECT_EQ(base64_decode(""), "");
  EXPECT_EQ(base64_decode("Zg=="), "f");
  EXPECT_EQ(base64_decode("Zm8="), "fo");
  EXPECT_EQ(base64_decode("Zm9v"), "foo");
  EXPECT_EQ(base64_decode("Zm9vYg=="), "foob");
  EXPECT_EQ(base64_decode("Zm9vYmE="), "fooba");
  EXPECT_EQ(base64_decode("Zm9vYmFy"), "foobar");
  for (const std::string& s : std::vector<std::string>{"a", "ab", "abc", "abcd", std::string("\0\xff\x10", 3)})
    EXPECT_EQ(base64_decode(base64_encode(s)), s);
}

TEST(Base64, RefusesWhatIsNotStrictBase64) {
  for (const std::string_view bad : {"abc", "Zg=", "Zg", "ab=c", "a===", "====", "Zg==Zg==", "YW Jj", " Zm9v", "Zm9v\n",
                                     "Zm9v\r\n", "Zm-_", "Zm9v!A==", "Zg=\0"})
    EXPECT_FALSE(base64_decode(bad)) << bad;
  EXPECT_FALSE(base64_decode(std::string_view("Zm9\0", 4))) << "a NUL is not in the alphabet";
}

TEST(Hex, TwoDigitsPerByteInEitherCase) {
  EXPECT_EQ(hex(""), "");
  EXPECT_EQ(hex(std::string("\x00\x0f\xa5\xff", 4)), "000fa5ff");
  EXPECT_EQ(hex(std::string("\x00\x0f\xa5\xff", 4), HexCase::Upper), "000FA5FF");
  std::string out = "%";
  append_hex(out, 0x2f, HexCase::Upper);
  append_hex(out, 0xe0);
  EXPECT_EQ(out, "%2Fe0");
}

TEST(Digest, MatchesTheFips180Examples) {
  EXPECT_EQ(hex(sha1("abc")), "a9993e364706816aba3e25717850c26c9cd0d89d");
  EXPECT_EQ(hex(sha1("")), "da39a3ee5e6b4b0d3255bfef95601890afd80709");
  EXPECT_EQ(hex(sha1("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")),
            "84983e441c3bd26ebaae4aa1f95129e5e54670f1");
  EXPECT_EQ(hex(sha256("abc")), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(hex(sha256("")), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(hex(sha256("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  EXPECT_EQ(sha1("abc").size(), 20u);
  EXPECT_EQ(sha256("abc").size(), 32u);
}

}  // namespace
}  // namespace jabberadmin::encoding
