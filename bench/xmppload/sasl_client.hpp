// The client side of the SASL mechanisms xmppload logs in with besides PLAIN:
//   - SCRAM-SHA-256 (RFC 5802, RFC 7677), without channel binding (gs2 header "n,,"); the
//     server's signature is checked, so a login only counts when the server proved it holds
//     the account's ServerKey;
//   - HT-SHA-256-NONE, FAST's token mechanism (XEP-0484, draft-schmaus-kitten-sasl-ht): one
//     message each way, HMAC-SHA-256 keyed by the token, no channel binding data.
// The key derivation and HMACs are libjabberadmin's (jabberadmin/scram.hpp), which are tested
// against RFC 7677's known answer; the protocol logic here is the client's own.
#pragma once

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include <cstddef>
#include <map>
#include <stdexcept>
#include <string>
#include <string_view>
#include <tuple>

#include "jabberadmin/encoding.hpp"
#include "jabberadmin/scram.hpp"

namespace xmppload {

namespace scram = jabberadmin::scram;
namespace encoding = jabberadmin::encoding;

// A failed exchange; what() is the error kind the run reports ("sasl:<what>").
struct SaslError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

inline bool same_bytes(std::string_view a, std::string_view b) {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

// SaltedPassword per (account, salt, iterations), as real clients keep it (Conversations and
// Gajim store the derived keys): only an account's first login pays for PBKDF2 on the client,
// whose CPU is the same machine's the server is measured on.
class SaltedPasswords {
 public:
  const std::string& get(const std::string& user, const std::string& password, const std::string& salt,
                         unsigned iterations) {
    auto [it, fresh] = cache_.try_emplace({user, salt, iterations});
    if (fresh) {
      const auto normalized = scram::saslprep(password);
      if (!normalized) {
        cache_.erase(it);
        throw SaslError("scram-password-not-saslprep");
      }
      it->second = scram::salted_password(scram::Hash::Sha256, *normalized, salt, iterations);
      ++derived_;
    }
    return it->second;
  }
  // How many PBKDF2 runs so far (cache misses).
  std::size_t derived() const { return derived_; }

 private:
  std::map<std::tuple<std::string, std::string, unsigned>, std::string> cache_;
  std::size_t derived_ = 0;
};

// One SCRAM-SHA-256 exchange: first() is the initial response, respond() answers a challenge,
// success() takes <success/>'s data. Throws SaslError on anything the server sends that RFC
// 5802 does not allow, or a server signature that is not the one the password gives.
class ScramClient {
 public:
  ScramClient(std::string user, std::string password, SaltedPasswords& keys)
      : user_(std::move(user)), password_(std::move(password)), keys_(keys) {
    unsigned char bytes[18];
    if (RAND_bytes(bytes, sizeof bytes) != 1) throw SaslError("scram-no-random");
    nonce_ = encoding::base64_encode(std::string_view(reinterpret_cast<const char*>(bytes), sizeof bytes));
  }

  std::string first() {
    client_first_bare_ = "n=" + saslname(user_) + ",r=" + nonce_;
    return std::string(kGs2Header) + client_first_bare_;
  }

  std::string respond(std::string_view challenge) {
    if (stage_ == Stage::Proof) return server_first(challenge);
    if (stage_ == Stage::Signature) {  // the server-final as a challenge (RFC 6120 §6.3.10 allows both)
      server_final(challenge);
      return {};
    }
    throw SaslError("scram-unexpected-challenge");
  }

  void success(std::string_view data) {
    if (!data.empty() && stage_ == Stage::Signature) server_final(data);
    if (stage_ != Stage::Done) throw SaslError("scram-no-server-signature");
  }

 private:
  static constexpr std::string_view kGs2Header = "n,,";
  enum class Stage { Proof, Signature, Done };

  // RFC 5802 §5.1: ',' and '=' in a name are escaped.
  static std::string saslname(std::string_view name) {
    std::string out;
    for (char c : name) {
      if (c == ',') out += "=2C";
      else if (c == '=') out += "=3D";
      else out += c;
    }
    return out;
  }

  // server-first-message = [reserved-mext ","] nonce "," salt "," iteration-count ["," extensions]
  // Mandatory extensions (m=) are refused, as RFC 5802 tells a client that knows none.
  std::string server_first(std::string_view message) {
    auto next = [&message]() -> std::string_view {
      const auto comma = message.find(',');
      const std::string_view attribute = message.substr(0, comma);
      message.remove_prefix(comma == std::string_view::npos ? message.size() : comma + 1);
      return attribute;
    };
    const std::string_view all = message;
    const std::string_view r = next(), s = next(), i = next();
    if (!r.starts_with("r=") || !s.starts_with("s=") || !i.starts_with("i=")) throw SaslError("scram-bad-server-first");
    const std::string_view nonce = r.substr(2);
    if (nonce.size() <= nonce_.size() || !nonce.starts_with(nonce_)) throw SaslError("scram-bad-nonce");
    for (char c : nonce)
      if (c < 0x21 || c > 0x7e) throw SaslError("scram-bad-nonce");
    const auto salt = encoding::base64_decode(s.substr(2));
    if (!salt || salt->empty()) throw SaslError("scram-bad-salt");
    const std::string_view digits = i.substr(2);
    unsigned long iterations = 0;
    for (char c : digits) {
      if (c < '0' || c > '9' || iterations > 10'000'000) throw SaslError("scram-bad-iterations");
      iterations = iterations * 10 + static_cast<unsigned>(c - '0');
    }
    // RFC 7677 §4: at least 4096; an upper bound so that a server cannot make the client spin.
    if (digits.empty() || iterations < 4096 || iterations > 10'000'000) throw SaslError("scram-bad-iterations");

    const std::string& salted = keys_.get(user_, password_, *salt, static_cast<unsigned>(iterations));
    const std::string without_proof = "c=" + encoding::base64_encode(kGs2Header) + ",r=" + std::string(nonce);
    const std::string auth_message = client_first_bare_ + "," + std::string(all) + "," + without_proof;
    const std::string proof = scram::client_proof(scram::Hash::Sha256, salted, auth_message);
    const std::string server_key = scram::hmac(scram::Hash::Sha256, salted, "Server Key");
    expected_signature_ = scram::hmac(scram::Hash::Sha256, server_key, auth_message);
    stage_ = Stage::Signature;
    return without_proof + ",p=" + encoding::base64_encode(proof);
  }

  // server-final-message = (server-error / verifier) ["," extensions]
  void server_final(std::string_view message) {
    if (message.starts_with("e=")) throw SaslError("scram-server-error");
    if (!message.starts_with("v=")) throw SaslError("scram-bad-server-final");
    const auto comma = message.find(',');
    const auto signature = encoding::base64_decode(message.substr(2, comma == std::string_view::npos ? comma : comma - 2));
    if (!signature || !same_bytes(*signature, expected_signature_)) throw SaslError("scram-server-signature-mismatch");
    stage_ = Stage::Done;
  }

  std::string user_, password_, nonce_, client_first_bare_, expected_signature_;
  SaltedPasswords& keys_;
  Stage stage_ = Stage::Proof;
};

// HT-SHA-256-NONE: the initial response (authcid NUL HMAC(token, "Initiator")), and the check
// of the server's answer in <success/>'s additional data (HMAC(token, "Responder")). The token
// is the text of XEP-0484's <token token=.../> as it came, used as the HMAC key byte for byte.
inline std::string ht_initial_response(std::string_view user, std::string_view token) {
  std::string out(user);
  out += '\0';
  out += scram::hmac(scram::Hash::Sha256, token, "Initiator");
  return out;
}
inline void ht_check_responder(std::string_view token, std::string_view data) {
  if (!same_bytes(data, scram::hmac(scram::Hash::Sha256, token, "Responder"))) throw SaslError("ht-responder-mismatch");
}

}  // namespace xmppload
