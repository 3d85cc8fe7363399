#include "directory/directory_cache.hpp"

#include "util/log.hpp"

namespace jabberadmin::directory {

const User* DirectoryCache::find(std::string_view name) const {
  const auto it = users_.find(name);
  return it == users_.end() ? nullptr : &it->second;
}

std::vector<const User*> DirectoryCache::users() const {
  std::vector<const User*> out;
  out.reserve(users_.size());
  for (const auto& [name, user] : users_) out.push_back(&user);
  return out;
}

std::vector<const User*> DirectoryCache::members(std::string_view group) const {
  std::vector<const User*> out;
  if (const auto it = groups_.find(group); it != groups_.end())
    for (const auto& [name, user] : it->second) out.push_back(user);
  return out;
}

util::Registration DirectoryCache::observe(Observer observer) {
  const auto id = next_id_++;
  observers_.emplace(id, std::move(observer));
  return util::Registration([this, id] { observers_.erase(id); });
}

util::Registration DirectoryCache::on_ready(std::function<void()> callback) {
  const auto id = next_id_++;
  ready_callbacks_.emplace(id, std::move(callback));
  return util::Registration([this, id] { ready_callbacks_.erase(id); });
}

void DirectoryCache::notify(const UserChange& change) {
  if (!ready_) return;  // before the first refresh there is no state anyone has seen
  // By id, looked up again each time: an observer may unregister itself or another.
  std::vector<std::uint64_t> ids;
  for (const auto& [id, observer] : observers_) ids.push_back(id);
  for (const auto id : ids)
    if (const auto it = observers_.find(id); it != observers_.end()) it->second(change);
}

void DirectoryCache::remove_from_group(const User& user) {
  if (!user.group) return;
  const auto it = groups_.find(*user.group);
  if (it == groups_.end()) return;
  it->second.erase(user.name);
  if (it->second.empty()) groups_.erase(it);
}

void DirectoryCache::erase(std::string_view name) {
  const auto it = users_.find(name);
  if (it == users_.end()) return;
  remove_from_group(it->second);
  UserChange change{std::move(it->second), std::nullopt};
  users_.erase(it);
  ++generation_;
  notify(change);
}

void DirectoryCache::put(User user) {
  if (refreshing_) seen_.insert(user.name);
  const std::string name = user.name;
  UserChange change;
  if (const auto it = users_.find(name); it != users_.end()) {
    const User& old = it->second;
    if (old == user) return;  // a refresh re-announcing what we know
    change.before = old;
    remove_from_group(old);
  }
  User& stored = users_[name] = std::move(user);
  if (stored.group) groups_[*stored.group][name] = &stored;
  change.after = stored;
  ++generation_;
  notify(change);
}

void DirectoryCache::refresh_started() {
  refreshing_ = true;
  seen_.clear();
}

void DirectoryCache::refreshed() {
  if (refreshing_) {
    // After a reconnect, users not announced again are gone.
    std::vector<std::string> gone;
    for (const auto& [name, user] : users_)
      if (!seen_.contains(name)) gone.push_back(name);
    for (const auto& name : gone) erase(name);
    refreshing_ = false;
    seen_.clear();
  }
  if (ready_) return;
  ready_ = true;
  const auto callbacks = std::exchange(ready_callbacks_, {});
  for (const auto& [id, callback] : callbacks) callback();
}

void DirectoryCache::apply(const DirectoryEvent& event) {
  switch (event.kind) {
    case DirectoryEvent::Kind::RefreshStarted: return refresh_started();
    case DirectoryEvent::Kind::Changed: return put(event.user);
    case DirectoryEvent::Kind::Deleted: return erase(event.user.name);
    case DirectoryEvent::Kind::Refreshed: return refreshed();
    case DirectoryEvent::Kind::Lost: return log::warning("directory sync lost: " + event.reason);
    case DirectoryEvent::Kind::Restored: return log::warning("directory sync restored");
  }
}

}  // namespace jabberadmin::directory
