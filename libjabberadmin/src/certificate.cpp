#include "jabberadmin/certificate.hpp"

#include <fcntl.h>
#include <idn2.h>
#include <openssl/bio.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>

#include "jabberadmin/error.hpp"
#include "jabberadmin/settings.hpp"

namespace jabberadmin::certificate {
namespace fs = std::filesystem;
namespace {

template <typename T, void (*Free)(T*)>
struct Deleter {
  void operator()(T* p) const { Free(p); }
};
using Key = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY, EVP_PKEY_free>>;
using Cert = std::unique_ptr<X509, Deleter<X509, X509_free>>;
using Bio = std::unique_ptr<BIO, Deleter<BIO, BIO_free_all>>;
using Names = std::unique_ptr<GENERAL_NAMES, Deleter<GENERAL_NAMES, GENERAL_NAMES_free>>;
using Extension = std::unique_ptr<X509_EXTENSION, Deleter<X509_EXTENSION, X509_EXTENSION_free>>;

std::string openssl_error(const std::string& what) {
  const unsigned long code = ERR_get_error();
  ERR_clear_error();
  if (code == 0) return what;
  char text[256];
  ERR_error_string_n(code, text, sizeof text);
  return what + ": " + text;
}

[[noreturn]] void fail(const std::string& what) { throw Error(ErrorKind::Directory, openssl_error(what)); }

void add_extension(X509* cert, int nid, const char* value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, cert, cert, nullptr, nullptr, 0);
  Extension ext(X509V3_EXT_conf_nid(nullptr, &ctx, nid, value));
  if (!ext || X509_add_ext(cert, ext.get(), -1) != 1) fail("cannot add a certificate extension");
}

std::string to_pem(EVP_PKEY* key, X509* cert) {
  Bio bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr) != 1 ||
      PEM_write_bio_X509(bio.get(), cert) != 1)
    fail("cannot encode the certificate");
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<std::size_t>(size));
}

}  // namespace

std::string ascii_host(const std::string& host) {
  char* ace = nullptr;
  if (idn2_to_ascii_8z(host.c_str(), &ace, IDN2_NFC_INPUT | IDN2_NONTRANSITIONAL) != IDN2_OK || ace == nullptr)
    throw Error(ErrorKind::InvalidArgument, "bad host name '" + host + "'");
  std::string out(ace);
  idn2_free(ace);
  return out;
}

void make_self_signed(const fs::path& pem, const std::vector<std::string>& hosts, std::chrono::days valid_for) {
  if (hosts.empty()) throw Error(ErrorKind::InvalidArgument, "a certificate needs at least one host");
  Key key(EVP_EC_gen("P-256"));
  if (!key) fail("cannot make an EC P-256 key");

  Cert cert(X509_new());
  if (!cert || X509_set_version(cert.get(), 2) != 1) fail("cannot make a certificate");
  unsigned char serial[16];
  if (RAND_bytes(serial, sizeof serial) != 1) fail("cannot get random bytes");
  serial[0] &= 0x7f;  // a positive serial number
  std::unique_ptr<BIGNUM, Deleter<BIGNUM, BN_free>> bn(BN_bin2bn(serial, sizeof serial, nullptr));
  if (!bn || BN_to_ASN1_INTEGER(bn.get(), X509_get_serialNumber(cert.get())) == nullptr) fail("cannot set the serial");
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600);  // tolerate a clock a little behind
  X509_time_adj_ex(X509_getm_notAfter(cert.get()), static_cast<int>(valid_for.count()), 0, nullptr);

  const std::string cn = ascii_host(hosts.front());
  X509_NAME* name = X509_get_subject_name(cert.get());
  if (X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>(cn.c_str()), -1,
                                 -1, 0) != 1 ||
      X509_set_issuer_name(cert.get(), name) != 1 || X509_set_pubkey(cert.get(), key.get()) != 1)
    fail("cannot fill in the certificate");

  // subjectAltName, built as GENERAL_NAMEs rather than a config string, so no host text is
  // ever parsed as OpenSSL config syntax.
  Names names(GENERAL_NAMES_new());
  for (const auto& host : hosts) {
    const std::string ascii = ascii_host(host);
    GENERAL_NAME* gn = GENERAL_NAME_new();
    ASN1_IA5STRING* ia5 = ASN1_IA5STRING_new();
    if (gn == nullptr || ia5 == nullptr || ASN1_STRING_set(ia5, ascii.data(), static_cast<int>(ascii.size())) != 1) {
      GENERAL_NAME_free(gn);
      ASN1_IA5STRING_free(ia5);
      fail("cannot add a subjectAltName");
    }
    GENERAL_NAME_set0_value(gn, GEN_DNS, ia5);
    sk_GENERAL_NAME_push(names.get(), gn);
  }
  if (X509_add1_ext_i2d(cert.get(), NID_subject_alt_name, names.get(), 0, X509V3_ADD_DEFAULT) != 1)
    fail("cannot add the subjectAltName");
  add_extension(cert.get(), NID_basic_constraints, "critical,CA:FALSE");
  add_extension(cert.get(), NID_key_usage, "critical,digitalSignature,keyAgreement");
  add_extension(cert.get(), NID_ext_key_usage, "serverAuth,clientAuth");
  add_extension(cert.get(), NID_subject_key_identifier, "hash");
  if (X509_sign(cert.get(), key.get(), EVP_sha256()) == 0) fail("cannot sign the certificate");

  write_private_file(pem, to_pem(key.get(), cert.get()));  // the key: 0600
}

