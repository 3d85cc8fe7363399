#include "group_rooms/group_rooms.hpp"

#include <chrono>

#include "muc/muc.hpp"

namespace jabberadmin::group_rooms {
namespace {

// A tool touching many entries (a group rename moves every member) becomes one pass.
constexpr std::chrono::milliseconds kSettle{100};

}  // namespace

GroupRooms::GroupRooms(module::Context& context) : Module("group_rooms") {
  if (context.has_settings() && !context.settings().jabber.group_rooms) return;
  muc::MucService* service = context.require<muc::Muc>().service();
  if (!service) return;  // MUC is off
  directory::DirectoryCache& directory = context.directory();
  store_ = std::make_unique<GroupRoomStore>(context.database());
  sync_ = std::make_unique<GroupRoomSync>(*service, directory, *store_);
  settle_.emplace(context.executor());
  changes_ = directory.observe([this](const directory::UserChange& change) {
    if (!sync_->changed(change)) return;
    settle_->expires_after(kSettle);
    settle_->async_wait([this](const boost::system::error_code& ec) {
      if (!ec) sync_->flush();  // cancelled: the module is going
    });
  });
  ready_ = directory.on_ready([this] { sync_->reconcile(); });
  if (directory.ready()) sync_->reconcile();
}

}  // namespace jabberadmin::group_rooms
