#include "jabberadmin/ldap_setup.hpp"

#include <ldap.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <fstream>
#include <thread>

#include "jabberadmin/directory.hpp"
#include "jabberadmin/error.hpp"
#include "jabberadmin/password.hpp"
#include "jabberadmin/render.hpp"
#include "jabberadmin/service_manager.hpp"

extern char** environ;

namespace jabberadmin::setup {
namespace fs = std::filesystem;
namespace {

struct Paths {
  fs::path state, conf, data, socket, pidfile, urls, secret, log;
  explicit Paths(const fs::path& dir)
      : state(fs::absolute(dir)),
        conf(state / "slapd.conf"),
        data(state / "data"),
        socket(state / "ldapi"),
        pidfile(state / "slapd.pid"),
        urls(state / "listen"),
        secret(state / "manager.secret"),
        log(state / "slapd.log") {}
};

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

std::string random_secret() {
  std::array<unsigned char, 24> bytes{};
  if (RAND_bytes(bytes.data(), static_cast<int>(bytes.size())) != 1)
    throw Error(ErrorKind::Directory, "cannot get random bytes");
  std::array<unsigned char, 40> text{};
  const int n = EVP_EncodeBlock(text.data(), bytes.data(), static_cast<int>(bytes.size()));
  return std::string(reinterpret_cast<char*>(text.data()), static_cast<std::size_t>(n));
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
  s.manager_dn = ldap::child_dn("cn", "admin", base_dn);
  s.manager_password_file = paths.secret;
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

}  // namespace

std::string ldapi_uri(const fs::path& socket) {
  std::string out = "ldapi://";
  for (const unsigned char c : socket.string()) {
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_') {
      out += static_cast<char>(c);
    } else {
      static constexpr char hex[] = "0123456789ABCDEF";
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 0xf];
    }
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
  std::vector<std::string> args{"/usr/sbin/slapd", "-f", paths.conf.string(), "-h", urls};
  if (const char* slapd = std::getenv("JABBERADMIN_SLAPD"); slapd != nullptr && *slapd) args[0] = slapd;
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
    if (try_connect(paths)) return {"started slapd on " + urls};
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  throw Error(ErrorKind::Directory, "slapd did not answer on " + ldapi_uri(paths.socket) + " within 10 s (see " +
                                        paths.log.string() + ")");
}

Steps stop_private_ldap(const LdapSettings& settings) {
  const Paths paths(settings.state_dir);
  if (handed_to_systemd(paths)) return {service::stop(service::kSlapdUnit)};
  std::ifstream in(paths.pidfile);
  pid_t pid = 0;
  if (!(in >> pid) || pid <= 0 || ::kill(pid, 0) != 0) return {"slapd is not running in " + paths.state.string()};
  ::kill(pid, SIGTERM);
  for (int i = 0; i < 100 && ::kill(pid, 0) == 0; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  if (::kill(pid, 0) == 0) throw Error(ErrorKind::Directory, "slapd (pid " + std::to_string(pid) + ") did not stop");
  return {"stopped slapd in " + paths.state.string()};
}

Steps setup_private_ldap(const fs::path& config, const PrivateLdap& options) {
  const Paths paths(options.state_dir);
  Steps steps;
  std::string base_dn = options.base_dn;
  std::vector<std::string> listen = options.listen;

  if (fs::exists(paths.conf)) {
    steps.push_back("the directory is already set up in " + paths.state.string());
    const Settings previous = settings_to_update(config);
    if (!previous.ldap.base_dn.empty() && previous.ldap.state_dir == paths.state) base_dn = previous.ldap.base_dn;
    const auto recorded = read_lines(paths.urls);
    if (listen.empty()) {
      listen = recorded;
    } else if (listen != recorded) {
      // New listen URIs: record them and restart slapd on them; the data stays.
      check_listen(listen);
      write_file(paths.urls, joined_lines(listen), fs::perms::owner_read | fs::perms::owner_write);
      for (auto& step : stop_private_ldap(private_settings(paths, base_dn, recorded))) steps.push_back(std::move(step));
      steps.push_back("slapd now also listens on " + joined_lines(listen, " "));
    }
  } else {
    first_rdn(base_dn);  // validates before anything is written
    check_listen(listen);
    fs::create_directories(paths.data);
    fs::permissions(paths.state, fs::perms::owner_all);
    const std::string secret = random_secret();
    write_private_file(paths.secret, secret);
    const render::Values values{
        {"pidfile", render::slapd_quoted(paths.pidfile.string())},
        {"argsfile", render::slapd_quoted((paths.state / "slapd.args").string())},
        {"logfile", render::slapd_quoted(paths.log.string())},
        {"owner_uid", std::to_string(::geteuid())},
        {"base_dn", render::slapd_quoted(base_dn)},
        {"root_dn", render::slapd_quoted(ldap::child_dn("cn", "admin", base_dn))},
        {"root_pw", render::slapd_quoted(password::hash(secret))},
        {"data_dir", render::slapd_quoted(paths.data.string())},
    };
    write_file(paths.conf, render::fill(render::load("slapd.conf.in"), values), fs::perms::owner_read | fs::perms::owner_write);
    write_file(paths.urls, joined_lines(listen), fs::perms::owner_read | fs::perms::owner_write);
    steps.push_back("wrote " + paths.conf.string());
  }

  for (auto& step : start_private_ldap(private_settings(paths, base_dn, listen))) steps.push_back(std::move(step));
  auto conn = try_connect(paths);
  if (!conn) throw Error(ErrorKind::Directory, "slapd is not answering on " + ldapi_uri(paths.socket));
  create_base(*conn, base_dn, steps);

  Settings settings = settings_to_update(config);
  settings.ldap = private_settings(paths, base_dn, listen);
  Directory directory(std::move(*conn), base_dn, settings.primary_host());
  for (const auto& dn : directory.ensure_tree()) steps.push_back("created " + dn);
  settings.save(config);
  steps.push_back("wrote " + fs::absolute(config).string());
  if (auto warning = service::foreign_slapd_warning()) steps.push_back(std::move(*warning));
  return steps;
}

Steps adopt_ldap(const fs::path& config, const ExistingLdap& options) {
  Settings settings = settings_to_update(config);
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