Check inspect(const fs::path& pem, const std::vector<std::string>& hosts) {
  Bio bio(BIO_new_file(pem.c_str(), "r"));
  if (!bio) {
    ERR_clear_error();
    throw Error(ErrorKind::InvalidArgument, "cannot read certificate file " + pem.string() + ": " + std::strerror(errno));
  }
  Check check;
  Key key;
  Cert cert;
  // Walk every PEM block: the key and the certificate may come in either order, followed by
  // a chain; the first certificate is the server's.
  while (true) {
    char* name = nullptr;
    char* header = nullptr;
    unsigned char* data = nullptr;
    long len = 0;
    if (PEM_read_bio(bio.get(), &name, &header, &data, &len) != 1) break;
    const std::string type = name;
    const unsigned char* p = data;
    if (type == "CERTIFICATE" && !cert) {
      cert.reset(d2i_X509(nullptr, &p, len));
    } else if (!key && (type == "PRIVATE KEY" || type == "EC PRIVATE KEY" || type == "RSA PRIVATE KEY")) {
      if (type == "PRIVATE KEY") key.reset(d2i_AutoPrivateKey(nullptr, &p, len));
      else key.reset(d2i_PrivateKey(type == "EC PRIVATE KEY" ? EVP_PKEY_EC : EVP_PKEY_RSA, nullptr, &p, len));
    }
    OPENSSL_free(name);
    OPENSSL_free(header);
    OPENSSL_free(data);
  }
  ERR_clear_error();
  check.has_key = static_cast<bool>(key);
  check.has_certificate = static_cast<bool>(cert);
  if (cert) {
    check.key_matches = key && X509_check_private_key(cert.get(), key.get()) == 1;
    // Signed by its own key (X509_check_issued would also demand keyCertSign, which a
    // server certificate rightly lacks).
    check.self_signed = X509_NAME_cmp(X509_get_subject_name(cert.get()), X509_get_issuer_name(cert.get())) == 0 &&
                        X509_verify(cert.get(), X509_get0_pubkey(cert.get())) == 1;
    check.expired = X509_cmp_current_time(X509_get0_notAfter(cert.get())) <= 0;
    for (const auto& host : hosts)
      if (X509_check_host(cert.get(), ascii_host(host).c_str(), 0, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS, nullptr) != 1)
        check.uncovered_hosts.push_back(host);
  }
  ERR_clear_error();
  return check;
}

void require_usable(const fs::path& pem, const std::vector<std::string>& hosts) {
  const Check c = inspect(pem, hosts);
  const std::string file = "certificate file " + pem.string();
  if (!c.has_key) throw Error(ErrorKind::InvalidArgument, file + " holds no private key (it needs key and certificate in one PEM)");
  if (!c.has_certificate) throw Error(ErrorKind::InvalidArgument, file + " holds no certificate");
  if (!c.key_matches) throw Error(ErrorKind::InvalidArgument, file + ": the private key does not belong to the certificate");
  if (c.expired) throw Error(ErrorKind::InvalidArgument, file + ": the certificate has expired");
  if (!c.uncovered_hosts.empty()) {
    std::string list;
    for (const auto& h : c.uncovered_hosts) list += (list.empty() ? "" : ", ") + h;
    throw Error(ErrorKind::InvalidArgument, file + ": the certificate does not cover " + list);
  }
}

}  // namespace jabberadmin::certificate
