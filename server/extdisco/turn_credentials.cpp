#include "extdisco/turn_credentials.hpp"

#include "jabberadmin/encoding.hpp"
#include "jabberadmin/scram.hpp"

namespace jabberadmin::extdisco {

TurnCredentials turn_credentials(std::string_view secret, std::string_view who,
                                 std::chrono::system_clock::time_point expires) {
  // Whole seconds: coturn compares the number with its clock's.
  const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(expires.time_since_epoch()).count();
  TurnCredentials c;
  c.username = std::to_string(seconds) + ":" + std::string(who);
  c.password = encoding::base64_encode(scram::hmac(scram::Hash::Sha1, secret, c.username));
  c.expires = std::chrono::system_clock::time_point(std::chrono::seconds(seconds));
  return c;
}

}  // namespace jabberadmin::extdisco
