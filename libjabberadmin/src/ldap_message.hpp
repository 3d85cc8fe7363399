// Internal to the library: turning a libldap search entry into an Entry.
#pragma once

#include <ldap.h>

#include "jabberadmin/ldap.hpp"

namespace jabberadmin::ldap {

Entry entry_from_message(::ldap* ld, LDAPMessage* message);

}  // namespace jabberadmin::ldap
