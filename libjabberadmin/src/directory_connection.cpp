#include "jabberadmin/directory_connection.hpp"

#include <unistd.h>

#include "jabberadmin/error.hpp"

namespace jabberadmin {

ldap::ConnectOptions connect_options(const LdapSettings& settings) {
  ldap::ConnectOptions options;
  options.uri = settings.uri;
  options.bind_dn = settings.bind_dn;
  if (!settings.bind_dn.empty()) options.bind_password = read_secret_file(settings.bind_password_file);
  return options;
}

ldap::Connection connect(const LdapSettings& settings) { return ldap::Connection::open(connect_options(settings)); }

Settings as_service(Settings settings) {
  LdapSettings& ldap = settings.ldap;
  if (ldap.service_dn.empty()) return settings;
  if (!ldap.service_password_file.empty() && ::access(ldap.service_password_file.c_str(), R_OK) == 0) {
    ldap.bind_dn = ldap.service_dn;
    ldap.bind_password_file = ldap.service_password_file;
  } else if (ldap.uri.starts_with("ldapi://")) {
    ldap.bind_dn.clear();
    ldap.bind_password_file.clear();
  } else {
    throw Error(ErrorKind::Directory, "cannot read the service password file " + ldap.service_password_file.string() +
                                          " for " + ldap.service_dn);
  }
  return settings;
}

}  // namespace jabberadmin
