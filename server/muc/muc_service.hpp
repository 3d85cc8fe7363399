// The XEP-0045 service on each of its domains (conference.<host>): it owns the rooms,
// creates one when a user joins a room that does not exist (that user its owner, the room
// locked until configured), hands every stanza for a room to it, answers the service's own
// disco, stores persistent rooms and lets the others go once empty.
//
// For code that manages rooms (group rooms): create_room() makes a room that is open at
// once, with the given configuration and affiliations, stored if persistent; find() then
// Room::set_affiliation() changes one membership live; destroy_room() removes it.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "mam/archive_store.hpp"
#include "muc/room.hpp"
#include "muc/room_store.hpp"
#include "router/router.hpp"
#include "stream/stanza_view.hpp"

namespace jabberadmin::muc {

struct MucOptions {
  RoomLimits limits;
  std::size_t max_rooms_per_user = 100;  // rooms one account may own (0 = none may be created)
  // The message archive rooms keep theirs in, owned by the room's bare JID; null: the
  // server keeps no archives (mam off), and no room archives anything.
  mam::ArchiveStore* archive = nullptr;
};

class MucService {
 public:
  // domains: the service's domains, normalised. store: null keeps nothing across restarts.
  MucService(router::Router& router, std::vector<std::string> domains, MucOptions options, RoomStore* store);

  // A stanza to one of the domains ('from' stamped by the server).
  void handle(const stream::Stanza& stanza);
  // A client's session ended: it leaves every room it was in.
  void session_ended(const Jid& real);

  const std::vector<std::string>& domains() const noexcept { return domains_; }
  Room* find(const Jid& room);
  // room: a bare JID on one of the domains; affiliations by bare JID. Throws
  // std::invalid_argument for a room that exists or a domain that is not the service's.
  Room& create_room(const Jid& room, RoomConfig config, const std::map<std::string, Affiliation>& affiliations = {});
  void destroy_room(const Jid& room, std::string_view reason = {});
  // An account removed from the directory: its affiliations go (the rooms it owned keep
  // their other owners). How many there were.
  std::size_t drop_affiliations(const Jid& bare);
  std::size_t room_count() const noexcept { return rooms_.size(); }

 private:
  std::shared_ptr<Room> make_room(const Jid& room, RoomConfig config, bool locked);
  void service_iq(const stream::Stanza& iq);
  void to_missing_room(const stream::Stanza& stanza);
  std::size_t rooms_owned_by(const Jid& user) const;
  // Lets a room go when it is gone (destroyed, or temporary and empty), and its archive.
  void settle(const std::string& room_jid);
  void bounce(const stream::Stanza& stanza, std::string_view type, std::string_view condition, std::string_view text = {});

  router::Router& router_;
  std::vector<std::string> domains_;
  MucOptions options_;
  RoomStore* store_;
  std::string occupant_id_secret_;  // XEP-0421, the store's (or, without one, this run's)
  // By bare JID. Shared: a room's stanzas may come back to the service while it handles
  // one of the room's (an error bounced to the room), and the room must outlive that.
  std::map<std::string, std::shared_ptr<Room>, std::less<>> rooms_;
};

}  // namespace jabberadmin::muc
