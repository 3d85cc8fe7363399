// The one configuration file every tool and the server read (TOML, via toml++).
// Default path /etc/jabberadmin/jabberadmin.conf; --config or JABBERADMIN_CONFIG override.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "jabberadmin/scram.hpp"

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

// Where the packaged web client (Converse.js, fetched by scripts/fetch-webclient) is installed.
std::filesystem::path default_web_client_dir();
// The networks /metrics answers by default: loopback only.
std::vector<std::string> default_metrics_allow();

// One entry of the federation route map: the remote domain's server at host:port, without
// DNS (a LAN, a test, a peer without SRV records).
struct S2sRoute {
  std::string domain;  // normalised
  std::string host;    // a name or an IP address
  std::uint16_t port = 5269;
  bool direct_tls = false;  // TLS from the first byte (XEP-0368), not STARTTLS
  friend bool operator==(const S2sRoute&, const S2sRoute&) = default;
};
// The port a direct-TLS route names when it names none (what Prosody and ejabberd suggest
// for XEP-0368's _xmpps-server; no port is registered for it).
inline constexpr std::uint16_t kDefaultS2sTlsPort = 5270;
// Reads "domain=host:port", or "domain=tls://host:port" for direct TLS (port optional:
// 5269, or 5270 with tls://; [v6]:port for an IPv6 address); throws Error(InvalidArgument)
// naming what is wrong.
S2sRoute parse_s2s_route(std::string_view text);
std::string to_string(const S2sRoute& route);

