#include "jabberadmin/scram.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <stringprep.h>

#include <charconv>
#include <cstdlib>
#include <memory>

#include "jabberadmin/encoding.hpp"
#include "jabberadmin/error.hpp"

namespace jabberadmin::scram {
namespace {

const EVP_MD* md(Hash hash) {
  switch (hash) {
    case Hash::Sha1: return EVP_sha1();
    case Hash::Sha256: return EVP_sha256();
    case Hash::Sha512: return EVP_sha512();
  }
  return EVP_sha256();
}

std::string exclusive_or(std::string_view a, std::string_view b) {
  std::string out(a);
  for (std::size_t i = 0; i < out.size() && i < b.size(); ++i) out[i] = static_cast<char>(out[i] ^ b[i]);
  return out;
}

bool equal_in_constant_time(std::string_view a, std::string_view b) {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

// "<base64>:<base64>" into two raw byte strings.
std::optional<std::pair<std::string, std::string>> base64_pair(std::string_view text) {
  const auto colon = text.find(':');
  if (colon == std::string_view::npos) return std::nullopt;
  auto first = encoding::base64_decode(text.substr(0, colon));
  auto second = encoding::base64_decode(text.substr(colon + 1));
  if (!first || !second) return std::nullopt;
  return std::pair{std::move(*first), std::move(*second)};
}

}  // namespace

const std::vector<Hash>& all_hashes() {
  static const std::vector<Hash> hashes{Hash::Sha512, Hash::Sha256, Hash::Sha1};
  return hashes;
}

std::string_view mechanism_name(Hash hash) {
  switch (hash) {
    case Hash::Sha1: return "SCRAM-SHA-1";
    case Hash::Sha256: return "SCRAM-SHA-256";
    case Hash::Sha512: return "SCRAM-SHA-512";
  }
  return {};
}

std::optional<Hash> hash_named(std::string_view mechanism) {
  for (Hash hash : all_hashes())
    if (mechanism_name(hash) == mechanism) return hash;
  return std::nullopt;
}

std::size_t digest_size(Hash hash) { return static_cast<std::size_t>(EVP_MD_get_size(md(hash))); }

std::string digest(Hash hash, std::string_view bytes) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (EVP_Digest(bytes.data(), bytes.size(), out, &length, md(hash), nullptr) != 1)
    throw std::runtime_error("OpenSSL cannot compute a digest");
  return std::string(reinterpret_cast<const char*>(out), length);
}

std::string hmac(Hash hash, std::string_view key, std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (HMAC(md(hash), key.data(), static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(data.data()),
           data.size(), out, &length) == nullptr)
    throw std::runtime_error("OpenSSL cannot compute an HMAC");
  return std::string(reinterpret_cast<const char*>(out), length);
}

std::string salted_password(Hash hash, std::string_view normalized_password, std::string_view salt,
                            unsigned iterations) {
  // Hi() is PBKDF2 (RFC 8018) with HMAC-H and a derived key of one hash length.
  std::string out(digest_size(hash), '\0');
  if (PKCS5_PBKDF2_HMAC(normalized_password.data(), static_cast<int>(normalized_password.size()),
                        reinterpret_cast<const unsigned char*>(salt.data()), static_cast<int>(salt.size()),
                        static_cast<int>(iterations), md(hash), static_cast<int>(out.size()),
                        reinterpret_cast<unsigned char*>(out.data())) != 1)
    throw std::runtime_error("OpenSSL cannot derive a salted password");
  return out;
}

std::optional<std::string> saslprep(std::string_view password) {
  // Stored strings (RFC 4013 §2: a password is a stored string): unassigned code points are
  // refused, so the tool and every client agree on the bytes.
  char* out = nullptr;
  const std::string in(password);
  if (in.find('\0') != std::string::npos) return std::nullopt;
  if (stringprep_profile(in.c_str(), &out, "SASLprep", STRINGPREP_NO_UNASSIGNED) != STRINGPREP_OK) {
    std::free(out);
    return std::nullopt;
  }
  std::string prepared(out);
  std::free(out);
  return prepared;
}

Verifier make_verifier(Hash hash, std::string_view password, std::string_view salt, unsigned iterations) {
  const auto prepared = saslprep(password);
  if (!prepared || prepared->empty())
    throw Error(ErrorKind::InvalidArgument,
                translatable("the password has characters SASLprep (RFC 4013) does not allow"), {});
  const std::string salted = salted_password(hash, *prepared, salt, iterations);
  Verifier v;
  v.hash = hash;
  v.iterations = iterations;
  v.salt = std::string(salt);
  v.stored_key = digest(hash, hmac(hash, salted, "Client Key"));
  v.server_key = hmac(hash, salted, "Server Key");
  return v;
}

Verifier new_verifier(Hash hash, std::string_view password, unsigned iterations) {
  std::string salt(kSaltLength, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(salt.data()), static_cast<int>(salt.size())) != 1)
    throw Error(ErrorKind::Directory, "cannot get random bytes for a SCRAM salt");
  return make_verifier(hash, password, salt, iterations);
}

