// Keeps one room per directory group on every domain of the MUC service: persistent,
// members-only, named after the group, its members exactly the group's members (the
// directory is the authority; the rooms have no owner, so no client can change them).
// A group without members has no room: its room is destroyed. Only rooms this sync made
// (GroupRoomStore) are ever changed; a room of the same name a user made is left alone.
#pragma once

#include <functional>
#include <map>
#include <set>
#include <string>

#include "directory/directory_cache.hpp"
#include "group_rooms/group_room_store.hpp"
#include "muc/muc_service.hpp"

namespace jabberadmin::group_rooms {

// Told when an account becomes a member of a group room on the service's first domain (the
// primary host) and when it stops being one: the module keeps the member's XEP-0402 bookmark.
// Only on these changes, so a bookmark the user removed is not forced back at every start.
struct MembershipObserver {
  std::function<void(const std::string& name, const Jid& room, const std::string& group)> joined;
  std::function<void(const std::string& name, const Jid& room)> left;
};

class GroupRoomSync {
 public:
  GroupRoomSync(muc::MucService& service, const directory::DirectoryCache& directory, GroupRoomStore& store,
                MembershipObserver observer = {});

  // Every group the directory has and every group room made before: created, set right or
  // destroyed (the start, once the directory is ready).
  void reconcile();
  // A directory change: remembers the groups it touches; true when this is the first
  // since the last flush (the caller schedules one).
  bool changed(const directory::UserChange& change);
  // Brings the rooms of the remembered groups in line with the directory.
  void flush();

 private:
  // Groups with members first: a room whose localpart a renamed group takes over (a
  // change of case only) passes to it before the old group, now empty, is looked at.
  void sync(const std::set<std::string>& groups);
  void sync_group(const std::string& group);
  void sync_room(const Jid& room, const std::string& group, const std::set<std::string>& names, const std::string& host);
  void remove_room(const Jid& room, const std::string& group);

  muc::MucService& service_;
  const directory::DirectoryCache& directory_;
  GroupRoomStore& store_;
  MembershipObserver observer_;
  std::map<std::string, std::string> marked_;  // room bare JID -> group, as the store has it
  std::set<std::string> pending_;
};

}  // namespace jabberadmin::group_rooms
