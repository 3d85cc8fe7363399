#include "group_rooms/group_room_store.hpp"

namespace jabberadmin::group_rooms {
namespace {

// Only ever appended to.
constexpr std::string_view kMigrations[] = {
    R"(CREATE TABLE group_room (
         room TEXT PRIMARY KEY,
         grp TEXT NOT NULL) WITHOUT ROWID;)",
};

}  // namespace

GroupRoomStore::GroupRoomStore(store::Database& db) : db_(db) { db_.migrate("group_rooms", kMigrations); }

std::map<std::string, std::string> GroupRoomStore::load() {
  std::map<std::string, std::string> rooms;
  auto query = db_.prepare("SELECT room, grp FROM group_room");
  while (query.step()) rooms[query.text(0)] = query.text(1);
  return rooms;
}

void GroupRoomStore::mark(std::string_view room, std::string_view group) {
  db_.prepare("INSERT OR REPLACE INTO group_room (room, grp) VALUES (?1, ?2)").bind(1, room).bind(2, group).step();
}

void GroupRoomStore::unmark(std::string_view room) {
  db_.prepare("DELETE FROM group_room WHERE room = ?1").bind(1, room).step();
}

}  // namespace jabberadmin::group_rooms
