// The one home of byte encodings and digests, for the library, the tools and the server:
// base64 (RFC 4648 §4), hexadecimal, and SHA-1/SHA-256 (FIPS 180-4) through OpenSSL's EVP.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace jabberadmin::encoding {

// Base64 with padding and no line breaks.
std::string base64_encode(std::string_view bytes);
// Strict: padding required, only at the end; any character outside the alphabet (whitespace
// included) or a length not a multiple of 4 is refused with nullopt. What is accepted here is
// exactly what base64_encode writes, so a client's SASL message has one reading.
std::optional<std::string> base64_decode(std::string_view text);

enum class HexCase { Lower, Upper };
// Two hex digits per byte.
std::string hex(std::string_view bytes, HexCase letters = HexCase::Lower);
void append_hex(std::string& out, unsigned char byte, HexCase letters = HexCase::Lower);

// The raw digests (20 and 32 bytes); hex() them for the usual text form.
std::string sha1(std::string_view bytes);
std::string sha256(std::string_view bytes);

}  // namespace jabberadmin::encoding
