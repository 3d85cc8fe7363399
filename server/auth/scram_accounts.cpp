#include "auth/scram_accounts.hpp"

#include <openssl/rand.h>

#include <filesystem>

#include "jabberadmin/encoding.hpp"
#include "jabberadmin/error.hpp"
#include "jabberadmin/settings.hpp"

namespace jabberadmin::auth {

ScramAccount scram_account(const directory::DirectoryCache& cache, const std::string& username, scram::Hash hash) {
  if (!cache.ready()) return {ScramAccount::State::Unavailable, {}};
  const User* user = cache.find(username);
  // disabled() as the user was read; expired_on() as of today, for an expiry day that came
  // while the server ran.
  if (user == nullptr || user->disabled() || user->expired_on(day_number())) return {};
  for (const auto& verifier : user->verifiers)
    if (verifier.hash == hash) return {ScramAccount::State::Found, verifier};
  return {};
}

std::string scram_secret(const std::filesystem::path& path) {
  std::error_code ec;
  if (std::filesystem::exists(path, ec)) {
    std::string secret = read_secret_file(path);
    if (secret.size() >= 32) return secret;
    throw Error(ErrorKind::InvalidArgument, path.string() + ": too short for a secret; remove it to get a new one");
  }
  unsigned char bytes[32];
  if (RAND_bytes(bytes, sizeof bytes) != 1) throw Error(ErrorKind::Directory, "no random bytes for " + path.string());
  std::string secret = encoding::hex(std::string_view(reinterpret_cast<const char*>(bytes), sizeof bytes));
  write_private_file(path, secret);
  return secret;
}

}  // namespace jabberadmin::auth
