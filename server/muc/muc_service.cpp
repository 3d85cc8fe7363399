#include "muc/muc_service.hpp"

#include <algorithm>
#include <chrono>
#include <exception>
#include <stdexcept>

#include "mam/archive_answer.hpp"
#include "muc/occupant_id.hpp"
#include "stream/c2s.hpp"
#include "stream/namespaces.hpp"
#include "stream/stanza.hpp"
#include "util/log.hpp"

namespace jabberadmin::muc {

MucService::MucService(router::Router& router, std::vector<std::string> domains, MucOptions options, RoomStore* store)
    : router_(router),
      domains_(std::move(domains)),
      options_(std::move(options)),
      store_(store),
      occupant_id_secret_(store_ ? store_->occupant_id_secret() : new_occupant_id_secret()) {
  if (store_ == nullptr) return;
  for (StoredRoom& stored : store_->load()) {
    const Jid jid = Jid::split_normalized(stored.jid);
    // A room of a service domain no longer configured stays in the file, unserved.
    if (std::find(domains_.begin(), domains_.end(), jid.domain) == domains_.end()) continue;
    auto room = make_room(jid, std::move(stored.config), false);
    room->restore(std::move(stored.affiliations), std::move(stored.subject), std::move(stored.subject_by));
    room->restore_history(std::move(stored.history));
    rooms_.emplace(stored.jid, std::move(room));
  }
  if (!rooms_.empty()) log::info("muc: " + std::to_string(rooms_.size()) + " persistent rooms loaded");
}

std::shared_ptr<Room> MucService::make_room(const Jid& room, RoomConfig config, bool locked) {
  RoomServices services{
      .send = [this](const xml::Element& stanza) { router_.deliver(stanza); },
      .changed =
          [this](const Room& r) {
            if (store_ == nullptr) return;
            if (r.config().persistent) store_->save_settings(r);
            else store_->remove(r.jid().bare());
          },
      .affiliation_changed =
          [this](const Room& r, const std::string& bare, Affiliation a) {
            if (store_ != nullptr && r.config().persistent) store_->save_affiliation(r.jid().bare(), bare, a);
          },
      .history_added =
          [this](const Room& r, const HistoryEntry& entry) {
            if (store_ != nullptr && r.config().persistent && options_.limits.history_size > 0)
              store_->add_history(r.jid().bare(), entry.message, entry.when, options_.limits.history_size);
          },
      .occupant_id =
          [this](const Room& r, const Jid& real) {
            return occupant_id(occupant_id_secret_, r.jid().bare(), real.bare());
          },
  };
  if (mam::ArchiveStore* archive = options_.archive) {
    services.archive = [archive](const Room& r, const xml::Element& message) {
      mam::ArchivedMessage archived{mam::new_archive_id(), std::chrono::system_clock::now(), message.attr_or("from"),
                                    mam::Direction::Incoming, xml::serialize(message)};
      try {
        archive->append(r.jid().bare(), archived);
        return archived.id;
      } catch (const std::exception& e) {
        // The message goes on unarchived rather than not at all.
        log::error("muc: cannot archive a message of " + r.jid().bare() + ": " + e.what());
        return std::string();
      }
    };
    services.archive_query = [this, archive](const stream::Stanza& iq) {
      mam::answer_query(router_, *archive, iq, iq.to().bare());
    };
  }
  return std::make_shared<Room>(room, std::move(config), options_.limits, std::move(services), locked);
}

Room* MucService::find(const Jid& room) {
  const auto it = rooms_.find(room.bare());
  return it == rooms_.end() ? nullptr : it->second.get();
}

Room& MucService::create_room(const Jid& room, RoomConfig config, const std::map<std::string, Affiliation>& affiliations) {
  if (room.local.empty() || std::find(domains_.begin(), domains_.end(), room.domain) == domains_.end())
    throw std::invalid_argument(room.bare() + " is no room address of this service");
  if (rooms_.contains(room.bare())) throw std::invalid_argument("the room " + room.bare() + " exists");
  auto made = make_room(room.to_bare(), std::move(config), false);
  Room& r = *made;
  r.restore(affiliations, {}, {});
  rooms_.emplace(room.bare(), std::move(made));
  if (store_ && r.config().persistent) store_->save(r);
  return r;
}

void MucService::destroy_room(const Jid& room, std::string_view reason) {
  Room* r = find(room);
  if (r == nullptr) return;
  r->destroy(reason);
  settle(room.bare());
}

std::size_t MucService::drop_affiliations(const Jid& bare) {
  std::size_t dropped = 0;
  for (auto& [jid, room] : rooms_)
    if (room->affiliation(bare) != Affiliation::None) {
      room->set_affiliation(bare, Affiliation::None);
      ++dropped;
    }
  return dropped;
}

std::size_t MucService::rooms_owned_by(const Jid& user) const {
  return static_cast<std::size_t>(std::count_if(rooms_.begin(), rooms_.end(), [&user](const auto& r) {
    return r.second->affiliation(user) == Affiliation::Owner;
  }));
}

void MucService::bounce(const stream::Stanza& stanza, std::string_view type, std::string_view condition,
                        std::string_view text) {
  if (stanza.type() == "error" || (stanza.is_iq() && stanza.type() == "result")) return;
  router_.deliver(room_error(stanza, type, condition, text));
}

void MucService::handle(const stream::Stanza& stanza) {
  if (stanza.from().local.empty()) return;  // only accounts use rooms (no server-to-server)
  const Jid& to = stanza.to();
  if (to.local.empty()) {
    if (!to.resource.empty()) return bounce(stanza, "cancel", "service-unavailable");
    if (stanza.is_iq()) return service_iq(stanza);
    if (stanza.is_message()) return bounce(stanza, "cancel", "service-unavailable", "Send messages to a room");
    return;
  }
  const std::string bare = to.bare();
  const auto it = rooms_.find(bare);
  if (it == rooms_.end()) return to_missing_room(stanza);
  const std::shared_ptr<Room> held = it->second;
  Room& room = *held;
  if (stanza.is_presence()) room.presence(stanza);
  else if (stanza.is_message()) room.message(stanza);
  else room.iq(stanza);
  settle(bare);
}

void MucService::to_missing_room(const stream::Stanza& stanza) {
  const Jid& to = stanza.to();
  if (!stanza.is_presence()) {
    if (stanza.is_iq() && stanza.type() != "get" && stanza.type() != "set") return;
    return bounce(stanza, "cancel", "item-not-found", "No such room");
  }
  if (stanza.type() != "available") return;
  if (to.resource.empty()) return bounce(stanza, "modify", "jid-malformed", "Join a room as room@service/nickname");
  // §10.1.1: joining a room that does not exist creates it, locked, with its creator as owner.
  if (rooms_owned_by(stanza.from()) >= options_.max_rooms_per_user)
    return bounce(stanza, "cancel", "not-allowed",
                  "You own " + std::to_string(options_.max_rooms_per_user) + " rooms already, the most one may");
  const std::string bare = to.bare();
  const std::shared_ptr<Room> made = make_room(to.to_bare(), RoomConfig{}, true);
  Room& room = *made;
  room.restore({{stanza.from().bare(), Affiliation::Owner}}, {}, {});
  rooms_.emplace(bare, made);
  room.presence(stanza, true);
  settle(bare);  // the join refused (an oversized nickname): nobody in it, it goes
}

void MucService::settle(const std::string& room_jid) {
  const auto it = rooms_.find(room_jid);
  if (it == rooms_.end() || !it->second->gone()) return;
  if (store_ != nullptr && it->second->config().persistent) store_->remove(room_jid);
  if (options_.archive != nullptr) {
    try {
      options_.archive->remove_owners({room_jid});
    } catch (const std::exception& e) {
      log::error("muc: cannot remove the archive of " + room_jid + ": " + e.what());
    }
  }
  rooms_.erase(it);
}

void MucService::session_ended(const Jid& real) {
  std::vector<std::pair<std::string, std::shared_ptr<Room>>> in;
  for (const auto& [jid, room] : rooms_)
    if (room->has_occupant(real)) in.emplace_back(jid, room);
  for (const auto& [jid, room] : in) {
    room->session_ended(real);
    settle(jid);
  }
}

void MucService::service_iq(const stream::Stanza& iq) {
  if (iq.type() != "get" && iq.type() != "set") return;
  const xml::Element* payload = iq.payload();
  const std::string xmlns = payload ? payload->xmlns() : std::string();
  if (iq.type() == "get" && xmlns == ns::kDiscoInfo && !payload->attr("node")) {
    xml::Element reply = stream::iq_result(iq);
    xml::Element& q = reply.add(xml::Element("query", std::string(ns::kDiscoInfo)));
    q.add(xml::Element("identity", std::string(ns::kDiscoInfo)))
        .set_attr("category", "conference")
        .set_attr("type", "text")
        .set_attr("name", "Chatrooms");
    for (std::string_view var : {ns::kDiscoInfo, ns::kDiscoItems, ns::kMuc, ns::kMucUnique, ns::kPing})
      q.add(xml::Element("feature", std::string(ns::kDiscoInfo))).set_attr("var", var);
    return router_.reply(iq, reply);
  }
  if (iq.type() == "get" && xmlns == ns::kDiscoItems && !payload->attr("node")) {
    // §6.3: the public rooms of this domain (a locked room is nobody's to see yet).
    xml::Element reply = stream::iq_result(iq);
    xml::Element& q = reply.add(xml::Element("query", std::string(ns::kDiscoItems)));
    const std::string suffix = "@" + iq.to().domain;
    for (const auto& [jid, room] : rooms_)
      if (jid.ends_with(suffix) && room->config().is_public && !room->locked())
        q.add(xml::Element("item", std::string(ns::kDiscoItems))).set_attr("jid", jid).set_attr("name", room->display_name());
    return router_.reply(iq, reply);
  }
  if (iq.type() == "get" && xmlns == ns::kPing) return router_.reply(iq, stream::iq_result(iq));
  if (iq.type() == "get" && payload->is("unique", ns::kMucUnique)) {
    // XEP-0307: 128 random bits in hex, a localpart that needs no escaping, and none of
    // the service's rooms (a collision is as good as impossible, but checked).
    std::string name;
    do name = stream::random_hex(16);
    while (rooms_.contains(name + "@" + iq.to().domain));
    xml::Element reply = stream::iq_result(iq);
    reply.add(xml::Element("unique", std::string(ns::kMucUnique))).add_text(name);
    return router_.reply(iq, reply);
  }
  bounce(iq, "cancel", "service-unavailable");
}

}  // namespace jabberadmin::muc
