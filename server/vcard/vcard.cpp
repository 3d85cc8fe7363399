#include "vcard/vcard.hpp"

#include "jabberadmin/encoding.hpp"
#include "stream/namespaces.hpp"
#include "stream/stanza.hpp"

namespace jabberadmin::vcard {
namespace {
xml::Element text_element(std::string name, std::string_view text) {
  xml::Element e(std::move(name), std::string(ns::kVcard));
  e.add_text(text);
  return e;
}
}  // namespace

xml::Element vcard_of(const User& user, const Jid& jid) {
  xml::Element vcard("vCard", std::string(ns::kVcard));
  // cn is mandatory in inetOrgPerson; the account name stands in should it be empty.
  vcard.add(text_element("FN", user.nickname.empty() ? user.name : user.nickname));
  if (!user.nickname.empty()) vcard.add(text_element("NICKNAME", user.nickname));
  vcard.add(text_element("JABBERID", user.jid.empty() ? jid.bare() : user.jid));
  if (!user.photo.empty()) {
    xml::Element& photo = vcard.add(xml::Element("PHOTO", std::string(ns::kVcard)));
    photo.add(text_element("TYPE", "image/jpeg"));
    photo.add(text_element("BINVAL", encoding::base64_encode(user.photo)));
  }
  return vcard;
}

router::IqHandler handler(FindAccount find) {
  return [find = std::move(find)](router::Router& r, const stream::Stanza& iq) {
    const Jid owner = (iq.has_to() ? iq.to() : iq.from()).to_bare();
    if (owner.domain.empty()) return;
    if (iq.type() == "set")
      return r.bounce(iq, "cancel", "not-allowed", kVcardReadOnly);
    const User* user = find(owner);
    if (user == nullptr) return r.bounce(iq, "cancel", "item-not-found");
    xml::Element result = stream::iq_result(iq);
    result.add(vcard_of(*user, owner));
    r.reply(iq, result);
  };
}

Vcards::Vcards(module::Context& context)
    : Module("vcard"),
      handler_(context.handle_iq(router::IqTarget::Account, std::string(ns::kVcard),
                                 handler([&directory = context.directory()](const Jid& bare) {
                                   return directory.find(bare.local);
                                 }))) {}

}  // namespace jabberadmin::vcard
