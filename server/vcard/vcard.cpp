#include "vcard/vcard.hpp"

#include <openssl/evp.h>

#include "stream/stanza.hpp"

namespace jabberadmin::vcard {
namespace {
xml::Element text_element(std::string name, std::string_view text) {
  xml::Element e(std::move(name), std::string(kVcardNs));
  e.add_text(text);
  return e;
}
}  // namespace

std::string base64(std::string_view bytes) {
  // EVP_EncodeBlock writes 4 characters per started 3 bytes, plus a NUL.
  std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
  // EVP_EncodeBlock takes an int length: an avatar is far below that, but split anyway.
  std::size_t written = 0;
  constexpr std::size_t kChunk = 3 * (1u << 20);  // a multiple of 3: no padding in between
  for (std::size_t at = 0; at < bytes.size(); at += kChunk) {
    const std::size_t n = std::min(kChunk, bytes.size() - at);
    written += static_cast<std::size_t>(EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data() + written),
                                                        reinterpret_cast<const unsigned char*>(bytes.data() + at),
                                                        static_cast<int>(n)));
  }
  out.resize(written);
  return out;
}

xml::Element vcard_of(const User& user, const Jid& jid) {
  xml::Element vcard("vCard", std::string(kVcardNs));
  // cn is mandatory in inetOrgPerson; the account name stands in should it be empty.
  vcard.add(text_element("FN", user.nickname.empty() ? user.name : user.nickname));
  if (!user.nickname.empty()) vcard.add(text_element("NICKNAME", user.nickname));
  vcard.add(text_element("JABBERID", user.jid.empty() ? jid.bare() : user.jid));
  if (!user.photo.empty()) {
    xml::Element& photo = vcard.add(xml::Element("PHOTO", std::string(kVcardNs)));
    photo.add(text_element("TYPE", "image/jpeg"));
    photo.add(text_element("BINVAL", base64(user.photo)));
  }
  return vcard;
}

router::IqHandler handler(FindAccount find) {
  return [find = std::move(find)](router::Router& r, const xml::Element& iq) {
    const auto to = stream::address(iq, "to").jid;
    const auto from = stream::address(iq, "from").jid;
    if (!from) return;
    const Jid owner = (to ? *to : *from).to_bare();
    if (stream::stanza_type(iq) == "set")
      return r.bounce(iq, "cancel", "not-allowed", kVcardReadOnly);
    const User* user = find(owner);
    if (user == nullptr) return r.bounce(iq, "cancel", "item-not-found");
    xml::Element result = stream::iq_result(iq);
    result.add(vcard_of(*user, owner));
    r.deliver(result);
  };
}

Vcards::Vcards(module::Context& context)
    : Module("vcard"),
      handler_(context.handle_iq(router::IqTarget::Account, std::string(kVcardNs),
                                 handler([&directory = context.directory()](const Jid& bare) {
                                   return directory.find(bare.local);
                                 }))) {}

}  // namespace jabberadmin::vcard
