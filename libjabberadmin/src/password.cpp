#include "jabberadmin/password.hpp"

#include <strings.h>

#include <crypt.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <optional>

#include "jabberadmin/encoding.hpp"
#include "jabberadmin/error.hpp"
#include "jabberadmin/scram.hpp"

namespace jabberadmin::password {
namespace {

constexpr std::string_view kCrypt = "{CRYPT}";
constexpr std::string_view kSsha = "{SSHA}";

// Position just after "{SCHEME}", or npos when the value has no scheme.
std::size_t after_scheme(std::string_view stored) {
  if (!stored.starts_with('{')) return std::string_view::npos;
  const auto close = stored.find('}');
  return close == std::string_view::npos ? std::string_view::npos : close + 1;
}

bool constant_time_equal(std::string_view a, std::string_view b) {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace

void check_length(std::string_view clear, std::size_t minimum) {
  if (clear.empty()) throw Error(ErrorKind::InvalidArgument, translatable("the password is empty"), {});
  // Every byte but a UTF-8 continuation byte starts a character.
  const auto characters = static_cast<std::size_t>(
      std::count_if(clear.begin(), clear.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xc0) != 0x80; }));
  if (characters < minimum)
    throw Error(ErrorKind::InvalidArgument,
                translatable("the password has %s characters, fewer than %s (--allow-short-password accepts it)"),
                {std::to_string(characters), std::to_string(minimum)});
}

std::string hash(std::string_view clear) {
  if (clear.empty()) throw Error(ErrorKind::InvalidArgument, translatable("the password is empty"), {});
  if (clear.find('\0') != std::string_view::npos)
    throw Error(ErrorKind::InvalidArgument, translatable("the password contains a NUL character"), {});
  std::array<unsigned char, 16> random{};
  if (RAND_bytes(random.data(), static_cast<int>(random.size())) != 1)
    throw Error(ErrorKind::Directory, "cannot get random bytes for the password salt");
  std::array<char, CRYPT_GENSALT_OUTPUT_SIZE> setting{};
  if (crypt_gensalt_rn("$6$", 0, reinterpret_cast<const char*>(random.data()), static_cast<int>(random.size()),
                       setting.data(), static_cast<int>(setting.size())) == nullptr)
    throw Error(ErrorKind::Directory, "cannot make a password salt");
  crypt_data data{};
  const std::string phrase(clear);
  const char* result = crypt_rn(phrase.c_str(), setting.data(), &data, sizeof data);
  if (result == nullptr || result[0] == '*') throw Error(ErrorKind::Directory, "cannot hash the password");
  std::string hashed = std::string(kCrypt) + result;
  OPENSSL_cleanse(&data, sizeof data);
  return hashed;
}

void check_saslprep(std::string_view clear) {
  const auto prepared = scram::saslprep(clear);
  if (!prepared || prepared->empty())
    throw Error(ErrorKind::InvalidArgument,
                translatable("the password has characters SASLprep (RFC 4013) does not allow, such as control characters"),
                {});
}

Stored store(std::string_view clear, std::optional<unsigned> scram_iterations) {
  Stored out{hash(clear), {}};  // refuses an empty password and a NUL first
  check_saslprep(clear);
  if (scram_iterations) out.verifiers = verifiers(clear, *scram_iterations);
  return out;
}

std::vector<std::string> verifiers(std::string_view clear, unsigned scram_iterations) {
  check_saslprep(clear);
  std::vector<std::string> out;
  for (scram::Hash h : scram::all_hashes())
    out.push_back(scram::format_auth_password(scram::new_verifier(h, clear, scram_iterations)));
  return out;
}

namespace {
bool starts_with_crypt(std::string_view stored) {
  return stored.size() >= kCrypt.size() && ::strncasecmp(stored.data(), kCrypt.data(), kCrypt.size()) == 0;
}
// A value that is not a {CRYPT} hash (clear text, no scheme, another scheme) is locked by
// wrapping it whole: "{CRYPT}!!" + value. crypt() refuses the setting "!!...", so no
// password matches, and unlocking gives back the value exactly.
constexpr std::string_view kWrapped = "!!";
}  // namespace

bool is_locked(std::string_view stored) {
  const auto pos = after_scheme(stored);
  if (pos == std::string_view::npos || pos >= stored.size() || stored[pos] != '!') return false;
  // "{CLEARTEXT}!pw" is the clear-text password "!pw", not a lock.
  constexpr std::string_view cleartext = "{CLEARTEXT}";
  return !(pos == cleartext.size() && ::strncasecmp(stored.data(), cleartext.data(), pos) == 0);
}

std::string lock(std::string_view stored) {
  if (is_locked(stored)) return std::string(stored);
  if (starts_with_crypt(stored)) return std::string(kCrypt) + "!" + std::string(stored.substr(kCrypt.size()));
  return std::string(kCrypt) + std::string(kWrapped) + std::string(stored);
}

std::string unlock(std::string_view stored) {
  if (!is_locked(stored)) return std::string(stored);
  if (starts_with_crypt(stored) && stored.substr(kCrypt.size()).starts_with(kWrapped))
    return std::string(stored.substr(kCrypt.size() + kWrapped.size()));
  const auto pos = after_scheme(stored);
  return std::string(stored.substr(0, pos)) + std::string(stored.substr(pos + 1));
}

namespace {
constexpr char kVerifierLock = '!';
}  // namespace

bool is_verifier_locked(std::string_view stored) { return stored.starts_with(kVerifierLock); }

std::string lock_verifier(std::string_view stored) {
  return is_verifier_locked(stored) ? std::string(stored) : kVerifierLock + std::string(stored);
}

std::string unlock_verifier(std::string_view stored) {
  return std::string(is_verifier_locked(stored) ? stored.substr(1) : stored);
}

bool verify(std::string_view clear, std::string_view stored) {
  if (clear.empty() || is_locked(stored) || clear.find('\0') != std::string_view::npos) return false;
  const std::string phrase(clear);
  if (stored.starts_with(kCrypt)) {
    const std::string setting(stored.substr(kCrypt.size()));
    crypt_data data{};
    const char* result = crypt_rn(phrase.c_str(), setting.c_str(), &data, sizeof data);
    const bool ok = result != nullptr && constant_time_equal(result, setting);
    OPENSSL_cleanse(&data, sizeof data);
    return ok;
  }
  if (stored.starts_with(kSsha)) {
    const std::optional<std::string> raw = encoding::base64_decode(stored.substr(kSsha.size()));
    if (!raw || raw->size() <= SHA_DIGEST_LENGTH) return false;
    const std::string digest = encoding::sha1(phrase + raw->substr(SHA_DIGEST_LENGTH));
    return constant_time_equal(digest, std::string_view(*raw).substr(0, SHA_DIGEST_LENGTH));
  }
  return false;
}

}  // namespace jabberadmin::password
