// The one configuration file every tool and the server read (TOML, via toml++).
// Default path /etc/jabberadmin/jabberadmin.conf; --config or JABBERADMIN_CONFIG override.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace jabberadmin {

struct LdapSettings {
  std::string uri;                             // ldapi://... or ldap://host:port
  std::string base_dn;
  std::string bind_dn;                         // empty = SASL EXTERNAL over ldapi://
  std::filesystem::path bind_password_file;    // 0600; used with bind_dn
  std::filesystem::path state_dir;             // private slapd's state (empty when adopted)
  // For services that can only simple-bind over TCP (ejabberd): the loopback URI the
  // private slapd also listens on, and the manager's DN with its 0600 password file.
  std::string tcp_uri;
  std::string manager_dn;
  std::filesystem::path manager_password_file;
  // The server's read-only identity in the private directory: as the `jabberadmin` system
  // account over ldapi:// (SASL EXTERNAL), else a simple bind with the 0600 password file.
  std::string service_dn;
  std::filesystem::path service_password_file;
};

// The accepted range of max_stanza_size: RFC 6120 (13.12) lets a server refuse no stanza
// under 10000 bytes, so 10 KiB is the floor; 16 MiB bounds what one client may make the
// server buffer.
inline constexpr std::int64_t kMinStanzaSize = 10 * 1024;
inline constexpr std::int64_t kMaxStanzaSize = 16 * 1024 * 1024;

struct JabberSettings {
  bool configured = false;                     // cl-setup jabber has run
  std::vector<std::string> hosts;              // first = primary host
  bool history = false;
  std::filesystem::path history_dir = "/var/log/jabber";
  std::vector<std::string> listen;             // empty = all addresses
  std::uint16_t port = 5222;                   // STARTTLS
  std::uint16_t tls_port = 5223;               // direct TLS
  std::filesystem::path certfile;              // PEM with key and certificate
  std::string server = "builtin";              // builtin | ejabberd
  std::filesystem::path data_dir;              // server's SQLite store etc.
  std::size_t max_stanza_size = 65536;
};

struct Settings {
  LdapSettings ldap;
  JabberSettings jabber;

  // The primary Jabber host: the first configured one, else this machine's FQDN.
  std::string primary_host() const;
  // Every host the Jabber service answers for, normalised (IDNA); the primary one first.
  std::vector<std::string> served_hosts() const;

  // Throws Error(Directory) naming the file when it is missing or not TOML, and
  // Error(InvalidArgument) naming the file, the key and what it accepts when a value is of
  // the wrong type or out of range: every value is checked here, before anyone uses it.
  static Settings load(const std::filesystem::path& path);
  // Writes atomically (temp file + rename), mode 0644; secrets are never in this file.
  void save(const std::filesystem::path& path) const;
};

// --config if given, else $JABBERADMIN_CONFIG, else /etc/jabberadmin/jabberadmin.conf.
std::filesystem::path config_path(const std::optional<std::filesystem::path>& given);

// This machine's fully qualified host name (falls back to the plain host name).
std::string fqdn();

// Reads a secret (first line) from a file that must not be readable by group or others.
std::string read_secret_file(const std::filesystem::path& path);
// Writes exactly these bytes to a new file with mode 0600 (fsync, then rename over path):
// secrets, private keys. No newline is added: `ldapsearch -y` takes a whole file as a password.
void write_private_file(const std::filesystem::path& path, std::string_view bytes);

}  // namespace jabberadmin
