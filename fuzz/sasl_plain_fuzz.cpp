// libFuzzer target for SASL PLAIN (RFC 4616), the first thing an unauthenticated client's
// bytes reach after the XML parser. Invariants:
//   - any text: parse_plain answers without crashing; what it accepts has three fields with
//     no NUL inside, and encoding them again parses back to the same three fields;
//   - any bytes: base64_decode(base64_encode(bytes)) == bytes;
//   - text the decoder accepts decodes the same again after an encode round trip.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "jabberadmin/encoding.hpp"
#include "stream/sasl_plain.hpp"

using namespace jabberadmin::stream;
using jabberadmin::encoding::base64_decode;
using jabberadmin::encoding::base64_encode;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);

  const PlainParse parsed = parse_plain(text);
  if (parsed.credentials) {
    const PlainCredentials& c = *parsed.credentials;
    for (const auto* field : {&c.authzid, &c.authcid, &c.password})
      if (field->find('\0') != std::string::npos) std::abort();
    std::string message = c.authzid;
    message += '\0';
    message += c.authcid;
    message += '\0';
    message += c.password;
    const PlainParse again = parse_plain(base64_encode(message));
    if (!again.credentials || again.credentials->authzid != c.authzid || again.credentials->authcid != c.authcid ||
        again.credentials->password != c.password)
      std::abort();
  } else if (parsed.error != PlainError::IncorrectEncoding && parsed.error != PlainError::Malformed) {
    std::abort();
  }

  const auto round = base64_decode(base64_encode(text));
  if (!round || *round != text) std::abort();

  if (const auto decoded = base64_decode(text)) {
    const std::string canonical = base64_encode(*decoded);
    const auto again = base64_decode(canonical);
    if (!again || *again != *decoded || canonical.size() != text.size()) std::abort();
  }
  return 0;
}
