// What `cl-setup jabber` does: validates every option, then makes or updates the admin
// account, the TLS certificate, the [jabber] section of the settings file (read by the
// integrated server cl-jabberd) and the generated ejabberd.yml beside it.
//
// Two phases so a tool can ask for the admin password only once the options are known to be
// good, and so a bad value writes nothing: plan_jabber() validates and decides, touching no
// file and no directory entry; apply_jabber() does it.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "jabberadmin/ldap_setup.hpp"
#include "jabberadmin/settings.hpp"

namespace jabberadmin::setup {

// Each option left unset keeps the value of the previous run, else the default.
struct JabberOptions {
  std::optional<std::vector<std::string>> hosts;   // served beside the primary host; {} = none
  std::optional<bool> history;
  std::optional<std::filesystem::path> history_dir;
  std::optional<std::vector<std::string>> listen;  // IP addresses; {} = all
  std::optional<std::uint16_t> port;
  std::optional<std::uint16_t> tls_port;
  std::optional<std::uint16_t> http_port;          // HTTPS: WebSocket, XEP-0156; 0 = off
  std::optional<std::int64_t> max_stanza_size;  // kMinStanzaSize..kMaxStanzaSize
  std::optional<std::filesystem::path> certfile;   // PEM with key and certificate; none = self-signed
  std::optional<std::string> server;               // builtin | ejabberd
  std::optional<std::filesystem::path> data_dir;   // the server's state (cl-setup --state-dir)
  std::optional<std::int64_t> scram_iterations;    // scram::kMinIterations..kMaxScramIterations
  std::optional<bool> scram_upgrade_on_plain;      // verifiers for old accounts after a PLAIN login
  std::optional<bool> group_rooms;                 // a members-only room for every directory group
  std::optional<bool> web_client;                  // Converse.js at https://<host>:<http_port>/
  std::optional<bool> metrics;                     // Prometheus /metrics on the HTTPS port
  std::optional<std::vector<std::string>> metrics_allow;  // IP networks (CIDR) it answers; not empty
  std::optional<bool> mam;                         // the message archive (XEP-0313)
  std::optional<std::int64_t> mam_retention_days;  // 0 (for ever)..kMaxMamRetentionDays
  // HTTP file upload (XEP-0363): bytes of one file (1..kMaxUploadFileSize), bytes one
  // account and all of them may keep (0: no limit), days a file is kept (0: for ever).
  std::optional<std::int64_t> upload_max_file_size;
  std::optional<std::int64_t> upload_quota_per_user;
  std::optional<std::int64_t> upload_disk_quota;
  std::optional<std::int64_t> upload_expire_days;
  std::optional<std::int64_t> upload_rate_limit;  // bytes/s of one upload (0: no limit)
  // Federation (server-to-server links): on or off, its port, dialback allowed, and the
  // remote domains refused (blocklist) or the only ones accepted (allowlist); {} = none.
  std::optional<bool> s2s;
  std::optional<std::uint16_t> s2s_port;
  std::optional<std::uint16_t> s2s_tls_port;  // 0: no direct-TLS port
  std::optional<bool> s2s_dialback;
  std::optional<std::vector<std::string>> s2s_block;
  std::optional<std::vector<std::string>> s2s_allow;
  // --admins: bare JIDs of the XEP-0133 administrators (cl-jabberd); empty: none.
  std::optional<std::vector<std::string>> admins;
  // Calls: coturn configured and its STUN/TURN handed out (XEP-0215); the name clients reach
  // it by ("" = the primary host), its ports (TLS 0: none), the credentials' lifetime in
  // seconds, and private networks (CIDR) it may relay to; {} = none.
  std::optional<bool> turn;
  std::optional<std::string> turn_host;
  std::optional<std::uint16_t> turn_port;
  std::optional<std::uint16_t> turn_tls_port;
  std::optional<std::int64_t> turn_credential_lifetime;
  std::optional<std::vector<std::string>> turn_allow_peers;
};

inline constexpr const char* kEjabberdConfigName = "ejabberd.yml";
inline constexpr const char* kSelfSignedName = "server.pem";

// Everything apply_jabber() will do, decided and validated.
struct JabberPlan {
  std::filesystem::path config;          // the settings file (absolute)
  Settings before;                       // as read (jabber.configured false on a first run)
  Settings after;                        // as it will be written
  bool make_certificate = false;         // self-signed, at after.jabber.certfile
  std::string certificate_reason;        // why a new one is made
  std::filesystem::path ejabberd_config; // empty when ejabberd cannot be configured
  std::string ejabberd_text;             // rendered ejabberd.yml
  std::string ejabberd_skipped;          // why there is none
  // coturn's configuration (turn on): written beside the settings, the secret first.
  std::filesystem::path turn_config;
  std::string turn_text;
  std::string turn_secret;               // the shared secret, new or as kept
  bool new_turn_secret = false;
};

// Validates every option (hosts as IDNA domain names, addresses, ports, absolute paths,
// the certificate file) and renders the configs in memory. Throws Error(InvalidArgument)
// with a message naming the bad value; writes nothing.
JabberPlan plan_jabber(const std::filesystem::path& config, const JabberOptions& options);

// Creates what is missing (Jabber subtree, directories, certificate), creates or updates
// admin@<primary host> with the password, writes the settings and ejabberd.yml. Returns the
// steps done, what changed since the last run, and a short summary, one line each.
Steps apply_jabber(const JabberPlan& plan, std::string_view admin_password);

// ejabberd.yml for these settings: ejabberd reaches the directory at settings.ldap's TCP URI
// (tcp_uri with the manager, or an adopted ldap:// URI with its bind DN) and binds with
// ldap_password. Throws Error(InvalidArgument) when there is no TCP URI or a value cannot be
// rendered safely.
// turn_secret: the relay's shared secret, for mod_stun_disco when turn is on.
std::string render_ejabberd(const Settings& settings, const std::string& ldap_password,
                            const std::string& turn_secret = {});

// Checks one listen address (IPv4 or IPv6 literal) and returns its canonical text.
std::string canonical_address(std::string_view address);

}  // namespace jabberadmin::setup
