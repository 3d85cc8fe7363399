// A room for every directory group (cl-jabberd(8), "Group rooms"): with [jabber]
// group_rooms on and MUC on, GroupRoomSync reconciles the rooms once the directory is
// ready and follows its changes live, each burst of changes applied together.
#pragma once

#include <boost/asio/steady_timer.hpp>

#include <memory>
#include <optional>

#include "group_rooms/group_room_store.hpp"
#include "group_rooms/group_room_sync.hpp"
#include "module/module.hpp"

namespace jabberadmin::group_rooms {

class GroupRooms final : public module::Module {
 public:
  explicit GroupRooms(module::Context& context);

 private:
  std::unique_ptr<GroupRoomStore> store_;
  std::unique_ptr<GroupRoomSync> sync_;
  std::optional<boost::asio::steady_timer> settle_;
  module::Registration changes_, ready_;
};

}  // namespace jabberadmin::group_rooms
