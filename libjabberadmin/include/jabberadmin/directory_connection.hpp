// How the tools and the server connect to the directory the settings name: who they bind
// as, and with which secret. Knows nothing of the Jabber subtree (schema.hpp).
#pragma once

#include "jabberadmin/ldap.hpp"
#include "jabberadmin/settings.hpp"

namespace jabberadmin {

// SASL EXTERNAL over ldapi:// when the settings name no bind DN, else a simple bind with the
// password read from the settings' password file.
ldap::ConnectOptions connect_options(const LdapSettings& settings);
// Connects as the settings say. Throws ldap::LdapError (an Error of kind Directory) naming
// the URI when it cannot.
ldap::Connection connect(const LdapSettings& settings);

// The settings the server connects with: its read-only service identity when they name
// one (a simple bind with the service password file when this process can read it, else
// SASL EXTERNAL over ldapi://, which slapd maps to the identity for the server's system
// account); unchanged when they name none (an adopted directory's bind_dn).
Settings as_service(Settings settings);

}  // namespace jabberadmin
