#include "net/tls.hpp"

#include <openssl/ssl.h>

#include "jabberadmin/error.hpp"

namespace jabberadmin::net {

std::shared_ptr<boost::asio::ssl::context> make_tls_context(const std::filesystem::path& pem) {
  namespace ssl = boost::asio::ssl;
  auto ctx = std::make_shared<ssl::context>(ssl::context::tls_server);
  SSL_CTX* native = ctx->native_handle();
  SSL_CTX_set_min_proto_version(native, TLS1_2_VERSION);
  SSL_CTX_set_options(native, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE |
                                  SSL_OP_NO_TICKET);
  // An idle XMPP connection holds no TLS record buffers: OpenSSL frees them between records.
  SSL_CTX_set_mode(native, SSL_MODE_RELEASE_BUFFERS);
  // TLS 1.2: ECDHE with AES-GCM or ChaCha20 only; TLS 1.3 suites are all modern already.
  SSL_CTX_set_cipher_list(native,
                          "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
                          "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
                          "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305");
  boost::system::error_code ec;
  ctx->use_certificate_chain_file(pem.string(), ec);
  if (!ec) ctx->use_private_key_file(pem.string(), ssl::context::pem, ec);
  if (ec || SSL_CTX_check_private_key(native) != 1)
    throw Error(ErrorKind::InvalidArgument, "cannot use the TLS key and certificate in " + pem.string() +
                                                (ec ? ": " + ec.message() : ": key does not match the certificate"));
  return ctx;
}

}  // namespace jabberadmin::net
