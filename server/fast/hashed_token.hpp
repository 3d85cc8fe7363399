// The HT family of SASL mechanisms (draft-schmaus-kitten-sasl-ht), which FAST (XEP-0484)
// logs in with: one message each way, keyed by a token the server issued earlier.
//
//   client: authcid NUL HMAC(token, "Initiator" || cb-data)
//   server: HMAC(token, "Responder" || cb-data)   (SASL2's <additional-data/>)
//
// Only SHA-256 is offered. cb-data is the channel binding the name asks for: nothing
// (NONE), RFC 5929's tls-server-end-point (ENDP) or RFC 9266's tls-exporter (EXPR).
//
// The tokens the server issues are longer than SHA-256's 64-byte block, so by RFC 2104 §2
// HMAC first hashes them: HMAC(token, m) == HMAC(SHA-256(token), m). The server therefore
// keeps SHA-256(token), never the token. That hash still lets one compute the client's
// message (an HT verifier must be able to), so the store is as secret as the tokens.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace jabberadmin::fast {

enum class ChannelBinding { None, Endpoint, Exporter };

// "HT-SHA-256-NONE", "HT-SHA-256-ENDP", "HT-SHA-256-EXPR".
std::string_view mechanism_name(ChannelBinding binding);
// The inverse; nothing for any other name (another hash, UNIQ, a typo).
std::optional<ChannelBinding> mechanism_named(std::string_view name);

// The key the server keeps for a token: SHA-256(token), raw bytes. Throws
// std::invalid_argument for a token not longer than the block (its HMAC key would be the
// token itself, which the server does not keep).
std::string token_key(std::string_view token);

// The client's initial response, split at its NUL; nothing when it has none, or an empty
// authcid, or a proof that is not one SHA-256 long.
struct InitialResponse {
  std::string authcid;
  std::string proof;  // raw bytes
};
std::optional<InitialResponse> parse_initial_response(std::string_view message);

// HMAC-SHA-256(key, "Initiator" || cb_data): the client's proof (for tests and clients).
std::string initiator_proof(std::string_view key, std::string_view cb_data);
// Whether proof is initiator_proof(key, cb_data), compared in constant time.
bool proof_matches(std::string_view key, std::string_view cb_data, std::string_view proof);
// HMAC-SHA-256(key, "Responder" || cb_data): the server's answer.
std::string responder_proof(std::string_view key, std::string_view cb_data);

}  // namespace jabberadmin::fast