struct JabberSettings {
  bool configured = false;                     // cl-setup jabber has run
  std::vector<std::string> hosts;              // first = primary host
  bool history = false;
  std::filesystem::path history_dir = "/var/log/jabber";
  std::vector<std::string> listen;             // empty = all addresses
  std::uint16_t port = 5222;                   // STARTTLS
  std::uint16_t tls_port = 5223;               // direct TLS
  std::uint16_t http_port = 0;                 // HTTPS: WebSocket, XEP-0156 (0 = off)
  std::filesystem::path certfile;              // PEM with key and certificate
  std::string server = "builtin";              // builtin | ejabberd
  std::filesystem::path data_dir;              // server's SQLite store etc.
  std::size_t max_stanza_size = 65536;
  // The SASL mechanisms cl-jabberd offers (cl-jabberd(8)); empty = all it has.
  std::vector<std::string> sasl_mechanisms;
  // cl-jabberd's abuse limits (jabberadmin.conf(5), cl-jabberd(8)).
  std::size_t max_unauthenticated_per_address = 32;   // not yet logged in, from one address
  std::size_t max_unauthenticated_per_network = 128;  // ... from one /24 or /64
  std::size_t max_unauthenticated = 512;             // ... in all
  // HTTPS connections still speaking HTTP (a WebSocket that upgraded is a client stream,
  // counted by the limits above; a BOSH request holds one while it waits).
  std::size_t http_max_connections = 1024;
  std::size_t max_resources_per_account = 16;        // bound at once
  std::size_t stanza_rate = 20;                      // stanzas/s one client may send (0 = no limit)
  std::size_t stanza_burst = 100;
  std::size_t byte_rate = 8192;                      // bytes/s one client may send (0 = no limit)
  std::size_t byte_burst = 65536;
  std::size_t max_roster_items = 500;                // personal roster items per user
  std::size_t max_roster_item_size = 1024;           // bytes of one personal roster item
  std::size_t history_bytes_per_day = 16 << 20;      // history logged per user per day
  std::size_t max_directed_presences = 1000;         // targets of directed presence per session
  // Stream management (XEP-0198): how long a lost session waits to be resumed (0: no
  // resumption), what one session may leave unacknowledged (0: no limit), and how many
  // sessions of one account may wait at once.
  std::size_t sm_resume_timeout = 300;               // seconds
  // Above the largest group: at login a member is sent every member's presence at once, and
  // a slow client acknowledges them late (1000 ended streams in a 1,000-member group's login
  // storm). 5000 is ejabberd's max_ack_queue; 4 MiB holds 5000 stanzas of 800 bytes.
  std::size_t sm_max_unacked_stanzas = 5000;
  std::size_t sm_max_unacked_bytes = 4 << 20;
  std::size_t sm_max_detached_per_account = 4;
  // PBKDF2 iterations of the SCRAM verifiers stored with each new password (RFC 7677's
  // 4096 at least; more slows an offline guess and every client's login alike).
  unsigned scram_iterations = scram::kDefaultIterations;
  // After a PLAIN login, cl-jabberd writes SCRAM verifiers for an account that has none
  // (made before SCRAM), so it can log in by SCRAM from then on (jabberadmin.conf(5)).
  bool scram_upgrade_on_plain = false;
  // FAST (XEP-0484): how many days a login token lives unused (0: no tokens are issued).
  std::size_t fast_token_days = 14;
  // Message archive (XEP-0313): on by default, so a user's phone and desktop share one
  // history; the preference of an account that has set none (always | roster | never); days
  // a message is kept (0: for ever).
  bool mam = true;
  std::string mam_default = "always";
  std::size_t mam_retention_days = 0;
  // Multi-user chat (XEP-0045): the service is <muc_service>.<host> for every served host
  // ("" turns it off); its limits (jabberadmin.conf(5)).
  std::string muc_service = "conference";
  std::size_t muc_max_rooms_per_user = 100;          // rooms one account may create
  std::size_t muc_max_occupants = 1000;              // occupants of one room
  std::size_t muc_message_rate = 5;                  // messages/s one occupant may send (0 = no limit)
  std::size_t muc_message_burst = 20;
  // A persistent, members-only room on the MUC service for every directory group, its
  // members the group's (cl-jabberd(8)); off leaves the rooms made so far as they are.
  bool group_rooms = true;
  std::size_t muc_history_size = 20;                 // messages a room keeps for newcomers
  // HTTP file upload (XEP-0363): the service is <upload_service>.<host> for every served
  // host ("" turns it off; so does http_port 0); its limits in bytes (the quotas 0: no
  // limit) and the days a file is kept (0: for ever); jabberadmin.conf(5).
  std::string upload_service = "upload";
  std::size_t upload_max_file_size = 10 << 20;
  std::size_t upload_quota_per_user = 100 << 20;
  std::size_t upload_disk_quota = std::size_t{1} << 30;
  std::size_t upload_expire_days = 30;
  // Bytes per second one upload's PUT is read at (0: no limit, the default: a LAN's uploads
  // go at the LAN's speed; a server on a thin uplink sets one); jabberadmin.conf(5).
  std::size_t upload_rate_limit = 0;
  // The web client served at https://<host>:<http_port>/ (cl-jabberd(8)): on by default, so
  // it is there wherever its files are installed; without http_port or the files, nothing.
  bool web_client = true;
  std::filesystem::path web_client_dir = default_web_client_dir();
  // Prometheus metrics at https://<host>:<http_port>/metrics (cl-jabberd(8) "METRICS"): on
  // by default, answered only to peers inside one of metrics_allow's networks (CIDR, kept
  // canonical; loopback by default), 403 to others; off: 404. Scrapers see counters of the
  // whole service, not of one account, but still only the operator's own tools should.
  bool metrics = true;
  std::vector<std::string> metrics_allow = default_metrics_allow();
  // Federation (RFC 6120 server-to-server links, cl-jabberd(8) "Federation"): off by
  // default, so an upgraded or LAN-only server opens no port to the world until asked.
  bool s2s = false;
  std::uint16_t s2s_port = 5269;
  // Direct TLS for servers (XEP-0368 _xmpps-server): a second port whose streams start with
  // the TLS handshake; 0: none (the default, as in ejabberd and Prosody).
  std::uint16_t s2s_tls_port = 0;
  // XEP-0220 dialback accepted for a peer whose certificate does not validate; false: only
  // SASL EXTERNAL with a certificate valid for the peer's domain (RFC 6125).
  bool s2s_dialback = true;
  std::filesystem::path s2s_ca_file;                 // empty: the system trust store
  std::vector<S2sRoute> s2s_routes;                  // before DNS: domain -> host:port
  std::vector<std::string> s2s_block;                // remote domains refused both ways
  std::vector<std::string> s2s_allow;                // empty: every domain not blocked
  // XEP-0133 administrators (server/adhoc): bare JIDs, normalised, that may run the
  // ad-hoc administration commands; empty: nobody.
  std::vector<std::string> admins;
  // Calls (XEP-0215, cl-jabberd(8) "CALLS"): the STUN and TURN services of a coturn that
  // cl-setup configured, handed to local users with short-lived credentials in coturn's REST
  // form (use-auth-secret), made from the shared secret in turn_secret_file. Off by default:
  // `cl-setup jabber --turn on` writes coturn's configuration and the secret.
  bool turn = false;
  std::string turn_host;                             // name or address clients reach; "" = the primary host
  std::uint16_t turn_port = 3478;                    // STUN and TURN over UDP and TCP
  std::uint16_t turn_tls_port = 5349;                // TURN over TLS ("turns"); 0: none
  std::size_t turn_credential_lifetime = 86400;      // seconds a credential is good for
  // Networks (CIDR) the relay may send to although they are private, loopback excepted
  // (a LAN server relaying between a phone on mobile data and a desktop on the LAN).
  std::vector<std::string> turn_allow_peers;
  std::filesystem::path turn_secret_file;            // 0600; empty: <data_dir>/turn-secret
  std::size_t s2s_queue_size = 100;                  // stanzas waiting for one remote domain's link
  std::size_t s2s_queue_timeout = 30;                // seconds a link may take to come up
  std::size_t s2s_idle_timeout = 600;                // seconds a link may stay silent
  std::size_t s2s_max_links_per_domain = 4;          // inbound links from one remote domain
  std::size_t s2s_max_links = 256;                   // server-to-server links in all
  // What one inbound link may send, metered as a client's stream is (a link over it is read
  // more slowly, not cut); bursts of two seconds' worth. 0: no limit.
  std::size_t s2s_stanza_rate = 500;                 // stanzas/s
  std::size_t s2s_byte_rate = 1 << 20;               // bytes/s
};

