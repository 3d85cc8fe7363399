#include "jabberadmin/settings.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <netdb.h>
#include <sstream>
#include <toml++/toml.h>

#include "jabberadmin/error.hpp"
#include "jabberadmin/ip_network.hpp"
#include "jabberadmin/jid.hpp"

namespace jabberadmin {
namespace fs = std::filesystem;
namespace {

// A lowercase host name label as IDNA leaves it: what a service's sub-domain is made of.
bool is_dns_label(const std::string& label) {
  if (label.find('.') != std::string::npos) return false;
  try {
    return normalize_domain(label) == label;
  } catch (const std::exception&) {
    return false;
  }
}

// Reads the values of one section of the file, each checked for its type and range: a wrong
// one stops the load with one error naming the file, the key, the value and what is accepted.
class SectionReader {
 public:
  SectionReader(const fs::path& path, const toml::table& root, std::string section)
      : path_(path), section_(std::move(section)), node_(root[section_]) {}

  bool present() const { return static_cast<bool>(node_); }
  bool has(std::string_view key) const { return node_[key].node() != nullptr; }

  [[noreturn]] void refuse(std::string_view key, const toml::node& value, std::string_view accepted) const {
    std::ostringstream shown;
    if (const auto* text = value.as_string()) shown << '\'' << text->get() << '\'';
    else value.visit([&](const auto& v) { shown << v; });
    throw Error(ErrorKind::InvalidArgument, translatable("%s: [%s] %s = %s: expected %s"),
                {path_.string(), section_, std::string(key), shown.str(), std::string(accepted)});
  }

  std::string text(std::string_view key, std::string fallback = {}) const {
    const auto* value = node_[key].node();
    if (value == nullptr) return fallback;
    if (!value->is_string()) refuse(key, *value, "a string");
    return value->as_string()->get();
  }
  // Empty, or an absolute path.
  fs::path path(std::string_view key, fs::path fallback = {}) const {
    const auto* value = node_[key].node();
    if (value == nullptr) return fallback;
    if (!value->is_string() || (!value->as_string()->get().empty() && !fs::path(value->as_string()->get()).is_absolute()))
      refuse(key, *value, "an absolute path as a string");
    return value->as_string()->get();
  }
  bool boolean(std::string_view key, bool fallback) const {
    const auto* value = node_[key].node();
    if (value == nullptr) return fallback;
    if (!value->is_boolean()) refuse(key, *value, "true or false (without quotes)");
    return value->as_boolean()->get();
  }
  std::int64_t integer(std::string_view key, std::int64_t fallback, std::int64_t min, std::int64_t max) const {
    const auto* value = node_[key].node();
    if (value == nullptr) return fallback;
    if (!value->is_integer() || value->as_integer()->get() < min || value->as_integer()->get() > max)
      refuse(key, *value, "an integer from " + std::to_string(min) + " to " + std::to_string(max));
    return value->as_integer()->get();
  }
  // An array of strings, each passed through check (which throws Error when it refuses one).
  template <typename Check>
  std::vector<std::string> strings(std::string_view key, std::string_view accepted, Check check) const {
    std::vector<std::string> out;
    const auto* value = node_[key].node();
    if (value == nullptr) return out;
    if (!value->is_array()) refuse(key, *value, accepted);
    for (const auto& item : *value->as_array()) {
      if (!item.is_string()) refuse(key, *value, accepted);
      try {
        out.push_back(check(item.as_string()->get()));
      } catch (const Error&) {
        refuse(key, *value, accepted);
      }
    }
    return out;
  }

