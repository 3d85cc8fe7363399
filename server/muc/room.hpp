// One XEP-0045 room: its occupants (nickname, real JID, role, last presence), the
// affiliations, the configuration, the subject and the recent history, and what each
// stanza to the room does to them. It knows nothing of the router or the database: what it
// sends goes through RoomServices::send, and a change worth keeping is reported through
// RoomServices::changed, affiliation_changed and history_added (the service stores
// persistent rooms).
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "jabberadmin/jid.hpp"
#include "muc/room_config.hpp"
#include "muc/room_history.hpp"
#include "stream/rate_limit.hpp"
#include "stream/stanza_view.hpp"
#include "xml/element.hpp"

namespace jabberadmin::muc {

// In this order: a higher affiliation may do what a lower one may (§5.2).
enum class Affiliation { Outcast, None, Member, Admin, Owner };
enum class Role { None, Visitor, Participant, Moderator };

std::string_view to_string(Affiliation a);
std::string_view to_string(Role r);
std::optional<Affiliation> parse_affiliation(std::string_view text);
std::optional<Role> parse_role(std::string_view text);

// The error answer to a stanza for a room (RFC 6120 §8.3); a presence error carries the
// join's <x xmlns='…/muc'/> back, without its password, as XEP-0045's examples do: clients
// (slixmpp's xep_0045) tell a failed join by it.
xml::Element room_error(const stream::Stanza& stanza, std::string_view type, std::string_view condition,
                        std::string_view text = {});

struct RoomLimits {
  std::size_t max_occupants = 1000;      // admins and owners may still enter (§7.2.10)
  double message_rate = 5, message_burst = 20;  // per occupant; rate 0 = no limit
  std::size_t history_size = 20;
  std::size_t max_nick_bytes = 128;
};

struct RoomServices {
  std::function<void(const xml::Element& stanza)> send;  // 'from' and 'to' set
  std::function<void(const class Room& room)> changed;   // configuration or subject
  // One affiliation set (None: removed), apart: a room of thousands of members stores the
  // one that changed, not its whole list.
  std::function<void(const class Room& room, const std::string& bare, Affiliation affiliation)> affiliation_changed;
  // A message kept in the room's history (as RoomHistory keeps it), for a store to keep too.
  std::function<void(const class Room& room, const HistoryEntry& entry)> history_added;
  // The XEP-0421 occupant id of a user (its real JID) in this room; null: none stamped.
  std::function<std::string(const class Room& room, const Jid& real)> occupant_id;
  std::function<std::chrono::system_clock::time_point()> now = [] { return std::chrono::system_clock::now(); };
  // The room's XEP-0313 archive, when the server keeps archives (both null when not):
  // archive keeps a groupchat message as the occupants get it (from room/nick) and gives
  // its stanza-id; archive_query answers a urn:xmpp:mam:2 IQ whose asker may read it.
  std::function<std::string(const class Room& room, const xml::Element& message)> archive;
  std::function<void(const stream::Stanza& iq)> archive_query;
};

class Room {
 public:
  // jid: the room's bare JID, normalised. locked: a room a user has just created, closed to
  // everyone else until its owner configures it or accepts the defaults (§10.1).
  Room(Jid jid, RoomConfig config, const RoomLimits& limits, RoomServices services, bool locked = false);

  const Jid& jid() const noexcept { return jid_; }
  const RoomConfig& config() const noexcept { return config_; }
  bool locked() const noexcept { return locked_; }
  const std::string& subject() const noexcept { return subject_; }
  const std::string& subject_by() const noexcept { return subject_by_; }
  std::size_t occupant_count() const noexcept { return occupants_.size(); }
  // Destroyed by its owner, or a temporary room nobody is in: the service lets it go.
  bool gone() const noexcept { return destroyed_ || (occupants_.empty() && !config_.persistent); }
  // Its messages go to its archive: the server keeps archives and the room's config wants it.
  bool archiving() const noexcept { return config_.archive && services_.archive != nullptr; }

  // The stanzas addressed to the room (its bare JID) or an occupant (room/nick).
  void presence(const stream::Stanza& presence, bool just_created = false);
  void message(const stream::Stanza& message);
  void iq(const stream::Stanza& iq);
  // A session ended without leaving (the router's unbind): the others see it leave.
  void session_ended(const Jid& real);
  bool has_occupant(const Jid& real) const { return by_real_.contains(real.full()); }

