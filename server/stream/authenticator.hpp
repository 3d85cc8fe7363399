// Checking a user name and password, asynchronously: the answer comes back on the
// stream's executor, so a slow directory stalls no other stream.
#pragma once

#include <functional>
#include <string>

namespace jabberadmin::stream {

enum class AuthResult { Success, NotAuthorized, AccountDisabled, TemporaryFailure };

class Authenticator {
 public:
  virtual ~Authenticator() = default;
  // username is a normalised localpart; password is never empty here. done runs later,
  // never inside this call, on the executor the authenticator was made with.
  virtual void check(std::string username, std::string password, std::function<void(AuthResult)> done) = 0;
};

}  // namespace jabberadmin::stream
