#include "roster/shared_roster.hpp"

#include <algorithm>
#include <set>

#include "jabberadmin/encoding.hpp"

namespace jabberadmin::roster {
namespace {

std::string sha1_hex(std::string_view bytes) { return encoding::hex(encoding::sha1(bytes)); }

bool active(const User& u) { return !u.disabled() && u.group.has_value(); }

}  // namespace

bool SharedRoster::served(std::string_view domain) const {
  return std::find(hosts_.begin(), hosts_.end(), domain) != hosts_.end();
}

const User* SharedRoster::member(const Jid& bare) const {
  if (bare.local.empty()) return nullptr;
  const User* u = directory_.find(bare.local);
  if (u == nullptr || !active(*u) || !served(bare.domain)) return nullptr;
  return u;
}

void SharedRoster::forget(std::string_view name) {
  avatar_hashes_.erase(std::string(name));
  group_items_.clear();
  digests_.clear();
  ++views_version_;
}

void SharedRoster::check_memo() const {
  if (memo_generation_ == directory_.generation()) return;
  memo_generation_ = directory_.generation();
  group_items_.clear();
  digests_.clear();
  ++views_version_;
}

const std::vector<SharedItem>* SharedRoster::group_items(const Jid& bare) const {
  const User* me = member(bare);
  if (me == nullptr) return nullptr;
  check_memo();
  const std::string key = bare.domain + "/" + *me->group;
  if (const auto it = group_items_.find(key); it != group_items_.end()) return &it->second;
  std::vector<SharedItem> all;
  for (const User* u : directory_.members(*me->group)) {
    if (!active(*u)) continue;
    all.push_back({u->name + "@" + bare.domain, u->nickname.empty() ? u->name : u->nickname, *u->group});
  }
  std::sort(all.begin(), all.end(), [](const SharedItem& a, const SharedItem& b) { return a.jid < b.jid; });
  return &group_items_.emplace(key, std::move(all)).first->second;
}

std::vector<SharedItem> SharedRoster::items(const Jid& bare) const {
  std::vector<SharedItem> out;
  const auto* all = group_items(bare);
  if (all == nullptr) return out;
  const std::string self = bare.bare();
  out.reserve(all->size());
  for (const auto& i : *all)
    if (i.jid != self) out.push_back(i);
  return out;
}

std::optional<SharedItem> SharedRoster::item(const Jid& bare, std::string_view contact) const {
  if (member(bare) == nullptr) return std::nullopt;
  const auto c = Jid::parse(contact);
  if (!c) return std::nullopt;
  return item(bare, *c);
}

std::optional<SharedItem> SharedRoster::item(const Jid& bare, const Jid& contact) const {
  const User* me = member(bare);
  if (me == nullptr || contact.domain != bare.domain) return std::nullopt;
  const User* u = member(contact);
  if (u == nullptr || u == me || u->group != me->group) return std::nullopt;
  return SharedItem{contact.bare(), u->nickname.empty() ? u->name : u->nickname, *u->group};
}

bool SharedRoster::shares(const Jid& bare, const Jid& contact) const {
  if (contact.domain != bare.domain || !contact.resource.empty()) return false;
  const User* me = member(bare);
  if (me == nullptr) return false;
  const User* u = member(contact);
  return u != nullptr && u != me && u->group == me->group;
}

std::string SharedRoster::digest(const Jid& bare) const {
  check_memo();
  const std::string self = bare.bare();
  if (const auto it = digests_.find(self); it != digests_.end()) return it->second;
  std::string text;
  for (const auto& i : items(bare)) text += i.jid + '\0' + i.name + '\0' + i.group + '\n';
  return digests_.emplace(self, sha1_hex(text).substr(0, 16)).first->second;
}

std::optional<std::string> SharedRoster::avatar_hash(const Jid& bare) const {
  if (bare.local.empty()) return std::nullopt;
  const User* u = directory_.find(bare.local);
  if (u == nullptr) return std::nullopt;
  if (u->photo.empty()) return std::string();
  if (const auto it = avatar_hashes_.find(u->name); it != avatar_hashes_.end()) return it->second;
  return avatar_hashes_.emplace(u->name, sha1_hex(u->photo)).first->second;
}

void SharedRoster::add_group(View& view, const std::vector<const User*>& members) const {
  for (const auto& host : hosts_) {
    for (const User* viewer : members) {
      if (!active(*viewer)) continue;
      auto& items = view[viewer->name + "@" + host];
      for (const User* u : members) {
        if (u == viewer || !active(*u)) continue;
        const std::string jid = u->name + "@" + host;
        items[jid] = SharedItem{jid, u->nickname.empty() ? u->name : u->nickname, *u->group};
      }
    }
  }
}

SharedDelta SharedRoster::diff(const Before& before) const {
  // Only the groups the batch touched can differ.
  std::set<std::string> groups;
  for (const auto& [name, was] : before) {
    if (was && was->group) groups.insert(*was->group);
    if (const User* now = directory_.find(name); now && now->group) groups.insert(*now->group);
  }
  View old_view, new_view;
  for (const auto& group : groups) {
    const auto now = directory_.members(group);
    add_group(new_view, now);
    std::vector<const User*> then;
    for (const User* u : now)
      if (!before.contains(u->name)) then.push_back(u);
    for (const auto& [name, was] : before)
      if (was && was->group == group) then.push_back(&*was);
    add_group(old_view, then);
  }

  SharedDelta delta;
  std::set<std::string> viewers;
  for (const auto& [v, items] : old_view) viewers.insert(v);
  for (const auto& [v, items] : new_view) viewers.insert(v);
  static const std::map<std::string, SharedItem> kNone;
  for (const auto& viewer : viewers) {
    const auto o = old_view.find(viewer);
    const auto n = new_view.find(viewer);
    const auto& was = o == old_view.end() ? kNone : o->second;
    const auto& is = n == new_view.end() ? kNone : n->second;
    for (const auto& [contact, item] : is) {
      const auto it = was.find(contact);
      if (it == was.end()) delta.gained.emplace_back(viewer, contact);
      if (it == was.end() || !(it->second == item)) delta.pushes[viewer][contact] = item;
    }
    for (const auto& [contact, item] : was)
      if (!is.contains(contact)) {
        delta.lost.emplace_back(viewer, contact);
        delta.pushes[viewer][contact] = std::nullopt;
      }
  }

  for (const auto& [name, was] : before) {
    const User* now = directory_.find(name);
    if (was && !was->disabled() && (now == nullptr || now->disabled())) delta.ended.push_back(name);
    if (was && now && !now->disabled() && was->photo != now->photo) delta.avatars.push_back(name);
  }
  return delta;
}

}  // namespace jabberadmin::roster
