// A room's configuration (XEP-0045 §10.2) and its data form (XEP-0004, FORM_TYPE
// muc#roomconfig): what an owner sees in muc#owner and submits back.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "xml/element.hpp"

namespace jabberadmin::muc {

struct RoomConfig {
  std::string name;         // muc#roomconfig_roomname
  std::string description;  // muc#roomconfig_roomdesc
  bool persistent = false;  // kept when empty, and across restarts
  bool is_public = true;    // listed in the service's disco#items
  bool members_only = false;
  bool moderated = false;   // newcomers without affiliation are visitors
  bool change_subject = true;  // participants may set the subject (moderators always may)
  // Non-anonymous by default (cl-jabberd(8)): the accounts are the office's directory, so
  // every occupant may see who is behind a nickname. "moderators" makes it semi-anonymous.
  bool whois_anyone = true;
  // Its messages kept in its XEP-0313 archive (muc#roomconfig_enablearchiving, the field
  // Prosody and Conversations use). On by default; nothing is archived while the server's
  // mam setting is off, whatever a room says.
  bool archive = true;
  // The room password, never kept in clear: a salted SHA-256 (room_secret_hash), empty
  // when the room has none.
  std::string secret_hash;

  bool password_protected() const { return !secret_hash.empty(); }
  bool secret_matches(std::string_view given) const;
};

// "<salt hex>$<sha256(salt hex + secret) hex>", with a fresh random 16-byte salt.
std::string room_secret_hash(std::string_view secret);

// The form an owner fills in (type='form'), with the room's current values (the secret
// itself is never shown).
xml::Element config_form(const RoomConfig& config);
// Applies a submitted form (type='submit') to config; an error text naming the field when
// a value is not one the field accepts (the room then keeps its old configuration). Fields
// the form leaves out keep their values.
std::optional<std::string> apply_config_form(const xml::Element& form, RoomConfig& config);

}  // namespace jabberadmin::muc
