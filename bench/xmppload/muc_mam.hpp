// The stanzas of xmppload's muc and mam scenarios, and what it reads in their answers.
// Written by hand, as a client writes them: the generator shares no code with the servers.
#pragma once

#include <string>
#include <string_view>

#include "xml_reader.hpp"

namespace xmppload {

inline constexpr std::string_view kMucNs = "http://jabber.org/protocol/muc";
inline constexpr std::string_view kMucUserNs = "http://jabber.org/protocol/muc#user";
inline constexpr std::string_view kMamNs = "urn:xmpp:mam:2";

// XEP-0045 7.2: enter room@service as `nick`, asking for no history (the messages timed are
// the ones sent after every occupant is in).
inline std::string muc_join(std::string_view room_jid, std::string_view nick) {
  return "<presence to='" + std::string(room_jid) + "/" + std::string(nick) + "'><x xmlns='" + std::string(kMucNs) +
         "'><history maxstanzas='0'/></x></presence>";
}

// XEP-0045 10.1.2: accept the default configuration of a room just created ("instant room"),
// which unlocks it for the others (Prosody keeps a new room locked until then).
inline std::string muc_instant_room(std::string_view room_jid, std::string_view id) {
  return "<iq type='set' id='" + std::string(id) + "' to='" + std::string(room_jid) +
         "'><query xmlns='http://jabber.org/protocol/muc#owner'><x xmlns='jabber:x:data' type='submit'/></query></iq>";
}

// A presence from the room about ourselves carries status 110 (XEP-0045 7.2.3); 201 says
// the room was created by this join.
inline bool muc_has_status(const Element& presence, std::string_view code) {
  for (const auto& x : presence.children)
    if (x->name == "x" && x->ns == kMucUserNs)
      for (const auto& s : x->children)
        if (s->name == "status" && s->attr("code") == code) return true;
  return false;
}

// XEP-0313 with XEP-0059: the last `max` messages of the archive, the page a client asks
// for first when it opens a conversation.
inline std::string mam_last_page(std::string_view id, std::size_t max) {
  return "<iq type='set' id='" + std::string(id) + "'><query xmlns='" + std::string(kMamNs) + "' queryid='" + std::string(id) +
         "'><set xmlns='http://jabber.org/protocol/rsm'><max>" + std::to_string(max) + "</max><before/></set></query></iq>";
}

// A message carrying one archived message of a query (XEP-0313 4.2), or nullptr.
inline const Element* mam_result(const Element& message) {
  for (const auto& c : message.children)
    if (c->name == "result" && c->ns == kMamNs) return c.get();
  return nullptr;
}

// The defined condition of an <error/> child, for the error counts.
inline std::string error_condition(const Element& stanza) {
  const Element* error = stanza.child("error");
  return error && !error->children.empty() ? error->children.front()->name : "?";
}

}  // namespace xmppload
