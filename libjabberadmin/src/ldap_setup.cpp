#include "jabberadmin/ldap_setup.hpp"

#include <arpa/inet.h>
#include <ldap.h>
#include <openssl/rand.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>
#include <thread>

#include "jabberadmin/directory.hpp"
#include "jabberadmin/encoding.hpp"
#include "jabberadmin/error.hpp"
#include "jabberadmin/password.hpp"
#include "jabberadmin/render.hpp"
#include "jabberadmin/service_manager.hpp"
#include "jabberadmin/slapd_paths.hpp"
#include "jabberadmin/system_accounts.hpp"

extern char** environ;

namespace jabberadmin::setup {
namespace fs = std::filesystem;
namespace {

struct Paths {
  fs::path state, conf, data, socket, pidfile, argsfile, urls, secret, service_secret, log;
  explicit Paths(const fs::path& dir)
      : state(fs::absolute(dir)),
        conf(state / "slapd.conf"),
        data(state / "data"),
        socket(state / "ldapi"),
        pidfile(state / "slapd.pid"),
        argsfile(state / "slapd.args"),
        urls(state / "listen"),
        secret(state / "manager.secret"),
        service_secret(state / "service.secret"),
        log(state / "slapd.log") {}
};

std::string manager_dn(const std::string& base_dn) { return ldap::child_dn("cn", "admin", base_dn); }
// The server's read-only identity: beside ou=Jabber under ou=Services.
std::string service_dn(const std::string& base_dn) {
  return ldap::child_dn("cn", "cl-jabberd", ldap::child_dn("ou", "Services", base_dn));
}

// The first RDN of a DN, checked by libldap's own parser: (attribute type, value).
std::pair<std::string, std::string> first_rdn(const std::string& dn) {
  LDAPDN parsed = nullptr;
  if (ldap_str2dn(dn.c_str(), &parsed, LDAP_DN_FORMAT_LDAPV3) != LDAP_SUCCESS || parsed == nullptr || parsed[0] == nullptr)
    throw Error(ErrorKind::InvalidArgument, "not a valid DN: '" + dn + "'");
  const LDAPAVA* ava = parsed[0][0];
  std::pair<std::string, std::string> out{std::string(ava->la_attr.bv_val, ava->la_attr.bv_len),
                                          std::string(ava->la_value.bv_val, ava->la_value.bv_len)};
  ldap_dnfree(parsed);
  return out;
}

std::vector<std::string> read_lines(const fs::path& path) {
  std::vector<std::string> lines;
  std::ifstream in(path);
  for (std::string line; std::getline(in, line);)
    if (!line.empty()) lines.push_back(line);
  return lines;
}

LdapSettings private_settings(const Paths& paths, const std::string& base_dn, const std::vector<std::string>& listen) {
  LdapSettings s;
  s.uri = ldapi_uri(paths.socket);
  s.base_dn = base_dn;
  s.state_dir = paths.state;
  s.manager_dn = manager_dn(base_dn);
  s.manager_password_file = paths.secret;
  s.service_dn = service_dn(base_dn);
  s.service_password_file = paths.service_secret;
  for (const auto& uri : listen)
    if (uri.starts_with("ldap://")) s.tcp_uri = uri;
  return s;
}

// The manager connection over the socket (SASL EXTERNAL); nothing when slapd is not there.
std::optional<ldap::Connection> try_connect(const Paths& paths) {
  ldap::ConnectOptions options;
  options.uri = ldapi_uri(paths.socket);
  options.network_timeout = std::chrono::milliseconds(1000);
  try {
    return ldap::Connection::open(options);
  } catch (const ldap::LdapError& e) {
    if (e.code() == ldap::kServerDown) return std::nullopt;
    throw;
  }
}

// The packaged unit serves the default state dir only, and only when systemd runs the machine.
bool handed_to_systemd(const Paths& paths) {
  return paths.state == service::kUnitLdapStateDir && service::manages(service::kSlapdUnit);
}

// `systemctl enable --now` the unit, then wait until slapd answers on the socket.
Steps start_with_systemd(const Paths& paths) {
  Steps steps{service::enable_and_start(service::kSlapdUnit)};
  for (int i = 0; i < 100; ++i) {
    if (try_connect(paths)) return steps;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  throw Error(ErrorKind::Directory, "slapd did not answer on " + ldapi_uri(paths.socket) +
                                        " within 10 s (see journalctl -u " + service::kSlapdUnit + ")");
}

void create_base(ldap::Connection& conn, const std::string& base_dn, Steps& steps) {
  if (conn.read(base_dn, {"objectClass"})) return;
  const auto [type, value] = first_rdn(base_dn);
  ldap::Attributes attributes;
  if (type == "dc" || type == "DC") {
    attributes = {{"objectClass", {"dcObject", "organization"}}, {"dc", {value}}, {"o", {value}}};
  } else if (type == "o" || type == "O") {
    attributes = {{"objectClass", {"organization"}}, {"o", {value}}};
  } else if (type == "ou" || type == "OU") {
    attributes = {{"objectClass", {"organizationalUnit"}}, {"ou", {value}}};
  } else {
    throw Error(ErrorKind::InvalidArgument, "the base DN must start with dc=, o= or ou=: '" + base_dn + "'");
  }
  conn.add(base_dn, attributes);
  steps.push_back("created the base " + base_dn);
}

void write_file(const fs::path& path, const std::string& text, fs::perms perms) {
  const fs::path temp = path.string() + ".new";
  {
    std::ofstream out(temp, std::ios::trunc);
    out << text;
    if (!out) throw Error(ErrorKind::Directory, "cannot write " + temp.string());
  }
  fs::permissions(temp, perms);
  fs::rename(temp, path);
}

void check_listen(const std::vector<std::string>& listen) {
  for (const auto& uri : listen)
    if (!ldap_is_ldap_url(uri.c_str()) || uri.find_first_of(" \t\n\"") != std::string::npos)
      throw Error(ErrorKind::InvalidArgument, "not an LDAP URI: '" + uri + "'");
}

std::string joined_lines(const std::vector<std::string>& lines, const std::string& separator = "\n") {
  std::string out;
  for (const auto& line : lines) out += line + separator;
  return out;
}

Settings settings_to_update(const fs::path& config) {
  std::error_code ec;
  if (fs::exists(config, ec)) {
    try {
      return Settings::load(config);
    } catch (const Error&) {
      // Unreadable or without [ldap]: start afresh, the ldap section is rewritten anyway.
    }
  }
  return Settings{};
}

// The slapd.conf of this state dir, from the template. The manager's hash is the one
// already in the file when there is one (a fresh salt would make every re-run a change).
std::string render_conf(const Paths& paths, const std::string& base_dn, const std::string& root_pw_hash) {
  const SlapdPaths slapd = find_slapd_paths();
  std::string modules;
  if (!slapd.module_dir.empty()) {
    modules = "modulepath " + render::slapd_quoted(slapd.module_dir.string()) + "\n";
    if (slapd.mdb_module) modules += "moduleload back_mdb\n";
    modules += "moduleload syncprov\n";
  }
  const std::string manager = render::slapd_quoted(manager_dn(base_dn));
  const std::string service = render::slapd_quoted(service_dn(base_dn));
  auto peer = [](uid_t uid) {
    return "authz-regexp \"gidNumber=[0-9]+[+]uidNumber=" + std::to_string(uid) + ",cn=peercred,cn=external,cn=auth\" ";
  };
  std::string authz = peer(0) + manager + "\n";
  if (::geteuid() != 0) authz += peer(::geteuid()) + manager + "\n";
  if (const auto server = server_account(); server && server->uid != 0 && server->uid != ::geteuid())
    authz += peer(server->uid) + service + "\n";
  auto schema = [&](const char* name) { return render::slapd_quoted((slapd.schema_dir / name).string()); };
  const render::Values values{
      {"core_schema", schema("core.schema")},
      {"cosine_schema", schema("cosine.schema")},
      {"inetorgperson_schema", schema("inetorgperson.schema")},
      {"nis_schema", schema("nis.schema")},
      {"authpassword_schema", render::slapd_quoted((render::template_dir() / "authpassword.schema").string())},
      {"pidfile", render::slapd_quoted(paths.pidfile.string())},
      {"argsfile", render::slapd_quoted(paths.argsfile.string())},
      {"logfile", render::slapd_quoted(paths.log.string())},
      {"modules", modules},
      {"authz", authz},
      {"base_dn", render::slapd_quoted(base_dn)},
      {"root_dn", manager},
      {"root_pw", root_pw_hash},
      {"service_dn", service},
      {"users_dn", render::slapd_quoted(jabberadmin::schema::Layout(base_dn).users_dn())},
      {"data_dir", render::slapd_quoted(paths.data.string())},
  };
  return render::fill(render::load("slapd.conf.in"), values);
}

// "rootpw ..." of an existing slapd.conf, as written there (already quoted).
std::optional<std::string> recorded_root_pw(const fs::path& conf) {
  std::ifstream in(conf);
  for (std::string line; std::getline(in, line);)
    if (line.starts_with("rootpw ")) return line.substr(7);
  return std::nullopt;
}

std::string read_file(const fs::path& path) {
  std::ifstream in(path);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// A secret file made once: kept on re-runs, so every client configured with it still binds.
std::string ensure_secret(const fs::path& path) {
  if (!fs::exists(path)) write_private_file(path, random_secret());
  return read_secret_file(path);
}

void give(const fs::path& path, uid_t uid, gid_t gid, mode_t mode) {
  if (::lchown(path.c_str(), uid, gid) != 0 || ::chmod(path.c_str(), mode) != 0)
    throw Error(ErrorKind::Directory, "cannot set the owner of " + path.string() + ": " + std::strerror(errno));
}

// Who owns what, fixed on every run (an older run may have left everything to root):
// slapd's own account owns the state dir, its data and its logs; the server's account may
// enter the state dir (for the socket) and read its own secret; the manager's secret,
// slapd.conf and the listen list stay root's. Without those accounts, as before: the
// caller owns everything, mode 0700.
void set_ownership(const Paths& paths) {
  if (::geteuid() != 0) {
    fs::permissions(paths.state, fs::perms::owner_all);
    return;
  }
  const auto slapd = ldap_account();
  const auto server = server_account();
  const uid_t slapd_uid = slapd ? slapd->uid : 0;
  const gid_t slapd_gid = slapd ? slapd->gid : 0;
  give(paths.state, slapd_uid, server ? server->gid : slapd_gid, server ? 0750 : 0700);
  give(paths.conf, 0, slapd_gid, 0640);
  give(paths.secret, 0, 0, 0600);
  give(paths.service_secret, server ? server->uid : 0, server ? server->gid : 0, 0600);
  std::error_code ec;
  for (const auto& file : {paths.log, paths.pidfile, paths.argsfile})
    if (fs::exists(file, ec)) give(file, slapd_uid, slapd_gid, 0600);
  give(paths.data, slapd_uid, slapd_gid, 0700);
  for (const auto& entry : fs::recursive_directory_iterator(paths.data)) give(entry.path(), slapd_uid, slapd_gid, 0600);
}

// The read-only identity's entry, with the hash of the secret in the state dir.
void ensure_service_entry(ldap::Connection& conn, const std::string& base_dn, const std::string& secret, Steps& steps) {
  const std::string dn = service_dn(base_dn);
  const std::string hash = password::hash(secret);
  if (conn.read(dn, {"objectClass"})) {
    conn.modify(dn, {{ldap::Modification::Op::Replace, "userPassword", {hash}}});
    return;
  }
  conn.add(dn, {{"objectClass", {"applicationProcess", "simpleSecurityObject"}},
                {"cn", {"cl-jabberd"}},
                {"description", {"cl-jabberd: reads the directory, writes nothing, never reads password hashes"}},
                {"userPassword", {hash}}});
  steps.push_back("created the server's read-only identity " + dn);
}

bool is_loopback_host(std::string_view host) {
  if (host == "localhost" || host == "::1" || host == "[::1]") return true;
  in_addr v4{};
  return ::inet_pton(AF_INET, std::string(host).c_str(), &v4) == 1 && (ntohl(v4.s_addr) >> 24) == 127;
}

// Refuses to let cl-setup point the settings at another directory unless asked.
void check_repoint(const fs::path& config, const LdapSettings& recorded, const std::string& new_uri,
                   const std::string& what, bool repoint) {
  if (recorded.uri.empty() || recorded.uri == new_uri || repoint) return;
  const std::string where = recorded.state_dir.empty() ? recorded.uri : recorded.state_dir.string();
  throw Error(ErrorKind::InvalidArgument,
              fs::absolute(config).string() + " records the directory in " + where + "; to point it at " + what +
                  " instead, give --repoint (the other directory is kept, not moved)");
}

}  // namespace

std::string random_secret() {
  std::array<unsigned char, 24> bytes{};
  if (RAND_bytes(bytes.data(), static_cast<int>(bytes.size())) != 1)
    throw Error(ErrorKind::Directory, "cannot get random bytes");
  return encoding::base64_encode(std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
}


std::string ldapi_uri(const fs::path& socket) {
  std::string out = "ldapi://";
  for (const unsigned char c : socket.string()) {
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      encoding::append_hex(out, c, encoding::HexCase::Upper);
    }
  }
  return out;
}

std::vector<std::string> exposure_warnings(const std::vector<std::string>& listen) {
  std::vector<std::string> out;
  for (const auto& uri : listen) {
    LDAPURLDesc* desc = nullptr;
    if (ldap_url_parse(uri.c_str(), &desc) != LDAP_URL_SUCCESS || desc == nullptr) continue;
    const bool local = std::string_view(desc->lud_scheme) == "ldapi" ||
                       (desc->lud_host != nullptr && *desc->lud_host != '\0' && is_loopback_host(desc->lud_host));
    ldap_free_urldesc(desc);
    if (!local)
      out.push_back("warning: " + uri + " exposes the directory to the network: every host that reaches it may try "
                    "passwords there; loopback (ldap://127.0.0.1:PORT/) is enough for ejabberd on this machine");
  }
  return out;
}

bool private_ldap_running(const LdapSettings& settings) {
  return !settings.state_dir.empty() && try_connect(Paths(settings.state_dir)).has_value();
}

Steps start_private_ldap(const LdapSettings& settings) {
  const Paths paths(settings.state_dir);
  if (!fs::exists(paths.conf)) throw Error(ErrorKind::Directory, "no private slapd in " + paths.state.string());
  if (try_connect(paths)) return {"slapd is already running in " + paths.state.string()};
  if (handed_to_systemd(paths)) return start_with_systemd(paths);

  std::string urls = ldapi_uri(paths.socket);
  for (const auto& uri : read_lines(paths.urls)) urls += " " + uri;
  std::vector<std::string> args{find_slapd_paths().slapd.string(), "-f", paths.conf.string(), "-h", urls};
  // As root, slapd drops to its own account once its sockets are open, when there is one.
  std::string as;
  if (const auto account = ldap_account(); account && ::geteuid() == 0) {
    args.insert(args.end(), {"-u", account->name, "-g", account->group});
    as = " as " + account->name;
  }
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);

  std::error_code ec;
  fs::remove(paths.socket, ec);  // a stale socket from a killed slapd blocks the listener
  pid_t pid = 0;
  if (posix_spawn(&pid, argv[0], nullptr, nullptr, argv.data(), environ) != 0)
    throw Error(ErrorKind::Directory, std::string("cannot run ") + argv[0]);
  int status = 0;
  waitpid(pid, &status, 0);  // slapd forks into the background once it has read its config
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
    throw Error(ErrorKind::Directory, "slapd failed to start (see " + paths.log.string() + ")");
  for (int i = 0; i < 100; ++i) {
    if (try_connect(paths)) return {"started slapd" + as + " on " + urls};
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  throw Error(ErrorKind::Directory, "slapd did not answer on " + ldapi_uri(paths.socket) + " within 10 s (see " +
                                        paths.log.string() + ")");
}

namespace {
// True when pid is a slapd started with this slapd.conf.
bool is_our_slapd(pid_t pid, const fs::path& conf) {
  const fs::path proc = "/proc/" + std::to_string(pid);
  std::error_code ec;
  const std::string exe = fs::read_symlink(proc / "exe", ec).filename().string();
  if (ec || !exe.starts_with("slapd")) return false;
  const std::string cmdline = read_file(proc / "cmdline");
  std::vector<std::string> args;
  for (std::size_t start = 0; start < cmdline.size();) {
    const auto end = cmdline.find('\0', start);
    args.push_back(cmdline.substr(start, end == std::string::npos ? std::string::npos : end - start));
    if (end == std::string::npos) break;
    start = end + 1;
  }
  for (std::size_t i = 0; i + 1 < args.size(); ++i)
    if (args[i] == "-f" && fs::weakly_canonical(args[i + 1], ec) == fs::weakly_canonical(conf, ec)) return true;
  return false;
}
}  // namespace

Steps stop_private_ldap(const LdapSettings& settings) {
  const Paths paths(settings.state_dir);
  if (handed_to_systemd(paths)) return {service::stop(service::kSlapdUnit)};
  std::ifstream in(paths.pidfile);
  pid_t pid = 0;
  if (!(in >> pid) || pid <= 0 || ::kill(pid, 0) != 0) return {"slapd is not running in " + paths.state.string()};
  if (!is_our_slapd(pid, paths.conf))
    return {"slapd is not running in " + paths.state.string() + " (pid " + std::to_string(pid) + " of " +
            paths.pidfile.string() + " is another process: left alone)"};
  ::kill(pid, SIGTERM);
  for (int i = 0; i < 100 && ::kill(pid, 0) == 0; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  if (::kill(pid, 0) == 0) throw Error(ErrorKind::Directory, "slapd (pid " + std::to_string(pid) + ") did not stop");
  return {"stopped slapd in " + paths.state.string()};
}

Steps setup_private_ldap(const fs::path& config, const PrivateLdap& options) {
  Settings settings = settings_to_update(config);
  const LdapSettings recorded = settings.ldap;
  const fs::path state_dir = !options.state_dir.empty()   ? options.state_dir
                             : !recorded.state_dir.empty() ? recorded.state_dir
                                                           : fs::path(kDefaultStateDir);
  const Paths paths(state_dir);
  check_repoint(config, recorded, ldapi_uri(paths.socket), paths.state.string(), options.repoint);
  Steps steps;
  std::string base_dn = options.base_dn;
  std::vector<std::string> listen = options.listen;
  bool restart = false;

  if (fs::exists(paths.conf)) {
    steps.push_back("the directory is already set up in " + paths.state.string());
    if (!recorded.base_dn.empty() && recorded.state_dir == paths.state) base_dn = recorded.base_dn;
    const auto previous_listen = read_lines(paths.urls);
    if (listen.empty()) {
      listen = previous_listen;
    } else if (listen != previous_listen) {
      // New listen URIs: record them and restart slapd on them; the data stays.
      check_listen(listen);
      write_file(paths.urls, joined_lines(listen), fs::perms::owner_read | fs::perms::owner_write);
      steps.push_back("slapd now also listens on " + joined_lines(listen, " "));
      restart = true;
    }
    // The configuration is written again from the template: fixes (rules, places) reach
    // directories made by older versions. The manager's hash stays.
    const auto root_pw = recorded_root_pw(paths.conf);
    const std::string text =
        render_conf(paths, base_dn, root_pw ? *root_pw : render::slapd_quoted(password::hash(read_secret_file(paths.secret))));
    ensure_secret(paths.service_secret);
    if (text != read_file(paths.conf)) {
      write_file(paths.conf, text, fs::perms::owner_read | fs::perms::owner_write);
      steps.push_back("updated " + paths.conf.string());
      restart = true;
    }
  } else {
    first_rdn(base_dn);  // validates before anything is written
    check_listen(listen);
    fs::create_directories(paths.data);
    fs::permissions(paths.state, fs::perms::owner_all);
    const std::string secret = ensure_secret(paths.secret);
    ensure_secret(paths.service_secret);
    const std::string text = render_conf(paths, base_dn, render::slapd_quoted(password::hash(secret)));
    write_file(paths.conf, text, fs::perms::owner_read | fs::perms::owner_write);
    write_file(paths.urls, joined_lines(listen), fs::perms::owner_read | fs::perms::owner_write);
    steps.push_back("wrote " + paths.conf.string());
  }
  for (auto& warning : exposure_warnings(listen)) steps.push_back(std::move(warning));

  const LdapSettings ours = private_settings(paths, base_dn, listen);
  if (restart && try_connect(paths))
    for (auto& step : stop_private_ldap(ours)) steps.push_back(std::move(step));
  set_ownership(paths);
  for (auto& step : start_private_ldap(ours)) steps.push_back(std::move(step));
  auto conn = try_connect(paths);
  if (!conn) throw Error(ErrorKind::Directory, "slapd is not answering on " + ldapi_uri(paths.socket));
  create_base(*conn, base_dn, steps);

  settings.ldap = ours;
  Directory directory(std::move(*conn), base_dn, settings.primary_host());
  for (const auto& dn : directory.ensure_tree()) steps.push_back("created " + dn);
  ensure_service_entry(directory.connection(), base_dn, read_secret_file(paths.service_secret), steps);
  settings.save(config);
  steps.push_back("wrote " + fs::absolute(config).string());
  if (auto warning = service::foreign_slapd_warning()) steps.push_back(std::move(*warning));
  return steps;
}

Steps adopt_ldap(const fs::path& config, const ExistingLdap& options) {
  Settings settings = settings_to_update(config);
  check_repoint(config, settings.ldap, options.uri, options.uri, options.repoint);
  settings.ldap = LdapSettings{};
  settings.ldap.uri = options.uri;
  settings.ldap.base_dn = options.base_dn;
  settings.ldap.bind_dn = options.bind_dn;
  if (!options.bind_password_file.empty()) settings.ldap.bind_password_file = fs::absolute(options.bind_password_file);
  first_rdn(options.base_dn);
  Steps steps;
  Directory directory = Directory::open(settings);
  steps.push_back("connected to " + options.uri + (options.bind_dn.empty() ? "" : " as " + options.bind_dn));
  const auto created = directory.ensure_tree();
  if (created.empty()) steps.push_back("the Jabber subtree already exists under " + options.base_dn);
  for (const auto& dn : created) steps.push_back("created " + dn);
  settings.save(config);
  steps.push_back("wrote " + fs::absolute(config).string());
  return steps;
}

}  // namespace jabberadmin::setup
