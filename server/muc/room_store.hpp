// Persistent rooms in SQLite (the "muc" migrations): each room's configuration, subject,
// affiliations and recent history, so that a restart keeps them. Temporary rooms are never
// stored; occupants are not kept (a restart ends every session anyway).
#pragma once

#include <boost/asio/any_io_executor.hpp>

#include <chrono>
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "muc/room.hpp"
#include "store/database.hpp"
#include "store/write_behind.hpp"

namespace jabberadmin::muc {

struct StoredRoom {
  std::string jid;  // bare, normalised
  RoomConfig config;
  std::string subject, subject_by;
  std::map<std::string, Affiliation> affiliations;
  std::vector<HistoryEntry> history;  // oldest first
};

class RoomStore {
 public:
  explicit RoomStore(store::Database& db);
  // From now on history is written behind on executor (store::WriteBehind): a busy
  // persistent room would otherwise sync the disk once per message, on the io thread. What
  // reads or removes here writes what waits first.
  void write_behind(boost::asio::any_io_executor executor);

  std::vector<StoredRoom> load();
  // Writes the room whole (its row and its affiliations), in one transaction: a room
  // stored for the first time.
  void save(const Room& room);
  // Writes its configuration and subject only; a room not stored yet is saved whole.
  void save_settings(const Room& room);
  // Writes (None: deletes) one affiliation row of a stored room.
  void save_affiliation(std::string_view room_jid, std::string_view bare, Affiliation affiliation);
  // Keeps one message of the room's history and lets go of those beyond the newest `keep`
  // (written behind once write_behind was called).
  void add_history(std::string_view room_jid, const xml::Element& message, std::chrono::system_clock::time_point when,
                   std::size_t keep);
  void remove(std::string_view room_jid);
  // The service's XEP-0421 occupant id secret (raw bytes), made and kept on first use.
  std::string occupant_id_secret();
  // Bare JIDs holding an affiliation somewhere, and removing all of theirs (a deleted account).
  void affiliated(std::set<std::string>& bare_jids);
  std::size_t remove_affiliations(const std::vector<std::string>& bare_jids);

 private:
  struct HistoryRow {
    std::string room;
    std::int64_t stamp;  // milliseconds since the epoch
    std::string stanza;
    std::size_t keep;
  };
  void insert(const HistoryRow& row);

  store::Database& db_;
  store::WriteBehind<HistoryRow> history_;
};

}  // namespace jabberadmin::muc
