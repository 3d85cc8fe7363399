#include "jabberadmin/jabber_setup.hpp"

#include <arpa/inet.h>
#include <grp.h>
#include <ldap.h>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>

#include "jabberadmin/certificate.hpp"
#include "jabberadmin/directory.hpp"
#include "jabberadmin/schema.hpp"
#include "jabberadmin/error.hpp"
#include "jabberadmin/ip_network.hpp"
#include "jabberadmin/jid.hpp"
#include "jabberadmin/ldap.hpp"
#include "jabberadmin/render.hpp"
#include "jabberadmin/system_accounts.hpp"
#include "jabberadmin/turn_setup.hpp"

namespace jabberadmin::setup {
namespace fs = std::filesystem;
namespace {

constexpr int kBacklog = 4096;  // ejabberd's default is 5; the kernel caps it at somaxconn
constexpr const char* kDefaultDataDir = "/var/lib/jabberadmin/jabber";

std::string join(const std::vector<std::string>& items, std::string_view separator = ", ") {
  std::string out;
  for (const auto& item : items) out += (out.empty() ? "" : std::string(separator)) + item;
  return out;
}

// An absolute path that may go into any config file.
fs::path checked_path(const fs::path& path, std::string_view what) {
  render::check_config_text(path.string(), what);
  if (path.empty() || !path.is_absolute())
    throw Error(ErrorKind::InvalidArgument, std::string(what) + " must be an absolute path: '" + path.string() + "'");
  return path.lexically_normal();
}

// Where ejabberd finds the directory: it speaks LDAP over TCP only and binds with a password.
struct LdapEndpoint {
  std::string host;
  int port = 389;
  bool tls = false;
  std::string bind_dn;
  fs::path password_file;
};

std::optional<LdapEndpoint> ejabberd_endpoint(const LdapSettings& ldap, std::string& why_not) {
  LdapEndpoint e;
  std::string uri;
  if (!ldap.tcp_uri.empty() && !ldap.manager_dn.empty() && !ldap.manager_password_file.empty()) {
    uri = ldap.tcp_uri;
    e.bind_dn = ldap.manager_dn;
    e.password_file = ldap.manager_password_file;
  } else if ((ldap.uri.starts_with("ldap://") || ldap.uri.starts_with("ldaps://")) && !ldap.bind_dn.empty()) {
    uri = ldap.uri;
    e.bind_dn = ldap.bind_dn;
    e.password_file = ldap.bind_password_file;
  } else {
    why_not = "ejabberd reaches LDAP over TCP only: re-run 'cl-setup --ldap-listen ldap://127.0.0.1:3890/ ldap' first";
    return std::nullopt;
  }
  LDAPURLDesc* desc = nullptr;
  if (ldap_url_parse(uri.c_str(), &desc) != LDAP_URL_SUCCESS || desc == nullptr)
    throw Error(ErrorKind::InvalidArgument, "the LDAP URI in the settings is not valid: '" + uri + "'");
  e.tls = std::string_view(desc->lud_scheme) == "ldaps";
  e.host = desc->lud_host != nullptr && *desc->lud_host ? desc->lud_host : "127.0.0.1";
  e.port = desc->lud_port != 0 ? desc->lud_port : (e.tls ? 636 : 389);
  ldap_free_urldesc(desc);
  try {
    e.host = canonical_address(e.host);
  } catch (const Error&) {
    e.host = normalize_domain(e.host);
  }
  return e;
}

// The packaged Converse.js is there to serve: ejabberd refuses to start when
// conversejs_resources names a missing directory, and without it the page would load the
// script from cdn.conversejs.org (cl-jabberd's page loads nothing from another host).
bool web_client_installed(const JabberSettings& j) {
  std::error_code ec;
  return j.http_port != 0 && j.web_client && !j.web_client_dir.empty() &&
         fs::is_regular_file(j.web_client_dir / "converse.min.js", ec);
}

std::string listeners_yaml(const JabberSettings& j) {
  std::vector<std::string> addresses = j.listen;
  if (addresses.empty()) addresses = {"::"};  // dual-stack: every IPv4 and IPv6 address
  std::string out;
  for (const auto& address : addresses) {
    for (const bool direct_tls : {false, true}) {
      out += "  -\n";
      out += "    port: " + std::to_string(direct_tls ? j.tls_port : j.port) + "\n";
      out += "    ip: " + render::yaml_quoted(address, "listen address") + "\n";
      out += "    module: ejabberd_c2s\n";
      out += "    backlog: " + std::to_string(kBacklog) + "\n";
      out += "    max_stanza_size: " + std::to_string(j.max_stanza_size) + "\n";
      out += "    shaper: c2s_shaper\n";
      out += "    access: c2s\n";
      out += "    protocol_options: TLS_OPTIONS\n";
      out += direct_tls ? "    tls: true\n" : "    starttls_required: true\n";
    }
    // Federation: remote servers connect here (STARTTLS required, s2s_use_starttls), and
    // with TLS from the first byte on the direct-TLS port (XEP-0368) when there is one.
    for (const std::uint16_t port : {j.s2s_port, j.s2s_tls_port}) {
      if (!j.s2s || port == 0) continue;
      out += "  -\n";
      out += "    port: " + std::to_string(port) + "\n";
      out += "    ip: " + render::yaml_quoted(address, "listen address") + "\n";
      out += "    module: ejabberd_s2s_in\n";
      out += "    max_stanza_size: " + std::to_string(j.max_stanza_size) + "\n";
      if (port == j.s2s_tls_port) out += "    tls: true\n";
    }
    if (j.http_port != 0) {
      // cl-jabberd's HTTPS listener: RFC 7395 WebSocket at /xmpp-websocket (ejabberd's /ws),
      // BOSH at /http-bind (ejabberd's /bosh).
      out += "  -\n";
      out += "    port: " + std::to_string(j.http_port) + "\n";
      out += "    ip: " + render::yaml_quoted(address, "listen address") + "\n";
      out += "    module: ejabberd_http\n";
      out += "    backlog: " + std::to_string(kBacklog) + "\n";  // a burst of WebSocket logins too
      out += "    tls: true\n";
      out += "    protocol_options: TLS_OPTIONS\n";
      out += "    request_handlers:\n";
      out += "      /xmpp-websocket: ejabberd_http_ws\n";
      out += "      /ws: ejabberd_http_ws\n";
      out += "      /http-bind: mod_bosh\n";
      out += "      /bosh: mod_bosh\n";
      if (!j.upload_service.empty()) out += "      /upload: mod_http_upload\n";
      // XEP-0156 discovery, as cl-jabberd serves it (mod_host_meta, ejabberd >= 22.05).
      out += "      /.well-known/host-meta: mod_host_meta\n";
      out += "      /.well-known/host-meta.json: mod_host_meta\n";
      if (web_client_installed(j)) out += "      /: mod_conversejs\n";
    }
  }
  if (!out.empty()) out.pop_back();
  return out;
}

// The message archive (XEP-0313): what cl-jabberd's `mam` keeps, and ejabberd's nearest
// equivalent of the history files too. Retention is cl-jabberd's alone: ejabberd prunes its
// archive only when told (ejabberdctl delete_old_mam_messages).
std::string archive_yaml(const JabberSettings& j) {
  if (!j.mam && !j.history)
    return "  ## The message archive is off (mam = false); with it on every device sees the history (mod_mam).";
  std::string text;
  if (j.history)
    text = "  ## History (cl-setup --history on): ejabberd cannot log messages to files as cl-jabberd\n"
           "  ## does in " + j.history_dir.string() + "; its nearest equivalent is this archive.\n";
  text += "  ## The message archive (XEP-0313) that clients read, so every device shows one history;\n"
          "  ## an account's own preference wins over the default.\n";
  if (j.mam && j.mam_retention_days > 0)
    text += "  ## cl-jabberd keeps it " + std::to_string(j.mam_retention_days) + " days (mam_retention_days); ejabberd\n"
            "  ## until told, e.g. daily from cron: ejabberdctl delete_old_mam_messages all " +
            std::to_string(j.mam_retention_days) + "\n";
  text += "  mod_mam:\n"
          "    default: " + (j.mam ? j.mam_default : std::string("always")) + "\n"
          "    assume_mam_usage: true";
  return text;
}

// Group chat (XEP-0045) on <muc_service>.<host>, with cl-jabberd's limits. The rooms
// cl-jabberd makes for directory groups have no ejabberd equivalent.
std::string muc_yaml(const JabberSettings& j) {
  if (j.muc_service.empty()) return "  ## Group chat is off (muc_service = '').";
  return "  ## Group chat (XEP-0045) on " + j.muc_service + ".<host>; local users create rooms.\n"
         "  mod_muc:\n"
         "    host: \"" + j.muc_service + ".@HOST@\"\n"
         "    access_create: local\n"
         "    access_persistent: local\n"
         "    access_admin: admin\n"
         "    history_size: " + std::to_string(j.muc_history_size) + "\n"
         "    max_users: " + std::to_string(j.muc_max_occupants) + "\n"
         // max_users above is only the ceiling an owner may set: a new room takes its own
         // from here, and ejabberd's default of 200 would refuse the 201st occupant.
         "    default_room_options:\n"
         "      max_users: " + std::to_string(j.muc_max_occupants) + "\n"
         "      mam: " + (j.mam ? "true" : "false");
}

// XEP-0156 host-meta and the web client at / of the HTTPS listener, as cl-jabberd serves
// them: the same WebSocket and BOSH URLs, the same Converse.js files and settings.
std::string web_yaml(const JabberSettings& j) {
  if (j.http_port == 0) return "  ## host-meta (XEP-0156) and the web client are off: they need http_port.";
  const std::string base = "@HOST@:" + std::to_string(j.http_port);
  const std::string websocket = "\"wss://" + base + "/xmpp-websocket\"", bosh = "\"https://" + base + "/http-bind\"";
  std::string text =
      "  ## XEP-0156: clients discover the WebSocket and BOSH URLs at\n"
      "  ## https://<host>:" + std::to_string(j.http_port) + "/.well-known/host-meta (and host-meta.json).\n"
      "  mod_host_meta:\n"
      "    websocket_url: " + websocket + "\n"
      "    bosh_service_url: " + bosh + "\n";
  if (!j.web_client)
    return text + "  ## The web client is off (web_client = false).";
  if (!web_client_installed(j))
    return text + "  ## The web client is not served: " + (j.web_client_dir / "converse.min.js").string() +
           "\n  ## is not installed (re-run cl-setup jabber once it is).";
  const std::string dir =
      render::yaml_quoted(checked_path(j.web_client_dir, "web_client_dir").string(), "web_client_dir");
  return text +
         "  ## The web client, Converse.js, at https://<host>:" + std::to_string(j.http_port) + "/ from the files the\n"
         "  ## package installs (never from cdn.conversejs.org). The page asks for /converse.min.js: the\n"
         "  ## default, <path>/converse.min.js, would be \"//converse.min.js\" at /, another host.\n"
         "  ## As in cl-jabberd: the WebSocket, a login form, no registration (LDAP accounts),\n"
         "  ## no images, players or link previews fetched from other hosts. ejabberd 23.01 serves\n"
         "  ## only the script, style sheet, locales and fonts: no emoji picker, no favicon.\n"
         "  mod_conversejs:\n"
         "    websocket_url: " + websocket + "\n"
         "    bosh_service_url: " + bosh + "\n"
         "    conversejs_resources: " + dir + "\n"
         "    conversejs_script: \"/converse.min.js\"\n"
         "    conversejs_css: \"/converse.min.css\"\n"
         "    conversejs_options:\n"
         "      auto_login: \"false\"\n"
         "      show_images_inline: \"false\"\n"
         "      embed_3rd_party_media_players: \"false\"\n"
         "      fetch_url_headers: \"false\"";
}

// HTTP file upload (XEP-0363) on <upload_service>.<host>, served by the HTTPS listener's
// /upload, with cl-jabberd's limits; mod_http_upload_quota sweeps what outlived its days
// (ejabberd's quota is one for everyone: the per-user one, in MiB).
std::string upload_yaml(const JabberSettings& j) {
  if (j.http_port == 0 || j.upload_service.empty())
    return "  ## HTTP file upload is off (it needs http_port; upload_service = '' turns it off).";
  std::string text = "  ## HTTP file upload (XEP-0363) on " + j.upload_service + ".<host>, files at https://<host>:" +
                     std::to_string(j.http_port) + "/upload (in ejabberd's home).\n"
                     "  mod_http_upload:\n"
                     "    host: \"" + j.upload_service + ".@HOST@\"\n"
                     "    put_url: \"https://@HOST@:" + std::to_string(j.http_port) + "/upload\"\n"
                     "    docroot: \"@HOME@/upload\"\n"
                     "    max_size: " + std::to_string(j.upload_max_file_size) + "\n"
                     "    access: local\n"
                     "    custom_headers:\n"
                     "      \"X-Content-Type-Options\": \"nosniff\"\n"
                     "      \"Content-Security-Policy\": \"default-src 'none'; frame-ancestors 'none'; sandbox\"";
  if (j.upload_quota_per_user != 0 || j.upload_expire_days != 0) {
    text += "\n  mod_http_upload_quota:\n";
    text += "    max_days: " + (j.upload_expire_days == 0 ? std::string("infinity") : std::to_string(j.upload_expire_days));
    if (j.upload_quota_per_user != 0)
      text += "\n    access_hard_quota: upload_quota\n"
              "    access_soft_quota: upload_quota";
  }
  return text;
}

// Federation as cl-jabberd does it: the s2s access rule refuses the blocked domains (and
// their sub-domains) and, with an allowlist, every other one; off, it refuses all.
std::string quoted_list(const std::vector<std::string>& values, std::string_view prefix, std::string_view indent) {
  std::string out;
  for (const auto& v : values) out += std::string(indent) + "- " + render::yaml_quoted(std::string(prefix) + v, "domain") + "\n";
  return out;
}

// acl admin's users: the administrators cl-jabberd gives the XEP-0133 commands.
std::string admin_users_yaml(const Settings& settings) {
  std::string out;
  for (const auto& jid : settings.administrators())
    out += (out.empty() ? "" : "\n") + std::string("      - ") + render::yaml_quoted(jid, "admin JID");
  return out;
}

std::string s2s_acl_yaml(const JabberSettings& j) {
  std::string out;
  if (!j.s2s_block.empty())
    out += "  s2s_blocked:\n    server:\n" + quoted_list(j.s2s_block, "", "      ") + "    server_glob:\n" +
           quoted_list(j.s2s_block, "*.", "      ");
  if (!j.s2s_allow.empty()) out += "  s2s_allowed:\n    server:\n" + quoted_list(j.s2s_allow, "", "      ");
  if (!out.empty()) out.pop_back();
  return out;
}

std::string s2s_rule_yaml(const JabberSettings& j) {
  if (!j.s2s) return "  s2s:\n    deny: all";
  std::string out = "  s2s:\n";
  if (!j.s2s_block.empty()) out += "    deny: s2s_blocked\n";
  return out + (j.s2s_allow.empty() ? "    allow: all" : "    allow: s2s_allowed");
}

std::string s2s_options_yaml(const JabberSettings& j) {
  if (!j.s2s) return "## Federation is off (cl-setup --s2s on): no server-to-server links.\ns2s_access: s2s";
  std::string out = "## Federation (cl-setup --s2s): STARTTLS required on every server-to-server link;\n"
                    "## the s2s access rule applies the block and allow lists.\n"
                    "s2s_access: s2s\n"
                    "s2s_use_starttls: required\n"
                    "s2s_protocol_options: TLS_OPTIONS";
  if (!j.s2s_ca_file.empty()) out += "\ns2s_cafile: " + render::yaml_quoted(j.s2s_ca_file.string(), "CA file");
  return out;
}

std::string s2s_module_yaml(const JabberSettings& j) {
  if (!j.s2s) return "";
  if (!j.s2s_dialback) return "  ## Dialback is off (s2s_dialback = false): peers need certificates valid for their domain.";
  return "  ## XEP-0220 dialback for peers whose certificates do not validate.\n  mod_s2s_dialback: {}";
}

void write_file(const fs::path& path, const std::string& text, mode_t mode) {
  const fs::path temp = path.string() + ".new";
  std::error_code ec;
  fs::remove(temp, ec);
  {
    std::ofstream out(temp, std::ios::trunc);
    out << text;
    out.close();
    if (!out) throw Error(ErrorKind::Directory, "cannot write " + temp.string());
  }
  ::chmod(temp.c_str(), mode);
  fs::rename(temp, path, ec);
  if (ec) throw Error(ErrorKind::Directory, "cannot write " + path.string() + ": " + ec.message());
}

// Debian's ejabberd runs as the ejabberd user: when root writes its config, that user's
// group may read it (mode 0640), and nobody else (it holds the LDAP password).
void share_with_ejabberd(const fs::path& path, bool owner_too) {
  if (::geteuid() != 0) return;
  const group* g = ::getgrnam("ejabberd");
  const passwd* p = ::getpwnam("ejabberd");
  if (g == nullptr) return;
  const uid_t uid = owner_too && p != nullptr ? p->pw_uid : static_cast<uid_t>(-1);
  if (::chown(path.c_str(), uid, g->gr_gid) != 0) { /* best effort: the summary says who must read it */ }
}

// The server's folders: made when missing, and on every run given mode 0750 and (as root)
// to the server's system account when it exists, whatever mode they had before.
void make_directory(const fs::path& dir, std::string_view what) {
  own_directory(dir, fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec, server_account(), what);
}

std::string describe_listen(const std::vector<std::string>& listen) {
  return listen.empty() ? "all addresses" : join(listen);
}

std::vector<std::string> changes(const JabberSettings& a, const JabberSettings& b) {
  std::vector<std::string> out;
  auto note = [&](const std::string& what, const std::string& from, const std::string& to) {
    if (from != to) out.push_back("changed " + what + ": " + from + " -> " + to);
  };
  note("hosts", join(a.hosts), join(b.hosts));
  note("history", a.history ? "on" : "off", b.history ? "on" : "off");
  note("history directory", a.history_dir.string(), b.history_dir.string());
  note("listen addresses", describe_listen(a.listen), describe_listen(b.listen));
  note("client port", std::to_string(a.port), std::to_string(b.port));
  note("TLS port", std::to_string(a.tls_port), std::to_string(b.tls_port));
  note("HTTPS port", a.http_port ? std::to_string(a.http_port) : "off", b.http_port ? std::to_string(b.http_port) : "off");
  note("max stanza size", std::to_string(a.max_stanza_size), std::to_string(b.max_stanza_size));
  note("certificate", a.certfile.string(), b.certfile.string());
  note("server", a.server, b.server);
  note("data directory", a.data_dir.string(), b.data_dir.string());
  note("SCRAM iterations", std::to_string(a.scram_iterations), std::to_string(b.scram_iterations));
  note("SCRAM upgrade on PLAIN", a.scram_upgrade_on_plain ? "on" : "off", b.scram_upgrade_on_plain ? "on" : "off");
  note("group rooms", a.group_rooms ? "on" : "off", b.group_rooms ? "on" : "off");
  note("web client", a.web_client ? "on" : "off", b.web_client ? "on" : "off");
  note("metrics", a.metrics ? "on" : "off", b.metrics ? "on" : "off");
  note("metrics allowed from", join(a.metrics_allow), join(b.metrics_allow));
  note("message archive", a.mam ? "on" : "off", b.mam ? "on" : "off");
  const auto kept = [](std::size_t days) { return days == 0 ? std::string("for ever") : std::to_string(days) + " days"; };
  note("message archive retention", kept(a.mam_retention_days), kept(b.mam_retention_days));
  note("upload file size limit", std::to_string(a.upload_max_file_size), std::to_string(b.upload_max_file_size));
  note("upload quota per user", std::to_string(a.upload_quota_per_user), std::to_string(b.upload_quota_per_user));
  note("upload disk quota", std::to_string(a.upload_disk_quota), std::to_string(b.upload_disk_quota));
  note("uploaded files kept", kept(a.upload_expire_days), kept(b.upload_expire_days));
  note("upload rate limit (bytes/s)", std::to_string(a.upload_rate_limit), std::to_string(b.upload_rate_limit));
  note("federation", a.s2s ? "on" : "off", b.s2s ? "on" : "off");
  note("federation port", std::to_string(a.s2s_port), std::to_string(b.s2s_port));
  const auto port_or_none = [](std::uint16_t port) { return port == 0 ? std::string("none") : std::to_string(port); };
  note("federation direct TLS port", port_or_none(a.s2s_tls_port), port_or_none(b.s2s_tls_port));
  note("federation dialback", a.s2s_dialback ? "on" : "off", b.s2s_dialback ? "on" : "off");
  const auto domains = [](const std::vector<std::string>& d) { return d.empty() ? std::string("none") : join(d); };
  note("blocked domains", domains(a.s2s_block), domains(b.s2s_block));
  note("administrators", a.admins.empty() ? "none" : join(a.admins), b.admins.empty() ? "none" : join(b.admins));
  note("allowed domains", a.s2s_allow.empty() ? "all" : join(a.s2s_allow), b.s2s_allow.empty() ? "all" : join(b.s2s_allow));
  note("calls (TURN)", a.turn ? "on" : "off", b.turn ? "on" : "off");
  note("TURN host", a.turn_host.empty() ? "the primary host" : a.turn_host, b.turn_host.empty() ? "the primary host" : b.turn_host);
  note("TURN port", std::to_string(a.turn_port), std::to_string(b.turn_port));
  note("TURN TLS port", port_or_none(a.turn_tls_port), port_or_none(b.turn_tls_port));
  note("TURN credential lifetime", std::to_string(a.turn_credential_lifetime) + " s",
       std::to_string(b.turn_credential_lifetime) + " s");
  note("TURN private networks", domains(a.turn_allow_peers), domains(b.turn_allow_peers));
  return out;
}

}  // namespace

std::string canonical_address(std::string_view address) {
  const std::string text(address);
  unsigned char buffer[sizeof(in6_addr)];
  char out[INET6_ADDRSTRLEN] = {};
  if (::inet_pton(AF_INET, text.c_str(), buffer) == 1) return ::inet_ntop(AF_INET, buffer, out, sizeof out);
  if (::inet_pton(AF_INET6, text.c_str(), buffer) == 1) return ::inet_ntop(AF_INET6, buffer, out, sizeof out);
  std::string shown = text;
  for (auto& c : shown)
    if (static_cast<unsigned char>(c) < 0x20) c = '?';
  throw Error(ErrorKind::InvalidArgument, "not an IP address: '" + shown + "' (give addresses like 192.168.1.6 or ::1)");
}

std::string render_ejabberd(const Settings& settings, const std::string& ldap_password, const std::string& turn_secret) {
  const JabberSettings& j = settings.jabber;
  std::string why_not;
  const auto endpoint = ejabberd_endpoint(settings.ldap, why_not);
  if (!endpoint) throw Error(ErrorKind::InvalidArgument, why_not);
  if (ldap_password.empty()) throw Error(ErrorKind::InvalidArgument, "the LDAP password for ejabberd is empty");

  // ejabberd compares attribute names by case: spelled exactly as the schema does.
  const std::string users_base = schema::Layout(settings.ldap.base_dn).users_dn();
  const std::string user_class = schema::user_filter();
  const std::string locked = ldap::filter_equals(schema::kExpire, schema::kLockedExpire);
  const std::string group_filter = "(&" + user_class + "(" + schema::kGroup + "=%g))";
  const std::string roster_filter = "(&" + user_class + "(" + schema::kUid + "=%u))";

  std::string hosts;
  for (const auto& host : j.hosts) hosts += (hosts.empty() ? "" : "\n") + std::string("  - ") + render::yaml_quoted(host, "host");
  auto q = [](std::string_view v, std::string_view what) { return render::yaml_quoted(v, what); };
  const render::Values values{
      {"hosts", hosts},
      {"certfile", q(j.certfile.string(), "certificate file")},
      {"listeners", listeners_yaml(j)},
      {"ldap_server", q(endpoint->host, "LDAP server")},
      {"ldap_port", std::to_string(endpoint->port)},
      {"ldap_encrypt", endpoint->tls ? "tls" : "none"},
      {"ldap_rootdn", q(endpoint->bind_dn, "LDAP bind DN")},
      {"ldap_password", q(ldap_password, "LDAP password")},
      {"users_base", q(users_base, "LDAP base")},
      {"uid_attr", q(schema::kUid, "attribute")},
      {"nick_attr", q(schema::kNickname, "attribute")},
      {"group_attr", q(schema::kGroup, "attribute")},
      {"photo_attr", q(schema::kPhoto, "attribute")},
      {"lock_attr_name", schema::kExpire},
      {"auth_filter", q("(&" + user_class + "(!" + locked + "))", "filter")},
      {"user_filter", q(user_class, "filter")},
      {"roster_filter", q(roster_filter, "filter")},
      {"group_filter", q(group_filter, "filter")},
      {"admin_users", admin_users_yaml(settings)},
      {"max_stanza_size", std::to_string(j.max_stanza_size)},
      {"archive_module", archive_yaml(j)},
      {"muc_module", muc_yaml(j)},
      {"upload_module", upload_yaml(j)},
      {"web_modules", web_yaml(j)},
      {"s2s_acl", s2s_acl_yaml(j)},
      {"s2s_rule", s2s_rule_yaml(j)},
      {"s2s_options", s2s_options_yaml(j)},
      {"s2s_module", s2s_module_yaml(j)},
      {"stun_disco_module", stun_disco_yaml(settings, turn_secret)},
      {"upload_quota_mib", std::to_string(std::max<std::size_t>(1, j.upload_quota_per_user >> 20))},
  };
  return render::fill(render::load("ejabberd.yml.in"), values);
}

JabberPlan plan_jabber(const fs::path& config, const JabberOptions& o) {
  JabberPlan plan;
  plan.config = fs::absolute(config).lexically_normal();
  plan.before = Settings::load(plan.config);  // needs `cl-setup ldap` first; says so otherwise
  plan.after = plan.before;
  const JabberSettings& old = plan.before.jabber;
  JabberSettings& j = plan.after.jabber;
  j.configured = true;

  // Hosts: the primary one stays what it was (else this machine's name); --hosts replaces
  // the ones served beside it.
  std::string primary = old.configured && !old.hosts.empty() ? old.hosts.front() : std::string{};
  if (primary.empty()) {
    const std::string name = fqdn();
    try {
      primary = normalize_domain(name);
    } catch (const Error& e) {
      throw Error(ErrorKind::InvalidArgument, "this machine's host name cannot be the Jabber host: " + std::string(e.what()));
    }
  }
  std::vector<std::string> extra;
  if (o.hosts) {
    extra = *o.hosts;
  } else if (old.configured && old.hosts.size() > 1) {
    extra.assign(old.hosts.begin() + 1, old.hosts.end());
  }
  j.hosts = {primary};
  for (const auto& host : extra) {
    const std::string normal = normalize_domain(host);
    if (std::find(j.hosts.begin(), j.hosts.end(), normal) == j.hosts.end()) j.hosts.push_back(normal);
  }

  if (o.history) j.history = *o.history;
  if (o.history_dir) j.history_dir = checked_path(*o.history_dir, "history directory");
  else j.history_dir = checked_path(j.history_dir, "history directory");

  if (o.listen) {
    j.listen.clear();
    for (const auto& address : *o.listen) {
      const std::string canonical = canonical_address(address);
      if (std::find(j.listen.begin(), j.listen.end(), canonical) == j.listen.end()) j.listen.push_back(canonical);
    }
  }
  for (const auto& address : j.listen)
    if ((address == "0.0.0.0" || address == "::") && j.listen.size() > 1)
      throw Error(ErrorKind::InvalidArgument, "listen address " + address +
                                                  " already means every address: give it alone, or only specific ones");

  if (o.port) j.port = *o.port;
  if (o.tls_port) j.tls_port = *o.tls_port;
  if (j.port == 0 || j.tls_port == 0) throw Error(ErrorKind::InvalidArgument, "port 0 is not a port a client can reach");
  if (j.port == j.tls_port)
    throw Error(ErrorKind::InvalidArgument, "--port and --tls-port are both " + std::to_string(j.port) + ": they must differ");
  if (o.http_port) j.http_port = *o.http_port;
  if (j.http_port != 0 && (j.http_port == j.port || j.http_port == j.tls_port))
    throw Error(ErrorKind::InvalidArgument, "--http-port " + std::to_string(j.http_port) +
                                                " is a client port already: it must differ from --port and --tls-port");

  if (o.max_stanza_size) {
    if (*o.max_stanza_size < kMinStanzaSize || *o.max_stanza_size > kMaxStanzaSize)
      throw Error(ErrorKind::InvalidArgument, "--max-stanza-size " + std::to_string(*o.max_stanza_size) +
                                                  ": expected a number of bytes from " + std::to_string(kMinStanzaSize) +
                                                  " to " + std::to_string(kMaxStanzaSize));
    j.max_stanza_size = static_cast<std::size_t>(*o.max_stanza_size);
  }

  if (o.scram_iterations) {
    if (*o.scram_iterations < scram::kMinIterations || *o.scram_iterations > kMaxScramIterations)
      throw Error(ErrorKind::InvalidArgument, "--scram-iterations " + std::to_string(*o.scram_iterations) +
                                                  ": expected a number from " + std::to_string(scram::kMinIterations) +
                                                  " (RFC 7677's least) to " + std::to_string(kMaxScramIterations));
    j.scram_iterations = static_cast<unsigned>(*o.scram_iterations);
  }
  if (o.scram_upgrade_on_plain) j.scram_upgrade_on_plain = *o.scram_upgrade_on_plain;
  if (o.group_rooms) j.group_rooms = *o.group_rooms;
  if (o.web_client) j.web_client = *o.web_client;
  if (o.metrics) j.metrics = *o.metrics;
  if (o.metrics_allow) {
    // An empty list would answer nobody: whoever means that turns metrics off instead.
    if (o.metrics_allow->empty())
      throw Error(ErrorKind::InvalidArgument,
                  "--metrics-allow: give at least one IP network, e.g. 127.0.0.0/8 (--metrics off turns /metrics off)");
    try {
      j.metrics_allow = canonical_networks(*o.metrics_allow);
    } catch (const Error& e) {
      throw Error(ErrorKind::InvalidArgument, std::string("--metrics-allow: ") + e.what());
    }
  }
  if (o.mam) j.mam = *o.mam;
  if (o.mam_retention_days) {
    if (*o.mam_retention_days < 0 || *o.mam_retention_days > kMaxMamRetentionDays)
      throw Error(ErrorKind::InvalidArgument, "--mam-retention " + std::to_string(*o.mam_retention_days) +
                                                  ": expected a number of days from 0 (for ever) to " +
                                                  std::to_string(kMaxMamRetentionDays));
    j.mam_retention_days = static_cast<std::size_t>(*o.mam_retention_days);
  }
  const auto upload_value = [](const std::optional<std::int64_t>& given, const char* option, std::int64_t min,
                               std::int64_t max, const char* what, std::size_t& into) {
    if (!given) return;
    if (*given < min || *given > max)
      throw Error(ErrorKind::InvalidArgument, std::string(option) + " " + std::to_string(*given) + ": expected " + what +
                                                  " from " + std::to_string(min) + " to " + std::to_string(max));
    into = static_cast<std::size_t>(*given);
  };
  upload_value(o.upload_max_file_size, "--upload-max-size", 1, kMaxUploadFileSize, "a number of bytes",
               j.upload_max_file_size);
  upload_value(o.upload_quota_per_user, "--upload-quota", 0, kMaxLimitValue, "a number of bytes (0: no limit)",
               j.upload_quota_per_user);
  upload_value(o.upload_disk_quota, "--upload-disk-quota", 0, kMaxLimitValue, "a number of bytes (0: no limit)",
               j.upload_disk_quota);
  upload_value(o.upload_expire_days, "--upload-expire", 0, kMaxMamRetentionDays, "a number of days (0: for ever)",
               j.upload_expire_days);
  upload_value(o.upload_rate_limit, "--upload-rate", 0, kMaxLimitValue, "a number of bytes per second (0: no limit)",
               j.upload_rate_limit);

  if (o.s2s) j.s2s = *o.s2s;
  if (o.s2s_port) j.s2s_port = *o.s2s_port;
  if (o.s2s_tls_port) j.s2s_tls_port = *o.s2s_tls_port;
  if (o.s2s_dialback) j.s2s_dialback = *o.s2s_dialback;
  if (j.s2s_port == 0) throw Error(ErrorKind::InvalidArgument, "--s2s-port 0 is not a port a server can reach");
  if (j.s2s && (j.s2s_port == j.port || j.s2s_port == j.tls_port || j.s2s_port == j.http_port))
    throw Error(ErrorKind::InvalidArgument, "--s2s-port " + std::to_string(j.s2s_port) +
                                                " is a client port already: it must differ from --port, --tls-port and --http-port");
  if (j.s2s && j.s2s_tls_port != 0 &&
      (j.s2s_tls_port == j.port || j.s2s_tls_port == j.tls_port || j.s2s_tls_port == j.http_port ||
       j.s2s_tls_port == j.s2s_port))
    throw Error(ErrorKind::InvalidArgument,
                "--s2s-tls-port " + std::to_string(j.s2s_tls_port) +
                    " is taken already: it must differ from --port, --tls-port, --http-port and --s2s-port");
  const auto domain_list = [](const std::vector<std::string>& given, const char* option) {
    std::vector<std::string> out;
    for (const auto& d : given) {
      std::string normal;
      try {
        normal = normalize_domain(d);
      } catch (const Error&) {
        throw Error(ErrorKind::InvalidArgument, std::string(option) + ": '" + d + "' is not a domain name");
      }
      if (std::find(out.begin(), out.end(), normal) == out.end()) out.push_back(normal);
    }
    return out;
  };
  if (o.s2s_block) j.s2s_block = domain_list(*o.s2s_block, "--s2s-block");
  if (o.s2s_allow) j.s2s_allow = domain_list(*o.s2s_allow, "--s2s-allow");
  // --admins: bare JIDs, normalised, each once (jabberadmin.conf(5) admins).
  if (o.admins) {
    j.admins.clear();
    for (const auto& text : *o.admins) {
      std::optional<Jid> jid;
      try {
        jid = Jid::parse(text);
      } catch (const Error&) {
      }
      if (!jid || jid->local.empty() || !jid->resource.empty())
        throw Error(ErrorKind::InvalidArgument, "--admins: '" + text + "' is not a bare JID (user@host)");
      if (std::find(j.admins.begin(), j.admins.end(), jid->bare()) == j.admins.end()) j.admins.push_back(jid->bare());
    }
  }

  if (o.server) j.server = *o.server;
  if (j.server != "builtin" && j.server != "ejabberd")
    throw Error(ErrorKind::InvalidArgument, "unknown server '" + j.server + "': builtin or ejabberd");

  if (o.data_dir) {
    j.data_dir = checked_path(*o.data_dir, "state directory");
  } else if (j.data_dir.empty()) {
    j.data_dir = plan.before.ldap.state_dir.empty() ? fs::path(kDefaultDataDir)
                                                   : plan.before.ldap.state_dir.parent_path() / "jabber";
  }
  j.data_dir = checked_path(j.data_dir, "state directory");

  // The certificate: the administrator's, checked; else our self-signed one, remade when it
  // is missing or no longer fits the hosts.
  const fs::path self_signed = j.data_dir / kSelfSignedName;
  const bool was_self_signed = old.certfile.empty() || old.certfile == old.data_dir / kSelfSignedName;
  fs::path given;
  if (o.certfile && !o.certfile->empty()) given = checked_path(*o.certfile, "certificate file");
  else if (!o.certfile && !was_self_signed) given = old.certfile;
  if (!given.empty()) {
    certificate::require_usable(given, j.hosts);
    j.certfile = given;
  } else {
    j.certfile = self_signed;
    std::error_code ec;
    if (!fs::exists(self_signed, ec)) {
      plan.make_certificate = true;
      plan.certificate_reason = "made a self-signed certificate for " + join(j.hosts);
    } else {
      const auto c = certificate::inspect(self_signed, j.hosts);
      if (!c.has_key || !c.key_matches || c.expired || !c.uncovered_hosts.empty()) {
        plan.make_certificate = true;
        plan.certificate_reason = "remade the self-signed certificate for " + join(j.hosts);
      }
    }
  }

  plan_turn(o, plan);

  // ejabberd.yml: rendered now so a value that cannot be rendered stops everything here.
  std::string why_not;
  const auto endpoint = ejabberd_endpoint(plan.after.ldap, why_not);
  if (endpoint) {
    plan.ejabberd_config = plan.config.parent_path() / kEjabberdConfigName;
    plan.ejabberd_text = render_ejabberd(plan.after, read_secret_file(endpoint->password_file), plan.turn_secret);
  } else if (j.server == "ejabberd") {
    throw Error(ErrorKind::InvalidArgument, "cannot configure ejabberd: " + why_not);
  } else {
    plan.ejabberd_skipped = why_not;
  }
  return plan;
}

Steps apply_jabber(const JabberPlan& plan, std::string_view admin_password) {
  if (admin_password.empty()) throw Error(ErrorKind::InvalidArgument, "the admin password is empty");
  const JabberSettings& j = plan.after.jabber;
  Steps steps;

  // Directories, then the directory service: if either refuses, no file has changed yet.
  make_directory(j.data_dir, "state directory");
  if (j.history) make_directory(j.history_dir, "history directory");
  Directory directory = Directory::open(plan.after);
  for (const auto& dn : directory.ensure_tree()) steps.push_back("created " + dn);
  const std::string admin_jid = std::string(kAdminName) + "@" + j.hosts.front();
  if (const auto admin = directory.find_user(kAdminName)) {
    // One modify: the new password, and unlocked when it was locked.
    directory.update_user(kAdminName, {.password = std::string(admin_password),
                                       .lock = admin->locked ? UserUpdate::Lock::Unlock : UserUpdate::Lock::Keep});
    if (admin->locked) steps.push_back("unlocked " + admin_jid);
    steps.push_back("set the password of " + admin_jid);
  } else {
    directory.add_user({.name = kAdminName, .nickname = "Administrator", .password = std::string(admin_password)});
    steps.push_back("created " + admin_jid);
  }
  if (!directory.scram_iterations()) steps.push_back(std::string("warning: ") + kNoScramNotice);

  std::vector<std::string> written;
  if (plan.make_certificate) {
    certificate::make_self_signed(j.certfile, j.hosts);
    // The server runs as its own account: the key it made is that account's (still 0600).
    if (const auto server = server_account(); server && ::geteuid() == 0 &&
                                              ::chown(j.certfile.c_str(), server->uid, server->gid) != 0)
      throw Error(ErrorKind::Directory, "cannot give " + j.certfile.string() + " to " + server->name);
    steps.push_back(plan.certificate_reason + ": " + j.certfile.string());
    written.push_back(j.certfile.string());
  }
  if (j.server == "ejabberd") {
    // ejabberd runs as its own user: it must reach the data directory and read our key.
    share_with_ejabberd(j.data_dir, false);
    if (j.certfile.parent_path() == j.data_dir) share_with_ejabberd(j.certfile, true);
  }
  if (!plan.ejabberd_config.empty()) {
    write_file(plan.ejabberd_config, plan.ejabberd_text, 0640);
    share_with_ejabberd(plan.ejabberd_config, false);
    written.push_back(plan.ejabberd_config.string());
  } else {
    steps.push_back("no ejabberd.yml: " + plan.ejabberd_skipped);
  }
  for (auto& file : apply_turn(plan)) written.push_back(std::move(file));
  plan.after.save(plan.config);
  written.insert(written.begin(), plan.config.string());

  if (!plan.before.jabber.configured) {
    steps.push_back("set up the jabber service");
  } else {
    const auto changed = changes(plan.before.jabber, j);
    if (changed.empty()) steps.push_back("the configuration is unchanged");
    for (const auto& line : changed) steps.push_back(line);
  }

  steps.push_back("");
  steps.push_back("Jabber hosts:  " + join(j.hosts) + "   (administrator: " + admin_jid + ")");
  steps.push_back("Client ports:  " + std::to_string(j.port) + " (STARTTLS), " + std::to_string(j.tls_port) +
                  " (TLS), on " + describe_listen(j.listen));
  if (j.http_port != 0)
    steps.push_back("WebSocket:     wss://" + j.hosts.front() + ":" + std::to_string(j.http_port) + "/xmpp-websocket");
  if (j.http_port != 0 && j.web_client)
    steps.push_back("Web client:    " +
                    (fs::exists(j.web_client_dir / "converse.min.js")
                         ? "https://" + j.hosts.front() + ":" + std::to_string(j.http_port) + "/"
                         : "not installed (no " + (j.web_client_dir / "converse.min.js").string() + ")"));
  if (j.http_port != 0 && j.metrics)
    steps.push_back("Metrics:       https://" + j.hosts.front() + ":" + std::to_string(j.http_port) + "/metrics (from " +
                    (j.metrics_allow.empty() ? std::string("nowhere") : join(j.metrics_allow)) + ")");
  if (j.turn)
    steps.push_back("Calls:         STUN/TURN at " + turn_host(plan.after) + ":" + std::to_string(j.turn_port) +
                    (j.turn_tls_port != 0 ? ", TLS " + std::to_string(j.turn_tls_port) : std::string{}) +
                    "; the relay: turnserver -c " + plan.turn_config.string());
  steps.push_back("Certificate:   " + j.certfile.string());
  steps.push_back(std::string("History:       ") +
                  (j.history ? "on, in " + j.history_dir.string() + (plan.ejabberd_config.empty() ? "" : " (ejabberd: its message archive, mod_mam)")
                             : "off"));
  steps.push_back("Files written: " + join(written));
  const std::string builtin = "cl-jabberd --config " + plan.config.string();
  const std::string install = plan.ejabberd_config.empty()
                                  ? std::string{}
                                  : "install -m 640 -g ejabberd " + plan.ejabberd_config.string() +
                                        " /etc/ejabberd/ejabberd.yml && systemctl restart ejabberd";
  if (j.server == "ejabberd") {
    steps.push_back("Start:         " + install);
    steps.push_back("  or the integrated server: " + builtin);
  } else {
    steps.push_back("Start:         " + builtin);
    if (!install.empty())
      steps.push_back("  or ejabberd: cl-setup --server ejabberd jabber (lets ejabberd read the key), then " + install);
  }
  return steps;
}

}  // namespace jabberadmin::setup
