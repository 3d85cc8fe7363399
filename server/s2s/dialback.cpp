#include "s2s/dialback.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "jabberadmin/encoding.hpp"

namespace jabberadmin::s2s {

std::string dialback_key(std::string_view secret, std::string_view receiving, std::string_view originating,
                         std::string_view stream_id) {
  const std::string key = encoding::hex(encoding::sha256(secret));
  std::string text;
  text.reserve(receiving.size() + originating.size() + stream_id.size() + 2);
  text.append(receiving).append(" ").append(originating).append(" ").append(stream_id);
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(text.data()),
       text.size(), mac, &length);
  return encoding::hex(std::string_view(reinterpret_cast<const char*>(mac), length));
}

bool same_key(std::string_view a, std::string_view b) {
  return a.size() == b.size() && !a.empty() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace jabberadmin::s2s
