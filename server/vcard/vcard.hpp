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
#include "module/module.hpp"
#include "router/router.hpp"
#include "xml/element.hpp"

namespace jabberadmin::vcard {

inline constexpr std::string_view kVcardReadOnly = "vCards come from the directory; ask your administrator";

// The user behind a bare JID on one of our hosts, or nullptr.
using FindAccount = std::function<const User*(const Jid& bare)>;

// The vCard of user, as addressed by jid.
xml::Element vcard_of(const User& user, const Jid& jid);

// The vcard-temp IQ handler for accounts.
router::IqHandler handler(FindAccount find);

// The module: vCards of the users in the context's directory cache.
class Vcards final : public module::Module {
 public:
  explicit Vcards(module::Context& context);

 private:
  module::Registration handler_;
};

}  // namespace jabberadmin::vcard