  // Affiliations by bare JID; what is not listed is None.
  Affiliation affiliation(const Jid& bare) const;
  const std::map<std::string, Affiliation>& affiliations() const noexcept { return affiliations_; }
  // Sets one (as an owner's muc#admin set does, without the permission checks): occupants
  // who may no longer stay are removed (banned: 301; not a member of a members-only room:
  // 321), the others get their new role. For code that manages rooms (group rooms).
  void set_affiliation(const Jid& bare, Affiliation affiliation, std::string_view reason = {});
  // Restores what the store kept, without telling anyone (the room is empty at start).
  void restore(std::map<std::string, Affiliation> affiliations, std::string subject, std::string subject_by);
  // Restores the history the store kept (oldest first), without telling the store again.
  void restore_history(std::vector<HistoryEntry> history);
  // Sends every occupant away (§10.9) and marks the room gone.
  void destroy(std::string_view reason = {}, std::string_view alternate = {});
  // The service's disco#items entry for it: its name, or its localpart.
  std::string display_name() const { return config_.name.empty() ? jid_.local : config_.name; }

 private:
  struct Occupant {
    std::string nick;
    Jid real;
    Role role;
    xml::Element presence;  // what the client last sent, without its addresses and muc <x/>
    stream::TokenBucket messages;
    std::string id;  // XEP-0421, empty when the service stamps none
  };
  using Occupants = std::map<std::string, Occupant, std::less<>>;  // by nickname

  void join(const stream::Stanza& presence, bool just_created);
  void change_nick(Occupant& occupant, const stream::Stanza& presence);
  void update_presence(Occupant& occupant, const xml::Element& presence);
  void groupchat(Occupant& sender, const stream::Stanza& message);
  void private_message(Occupant& sender, const stream::Stanza& message);
  void invite(Occupant& sender, const stream::Stanza& message, const xml::Element& invite);
  void owner_iq(const stream::Stanza& iq);
  void admin_iq(const stream::Stanza& iq);
  void disco_info(const stream::Stanza& iq);
  void archive_iq(const stream::Stanza& iq, const Occupant* asker);
  std::optional<std::string> apply_admin_items(const stream::Stanza& iq, std::string& condition);

  Role default_role(Affiliation a) const;
  Occupant* find_real(const Jid& real);
  Jid occupant_jid(std::string_view nick) const { return Jid{jid_.local, jid_.domain, std::string(nick)}; }
  bool shows_jid_to(const Occupant& recipient) const;
  // The presence of `of` as `to` sees it (its muc#user item, and status codes).
  xml::Element presence_of(const Occupant& of, const Occupant& to, std::vector<int> codes = {}) const;
  void broadcast_presence(const Occupant& of, std::vector<int> codes = {});
  // of leaves (unavailable to everyone, itself included), with these codes and the <item/>
  // children (actor, reason); erased afterwards.
  void remove(Occupants::iterator of, std::vector<int> codes, std::vector<xml::Element> item_children = {});
  void set_role(Occupant& occupant, Role role);
  // actor_nick: who did it, shown in the <item/> of those it removes ("" for code).
  void apply_affiliation(const std::string& bare, Affiliation affiliation, std::string_view actor_nick, std::string_view reason);
  void send_to(const Occupant& to, xml::Element stanza) const;
  // The room's <occupant-id/> of `of` on a stanza it relays, any a client wrote removed.
  void stamp_occupant_id(xml::Element& stanza, const Occupant& of) const;
  void bounce(const stream::Stanza& stanza, std::string_view type, std::string_view condition, std::string_view text = {}) const;
  void status_message(std::vector<int> codes) const;  // from the room to every occupant
  void changed() const {
    if (services_.changed) services_.changed(*this);
  }

  Jid jid_;
  RoomConfig config_;
  const RoomLimits& limits_;
  RoomServices services_;
  bool locked_;
  bool destroyed_ = false;
  Occupants occupants_;
  std::map<std::string, std::string> by_real_;  // real full JID -> nickname
  std::map<std::string, Affiliation> affiliations_;  // bare JID -> not None
  std::string subject_, subject_by_;
  RoomHistory history_;
};

}  // namespace jabberadmin::muc
