#include "stream/sasl_plain.hpp"

#include <openssl/crypto.h>

#include "jabberadmin/encoding.hpp"

namespace jabberadmin::stream {

void wipe(std::string& secret) noexcept {
  if (!secret.empty()) OPENSSL_cleanse(secret.data(), secret.size());
  secret.clear();
}

PlainCredentials::~PlainCredentials() { wipe(password); }

std::optional<PlainCredentials> parse_plain_message(std::string_view m) {
  const auto a = m.find('\0');
  const auto b = a == std::string::npos ? std::string::npos : m.find('\0', a + 1);
  if (b == std::string::npos || m.find('\0', b + 1) != std::string::npos) return std::nullopt;
  PlainCredentials c;
  c.authzid = m.substr(0, a);
  c.authcid = m.substr(a + 1, b - a - 1);
  c.password = m.substr(b + 1);
  return c;
}

PlainParse parse_plain(std::string_view base64) {
  PlainParse result;
  std::optional<std::string> decoded = base64 == "=" ? std::optional<std::string>("") : encoding::base64_decode(base64);
  if (!decoded) {
    result.error = PlainError::IncorrectEncoding;
    return result;
  }
  result.credentials = parse_plain_message(*decoded);
  wipe(*decoded);
  return result;
}

}  // namespace jabberadmin::stream
