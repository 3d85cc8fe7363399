// SCRAM (RFC 5802, RFC 7677) key derivation and the verifier the directory holds for it
// (RFC 5803's authPassword form): what the tools write and the server checks a login against.
// The password itself is never stored: only StoredKey and ServerKey, from which a login can
// be checked but the password cannot be recovered.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace jabberadmin::scram {

enum class Hash { Sha1, Sha256, Sha512 };

// Every hash, strongest first: the order a server offers its mechanisms in.
const std::vector<Hash>& all_hashes();
// "SCRAM-SHA-1", "SCRAM-SHA-256", "SCRAM-SHA-512" (the IANA SASL names, without "-PLUS").
std::string_view mechanism_name(Hash hash);
// The inverse of mechanism_name; a "-PLUS" suffix is not accepted here (the caller strips it).
std::optional<Hash> hash_named(std::string_view mechanism);
std::size_t digest_size(Hash hash);

// RFC 5802 §2.2's H(), HMAC() and Hi() (PBKDF2 with HMAC-H, one block); raw bytes.
std::string digest(Hash hash, std::string_view bytes);
std::string hmac(Hash hash, std::string_view key, std::string_view data);
std::string salted_password(Hash hash, std::string_view normalized_password, std::string_view salt,
                            unsigned iterations);

// RFC 4013 SASLprep of a password, as SCRAM requires before Hi(). Nothing when the string
// holds characters SASLprep prohibits (or is not UTF-8): such a password cannot have a verifier.
std::optional<std::string> saslprep(std::string_view password);

// What the server keeps per hash: enough to check a client's proof and prove itself back.
struct Verifier {
  Hash hash = Hash::Sha256;
  unsigned iterations = 0;
  std::string salt;        // raw bytes
  std::string stored_key;  // H(ClientKey), raw bytes
  std::string server_key;  // HMAC(SaltedPassword, "Server Key"), raw bytes
  friend bool operator==(const Verifier&, const Verifier&) = default;
};

// At least RFC 7677's 4096; configurable upward (`cl-setup jabber --scram-iterations`).
inline constexpr unsigned kDefaultIterations = 4096;
inline constexpr unsigned kMinIterations = 4096;
inline constexpr std::size_t kSaltLength = 16;

// The verifier for a password with a given salt (for tests and known answers).
// Throws Error(InvalidArgument) when SASLprep refuses the password.
Verifier make_verifier(Hash hash, std::string_view password, std::string_view salt, unsigned iterations);
// The same with kSaltLength fresh random bytes from OpenSSL.
Verifier new_verifier(Hash hash, std::string_view password, unsigned iterations = kDefaultIterations);

// RFC 5803 §3: "SCRAM-SHA-256$<iterations>:<base64 salt>$<base64 StoredKey>:<base64 ServerKey>".
std::string format_auth_password(const Verifier& verifier);
// Nothing for anything else (another scheme, bad base64, key lengths not the hash's,
// iterations below kMinIterations or not a number).
std::optional<Verifier> parse_auth_password(std::string_view value);

// The server side of one exchange, given the client's proof: true when
// H(ClientProof XOR HMAC(StoredKey, AuthMessage)) == StoredKey (compared in constant time).
bool proof_matches(const Verifier& verifier, std::string_view auth_message, std::string_view client_proof);
// ServerSignature = HMAC(ServerKey, AuthMessage), sent back as "v=".
std::string server_signature(const Verifier& verifier, std::string_view auth_message);
// The client side (for tests, and for a tool checking a stored verifier): ClientProof.
std::string client_proof(Hash hash, std::string_view salted_password, std::string_view auth_message);

}  // namespace jabberadmin::scram
