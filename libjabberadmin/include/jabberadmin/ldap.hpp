// A thin RAII layer over libldap (LDAPv3) and the ONLY place that escapes values for
// DNs (RFC 4514) and filters (RFC 4515). Nothing else in the project builds a DN or a
// filter from user input by hand: it calls dn_value/filter_equals below.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "jabberadmin/error.hpp"

struct ldap;  // LDAP from <ldap.h>, kept out of our headers

namespace jabberadmin::ldap {

// RFC 4514 escaping of one attribute value inside a DN ("R&D, Moscow" -> "R&D\, Moscow").
std::string escape_dn_value(std::string_view value);
// RFC 4515 escaping of one assertion value inside a filter ("*)(uid=*" -> "\2a\29\28uid=\2a").
std::string escape_filter_value(std::string_view value);

// "attr=value" with the value escaped, prepended to parent: rdn("cn", "A,B", "ou=x") -> "cn=A\,B,ou=x".
std::string child_dn(std::string_view attr, std::string_view value, std::string_view parent);
// "(attr=value)" with the value escaped.
std::string filter_equals(std::string_view attr, std::string_view value);
// "(&f1f2...)" of already-built filters.
std::string filter_and(const std::vector<std::string>& filters);

// Case-insensitive attribute names, as LDAP compares them.
struct AttributeLess {
  bool operator()(std::string_view a, std::string_view b) const;
};
using Attributes = std::map<std::string, std::vector<std::string>, AttributeLess>;

struct Entry {
  std::string dn;
  Attributes attributes;

  // The first value of an attribute, if any.
  std::optional<std::string> first(std::string_view name) const;
  bool has(std::string_view name) const;
};

struct Modification {
  enum class Op { Add, Delete, Replace };
  Op op;
  std::string attribute;
  std::vector<std::string> values;  // Delete with no values removes the attribute
};

enum class Scope { Base, OneLevel, Subtree };

struct ConnectOptions {
  std::string uri;                 // ldapi://..., ldap://host:port, ldaps://...
  std::string bind_dn;             // empty with ldapi:// = SASL EXTERNAL (the socket's peer credentials)
  std::string bind_password;       // simple bind; read from a 0600 file by the caller, never argv
  std::chrono::milliseconds network_timeout{5000};
  std::chrono::milliseconds operation_timeout{10000};
  bool require_tls = true;         // StartTLS on ldap:// to anything but loopback
};

// LDAP result codes we act on.
inline constexpr int kInvalidCredentials = 49;
inline constexpr int kNoSuchObject = 32;
inline constexpr int kAlreadyExists = 68;
inline constexpr int kNoSuchAttribute = 16;
inline constexpr int kTypeOrValueExists = 20;
inline constexpr int kInsufficientAccess = 50;
inline constexpr int kAssertionFailed = 122;  // RFC 4528
inline constexpr int kServerDown = -1;

// A failed LDAP operation: the result code, the server's diagnostic text and the URI.
// It is an Error of kind Directory, so a tool that does not handle it exits with 1.
class LdapError : public Error {
 public:
  LdapError(int code, const std::string& message) : Error(ErrorKind::Directory, message), code_(code) {}
  int code() const noexcept { return code_; }

 private:
  int code_;
};

class Connection {
 public:
  // Connects and binds; throws LdapError (code -1 for "server unreachable").
  static Connection open(const ConnectOptions& options);

  Connection(Connection&&) noexcept;
  Connection& operator=(Connection&&) noexcept;
  ~Connection();

  std::vector<Entry> search(const std::string& base, Scope scope, const std::string& filter,
                            const std::vector<std::string>& attributes = {}) const;
  // The entry at dn, or nothing when it does not exist.
  std::optional<Entry> read(const std::string& dn, const std::vector<std::string>& attributes = {}) const;
  void add(const std::string& dn, const Attributes& attributes);
  // Many adds pipelined on this connection, at most `window` in flight: one LdapError (or
  // nothing) per entry, in the same order. For bulk imports; each add stays atomic. Adds of
  // the same DN are never in flight together (slapd runs concurrent operations in any
  // order): the earlier entry is answered first, so a repeated line fails, not the first.
  struct NewEntry {
    std::string dn;
    Attributes attributes;
  };
  std::vector<std::optional<LdapError>> add_many(const std::vector<NewEntry>& entries, std::size_t window = 32);
  // assertion: a filter (built with the helpers above) the entry must match for anything to
  // change, checked by the server in the same operation (RFC 4528); else kAssertionFailed.
  void modify(const std::string& dn, const std::vector<Modification>& modifications,
              const std::string& assertion = {});
  void remove(const std::string& dn);
  void rename(const std::string& dn, const std::string& new_rdn);

  // Simple-binds as dn on this connection: true on success, false on invalid credentials.
  // Refuses an empty password itself (slapd would take it as an unauthenticated bind).
  // After a call the connection is bound as dn (or anonymous after a failure).
  bool check_password(const std::string& dn, std::string_view password);

  const std::string& uri() const noexcept { return options_.uri; }
  // The libldap handle, for libldap APIs this class does not wrap (RFC 4533 sync).
  ::ldap* native_handle() const noexcept { return handle_.get(); }

 private:
  Connection(::ldap* handle, ConnectOptions options);
  [[noreturn]] void fail(int code, std::string_view what, const std::string& target) const;

  struct Closer { void operator()(::ldap* handle) const noexcept; };
  std::unique_ptr<::ldap, Closer> handle_;
  ConnectOptions options_;
};

}  // namespace jabberadmin::ldap
