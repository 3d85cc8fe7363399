// Channel-binding data of a TLS session, for SCRAM's -PLUS mechanisms.
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "net/connection.hpp"

namespace jabberadmin::net {
namespace {

// RFC 9266 §2: 32 bytes exported with this label and no context, TLS 1.3 only (in 1.2
// without the extended master secret the exporter does not bind the session uniquely).
std::optional<std::string> tls_exporter(SSL* ssl) {
  if (SSL_version(ssl) != TLS1_3_VERSION) return std::nullopt;
  static constexpr std::string_view kLabel = "EXPORTER-Channel-Binding";
  std::string out(32, '\0');
  if (SSL_export_keying_material(ssl, reinterpret_cast<unsigned char*>(out.data()), out.size(), kLabel.data(),
                                 kLabel.size(), nullptr, 0, 0) != 1)
    return std::nullopt;
  return out;
}

// RFC 5929 §4.1: the hash of our certificate, by its signature's hash algorithm, except that
// MD5 and SHA-1 become SHA-256.
std::optional<std::string> tls_server_end_point(SSL* ssl) {
  X509* certificate = SSL_get_certificate(ssl);  // ours, not referenced: not freed
  if (certificate == nullptr) return std::nullopt;
  int digest_nid = NID_undef;
  if (X509_get_signature_info(certificate, &digest_nid, nullptr, nullptr, nullptr) != 1) return std::nullopt;
  const EVP_MD* md = nullptr;
  if (digest_nid == NID_md5 || digest_nid == NID_sha1 || digest_nid == NID_undef) md = EVP_sha256();
  else md = EVP_get_digestbynid(digest_nid);
  if (md == nullptr) return std::nullopt;  // Ed25519 and the like: RFC 5929 defines nothing
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  if (X509_digest(certificate, md, out, &size) != 1) return std::nullopt;
  return std::string(reinterpret_cast<const char*>(out), size);
}

}  // namespace

std::optional<std::string> Connection::channel_binding(std::string_view type) const {
  if (!secure() || !ssl_) return std::nullopt;
  if (const auto kept = channel_bindings_.find(type); kept != channel_bindings_.end()) return kept->second;
  std::optional<std::string> data;
  if (type == "tls-exporter") data = tls_exporter(ssl_.get());
  else if (type == "tls-server-end-point") data = tls_server_end_point(ssl_.get());
  else return std::nullopt;
  channel_bindings_.emplace(type, data);
  return data;
}

}  // namespace jabberadmin::net
