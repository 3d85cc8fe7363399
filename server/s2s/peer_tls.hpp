// TLS for server-to-server links: one context for both ends of a link (we accept and we
// connect), with the server's certificate, asking every peer for its certificate; and the
// PKIX check of a peer's certificate for a domain (RFC 6125 DNS-ID, OpenSSL's
// X509_check_host) against the configured CA file or the system trust store.
#pragma once

#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>

#include <boost/asio/ssl/context.hpp>

#include <filesystem>
#include <memory>
#include <string_view>

namespace jabberadmin::s2s {

// Throws jabberadmin::Error(InvalidArgument) naming the file when it cannot be used.
std::shared_ptr<boost::asio::ssl::context> make_s2s_tls_context(const std::filesystem::path& pem);

class CertificateCheck {
 public:
  // ca_file empty: the system's default trust store. Throws Error naming an unusable file.
  explicit CertificateCheck(const std::filesystem::path& ca_file);
  ~CertificateCheck();
  CertificateCheck(const CertificateCheck&) = delete;
  CertificateCheck& operator=(const CertificateCheck&) = delete;

  // The peer of this TLS session presented a certificate that chains to a trusted CA, is
  // valid now, and names domain.
  bool valid_for(const SSL* session, std::string_view domain) const;

 private:
  X509_STORE* store_;
};

}  // namespace jabberadmin::s2s
