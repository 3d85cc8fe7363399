// XEP-0054 vcard-temp, read-only, from the directory: FN and NICKNAME from cn, JABBERID,
// PHOTO (image/jpeg, BINVAL) from jpegPhoto. A get to a bare JID (or to none: one's own)
// is answered from the DirectoryCache, never by searching LDAP; a set is refused with
// <not-allowed/>, because the directory is where vCards are edited.
#pragma once

#include <functional>
#include <string>
#include <string_view>

#include "jabberadmin/account.hpp"
#include "jabberadmin/jid.hpp"
#include "router/router.hpp"
#include "xml/element.hpp"

namespace jabberadmin::im {

inline constexpr std::string_view kVcardReadOnly = "vCards come from the directory; ask your administrator";

// The user behind a bare JID on one of our hosts, or nullptr.
using FindAccount = std::function<const User*(const Jid& bare)>;

// The vCard of user, as addressed by jid.
xml::Element vcard_of(const User& user, const Jid& jid);

// Registers the vcard-temp IQ handler for accounts; find must outlive the router.
void install_vcard(router::Router& router, FindAccount find);

}  // namespace jabberadmin::im
