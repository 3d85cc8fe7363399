#include "directory/directory_cache.hpp"

#include <boost/asio/post.hpp>

#include "util/log.hpp"

namespace jabberadmin::directory {

using Kind = DirectoryEvent::Kind;

DirectoryCache::DirectoryCache(boost::asio::io_context& io, Settings settings, WatchOptions options)
    : io_(io), alive_(std::make_shared<bool>(true)) {
  watch_ = std::make_unique<DirectoryWatch>(
      std::move(settings),
      [this, alive = std::weak_ptr<bool>(alive_)](const DirectoryEvent& event) {
        boost::asio::post(io_, [this, alive, event] {
          if (alive.lock()) apply(event);
        });
      },
      options);
}

DirectoryCache::~DirectoryCache() {
  watch_.reset();  // joins the watch thread: nothing is posted after this
  alive_.reset();
}

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

void DirectoryCache::notify(const UserChange& change) {
  if (!ready_) return;  // before the first refresh there is no state anyone has seen
  for (const auto& observer : observers_) observer(change);
}

void DirectoryCache::erase(const std::string& name) {
  const auto it = users_.find(name);
  if (it == users_.end()) return;
  UserChange change{std::move(it->second), std::nullopt};
  if (change.before->group) {
    auto& members = groups_[*change.before->group];
    members.erase(name);
    if (members.empty()) groups_.erase(*change.before->group);
  }
  users_.erase(it);
  ++generation_;
  notify(change);
}

void DirectoryCache::put(User user) {
  const std::string name = user.name;
  UserChange change;
  if (const auto it = users_.find(name); it != users_.end()) {
    const User& old = it->second;
    if (old == user) return;  // a refresh re-announcing what we know
    change.before = old;
    if (old.group) {
      auto& members = groups_[*old.group];
      members.erase(name);
      if (members.empty()) groups_.erase(*old.group);
    }
  }
  User& stored = users_[name] = std::move(user);
  if (stored.group) groups_[*stored.group][name] = &stored;
  change.after = stored;
  ++generation_;
  notify(change);
}

void DirectoryCache::apply(const DirectoryEvent& event) {
  switch (event.kind) {
    case Kind::RefreshStarted:
      refreshing_ = true;
      seen_.clear();
      break;
    case Kind::Changed:
      if (refreshing_) seen_[event.user.name] = true;
      put(event.user);
      break;
    case Kind::Deleted:
      erase(event.user.name);
      break;
    case Kind::Refreshed: {
      // After a reconnect, users not announced again are gone.
      std::vector<std::string> gone;
      for (const auto& [name, user] : users_)
        if (!seen_.contains(name)) gone.push_back(name);
      for (const auto& name : gone) erase(name);
      refreshing_ = false;
      if (!ready_) {
        ready_ = true;
        for (const auto& callback : ready_callbacks_) callback();
      }
      break;
    }
    case Kind::Lost:
      log::warning("directory sync lost: " + event.reason);
      break;
    case Kind::Restored:
      log::warning("directory sync restored");
      break;
  }
}

}  // namespace jabberadmin::directory