// Where the TURN shared secret is: turn_secret_file, else <data_dir>/turn-secret.
std::filesystem::path turn_secret_path(const JabberSettings& jabber);

// The largest upload_max_file_size. cl-jabberd streams an upload to its file, so memory does
// not bound it; a gibibyte keeps one slot's reservation a sane share of the disk quota
// (cl-jabberd(8)).
inline constexpr std::int64_t kMaxUploadFileSize = std::int64_t{1} << 30;

inline constexpr std::int64_t kMaxScramIterations = 1000000;
// A TURN credential lives from an hour (a call placed now still relays when it ends) to 30
// days (a stolen one stops working in a month at the latest).
inline constexpr std::int64_t kMinTurnCredentialLifetime = 3600;
inline constexpr std::int64_t kMaxTurnCredentialLifetime = 30 * 86400;
// The longest message archive retention: a century. The settings file and cl-setup
// --mam-retention accept no more, and the archive's pruning counts on it (its cutoff stays
// well within the clock's reach).
inline constexpr std::int64_t kMaxMamRetentionDays = 36500;
// The largest value any limit key below may be given in the settings file unless it says
// otherwise (for the rates, 0 means no limit; jabberadmin.conf(5)).
inline constexpr std::int64_t kMaxLimitValue = std::int64_t{1} << 40;

// The [jabber] limit keys above, each with its member and its largest value: read by load(),
// and written by save() only where they differ from the default, so a later default reaches
// files that never chose.
struct JabberLimitKey {
  const char* key;
  std::size_t JabberSettings::*value;
  std::int64_t max = kMaxLimitValue;
};
// The SASL mechanism names sasl_mechanisms may list.
inline constexpr const char* kSaslMechanismNames[] = {
    "SCRAM-SHA-512-PLUS", "SCRAM-SHA-512", "SCRAM-SHA-256-PLUS", "SCRAM-SHA-256",
    "SCRAM-SHA-1-PLUS",   "SCRAM-SHA-1",   "PLAIN"};
