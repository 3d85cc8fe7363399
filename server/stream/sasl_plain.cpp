#include "stream/sasl_plain.hpp"

#include <openssl/crypto.h>

#include <array>

namespace jabberadmin::stream {

void wipe(std::string& secret) noexcept {
  if (!secret.empty()) OPENSSL_cleanse(secret.data(), secret.size());
  secret.clear();
}

PlainCredentials::~PlainCredentials() { wipe(password); }

namespace {
constexpr std::string_view kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
constexpr std::array<int, 256> make_table() {
  std::array<int, 256> t{};
  for (auto& v : t) v = -1;
  for (std::size_t i = 0; i < kAlphabet.size(); ++i) t[static_cast<unsigned char>(kAlphabet[i])] = static_cast<int>(i);
  return t;
}
constexpr auto kTable = make_table();
}  // namespace

std::optional<std::string> base64_decode(std::string_view text) {
  if (text.size() % 4 != 0) return std::nullopt;
  std::string out;
  out.reserve(text.size() / 4 * 3);
  for (std::size_t i = 0; i < text.size(); i += 4) {
    int v[4];
    int pad = 0;
    for (int j = 0; j < 4; ++j) {
      const char c = text[i + static_cast<std::size_t>(j)];
      if (c == '=') {
        // Padding only at the very end, and only in the last two places.
        if (i + 4 != text.size() || j < 2) return std::nullopt;
        ++pad;
        v[j] = 0;
      } else {
        if (pad > 0) return std::nullopt;
        v[j] = kTable[static_cast<unsigned char>(c)];
        if (v[j] < 0) return std::nullopt;
      }
    }
    const unsigned n = (unsigned(v[0]) << 18) | (unsigned(v[1]) << 12) | (unsigned(v[2]) << 6) | unsigned(v[3]);
    out += static_cast<char>((n >> 16) & 0xff);
    if (pad < 2) out += static_cast<char>((n >> 8) & 0xff);
    if (pad < 1) out += static_cast<char>(n & 0xff);
  }
  return out;
}

std::string base64_encode(std::string_view bytes) {
  std::string out;
  for (std::size_t i = 0; i < bytes.size(); i += 3) {
    const std::size_t left = bytes.size() - i;
    unsigned n = static_cast<unsigned char>(bytes[i]) << 16;
    if (left > 1) n |= static_cast<unsigned char>(bytes[i + 1]) << 8;
    if (left > 2) n |= static_cast<unsigned char>(bytes[i + 2]);
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
    out += left > 1 ? kAlphabet[(n >> 6) & 63] : '=';
    out += left > 2 ? kAlphabet[n & 63] : '=';
  }
  return out;
}

PlainParse parse_plain(std::string_view base64) {
  PlainParse result;
  std::optional<std::string> decoded = base64 == "=" ? std::optional<std::string>("") : base64_decode(base64);
  if (!decoded) {
    result.error = PlainError::IncorrectEncoding;
    return result;
  }
  const std::string& m = *decoded;
  const auto a = m.find('\0');
  const auto b = a == std::string::npos ? std::string::npos : m.find('\0', a + 1);
  if (b == std::string::npos || m.find('\0', b + 1) != std::string::npos) {
    wipe(*decoded);
    return result;
  }
  PlainCredentials c;
  c.authzid = m.substr(0, a);
  c.authcid = m.substr(a + 1, b - a - 1);
  c.password = m.substr(b + 1);
  wipe(*decoded);
  result.credentials = std::move(c);
  return result;
}

}  // namespace jabberadmin::stream
