#include "jabberadmin/settings.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <netdb.h>
#include <sstream>
#include <toml++/toml.h>

#include "jabberadmin/error.hpp"
#include "jabberadmin/jid.hpp"

namespace jabberadmin {
namespace fs = std::filesystem;
namespace {

std::vector<std::string> string_array(toml::node_view<toml::node> node) {
  std::vector<std::string> out;
  if (const auto* array = node.as_array())
    for (const auto& item : *array)
      if (auto value = item.value<std::string>()) out.push_back(*value);
  return out;
}

toml::array to_array(const std::vector<std::string>& values) {
  toml::array out;
  for (const auto& v : values) out.push_back(v);
  return out;
}

}  // namespace

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

std::vector<std::string> Settings::served_hosts() const {
  std::vector<std::string> hosts;
  for (const auto& h : jabber.hosts) hosts.push_back(normalize_domain(h));
  if (hosts.empty()) hosts.push_back(normalize_domain(primary_host()));
  return hosts;
}

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
  const auto ldap = table["ldap"];
  s.ldap.uri = ldap["uri"].value_or(std::string{});
  s.ldap.base_dn = ldap["base_dn"].value_or(std::string{});
  s.ldap.bind_dn = ldap["bind_dn"].value_or(std::string{});
  s.ldap.bind_password_file = ldap["bind_password_file"].value_or(std::string{});
  s.ldap.state_dir = ldap["state_dir"].value_or(std::string{});
  s.ldap.tcp_uri = ldap["tcp_uri"].value_or(std::string{});
  s.ldap.manager_dn = ldap["manager_dn"].value_or(std::string{});
  s.ldap.manager_password_file = ldap["manager_password_file"].value_or(std::string{});
  if (s.ldap.uri.empty() || s.ldap.base_dn.empty())
    throw Error(ErrorKind::Directory, translatable("%s: [ldap] needs uri and base_dn"), {path.string()});

  const auto jabber = table["jabber"];
  JabberSettings& j = s.jabber;
  j.configured = jabber.is_table();
  j.hosts = string_array(jabber["hosts"]);
  j.history = jabber["history"].value_or(j.history);
  j.history_dir = jabber["history_dir"].value_or(j.history_dir.string());
  j.listen = string_array(jabber["listen"]);
  j.port = static_cast<std::uint16_t>(jabber["port"].value_or(int64_t{j.port}));
  j.tls_port = static_cast<std::uint16_t>(jabber["tls_port"].value_or(int64_t{j.tls_port}));
  j.certfile = jabber["certfile"].value_or(std::string{});
  j.server = jabber["server"].value_or(j.server);
  j.data_dir = jabber["data_dir"].value_or(std::string{});
  j.max_stanza_size = static_cast<std::size_t>(jabber["max_stanza_size"].value_or(int64_t(j.max_stanza_size)));
  for (const auto& [key, value] : kJabberLimitKeys)
    j.*value = static_cast<std::size_t>(std::max<int64_t>(0, jabber[key].value_or(static_cast<int64_t>(j.*value))));
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
    for (const auto& [key, value] : kJabberLimitKeys)
      if (jabber.*value != JabberSettings{}.*value) j.insert(key, static_cast<int64_t>(jabber.*value));
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
