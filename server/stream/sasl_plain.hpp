// SASL PLAIN (RFC 4616): the client's message, base64 as sent inside <auth/> or <response/>.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace jabberadmin::stream {

struct PlainCredentials {
  std::string authzid;   // may be empty
  std::string authcid;   // the user name as typed
  std::string password;  // wiped by the destructor
  PlainCredentials() = default;
  PlainCredentials(const PlainCredentials&) = delete;
  PlainCredentials& operator=(const PlainCredentials&) = delete;
  PlainCredentials(PlainCredentials&&) = default;
  PlainCredentials& operator=(PlainCredentials&&) = default;
  ~PlainCredentials();
};

enum class PlainError { IncorrectEncoding, Malformed };

// Strict base64 (RFC 4648, padding required, whitespace refused).
std::optional<std::string> base64_decode(std::string_view text);
std::string base64_encode(std::string_view bytes);

// Decodes "authzid NUL authcid NUL password"; "=" is the empty message.
struct PlainParse {
  std::optional<PlainCredentials> credentials;
  PlainError error = PlainError::Malformed;
};
PlainParse parse_plain(std::string_view base64);

// Overwrites a secret before its memory is released.
void wipe(std::string& secret) noexcept;

}  // namespace jabberadmin::stream
