#include "muc/room_store.hpp"

#include "jabberadmin/encoding.hpp"
#include "muc/occupant_id.hpp"
#include "stream/namespaces.hpp"
#include "util/log.hpp"
#include "xml/stream_parser.hpp"

namespace jabberadmin::muc {
namespace {

// Only ever appended to.
constexpr std::string_view kMigrations[] = {
    R"(CREATE TABLE muc_room (
         jid TEXT PRIMARY KEY,
         name TEXT NOT NULL,
         description TEXT NOT NULL,
         public INTEGER NOT NULL,
         members_only INTEGER NOT NULL,
         moderated INTEGER NOT NULL,
         change_subject INTEGER NOT NULL,
         whois_anyone INTEGER NOT NULL,
         secret_hash TEXT NOT NULL,
         subject TEXT NOT NULL,
         subject_by TEXT NOT NULL) WITHOUT ROWID;
       CREATE TABLE muc_affiliation (
         room TEXT NOT NULL,
         jid TEXT NOT NULL,
         affiliation TEXT NOT NULL,
         PRIMARY KEY (room, jid)) WITHOUT ROWID;
       CREATE INDEX muc_affiliation_by_jid ON muc_affiliation(jid);)",
    "ALTER TABLE muc_room ADD COLUMN archive INTEGER NOT NULL DEFAULT 1;",
    // A persistent room's last muc_history_size messages, replayed to newcomers after a
    // restart too; seq orders them within the room.
    R"(CREATE TABLE muc_history (
         room TEXT NOT NULL,
         seq INTEGER NOT NULL,
         stamp INTEGER NOT NULL,
         stanza TEXT NOT NULL,
         PRIMARY KEY (room, seq)) WITHOUT ROWID;)",
    // The secret of the XEP-0421 occupant ids (base64), one row: ids stay the same across restarts.
    "CREATE TABLE muc_service_secret (id INTEGER PRIMARY KEY CHECK (id = 1), secret TEXT NOT NULL);",
};

std::int64_t to_millis(std::chrono::system_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

}  // namespace

RoomStore::RoomStore(store::Database& db)
    : db_(db),
      history_(db, [this](const HistoryRow& row) { insert(row); },
               [](std::size_t rows, const std::string& error) {
                 log::error("muc: " + std::to_string(rows) + " messages of room history could not be written: " + error);
               }) {
  db_.migrate("muc", kMigrations);
}

void RoomStore::write_behind(boost::asio::any_io_executor executor) { history_.start(std::move(executor)); }

std::vector<StoredRoom> RoomStore::load() {
  history_.flush();
  std::vector<StoredRoom> rooms;
  std::map<std::string, std::size_t> index;
  auto query = db_.prepare(
      "SELECT jid, name, description, public, members_only, moderated, change_subject, whois_anyone, secret_hash, "
      "subject, subject_by, archive FROM muc_room ORDER BY jid");
  while (query.step()) {
    StoredRoom r;
    r.jid = query.text(0);
    r.config.name = query.text(1);
    r.config.description = query.text(2);
    r.config.persistent = true;
    r.config.is_public = query.integer(3) != 0;
    r.config.members_only = query.integer(4) != 0;
    r.config.moderated = query.integer(5) != 0;
    r.config.change_subject = query.integer(6) != 0;
    r.config.whois_anyone = query.integer(7) != 0;
    r.config.secret_hash = query.text(8);
    r.subject = query.text(9);
    r.subject_by = query.text(10);
    r.config.archive = query.integer(11) != 0;
    index[r.jid] = rooms.size();
    rooms.push_back(std::move(r));
  }
  auto affiliations = db_.prepare("SELECT room, jid, affiliation FROM muc_affiliation");
  while (affiliations.step()) {
    const auto room = index.find(affiliations.text(0));
    const auto a = parse_affiliation(affiliations.text(2));
    if (room != index.end() && a) rooms[room->second].affiliations[affiliations.text(1)] = *a;
  }
  auto history = db_.prepare("SELECT room, stamp, stanza FROM muc_history ORDER BY room, seq");
  while (history.step()) {
    const auto room = index.find(history.text(0));
    auto message = xml::parse_serialized(history.text(2), ns::kClient);
    if (room == index.end() || !message) continue;  // a damaged row is one message less, not a failed start
    rooms[room->second].history.push_back(HistoryEntry{
        std::move(*message), std::chrono::system_clock::time_point(std::chrono::milliseconds(history.integer(1)))});
  }
  return rooms;
}