inline constexpr JabberLimitKey kJabberLimitKeys[] = {
    {"max_unauthenticated_per_address", &JabberSettings::max_unauthenticated_per_address},
    {"max_unauthenticated_per_network", &JabberSettings::max_unauthenticated_per_network},
    {"max_unauthenticated", &JabberSettings::max_unauthenticated},
    {"http_max_connections", &JabberSettings::http_max_connections},
    {"max_resources_per_account", &JabberSettings::max_resources_per_account},
    {"stanza_rate", &JabberSettings::stanza_rate},
    {"stanza_burst", &JabberSettings::stanza_burst},
    {"byte_rate", &JabberSettings::byte_rate},
    {"byte_burst", &JabberSettings::byte_burst},
    {"max_roster_items", &JabberSettings::max_roster_items},
    {"max_roster_item_size", &JabberSettings::max_roster_item_size},
    {"history_bytes_per_day", &JabberSettings::history_bytes_per_day},
    {"max_directed_presences", &JabberSettings::max_directed_presences},
    {"sm_resume_timeout", &JabberSettings::sm_resume_timeout},
    {"sm_max_unacked_stanzas", &JabberSettings::sm_max_unacked_stanzas},
    {"sm_max_unacked_bytes", &JabberSettings::sm_max_unacked_bytes},
    {"sm_max_detached_per_account", &JabberSettings::sm_max_detached_per_account},
    {"fast_token_days", &JabberSettings::fast_token_days},
    {"mam_retention_days", &JabberSettings::mam_retention_days, kMaxMamRetentionDays},
    {"muc_max_rooms_per_user", &JabberSettings::muc_max_rooms_per_user},
    {"muc_max_occupants", &JabberSettings::muc_max_occupants},
    {"muc_message_rate", &JabberSettings::muc_message_rate},
    {"muc_message_burst", &JabberSettings::muc_message_burst},
    {"muc_history_size", &JabberSettings::muc_history_size},
    {"upload_quota_per_user", &JabberSettings::upload_quota_per_user},
    {"upload_disk_quota", &JabberSettings::upload_disk_quota},
    {"upload_expire_days", &JabberSettings::upload_expire_days},
    {"upload_rate_limit", &JabberSettings::upload_rate_limit},
    {"s2s_queue_size", &JabberSettings::s2s_queue_size},
    {"s2s_queue_timeout", &JabberSettings::s2s_queue_timeout, 3600},
    {"s2s_idle_timeout", &JabberSettings::s2s_idle_timeout, 86400},
    {"s2s_max_links_per_domain", &JabberSettings::s2s_max_links_per_domain},
    {"s2s_max_links", &JabberSettings::s2s_max_links},
    {"s2s_stanza_rate", &JabberSettings::s2s_stanza_rate},
    {"s2s_byte_rate", &JabberSettings::s2s_byte_rate},
    {"turn_credential_lifetime", &JabberSettings::turn_credential_lifetime, kMaxTurnCredentialLifetime},
};

// The account cl-setup jabber makes on the primary host: the service's administrator.
inline constexpr const char* kAdminName = "admin";

struct Settings {
  LdapSettings ldap;
  JabberSettings jabber;

  // The primary Jabber host: the first configured one, else this machine's FQDN.
  std::string primary_host() const;
  // The XEP-0133 administrators (cl-jabberd(8), "ADMINISTRATION COMMANDS"): admin@<primary
  // host>, the account cl-setup jabber makes and names the administrator, then those of
  // `admins`; bare JIDs, each once. The generated ejabberd.yml's acl admin lists the same.
  std::vector<std::string> administrators() const;
  // Every host the Jabber service answers for, normalised (IDNA); the primary one first.
  std::vector<std::string> served_hosts() const;
  // The bare JID of a group's room on the primary host (cl-jabberd(8), "Group rooms"):
  // nothing when group rooms or MUC are off, or when the name makes no localpart.
  std::optional<std::string> group_room(std::string_view group) const;

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
