// Password hashes that Debian's slapd verifies on a simple bind with no extra module,
// and the lock marker that makes such a hash fail every bind until it is removed.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace jabberadmin::password {

// The shortest new password the tools accept unless told otherwise (--allow-short-password):
// 8 characters, the floor NIST SP 800-63B sets for a secret a person chooses. The server
// throttles online guessing, but the hash can leak (an LDIF backup), and below 8 characters
// an offline search of SHA-512 crypt is cheap.
inline constexpr std::size_t kMinLength = 8;

// Throws Error(InvalidArgument) when the password is empty or has fewer than `minimum`
// characters (UTF-8 characters, not bytes: a Cyrillic password counts as typed).
void check_length(std::string_view clear, std::size_t minimum);

// "{CRYPT}$6$<16 random salt chars>$..." (SHA-512 crypt, salt from OpenSSL's RAND_bytes).
// Throws Error(InvalidArgument) for an empty password or one with a NUL byte.
std::string hash(std::string_view clear);

// Throws Error(InvalidArgument) for a password SASLprep (RFC 4013) refuses (a control
// character, say): it could never have a SCRAM verifier, so no tool accepts it.
void check_saslprep(std::string_view clear);

// A password as the directory keeps it: the userPassword hash, and the SCRAM verifiers
// (RFC 5803 authPassword values), one per hash, each with its own fresh salt.
struct Stored {
  std::string hash;
  std::vector<std::string> verifiers;
};
// What every tool writes for a new password, made in this one place. scram_iterations:
// the verifiers' iteration count, or nothing for a directory whose schema has no
// authPassword (then only the hash). Throws Error(InvalidArgument) as hash() does, and for a
// password SASLprep (RFC 4013) refuses, with or without verifiers: such a password could
// never get one, so it is refused before anything is written.
Stored store(std::string_view clear, std::optional<unsigned> scram_iterations);
// The verifiers alone, one per hash, each with a fresh salt (what store() writes beside the
// hash). Throws Error(InvalidArgument) for a password SASLprep refuses.
std::vector<std::string> verifiers(std::string_view clear, unsigned scram_iterations);

// True when the stored userPassword value carries the lock marker: "{SCHEME}!...".
// The marker goes after the scheme so slapd still sees the scheme and the value can never
// match (a "!" before the scheme would make slapd treat the value as clear text).
bool is_locked(std::string_view stored);
// Locks any value: "{CRYPT}$6$..." becomes "{CRYPT}!$6$..."; anything else (clear text,
// no scheme, another scheme) is wrapped whole as "{CRYPT}!!<value>", which no bind matches.
std::string lock(std::string_view stored);    // idempotent
std::string unlock(std::string_view stored);  // idempotent

// The lock of a SCRAM verifier (an authPassword value): "!" before its scheme, which
// scram::parse_auth_password refuses, so a locked account has no usable verifier at rest
// even for a reader that ignores shadowExpire. Unlock gives back the very same verifier.
bool is_verifier_locked(std::string_view stored);
std::string lock_verifier(std::string_view stored);    // idempotent
std::string unlock_verifier(std::string_view stored);  // idempotent

// Checks a clear password against a stored hash the way slapd would ({CRYPT} and {SSHA});
// for unit tests and offline checks. Locked values never match.
bool verify(std::string_view clear, std::string_view stored);

}  // namespace jabberadmin::password
