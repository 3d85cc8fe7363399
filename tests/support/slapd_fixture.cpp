#include "slapd_fixture.hpp"

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <fstream>
#include <stdexcept>

#include "jabberadmin/ldap_setup.hpp"

namespace jabberadmin::test {
namespace fs = std::filesystem;

int free_port() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    close(fd);
    throw std::runtime_error("no free port");
  }
  close(fd);
  return ntohs(addr.sin_port);
}

// A test that crashed never ran its destructor: its slapd still runs and its directory
// stays. Each dir records the test process that owns it; stop what a dead owner left.
void reap_orphans() {
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator("/tmp", ec)) {
    const auto name = entry.path().filename().string();
    if (!name.starts_with("ja-")) continue;
    std::ifstream owner_file(entry.path() / "owner.pid");
    pid_t owner = 0;
    if (!(owner_file >> owner) || owner <= 0 || ::kill(owner, 0) == 0 || errno != ESRCH) continue;
    std::ifstream slapd_file(entry.path() / "ldap" / "slapd.pid");
    pid_t slapd = 0;
    if (slapd_file >> slapd && slapd > 0) ::kill(slapd, SIGTERM);
    fs::remove_all(entry.path(), ec);
  }
}

Slapd::Slapd() {
  reap_orphans();
  // Short path: the ldapi socket path must fit in sun_path (108 bytes).
  std::string templ = "/tmp/ja-XXXXXX";
  if (mkdtemp(templ.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  dir_ = templ;
  std::ofstream(dir_ / "owner.pid") << ::getpid();
  config_ = dir_ / "jabberadmin.conf";
  port_ = free_port();
  tcp_uri_ = "ldap://127.0.0.1:" + std::to_string(port_) + "/";
  setup::PrivateLdap options;
  options.state_dir = state_dir();
  options.base_dn = base_dn();
  options.listen = {tcp_uri_};
  try {
    setup::setup_private_ldap(config_, options);
  } catch (...) {
    // The destructor will not run: stop a slapd that started before the failure.
    try {
      setup::stop_private_ldap(LdapSettings{.state_dir = state_dir()});
    } catch (...) {
    }
    std::error_code ec;
    fs::remove_all(dir_, ec);
    throw;
  }
}

Slapd::~Slapd() {
  try {
    setup::stop_private_ldap(settings().ldap);
  } catch (...) {
  }
  std::error_code ec;
  if (std::getenv("JABBERADMIN_KEEP_TEST_DIRS") == nullptr) fs::remove_all(dir_, ec);
}

std::string Slapd::manager_password() const { return read_secret_file(state_dir() / "manager.secret"); }

Result Slapd::tool(const std::string& name, const std::vector<std::string>& args, const std::string& input) const {
  return run(test::tool(name), args, input, {{"JABBERADMIN_CONFIG", config_.string()}, {"LANG", "C.UTF-8"}});
}

std::string Slapd::ldapsearch(const std::string& filter, const std::vector<std::string>& attributes) const {
  std::vector<std::string> args{"-LLL", "-o", "ldif-wrap=no", "-x", "-H", tcp_uri_, "-D", "cn=admin," + base_dn(),
                                "-y", (state_dir() / "manager.secret").string(), "-b", base_dn(), filter};
  args.insert(args.end(), attributes.begin(), attributes.end());
  const Result r = run("/usr/bin/ldapsearch", args);
  if (r.status != 0 && r.status != 32) throw std::runtime_error("ldapsearch failed: " + r.err);
  return r.out;
}

}  // namespace jabberadmin::test
