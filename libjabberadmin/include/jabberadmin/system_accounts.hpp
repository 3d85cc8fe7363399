// The system accounts the daemons run as, when the package (or the administrator) created
// them: the server `jabberadmin` and the private slapd `jabberadmin-ldap`. Where they do not
// exist (a developer's build tree, tests as any user) everything runs as the caller.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <optional>
#include <string>

namespace jabberadmin {

inline constexpr const char* kServerAccount = "jabberadmin";
inline constexpr const char* kLdapAccount = "jabberadmin-ldap";

struct SystemAccount {
  std::string name;
  uid_t uid = 0;
  gid_t gid = 0;
  std::string group;  // the primary group's name
};

// The account by name, or nothing. $JABBERADMIN_SERVER_USER and $JABBERADMIN_LDAP_USER
// name other accounts (tests run the daemons as existing unprivileged users this way).
std::optional<SystemAccount> system_account(const std::string& name);
std::optional<SystemAccount> server_account();
std::optional<SystemAccount> ldap_account();

// Makes dir (and parents) when missing, then sets its mode, and its owner when run as root
// and an owner is given: a folder cl-setup owns keeps no looser mode from before.
void own_directory(const std::filesystem::path& dir, std::filesystem::perms mode,
                   const std::optional<SystemAccount>& owner, std::string_view what);

}  // namespace jabberadmin
