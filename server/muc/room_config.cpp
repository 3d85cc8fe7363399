#include "muc/room_config.hpp"

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include <stdexcept>

#include "jabberadmin/encoding.hpp"
#include "stream/namespaces.hpp"

namespace jabberadmin::muc {
namespace {

using encoding::hex;
using encoding::sha256;

constexpr std::string_view kField = "muc#roomconfig_";

xml::Element field(std::string_view var, std::string_view type, std::string_view label) {
  xml::Element f("field", std::string(ns::kDataForms));
  f.set_attr("var", var).set_attr("type", type).set_attr("label", label);
  return f;
}

void add_value(xml::Element& f, std::string_view value) {
  f.add(xml::Element("value", std::string(ns::kDataForms))).add_text(value);
}

xml::Element boolean(std::string_view var, std::string_view label, bool value) {
  xml::Element f = field(var, "boolean", label);
  add_value(f, value ? "1" : "0");
  return f;
}

xml::Element text(std::string_view var, std::string_view type, std::string_view label, std::string_view value) {
  xml::Element f = field(var, type, label);
  add_value(f, value);
  return f;
}

std::optional<bool> parse_boolean(std::string_view v) {
  if (v == "1" || v == "true") return true;
  if (v == "0" || v == "false") return false;
  return std::nullopt;
}

}  // namespace

std::string room_secret_hash(std::string_view secret) {
  unsigned char salt[16];
  if (RAND_bytes(salt, sizeof salt) != 1) throw std::runtime_error("no random bytes for a room password's salt");
  const std::string salt_hex = hex(std::string_view(reinterpret_cast<const char*>(salt), sizeof salt));
  return salt_hex + "$" + hex(sha256(salt_hex + std::string(secret)));
}

bool RoomConfig::secret_matches(std::string_view given) const {
  const auto dollar = secret_hash.find('$');
  if (dollar == std::string::npos) return false;
  const std::string expected = secret_hash.substr(dollar + 1);
  const std::string actual = hex(sha256(secret_hash.substr(0, dollar) + std::string(given)));
  return actual.size() == expected.size() && CRYPTO_memcmp(actual.data(), expected.data(), actual.size()) == 0;
}

xml::Element config_form(const RoomConfig& c) {
  xml::Element x("x", std::string(ns::kDataForms));
  x.set_attr("type", "form");
  x.add(xml::Element("title", std::string(ns::kDataForms))).add_text("Room configuration");
  xml::Element form_type = field("FORM_TYPE", "hidden", "");
  form_type.remove_attr("label");
  add_value(form_type, ns::kMucRoomConfig);
  x.add(std::move(form_type));
  x.add(text("muc#roomconfig_roomname", "text-single", "Room name", c.name));
  x.add(text("muc#roomconfig_roomdesc", "text-single", "Description", c.description));
  x.add(boolean("muc#roomconfig_persistentroom", "Persistent room", c.persistent));
  x.add(boolean("muc#roomconfig_publicroom", "Listed in the directory of rooms", c.is_public));
  x.add(boolean("muc#roomconfig_membersonly", "Members only", c.members_only));
  x.add(boolean("muc#roomconfig_moderatedroom", "Moderated", c.moderated));
  x.add(boolean("muc#roomconfig_changesubject", "Participants may change the subject", c.change_subject));
  x.add(boolean("muc#roomconfig_enablearchiving", "Archive messages (message archive)", c.archive));
  x.add(boolean("muc#roomconfig_passwordprotectedroom", "Password protected", c.password_protected()));
  x.add(text("muc#roomconfig_roomsecret", "text-private", "Password", ""));
  xml::Element whois = field("muc#roomconfig_whois", "list-single", "Who may see occupants' real addresses");
  add_value(whois, c.whois_anyone ? "anyone" : "moderators");
  for (const auto& [value, label] : {std::pair{"moderators", "Moderators"}, std::pair{"anyone", "Anyone"}}) {
    xml::Element& option = whois.add(xml::Element("option", std::string(ns::kDataForms)));
    option.set_attr("label", label);
    add_value(option, value);
  }
  x.add(std::move(whois));
  return x;
}

std::optional<std::string> apply_config_form(const xml::Element& form, RoomConfig& config) {
  RoomConfig c = config;
  std::optional<bool> protect;
  std::optional<std::string> secret;
  for (const xml::Element& f : form.children()) {
    if (!f.is("field", ns::kDataForms)) continue;
    const std::string var = f.attr_or("var");
    const xml::Element* v = f.child("value", ns::kDataForms);
    const std::string value = v ? v->text() : std::string();
    if (var == "FORM_TYPE") {
      if (value != ns::kMucRoomConfig) return "FORM_TYPE is not " + std::string(ns::kMucRoomConfig);
      continue;
    }
    if (!var.starts_with(kField)) continue;  // fields of other forms: not ours to judge
    const std::string_view key = std::string_view(var).substr(kField.size());
    if (key == "roomname") c.name = value;
    else if (key == "roomdesc") c.description = value;
    else if (key == "roomsecret") secret = value;
    else if (key == "whois") {
      if (value != "anyone" && value != "moderators") return var + " takes 'anyone' or 'moderators'";
      c.whois_anyone = value == "anyone";
    } else {
      bool* target = key == "persistentroom" ? &c.persistent
                     : key == "publicroom"   ? &c.is_public
                     : key == "membersonly"  ? &c.members_only
                     : key == "moderatedroom" ? &c.moderated
                     : key == "changesubject" ? &c.change_subject
                     : key == "enablearchiving" ? &c.archive
                                              : nullptr;
      if (target == nullptr && key != "passwordprotectedroom") continue;  // a field we do not offer
      const auto b = parse_boolean(value);
      if (!b) return var + " takes a boolean (1 or 0)";
      if (target) *target = *b;
      else protect = *b;
    }
  }
  if (c.name.size() > 256 || c.description.size() > 1024) return "the room name or description is too long";
  if (protect == false) c.secret_hash.clear();
  else if (secret && !secret->empty()) c.secret_hash = room_secret_hash(*secret);
  else if (protect == true && c.secret_hash.empty()) return "a password-protected room needs muc#roomconfig_roomsecret";
  config = std::move(c);
  return std::nullopt;
}

}  // namespace jabberadmin::muc
