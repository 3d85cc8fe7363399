#include "s2s/peer_tls.hpp"

#include <openssl/x509v3.h>

#include <string>

#include "jabberadmin/error.hpp"
#include "net/tls.hpp"

namespace jabberadmin::s2s {
namespace {
// The handshake accepts any certificate (or none): the stream decides afterwards what it
// proves (SASL EXTERNAL) and dialback covers a peer whose certificate proves nothing.
int accept_any(int, X509_STORE_CTX*) { return 1; }

// A direct-TLS peer names "xmpp-server" (XEP-0368 §3); one that offers other protocols only,
// or none (STARTTLS peers do not), goes on without ALPN rather than being cut off: the
// stream header says soon enough whether it speaks jabber:server.
int select_xmpp_server(SSL*, const unsigned char** out, unsigned char* outlen, const unsigned char* in,
                       unsigned int inlen, void*) {
  const auto at = net::find_alpn(std::string_view(reinterpret_cast<const char*>(in), inlen), net::kAlpnXmppServer);
  if (!at) return SSL_TLSEXT_ERR_NOACK;
  *out = in + *at;
  *outlen = static_cast<unsigned char>(net::kAlpnXmppServer.size());
  return SSL_TLSEXT_ERR_OK;
}
}  // namespace

std::shared_ptr<boost::asio::ssl::context> make_s2s_tls_context(const std::filesystem::path& pem) {
  namespace ssl = boost::asio::ssl;
  auto ctx = std::make_shared<ssl::context>(ssl::context::tls);
  SSL_CTX* native = ctx->native_handle();
  SSL_CTX_set_min_proto_version(native, TLS1_2_VERSION);
  SSL_CTX_set_options(native, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_TICKET);
  SSL_CTX_set_session_cache_mode(native, SSL_SESS_CACHE_OFF);
  SSL_CTX_set_mode(native, SSL_MODE_RELEASE_BUFFERS | SSL_MODE_ENABLE_PARTIAL_WRITE |
                               SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
  SSL_CTX_set_verify(native, SSL_VERIFY_PEER, accept_any);
  SSL_CTX_set_alpn_select_cb(native, select_xmpp_server, nullptr);
  net::use_certificate(*ctx, pem);
  return ctx;
}

CertificateCheck::CertificateCheck(const std::filesystem::path& ca_file) : store_(X509_STORE_new()) {
  if (store_ == nullptr) throw Error(ErrorKind::InvalidArgument, "out of memory for the s2s trust store");
  const int ok = ca_file.empty() ? X509_STORE_set_default_paths(store_)
                                 : X509_STORE_load_file(store_, ca_file.c_str());
  if (ok != 1) {
    X509_STORE_free(store_);
    throw Error(ErrorKind::InvalidArgument, "cannot read the CA certificates in " +
                                                (ca_file.empty() ? std::string("the system trust store") : ca_file.string()));
  }
}

CertificateCheck::~CertificateCheck() { X509_STORE_free(store_); }

bool CertificateCheck::valid_for(const SSL* session, std::string_view domain) const {
  if (session == nullptr || domain.empty()) return false;
  X509* peer = SSL_get0_peer_certificate(session);
  if (peer == nullptr) return false;
  X509_STORE_CTX* ctx = X509_STORE_CTX_new();
  if (ctx == nullptr) return false;
  bool ok = X509_STORE_CTX_init(ctx, store_, peer, SSL_get_peer_cert_chain(session)) == 1;
  if (ok) {
    X509_STORE_CTX_set_purpose(ctx, X509_PURPOSE_ANY);
    ok = X509_verify_cert(ctx) == 1;
  }
  X509_STORE_CTX_free(ctx);
  // RFC 6125: the domain as a DNS-ID (a wildcard covers one left-most label only).
  return ok && X509_check_host(peer, domain.data(), domain.size(), X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS, nullptr) == 1;
}

}  // namespace jabberadmin::s2s
