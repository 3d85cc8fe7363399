#include "jabberadmin/system_accounts.hpp"

#include <grp.h>
#include <pwd.h>
#include <unistd.h>

#include <cstdlib>

#include "jabberadmin/error.hpp"

namespace jabberadmin {
namespace fs = std::filesystem;

std::optional<SystemAccount> system_account(const std::string& name) {
  const passwd* p = ::getpwnam(name.c_str());
  if (p == nullptr) return std::nullopt;
  SystemAccount a{name, p->pw_uid, p->pw_gid, {}};
  const group* g = ::getgrgid(p->pw_gid);
  a.group = g != nullptr ? g->gr_name : std::to_string(p->pw_gid);
  return a;
}

namespace {
std::string account_name(const char* variable, const char* fallback) {
  const char* env = std::getenv(variable);
  return env != nullptr && *env != '\0' ? env : fallback;
}
}  // namespace

std::optional<SystemAccount> server_account() { return system_account(account_name("JABBERADMIN_SERVER_USER", kServerAccount)); }
std::optional<SystemAccount> ldap_account() { return system_account(account_name("JABBERADMIN_LDAP_USER", kLdapAccount)); }

void own_directory(const fs::path& dir, fs::perms mode, const std::optional<SystemAccount>& owner, std::string_view what) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) throw Error(ErrorKind::Directory, "cannot create the " + std::string(what) + " " + dir.string() + ": " + ec.message());
  if (owner && ::geteuid() == 0 && ::chown(dir.c_str(), owner->uid, owner->gid) != 0)
    throw Error(ErrorKind::Directory, "cannot give the " + std::string(what) + " " + dir.string() + " to " + owner->name);
  fs::permissions(dir, mode, ec);
  if (ec) throw Error(ErrorKind::Directory, "cannot set the mode of the " + std::string(what) + " " + dir.string() + ": " + ec.message());
}

}  // namespace jabberadmin
