// TURN credentials in coturn's REST form (use-auth-secret; draft-uberti-behave-turn-rest):
// the username is "<expiry as Unix time>:<who>", the password base64(HMAC-SHA1(secret,
// username)). coturn recomputes the password from the shared secret and refuses a username
// whose time has passed, so nothing is stored and a credential expires by itself.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

namespace jabberadmin::extdisco {

struct TurnCredentials {
  std::string username;
  std::string password;
  std::chrono::system_clock::time_point expires;
};

// who: the bare JID it is for (named in coturn's log); it holds no ':' (RFC 7622 forbids it in
// a localpart, and a domain has none).
TurnCredentials turn_credentials(std::string_view secret, std::string_view who,
                                 std::chrono::system_clock::time_point expires);

}  // namespace jabberadmin::extdisco
