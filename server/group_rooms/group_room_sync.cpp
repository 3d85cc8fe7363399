#include "group_rooms/group_room_sync.hpp"

#include <vector>

#include "jabberadmin/error.hpp"
#include "jabberadmin/jid.hpp"
#include "util/log.hpp"

namespace jabberadmin::group_rooms {
namespace {

// The service's domains are "<one DNS label>.<host>": the host is what follows the label.
std::string host_of(const std::string& domain) { return domain.substr(domain.find('.') + 1); }

}  // namespace

GroupRoomSync::GroupRoomSync(muc::MucService& service, const directory::DirectoryCache& directory,
                             GroupRoomStore& store, MembershipObserver observer)
    : service_(service), directory_(directory), store_(store), observer_(std::move(observer)), marked_(store.load()) {}

void GroupRoomSync::reconcile() {
  std::set<std::string> groups;
  for (const User* user : directory_.users())
    if (user->group) groups.insert(*user->group);
  for (const auto& [room, group] : marked_) groups.insert(group);
  sync(groups);
}

bool GroupRoomSync::changed(const directory::UserChange& change) {
  const bool first = pending_.empty();
  for (const auto* user : {change.before ? &*change.before : nullptr, change.after ? &*change.after : nullptr})
    if (user && user->group) pending_.insert(*user->group);
  return first && !pending_.empty();
}

void GroupRoomSync::flush() {
  std::set<std::string> groups;
  groups.swap(pending_);
  sync(groups);
}

void GroupRoomSync::sync(const std::set<std::string>& groups) {
  // One commit, so one disk sync, for the whole pass: a group room's first start writes an
  // affiliation and a bookmark for every member, and a commit each cost 0.7 s per 1,000
  // members. The writes inside become savepoints: one that fails undoes only itself.
  store::Transaction batch(store_.database());
  std::vector<std::string> empty;
  for (const std::string& group : groups) {
    if (directory_.members(group).empty()) empty.push_back(group);
    else sync_group(group);
  }
  for (const std::string& group : empty) sync_group(group);
  batch.commit();
}

void GroupRoomSync::sync_group(const std::string& group) {
  std::string localpart;
  try {
    localpart = group_room_localpart(group);
  } catch (const Error& e) {
    log::warning("group rooms: no room for group '" + group + "': " + e.what());
    return;
  }
  std::set<std::string> names;
  for (const User* user : directory_.members(group)) names.insert(user->name);
  for (const std::string& domain : service_.domains()) {
    const Jid room{localpart, domain, {}};
    if (names.empty()) remove_room(room, group);
    else sync_room(room, group, names, host_of(domain));
  }
}

void GroupRoomSync::sync_room(const Jid& jid, const std::string& group, const std::set<std::string>& names,
                              const std::string& host) {
  const std::string bare = jid.bare();
  const auto mark = marked_.find(bare);
  muc::Room* room = service_.find(jid);
  const bool primary = jid.domain == service_.domains().front();
  if (mark == marked_.end()) {
    if (room) {  // a user's own room of that name
      log::warning("group rooms: " + bare + " exists and is no group room; group '" + group + "' gets none");
      return;
    }
  } else if (mark->second != group && !directory_.members(mark->second).empty()) {
    log::warning("group rooms: groups '" + mark->second + "' and '" + group + "' would share " + bare +
                 "; it stays '" + mark->second + "''s");
    return;
  }
  if (mark == marked_.end() || mark->second != group) {
    store_.mark(bare, group);
    marked_[bare] = group;
  }
  if (!room) {
    muc::RoomConfig config;
    config.name = group;
    config.persistent = true;
    config.members_only = true;
    std::map<std::string, muc::Affiliation> members;
    for (const std::string& name : names) members[name + "@" + host] = muc::Affiliation::Member;
    service_.create_room(jid, std::move(config), members);
    log::info("group rooms: " + bare + " made for group '" + group + "'");
    if (primary && observer_.joined)
      for (const std::string& name : names) observer_.joined(name, jid, group);
    return;
  }
  // The directory is the authority: whoever is not a member of the group goes (321 if in).
  std::vector<std::string> gone;
  for (const auto& [who, affiliation] : room->affiliations()) {
    const Jid member = Jid::split_normalized(who);
    if (member.domain != host || !names.contains(member.local) || affiliation != muc::Affiliation::Member)
      gone.push_back(who);
  }
  for (const std::string& who : gone) {
    const Jid member = Jid::split_normalized(who);
    room->set_affiliation(member, muc::Affiliation::None, "not in group " + group);
    if (primary && observer_.left && member.domain == host && !names.contains(member.local)) observer_.left(member.local, jid);
  }
  for (const std::string& name : names) {
    const Jid member{name, host, {}};
    if (room->affiliation(member) == muc::Affiliation::Member) continue;
    room->set_affiliation(member, muc::Affiliation::Member);
    if (primary && observer_.joined) observer_.joined(name, jid, group);
  }
}

void GroupRoomSync::remove_room(const Jid& jid, const std::string& group) {
  const std::string bare = jid.bare();
  const auto mark = marked_.find(bare);
  if (mark == marked_.end() || mark->second != group) return;  // not this group's
  if (muc::Room* room = service_.find(jid)) {
    std::vector<std::string> members;
    for (const auto& [who, affiliation] : room->affiliations()) members.push_back(who);
    service_.destroy_room(jid, "group " + group + " has no members");
    if (jid.domain == service_.domains().front() && observer_.left)
      for (const std::string& who : members) observer_.left(Jid::split_normalized(who).local, jid);
  }
  store_.unmark(bare);
  marked_.erase(mark);
  log::info("group rooms: " + bare + " destroyed, group '" + group + "' has no members");
}

}  // namespace jabberadmin::group_rooms