std::string format_auth_password(const Verifier& v) {
  std::string out(mechanism_name(v.hash));
  out += '$';
  out += std::to_string(v.iterations);
  out += ':';
  out += encoding::base64_encode(v.salt);
  out += '$';
  out += encoding::base64_encode(v.stored_key);
  out += ':';
  out += encoding::base64_encode(v.server_key);
  return out;
}

std::optional<Verifier> parse_auth_password(std::string_view value) {
  // scheme $ authInfo $ authValue (RFC 3112 §2.2); RFC 5803 fills them in for SCRAM.
  const auto first = value.find('$');
  if (first == std::string_view::npos) return std::nullopt;
  const auto second = value.find('$', first + 1);
  if (second == std::string_view::npos) return std::nullopt;
  const auto hash = hash_named(value.substr(0, first));
  if (!hash) return std::nullopt;
  const std::string_view info = value.substr(first + 1, second - first - 1);
  const auto colon = info.find(':');
  if (colon == std::string_view::npos || colon == 0) return std::nullopt;
  unsigned iterations = 0;
  const std::string_view count = info.substr(0, colon);
  const auto parsed = std::from_chars(count.data(), count.data() + count.size(), iterations);
  if (parsed.ec != std::errc() || parsed.ptr != count.data() + count.size() || iterations < kMinIterations)
    return std::nullopt;
  auto salt = encoding::base64_decode(info.substr(colon + 1));
  auto keys = base64_pair(value.substr(second + 1));
  if (!salt || salt->empty() || !keys) return std::nullopt;
  if (keys->first.size() != digest_size(*hash) || keys->second.size() != digest_size(*hash)) return std::nullopt;
  Verifier v;
  v.hash = *hash;
  v.iterations = iterations;
  v.salt = std::move(*salt);
  v.stored_key = std::move(keys->first);
  v.server_key = std::move(keys->second);
  return v;
}

bool proof_matches(const Verifier& v, std::string_view auth_message, std::string_view proof) {
  if (proof.size() != digest_size(v.hash)) return false;
  const std::string signature = hmac(v.hash, v.stored_key, auth_message);
  const std::string client_key = exclusive_or(proof, signature);
  return equal_in_constant_time(digest(v.hash, client_key), v.stored_key);
}

std::string server_signature(const Verifier& v, std::string_view auth_message) {
  return hmac(v.hash, v.server_key, auth_message);
}

std::string client_proof(Hash hash, std::string_view salted, std::string_view auth_message) {
  const std::string client_key = hmac(hash, salted, "Client Key");
  const std::string signature = hmac(hash, digest(hash, client_key), auth_message);
  return exclusive_or(client_key, signature);
}

}  // namespace jabberadmin::scram
