// What the SCRAM mechanisms know of an account: its verifier of one hash, from the live
// directory cache (RFC 4533 sync), so a password change or a lock counts at the next login.
#pragma once

#include <string>

#include "auth/scram_mechanism.hpp"
#include "directory/directory_cache.hpp"

namespace jabberadmin::auth {

// Unavailable before the cache's first refresh; Absent for an unknown user, a locked or
// expired one, or one without a verifier of this hash (the mechanism shows none of them).
ScramAccount scram_account(const directory::DirectoryCache& cache, const std::string& username, scram::Hash hash);

// The server's secret for fake salts: 32 random bytes kept (hex, mode 0600) in path, made
// the first time, so a name's fake salt stays the same across restarts like a real one.
std::string scram_secret(const std::filesystem::path& path);

}  // namespace jabberadmin::auth
