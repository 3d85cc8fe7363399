// XEP-0220 dialback keys, made as XEP-0185 recommends: an HMAC-SHA256 of the two domains
// and the stream id under a secret only this server knows, so the authoritative server can
// check a key it never stored.
#pragma once

#include <string>
#include <string_view>

namespace jabberadmin::s2s {

// HMAC-SHA256 keyed with hex(SHA-256(secret)) over "receiving originating stream_id", in
// lowercase hex (XEP-0185 §3).
std::string dialback_key(std::string_view secret, std::string_view receiving, std::string_view originating,
                         std::string_view stream_id);

// Compares a key a peer sent with the one made here in constant time.
bool same_key(std::string_view a, std::string_view b);

}  // namespace jabberadmin::s2s
