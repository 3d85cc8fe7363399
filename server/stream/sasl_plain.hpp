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

// Decodes "authzid NUL authcid NUL password" from strict base64 (encoding::base64_decode:
// malformed base64 is IncorrectEncoding); "=" is the empty message.
struct PlainParse {
  std::optional<PlainCredentials> credentials;
  PlainError error = PlainError::Malformed;
};
PlainParse parse_plain(std::string_view base64);
// The same from the message already decoded: nothing when it is malformed.
std::optional<PlainCredentials> parse_plain_message(std::string_view message);

// Overwrites a secret before its memory is released.
void wipe(std::string& secret) noexcept;

}  // namespace jabberadmin::stream
