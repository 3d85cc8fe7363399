// What `cl-setup ldap` does: a private slapd under a state directory (the embedded
// default), or adopting an existing directory. Returns what it did, one line a step,
// for the tool to print; the library itself never prints.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "jabberadmin/settings.hpp"

namespace jabberadmin::setup {

inline constexpr const char* kDefaultStateDir = "/var/lib/jabberadmin/ldap";

struct PrivateLdap {
  // Empty: the one the settings file records, else kDefaultStateDir.
  std::filesystem::path state_dir;
  std::string base_dn = "dc=jabberadmin";
  std::vector<std::string> listen;  // extra URIs, e.g. ldap://127.0.0.1:3890/
  // The settings record another directory: point them at this one all the same.
  bool repoint = false;
};

struct ExistingLdap {
  std::string uri;
  std::string base_dn;
  std::string bind_dn;
  std::filesystem::path bind_password_file;
  bool repoint = false;  // as in PrivateLdap
};

using Steps = std::vector<std::string>;

// 24 random bytes in base64: a new password or shared secret.
std::string random_secret();

// Creates (or, when it exists, starts if needed and keeps) the private slapd, creates the
// base and the Jabber subtree, and writes the settings file at config. Safe to re-run.
Steps setup_private_ldap(const std::filesystem::path& config, const PrivateLdap& options);
// Checks the connection and the base, creates only the missing Jabber subtree, writes settings.
Steps adopt_ldap(const std::filesystem::path& config, const ExistingLdap& options);

// A warning for each listen URI that is neither ldapi:// nor on a loopback address: such a
// slapd answers the whole network. Empty when every URI is local.
std::vector<std::string> exposure_warnings(const std::vector<std::string>& listen);

// Starting and stopping the private slapd again (after a reboot, for maintenance).
Steps start_private_ldap(const LdapSettings& settings);
// Stops only the slapd that runs our slapd.conf: the pid file's process must be a slapd
// whose command line names it (a stale pid may belong to anything by now).
Steps stop_private_ldap(const LdapSettings& settings);
bool private_ldap_running(const LdapSettings& settings);

// "ldapi://%2Fpath%2Fto%2Fsocket": the URI of a Unix socket path.
std::string ldapi_uri(const std::filesystem::path& socket);

}  // namespace jabberadmin::setup