 private:
  const fs::path& path_;
  std::string section_;
  toml::node_view<const toml::node> node_;
};

// An IP address as inet_pton reads it (listen addresses).
std::string ip_address(const std::string& text) {
  unsigned char buffer[sizeof(in6_addr)];
  if (::inet_pton(AF_INET, text.c_str(), buffer) != 1 && ::inet_pton(AF_INET6, text.c_str(), buffer) != 1)
    throw Error(ErrorKind::InvalidArgument, "not an IP address: " + text);
  return text;
}

toml::array to_array(const std::vector<std::string>& values) {
  toml::array out;
  for (const auto& v : values) out.push_back(v);
  return out;
}

constexpr std::string_view kTlsScheme = "tls://";  // a direct-TLS route's target

std::vector<std::string> route_texts(const std::vector<S2sRoute>& routes) {
  std::vector<std::string> out;
  for (const auto& r : routes) out.push_back(to_string(r));
  return out;
}

}  // namespace

S2sRoute parse_s2s_route(std::string_view text) {
  const auto fail = [&](std::string_view why) -> S2sRoute {
    throw Error(ErrorKind::InvalidArgument, "not a route domain=host:port: '" + std::string(text) + "' (" +
                                                std::string(why) + ")");
  };
  const auto equals = text.find('=');
  if (equals == std::string_view::npos || equals == 0) return fail("no domain=");
  S2sRoute route;
  try {
    route.domain = normalize_domain(text.substr(0, equals));
  } catch (const Error&) {
    return fail("the domain is not a domain name");
  }
  std::string_view target = text.substr(equals + 1);
  if (target.starts_with(kTlsScheme)) {
    route.direct_tls = true;
    route.port = kDefaultS2sTlsPort;
    target.remove_prefix(kTlsScheme.size());
  }
  std::string_view port;
  if (target.starts_with('[')) {  // [v6]:port
    const auto close = target.find(']');
    if (close == std::string_view::npos) return fail("no ] after an IPv6 address");
    route.host = target.substr(1, close - 1);
    if (close + 1 < target.size()) {
      if (target[close + 1] != ':') return fail("no : before the port");
      port = target.substr(close + 2);
    }
  } else if (const auto colon = target.rfind(':'); colon != std::string_view::npos) {
    route.host = target.substr(0, colon);
    port = target.substr(colon + 1);
  } else {
    route.host = target;
  }
  if (route.host.empty() || route.host.find_first_of(" ,=/") != std::string::npos) return fail("no host");
  if (!port.empty() || (target.size() && target.back() == ':')) {
    int value = 0;
    const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
    if (ec != std::errc() || end != port.data() + port.size() || value < 1 || value > 65535)
      return fail("the port is not 1 to 65535");
    route.port = static_cast<std::uint16_t>(value);
  }
  return route;
}

std::string to_string(const S2sRoute& route) {
  const bool v6 = route.host.find(':') != std::string::npos;
  return route.domain + "=" + (route.direct_tls ? std::string(kTlsScheme) : std::string()) +
         (v6 ? "[" + route.host + "]" : route.host) + ":" + std::to_string(route.port);
}

fs::path default_web_client_dir() { return fs::path(JABBERADMIN_DATADIR) / "webclient"; }

std::vector<std::string> default_metrics_allow() { return {"127.0.0.0/8", "::1/128"}; }

fs::path config_path(const std::optional<fs::path>& given) {
  if (given && !given->empty()) return *given;
  if (const char* env = std::getenv("JABBERADMIN_CONFIG"); env != nullptr && *env != '\0') return env;
  return "/etc/jabberadmin/jabberadmin.conf";
}

std::string fqdn() {
  char host[256] = {};
  if (gethostname(host, sizeof host - 1) != 0) return "localhost";
  addrinfo hints{};
  hints.ai_flags = AI_CANONNAME;
  addrinfo* info = nullptr;
  std::string name = host;
  if (getaddrinfo(host, nullptr, &hints, &info) == 0 && info != nullptr) {
    if (info->ai_canonname != nullptr && std::strchr(info->ai_canonname, '.') != nullptr) name = info->ai_canonname;
    freeaddrinfo(info);
  }
  return name;
}

std::string Settings::primary_host() const { return jabber.hosts.empty() ? fqdn() : jabber.hosts.front(); }

std::vector<std::string> Settings::administrators() const {
  std::vector<std::string> out{std::string(kAdminName) + "@" + served_hosts().front()};
  for (const auto& jid : jabber.admins)
    if (std::find(out.begin(), out.end(), jid) == out.end()) out.push_back(jid);
  return out;
}

std::optional<std::string> Settings::group_room(std::string_view group) const {
  // Rooms only where cl-jabberd runs: the Jabber service set up, group rooms and MUC on.
  if (!jabber.configured || !jabber.group_rooms || jabber.muc_service.empty()) return std::nullopt;
  try {
    return group_room_localpart(group) + "@" + jabber.muc_service + "." + served_hosts().front();
  } catch (const Error&) {
    return std::nullopt;  // cl-jabberd makes no room for it either (and says so in its log)
  }
}

std::vector<std::string> Settings::served_hosts() const {
  std::vector<std::string> hosts;
  for (const auto& h : jabber.hosts) hosts.push_back(normalize_domain(h));
  if (hosts.empty()) hosts.push_back(normalize_domain(primary_host()));
  return hosts;
}

namespace {
// A name or an address clients can reach: an IP address as written, a host name normalised.
std::string turn_host(const std::string& text) {
  unsigned char buffer[sizeof(in6_addr)];
  if (::inet_pton(AF_INET, text.c_str(), buffer) == 1 || ::inet_pton(AF_INET6, text.c_str(), buffer) == 1) return text;
  return normalize_domain(text);
}

// The [jabber] keys of calls (XEP-0215 and coturn).
void read_turn(const SectionReader& jabber, JabberSettings& j) {
  j.turn = jabber.boolean("turn", j.turn);
  const std::string host = jabber.text("turn_host", "");
  if (!host.empty()) {
    try {
      j.turn_host = turn_host(host);
    } catch (const Error&) {
      jabber.refuse("turn_host", toml::value<std::string>(host), "a host name or an IP address ('' = the primary host)");
    }
  }
  j.turn_port = static_cast<std::uint16_t>(jabber.integer("turn_port", j.turn_port, 1, 65535));
  j.turn_tls_port = static_cast<std::uint16_t>(jabber.integer("turn_tls_port", j.turn_tls_port, 0, 65535));
  if (j.turn_tls_port == j.turn_port)
    jabber.refuse("turn_tls_port", toml::value<std::int64_t>(j.turn_tls_port), "0 or a port other than turn_port's");
  if (j.turn_credential_lifetime < static_cast<std::size_t>(kMinTurnCredentialLifetime))
    jabber.refuse("turn_credential_lifetime", toml::value<std::int64_t>(static_cast<std::int64_t>(j.turn_credential_lifetime)),
                  "seconds from " + std::to_string(kMinTurnCredentialLifetime) + " to " +
                      std::to_string(kMaxTurnCredentialLifetime));
  if (jabber.has("turn_allow_peers"))
    j.turn_allow_peers = canonical_networks(jabber.strings(
        "turn_allow_peers", "an array of private IP networks, e.g. ['192.168.1.0/24'] (never loopback)",
        [](const std::string& text) {
          const IpNetwork network = IpNetwork::parse(text);
          if (network.reaches_loopback()) throw Error(ErrorKind::InvalidArgument, text + " reaches loopback");
          return network.to_string();
        }));
  j.turn_secret_file = jabber.path("turn_secret_file");
}
}  // namespace

Settings Settings::load(const fs::path& path) {
  toml::table table;
  try {
    table = toml::parse_file(path.string());
  } catch (const toml::parse_error& e) {
    std::error_code ec;
    if (!fs::exists(path, ec))
      throw Error(ErrorKind::Directory, translatable("no configuration file %s (run 'cl-setup ldap' first, or give --config)"),
                  {path.string()});
    std::ostringstream where;
    where << e.source().begin;
    throw Error(ErrorKind::Directory, "cannot read " + path.string() + " " + where.str() + ": " +
                                          std::string(e.description()));
  }
  Settings s;
  const SectionReader ldap(path, table, "ldap");
  s.ldap.uri = ldap.text("uri");
  s.ldap.base_dn = ldap.text("base_dn");
  s.ldap.bind_dn = ldap.text("bind_dn");
  s.ldap.bind_password_file = ldap.path("bind_password_file");
  s.ldap.state_dir = ldap.path("state_dir");
  s.ldap.tcp_uri = ldap.text("tcp_uri");
  s.ldap.manager_dn = ldap.text("manager_dn");
  s.ldap.manager_password_file = ldap.path("manager_password_file");
  s.ldap.service_dn = ldap.text("service_dn");
  s.ldap.service_password_file = ldap.path("service_password_file");
  if (s.ldap.uri.empty() || s.ldap.base_dn.empty())
    throw Error(ErrorKind::Directory, translatable("%s: [ldap] needs uri and base_dn"), {path.string()});
  for (const auto& [key, uri] : {std::pair{"uri", s.ldap.uri}, std::pair{"tcp_uri", s.ldap.tcp_uri}})
    if (!uri.empty() && !uri.starts_with("ldap://") && !uri.starts_with("ldaps://") && !uri.starts_with("ldapi://"))
      ldap.refuse(key, toml::value<std::string>(uri), "an ldap://, ldaps:// or ldapi:// URI");

  const SectionReader jabber(path, table, "jabber");
  JabberSettings& j = s.jabber;
  j.configured = jabber.present();
  j.hosts = jabber.strings("hosts", "an array of host names, e.g. ['jabber.example.org']",
                           [](const std::string& host) {
                             (void)normalize_domain(host);
                             return host;
                           });
  j.history = jabber.boolean("history", j.history);
  j.history_dir = jabber.path("history_dir", j.history_dir);
  j.listen = jabber.strings("listen", "an array of IP addresses, e.g. ['127.0.0.1', '::1'] ([] = all)", ip_address);
  j.port = static_cast<std::uint16_t>(jabber.integer("port", j.port, 1, 65535));
  j.tls_port = static_cast<std::uint16_t>(jabber.integer("tls_port", j.tls_port, 1, 65535));
  if (j.port == j.tls_port)
    jabber.refuse("port", toml::value<std::int64_t>(j.port), "a port other than tls_port's (" + std::to_string(j.tls_port) + ")");
  j.http_port = static_cast<std::uint16_t>(jabber.integer("http_port", j.http_port, 0, 65535));
  if (j.http_port != 0 && (j.http_port == j.port || j.http_port == j.tls_port))
    jabber.refuse("http_port", toml::value<std::int64_t>(j.http_port), "a port other than port's and tls_port's");
  j.certfile = jabber.path("certfile");
  j.server = jabber.text("server", j.server);
  if (j.server != "builtin" && j.server != "ejabberd")
    jabber.refuse("server", toml::value<std::string>(j.server), "'builtin' or 'ejabberd'");
  j.data_dir = jabber.path("data_dir");
  j.max_stanza_size = static_cast<std::size_t>(
      jabber.integer("max_stanza_size", static_cast<std::int64_t>(j.max_stanza_size), kMinStanzaSize, kMaxStanzaSize));
  j.sasl_mechanisms = jabber.strings(
      "sasl_mechanisms", "an array of SASL mechanism names, e.g. ['SCRAM-SHA-256', 'PLAIN']",
      [](const std::string& name) {
        for (const char* known : kSaslMechanismNames)
          if (name == known) return name;
        throw Error(ErrorKind::InvalidArgument, "unknown SASL mechanism " + name);
      });
  j.muc_service = jabber.text("muc_service", j.muc_service);
  // One DNS label: the service's domain is it, a dot and each served host.
  if (!j.muc_service.empty() && !is_dns_label(j.muc_service))
    jabber.refuse("muc_service", toml::value<std::string>(j.muc_service), "one DNS label, e.g. 'conference' ('' = no MUC)");
  for (const auto& [key, value, max] : kJabberLimitKeys)
    j.*value = static_cast<std::size_t>(jabber.integer(key, static_cast<std::int64_t>(j.*value), 0, max));
  j.upload_service = jabber.text("upload_service", j.upload_service);
  if (!j.upload_service.empty() && !is_dns_label(j.upload_service))
    jabber.refuse("upload_service", toml::value<std::string>(j.upload_service), "one DNS label, e.g. 'upload' ('' = no upload)");
  if (!j.upload_service.empty() && j.upload_service == j.muc_service)
    jabber.refuse("upload_service", toml::value<std::string>(j.upload_service), "a name other than muc_service's");
  j.upload_max_file_size = static_cast<std::size_t>(
      jabber.integer("upload_max_file_size", static_cast<std::int64_t>(j.upload_max_file_size), 1, kMaxUploadFileSize));
  j.scram_iterations = static_cast<unsigned>(
      jabber.integer("scram_iterations", j.scram_iterations, scram::kMinIterations, kMaxScramIterations));
  j.mam = jabber.boolean("mam", j.mam);
  j.mam_default = jabber.text("mam_default", j.mam_default);
  if (j.mam_default != "always" && j.mam_default != "roster" && j.mam_default != "never")
    jabber.refuse("mam_default", toml::value<std::string>(j.mam_default), "'always', 'roster' or 'never'");
  j.scram_upgrade_on_plain = jabber.boolean("scram_upgrade_on_plain", j.scram_upgrade_on_plain);
  j.group_rooms = jabber.boolean("group_rooms", j.group_rooms);
  j.web_client = jabber.boolean("web_client", j.web_client);
  j.web_client_dir = jabber.path("web_client_dir", j.web_client_dir);
  j.metrics = jabber.boolean("metrics", j.metrics);
  // Absent: the default networks; [] allows nobody (every scrape 403).
  if (jabber.has("metrics_allow"))
    j.metrics_allow = canonical_networks(jabber.strings(
        "metrics_allow", "an array of IP networks, e.g. ['127.0.0.0/8', '::1/128']",
        [](const std::string& text) { return IpNetwork::parse(text).to_string(); }));
  j.s2s = jabber.boolean("s2s", j.s2s);
  j.s2s_port = static_cast<std::uint16_t>(jabber.integer("s2s_port", j.s2s_port, 1, 65535));
  if (j.s2s && (j.s2s_port == j.port || j.s2s_port == j.tls_port || j.s2s_port == j.http_port))
    jabber.refuse("s2s_port", toml::value<std::int64_t>(j.s2s_port), "a port other than port's, tls_port's and http_port's");
  j.s2s_tls_port = static_cast<std::uint16_t>(jabber.integer("s2s_tls_port", j.s2s_tls_port, 0, 65535));
  if (j.s2s && j.s2s_tls_port != 0 &&
      (j.s2s_tls_port == j.port || j.s2s_tls_port == j.tls_port || j.s2s_tls_port == j.http_port ||
       j.s2s_tls_port == j.s2s_port))
    jabber.refuse("s2s_tls_port", toml::value<std::int64_t>(j.s2s_tls_port),
                  "0 or a port other than port's, tls_port's, http_port's and s2s_port's");
  j.s2s_dialback = jabber.boolean("s2s_dialback", j.s2s_dialback);
  j.s2s_ca_file = jabber.path("s2s_ca_file");
  for (const auto& text : jabber.strings("s2s_routes", "an array of 'domain=host:port' or 'domain=tls://host:port', e.g. ['example.org=10.0.0.5:5269']",
                                         [](const std::string& t) {
                                           (void)parse_s2s_route(t);
                                           return t;
                                         }))
    j.s2s_routes.push_back(parse_s2s_route(text));
  const auto domain = [](const std::string& d) { return normalize_domain(d); };
  j.s2s_block = jabber.strings("s2s_block", "an array of domain names, e.g. ['spam.example']", domain);
  j.s2s_allow = jabber.strings("s2s_allow", "an array of domain names ([] = every domain not blocked)", domain);
  // admins: bare JIDs of the XEP-0133 administrators, kept normalised.
  j.admins = jabber.strings("admins", "an array of bare JIDs, e.g. ['root@jabber.example.org']",
                           [](const std::string& text) {
                             const auto jid = Jid::parse(text);
                             if (!jid || jid->local.empty() || !jid->resource.empty())
                               throw Error(ErrorKind::InvalidArgument, "not a bare JID: " + text);
                             return jid->bare();
                           });
  if (j.s2s_queue_timeout == 0)
    jabber.refuse("s2s_queue_timeout", toml::value<std::int64_t>(0), "an integer from 1 to 3600");
  read_turn(jabber, j);
  return s;
}

void Settings::save(const fs::path& path) const {
  toml::table ldap{{"uri", this->ldap.uri}, {"base_dn", this->ldap.base_dn}};
  if (!this->ldap.bind_dn.empty()) ldap.insert("bind_dn", this->ldap.bind_dn);
  if (!this->ldap.bind_password_file.empty()) ldap.insert("bind_password_file", this->ldap.bind_password_file.string());
  if (!this->ldap.state_dir.empty()) ldap.insert("state_dir", this->ldap.state_dir.string());
  if (!this->ldap.tcp_uri.empty()) ldap.insert("tcp_uri", this->ldap.tcp_uri);
  if (!this->ldap.manager_dn.empty()) ldap.insert("manager_dn", this->ldap.manager_dn);
  if (!this->ldap.manager_password_file.empty())
    ldap.insert("manager_password_file", this->ldap.manager_password_file.string());
  if (!this->ldap.service_dn.empty()) ldap.insert("service_dn", this->ldap.service_dn);
  if (!this->ldap.service_password_file.empty())
    ldap.insert("service_password_file", this->ldap.service_password_file.string());
  toml::table root{{"ldap", ldap}};
  if (jabber.configured) {
    toml::table j{{"hosts", to_array(jabber.hosts)},
                  {"history", jabber.history},
                  {"history_dir", jabber.history_dir.string()},
                  {"listen", to_array(jabber.listen)},
                  {"port", int64_t{jabber.port}},
                  {"tls_port", int64_t{jabber.tls_port}},
                  {"certfile", jabber.certfile.string()},
                  {"server", jabber.server},
                  {"data_dir", jabber.data_dir.string()},
                  {"max_stanza_size", static_cast<int64_t>(jabber.max_stanza_size)}};
    if (!jabber.sasl_mechanisms.empty()) j.insert("sasl_mechanisms", to_array(jabber.sasl_mechanisms));
    for (const auto& [key, value, max] : kJabberLimitKeys)
      if (jabber.*value != JabberSettings{}.*value) j.insert(key, static_cast<int64_t>(jabber.*value));
    if (jabber.muc_service != JabberSettings{}.muc_service) j.insert("muc_service", jabber.muc_service);
    if (jabber.upload_service != JabberSettings{}.upload_service) j.insert("upload_service", jabber.upload_service);
    if (jabber.upload_max_file_size != JabberSettings{}.upload_max_file_size)
      j.insert("upload_max_file_size", static_cast<int64_t>(jabber.upload_max_file_size));
    if (jabber.scram_iterations != JabberSettings{}.scram_iterations)
      j.insert("scram_iterations", static_cast<int64_t>(jabber.scram_iterations));
    if (jabber.http_port != 0) j.insert("http_port", int64_t{jabber.http_port});
    if (jabber.mam != JabberSettings{}.mam) j.insert("mam", jabber.mam);
    if (jabber.mam_default != JabberSettings{}.mam_default) j.insert("mam_default", jabber.mam_default);
    if (jabber.scram_upgrade_on_plain) j.insert("scram_upgrade_on_plain", true);
    if (jabber.group_rooms != JabberSettings{}.group_rooms) j.insert("group_rooms", jabber.group_rooms);
    if (jabber.web_client != JabberSettings{}.web_client) j.insert("web_client", jabber.web_client);
    if (jabber.web_client_dir != default_web_client_dir()) j.insert("web_client_dir", jabber.web_client_dir.string());
    if (jabber.metrics != JabberSettings{}.metrics) j.insert("metrics", jabber.metrics);
    if (jabber.metrics_allow != default_metrics_allow()) j.insert("metrics_allow", to_array(jabber.metrics_allow));
    const JabberSettings defaults;
    if (jabber.s2s != defaults.s2s) j.insert("s2s", jabber.s2s);
    if (jabber.s2s_port != defaults.s2s_port) j.insert("s2s_port", int64_t{jabber.s2s_port});
    if (jabber.s2s_tls_port != defaults.s2s_tls_port) j.insert("s2s_tls_port", int64_t{jabber.s2s_tls_port});
    if (jabber.s2s_dialback != defaults.s2s_dialback) j.insert("s2s_dialback", jabber.s2s_dialback);
    if (!jabber.s2s_ca_file.empty()) j.insert("s2s_ca_file", jabber.s2s_ca_file.string());
    if (!jabber.s2s_routes.empty()) j.insert("s2s_routes", to_array(route_texts(jabber.s2s_routes)));
    if (!jabber.s2s_block.empty()) j.insert("s2s_block", to_array(jabber.s2s_block));
    if (!jabber.s2s_allow.empty()) j.insert("s2s_allow", to_array(jabber.s2s_allow));
    if (!jabber.admins.empty()) j.insert("admins", to_array(jabber.admins));
    if (jabber.turn != defaults.turn) j.insert("turn", jabber.turn);
    if (!jabber.turn_host.empty()) j.insert("turn_host", jabber.turn_host);
    if (jabber.turn_port != defaults.turn_port) j.insert("turn_port", int64_t{jabber.turn_port});
    if (jabber.turn_tls_port != defaults.turn_tls_port) j.insert("turn_tls_port", int64_t{jabber.turn_tls_port});
    if (!jabber.turn_allow_peers.empty()) j.insert("turn_allow_peers", to_array(jabber.turn_allow_peers));
    if (!jabber.turn_secret_file.empty()) j.insert("turn_secret_file", jabber.turn_secret_file.string());
    root.insert("jabber", j);
  }
  std::ostringstream text;
  text << "# jabberadmin settings, written by cl-setup; see jabberadmin.conf(5).\n" << root << "\n";

  std::error_code ec;
  if (path.has_parent_path()) fs::create_directories(path.parent_path(), ec);
  const fs::path temp = path.string() + ".new";
  {
    std::ofstream out(temp, std::ios::trunc);
    out << text.str();
    out.close();
    if (!out) throw Error(ErrorKind::Directory, "cannot write " + temp.string() + ": " + std::strerror(errno));
  }
  fs::permissions(temp, fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read | fs::perms::others_read, ec);
  fs::rename(temp, path, ec);
  if (ec) throw Error(ErrorKind::Directory, "cannot write " + path.string() + ": " + ec.message());
}

fs::path turn_secret_path(const JabberSettings& jabber) {
  return jabber.turn_secret_file.empty() ? jabber.data_dir / "turn-secret" : jabber.turn_secret_file;
}

std::string read_secret_file(const fs::path& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0)
    throw Error(ErrorKind::Directory, "cannot read secret file " + path.string() + ": " + std::strerror(errno));
  if ((st.st_mode & (S_IRWXG | S_IRWXO)) != 0)
    throw Error(ErrorKind::Directory, "secret file " + path.string() + " is readable by others: chmod 600 it");
  std::ifstream in(path);
  std::string secret;
  if (!in || !std::getline(in, secret))
    throw Error(ErrorKind::Directory, "cannot read secret file " + path.string());
  return secret;
}

void write_private_file(const fs::path& path, std::string_view bytes) {
  std::error_code ec;
  if (path.has_parent_path()) fs::create_directories(path.parent_path(), ec);
  const fs::path temp = path.string() + ".new";
  ::unlink(temp.c_str());
  const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) throw Error(ErrorKind::Directory, "cannot create " + temp.string() + ": " + std::strerror(errno));
  const bool ok = ::write(fd, bytes.data(), bytes.size()) == static_cast<ssize_t>(bytes.size()) && ::fsync(fd) == 0;
  ::close(fd);
  if (!ok || ::rename(temp.c_str(), path.c_str()) != 0) {
    ::unlink(temp.c_str());
    throw Error(ErrorKind::Directory, "cannot write " + path.string() + ": " + std::strerror(errno));
  }
}

}  // namespace jabberadmin
