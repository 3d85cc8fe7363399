#include "net/tls.hpp"

#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <cstdint>

#include "jabberadmin/encoding.hpp"
#include "jabberadmin/error.hpp"

namespace jabberadmin::net {
namespace {

// arg: the context's Alpn, as an integer.
int select_protocol(SSL*, const unsigned char** out, unsigned char* outlen, const unsigned char* in,
                    unsigned int inlen, void* arg) {
  const std::string_view protocol = alpn_name(static_cast<Alpn>(reinterpret_cast<std::uintptr_t>(arg)));
  const std::string_view offered(reinterpret_cast<const char*>(in), inlen);
  const auto at = find_alpn(offered, protocol);
  if (!at) return SSL_TLSEXT_ERR_ALERT_FATAL;  // no_application_protocol
  *out = in + *at;
  *outlen = static_cast<unsigned char>(protocol.size());
  return SSL_TLSEXT_ERR_OK;
}

}  // namespace

std::string_view alpn_name(Alpn alpn) {
  switch (alpn) {
    case Alpn::XmppClient: return kAlpnXmppClient;
    case Alpn::Http11: return kAlpnHttp11;
  }
  return kAlpnXmppClient;
}

std::optional<std::size_t> find_alpn(std::string_view offered, std::string_view protocol) {
  std::size_t i = 0;
  while (i < offered.size()) {
    const std::size_t length = static_cast<unsigned char>(offered[i]);
    if (length == 0 || i + 1 + length > offered.size()) return std::nullopt;  // malformed
    if (offered.substr(i + 1, length) == protocol) return i + 1;
    i += 1 + length;
  }
  return std::nullopt;
}

std::shared_ptr<boost::asio::ssl::context> make_tls_context(const std::filesystem::path& pem, Alpn alpn) {
  namespace ssl = boost::asio::ssl;
  auto ctx = std::make_shared<ssl::context>(ssl::context::tls_server);
  SSL_CTX* native = ctx->native_handle();
  SSL_CTX_set_min_proto_version(native, TLS1_2_VERSION);
  SSL_CTX_set_options(native, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE |
                                  SSL_OP_NO_TICKET);
  // No session resumption: XMPP clients keep one long connection and do not resume TLS
  // sessions, while a server-side cache would hold every connection's session (two, with
  // TLS 1.3's default of two tickets) long after it is gone.
  SSL_CTX_set_session_cache_mode(native, SSL_SESS_CACHE_OFF);
  SSL_CTX_set_num_tickets(native, 0);
  // An idle XMPP connection holds no TLS record buffers: OpenSSL frees them between records.
  // net::Connection writes from a buffer that may grow (and move) while a write waits for
  // the socket, and takes each record's worth as it goes.
  SSL_CTX_set_mode(native, SSL_MODE_RELEASE_BUFFERS | SSL_MODE_ENABLE_PARTIAL_WRITE |
                               SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
  // TLS 1.2: ECDHE with AES-GCM or ChaCha20 only; TLS 1.3 suites are all modern already.
  SSL_CTX_set_cipher_list(native,
                          "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
                          "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
                          "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305");
  SSL_CTX_set_alpn_select_cb(native, select_protocol, reinterpret_cast<void*>(static_cast<std::uintptr_t>(alpn)));
  use_certificate(*ctx, pem);
  return ctx;
}

void use_certificate(boost::asio::ssl::context& context, const std::filesystem::path& pem) {
  boost::system::error_code ec;
  context.use_certificate_chain_file(pem.string(), ec);
  if (!ec) context.use_private_key_file(pem.string(), boost::asio::ssl::context::pem, ec);
  if (ec || SSL_CTX_check_private_key(context.native_handle()) != 1)
    throw Error(ErrorKind::InvalidArgument, "cannot use the TLS key and certificate in " + pem.string() +
                                                (ec ? ": " + ec.message() : ": key does not match the certificate"));
}

std::string certificate_fingerprint(boost::asio::ssl::context& context) {
  X509* certificate = SSL_CTX_get0_certificate(context.native_handle());
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  if (certificate == nullptr || X509_digest(certificate, EVP_sha256(), digest, &size) != 1) return {};
  std::string out;
  for (unsigned int i = 0; i < size; ++i) {
    if (i != 0) out += ':';
    encoding::append_hex(out, digest[i], encoding::HexCase::Upper);
  }
  return out;
}

}  // namespace jabberadmin::net
