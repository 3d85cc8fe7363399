#include "fast/hashed_token.hpp"

#include <openssl/crypto.h>

#include <stdexcept>

#include "jabberadmin/encoding.hpp"
#include "jabberadmin/scram.hpp"

namespace jabberadmin::fast {
namespace {

constexpr std::size_t kBlockSize = 64;   // SHA-256's, RFC 2104's B
constexpr std::size_t kProofSize = 32;   // SHA-256's output

std::string hmac(std::string_view key, std::string_view label, std::string_view cb_data) {
  std::string message(label);
  message += cb_data;
  return scram::hmac(scram::Hash::Sha256, key, message);
}

}  // namespace

std::string_view mechanism_name(ChannelBinding binding) {
  switch (binding) {
    case ChannelBinding::None: return "HT-SHA-256-NONE";
    case ChannelBinding::Endpoint: return "HT-SHA-256-ENDP";
    case ChannelBinding::Exporter: return "HT-SHA-256-EXPR";
  }
  return {};
}

std::optional<ChannelBinding> mechanism_named(std::string_view name) {
  for (auto binding : {ChannelBinding::None, ChannelBinding::Endpoint, ChannelBinding::Exporter})
    if (name == mechanism_name(binding)) return binding;
  return std::nullopt;
}

std::string token_key(std::string_view token) {
  if (token.size() <= kBlockSize) throw std::invalid_argument("a FAST token must be longer than 64 bytes");
  return encoding::sha256(token);
}

std::optional<InitialResponse> parse_initial_response(std::string_view message) {
  const auto nul = message.find('\0');
  if (nul == std::string_view::npos || nul == 0) return std::nullopt;
  InitialResponse response{std::string(message.substr(0, nul)), std::string(message.substr(nul + 1))};
  if (response.proof.size() != kProofSize) return std::nullopt;
  return response;
}

std::string initiator_proof(std::string_view key, std::string_view cb_data) { return hmac(key, "Initiator", cb_data); }

bool proof_matches(std::string_view key, std::string_view cb_data, std::string_view proof) {
  const auto expected = initiator_proof(key, cb_data);
  return proof.size() == expected.size() && CRYPTO_memcmp(proof.data(), expected.data(), proof.size()) == 0;
}

std::string responder_proof(std::string_view key, std::string_view cb_data) { return hmac(key, "Responder", cb_data); }

}  // namespace jabberadmin::fast
