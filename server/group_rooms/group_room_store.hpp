// Which rooms are group rooms (the "group_rooms" migrations): the room's bare JID and the
// directory group it belongs to. Only rooms listed here are ever changed or destroyed by
// the sync, so rooms users made themselves are never touched.
#pragma once

#include <map>
#include <string>
#include <string_view>

#include "store/database.hpp"

namespace jabberadmin::group_rooms {

class GroupRoomStore {
 public:
  explicit GroupRoomStore(store::Database& db);

  // Room bare JID -> group name.
  std::map<std::string, std::string> load();
  void mark(std::string_view room, std::string_view group);
  void unmark(std::string_view room);
  // The server's database, which the rooms and bookmarks a sync writes share.
  store::Database& database() { return db_; }

 private:
  store::Database& db_;
};

}  // namespace jabberadmin::group_rooms
