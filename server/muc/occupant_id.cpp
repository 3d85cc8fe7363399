#include "muc/occupant_id.hpp"

#include <openssl/rand.h>

#include <stdexcept>

#include "jabberadmin/encoding.hpp"
#include "jabberadmin/scram.hpp"

namespace jabberadmin::muc {

std::string new_occupant_id_secret() {
  std::string secret(32, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(secret.data()), static_cast<int>(secret.size())) != 1)
    throw std::runtime_error("no random bytes for the chat room service's occupant id secret");
  return secret;
}

std::string occupant_id(std::string_view secret, std::string_view room_bare, std::string_view real_bare) {
  std::string data(room_bare);
  data += '\0';  // no JID holds one: "a@b" + "c@d" and "a@bc" + "@d" stay apart
  data += real_bare;
  return encoding::base64_encode(scram::hmac(scram::Hash::Sha256, secret, data));
}

}  // namespace jabberadmin::muc
