#include "group_rooms/group_rooms.hpp"

#include <chrono>

#include "bookmarks/bookmarks.hpp"
#include "muc/muc.hpp"
#include "pep/pep.hpp"
#include "stream/namespaces.hpp"
#include "util/log.hpp"

namespace jabberadmin::group_rooms {
namespace {

// A tool touching many entries (a group rename moves every member) becomes one pass.
constexpr std::chrono::milliseconds kSettle{100};

// A member's XEP-0402 bookmark of its group room, autojoin, under its directory nickname:
// published when it becomes a member, retracted when it stops being one. The bookmarks
// conversion copies it into XEP-0048 private storage, as it does a client's publish.
MembershipObserver bookmarks(pep::Pep& pep, const directory::DirectoryCache& directory) {
  const std::string node(ns::kBookmarks);
  return {
      .joined =
          [&pep, &directory, node](const std::string& name, const Jid& room, const std::string& group) {
            const User* user = directory.find(name);
            xml::Element conference("conference", node);
            conference.set_attr("name", group).set_attr("autojoin", "true");
            conference.add(xml::Element("nick", node)).add_text(user && !user->nickname.empty() ? user->nickname : name);
            try {
              if (const std::string why = pep.publish_item(name, node, bookmarks::Bookmarks::node_config(),
                                                            pep::Item{room.bare(), std::move(conference)});
                  !why.empty())
                log::warning("group rooms: no bookmark of " + room.bare() + " for " + name + ": " + why);
            } catch (const std::exception& e) {
              log::error("group rooms: cannot bookmark " + room.bare() + " for " + name + ": " + e.what());
            }
          },
      .left =
          [&pep, node](const std::string& name, const Jid& room) {
            try {
              pep.retract_item(name, node, room.bare());
            } catch (const std::exception& e) {
              log::error("group rooms: cannot remove " + name + "'s bookmark of " + room.bare() + ": " + e.what());
            }
          },
  };
}

}  // namespace

GroupRooms::GroupRooms(module::Context& context) : Module("group_rooms") {
  if (context.has_settings() && !context.settings().jabber.group_rooms) return;
  muc::MucService* service = context.require<muc::Muc>().service();
  if (!service) return;  // MUC is off
  directory::DirectoryCache& directory = context.directory();
  store_ = std::make_unique<GroupRoomStore>(context.database());
  sync_ = std::make_unique<GroupRoomSync>(*service, directory, *store_, bookmarks(context.require<pep::Pep>(), directory));
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