namespace {

// The room's row: its configuration and subject, not its affiliations.
void write_room_row(store::Database& db, const Room& room) {
  const RoomConfig& c = room.config();
  db.prepare(
        "INSERT OR REPLACE INTO muc_room(jid, name, description, public, members_only, moderated, change_subject, "
        "whois_anyone, secret_hash, subject, subject_by, archive) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
      .bind(1, room.jid().bare())
      .bind(2, c.name)
      .bind(3, c.description)
      .bind(4, std::int64_t{c.is_public})
      .bind(5, std::int64_t{c.members_only})
      .bind(6, std::int64_t{c.moderated})
      .bind(7, std::int64_t{c.change_subject})
      .bind(8, std::int64_t{c.whois_anyone})
      .bind(9, c.secret_hash)
      .bind(10, room.subject())
      .bind(11, room.subject_by())
      .bind(12, std::int64_t{c.archive})
      .step();
}

}  // namespace

void RoomStore::save(const Room& room) {
  const std::string jid = room.jid().bare();
  store::Transaction t(db_);
  write_room_row(db_, room);
  db_.prepare("DELETE FROM muc_affiliation WHERE room = ?").bind(1, jid).step();
  for (const auto& [bare, a] : room.affiliations())
    db_.prepare("INSERT INTO muc_affiliation(room, jid, affiliation) VALUES (?, ?, ?)")
        .bind(1, jid)
        .bind(2, bare)
        .bind(3, to_string(a))
        .step();
  t.commit();
}

void RoomStore::save_settings(const Room& room) {
  // A temporary room made persistent is stored for the first time, affiliations and all.
  if (!db_.prepare("SELECT 1 FROM muc_room WHERE jid = ?").bind(1, room.jid().bare()).step()) return save(room);
  write_room_row(db_, room);
}

void RoomStore::save_affiliation(std::string_view room_jid, std::string_view bare, Affiliation affiliation) {
  if (affiliation == Affiliation::None)
    db_.prepare("DELETE FROM muc_affiliation WHERE room = ? AND jid = ?").bind(1, room_jid).bind(2, bare).step();
  else
    db_.prepare("INSERT OR REPLACE INTO muc_affiliation(room, jid, affiliation) VALUES (?, ?, ?)")
        .bind(1, room_jid)
        .bind(2, bare)
        .bind(3, to_string(affiliation))
        .step();
}

void RoomStore::add_history(std::string_view room_jid, const xml::Element& message,
                            std::chrono::system_clock::time_point when, std::size_t keep) {
  history_.add({std::string(room_jid), to_millis(when), xml::serialize(message, ns::kClient), keep});
}

void RoomStore::insert(const HistoryRow& row) {
  db_.prepare(
         "INSERT INTO muc_history(room, seq, stamp, stanza) "
         "SELECT ?1, COALESCE(MAX(seq), 0) + 1, ?2, ?3 FROM muc_history WHERE room = ?1")
      .bind(1, row.room)
      .bind(2, row.stamp)
      .bind(3, row.stanza)
      .step();
  db_.prepare("DELETE FROM muc_history WHERE room = ?1 AND seq <= (SELECT MAX(seq) FROM muc_history WHERE room = ?1) - ?2")
      .bind(1, row.room)
      .bind(2, static_cast<std::int64_t>(row.keep))
      .step();
}

std::string RoomStore::occupant_id_secret() {
  if (auto q = db_.prepare("SELECT secret FROM muc_service_secret WHERE id = 1"); q.step())
    if (auto kept = encoding::base64_decode(q.text(0)); kept && !kept->empty()) return *kept;
  std::string secret = new_occupant_id_secret();
  db_.prepare("INSERT OR REPLACE INTO muc_service_secret(id, secret) VALUES (1, ?)").bind(1, encoding::base64_encode(secret)).step();
  return secret;
}

void RoomStore::remove(std::string_view room_jid) {
  history_.flush();  // none of its history written after it went
  store::Transaction t(db_);
  db_.prepare("DELETE FROM muc_history WHERE room = ?").bind(1, room_jid).step();
  db_.prepare("DELETE FROM muc_affiliation WHERE room = ?").bind(1, room_jid).step();
  db_.prepare("DELETE FROM muc_room WHERE jid = ?").bind(1, room_jid).step();
  t.commit();
}

void RoomStore::affiliated(std::set<std::string>& bare_jids) {
  auto query = db_.prepare("SELECT DISTINCT jid FROM muc_affiliation");
  while (query.step()) bare_jids.insert(query.text(0));
}

std::size_t RoomStore::remove_affiliations(const std::vector<std::string>& bare_jids) {
  std::size_t removed = 0;
  for (const std::string& bare : bare_jids) {
    db_.prepare("DELETE FROM muc_affiliation WHERE jid = ?").bind(1, bare).step();
    removed += db_.changes();
  }
  return removed;
}

}  // namespace jabberadmin::muc
