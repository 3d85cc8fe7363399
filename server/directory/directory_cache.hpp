// The server's view of the Jabber users, so that logins, rosters and vCards never search
// LDAP themselves. Passive: it holds users and their groups and tells observers what
// changed; what fills it is outside (DirectoryFeed follows LDAP; a test puts users itself).
// Everything here runs on one thread, the io_context's in the server.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "jabberadmin/account.hpp"
#include "jabberadmin/directory_watch.hpp"
#include "util/registration.hpp"

namespace jabberadmin::directory {

// One user as it was and as it is: before empty = new user, after empty = deleted.
struct UserChange {
  std::optional<User> before;
  std::optional<User> after;
};

class DirectoryCache {
 public:
  using Observer = std::function<void(const UserChange&)>;

  DirectoryCache() = default;
  DirectoryCache(const DirectoryCache&) = delete;
  DirectoryCache& operator=(const DirectoryCache&) = delete;

  // The user by normalised name, or nullptr. Valid until the next change is applied.
  const User* find(std::string_view name) const;
  // Members of a group by its stored name, sorted by name.
  std::vector<const User*> members(std::string_view group) const;
  std::size_t size() const noexcept { return users_.size(); }
  // Every user, sorted by name.
  std::vector<const User*> users() const;
  // Changes whenever a user changes (the first refresh included): what is computed from the
  // cache can be kept while it stays the same.
  std::uint64_t generation() const noexcept { return generation_; }
  // True once the first full refresh has arrived.
  bool ready() const noexcept { return ready_; }

  // Filling it, as DirectoryWatch reports (jabberadmin/directory_watch.hpp): a refresh is
  // refresh_started(), put() for every user, refreshed(); after it, single put()s and erase()s.
  // A user not put again during a refresh is gone at its end. The first refreshed() makes
  // the cache ready, also without a refresh_started() (a test puts its users, then says so).
  void apply(const DirectoryEvent& event);
  void refresh_started();
  void put(User user);  // a new or changed user
  void erase(std::string_view name);
  void refreshed();

  // Called for every change after the first refresh (and for none before it): roster
  // pushes, presence, kicks of locked users and vCard updates hang off this. Until the
  // returned registration goes.
  util::Registration observe(Observer observer);
  // Called once when the first refresh is complete (not at all if it already is).
  util::Registration on_ready(std::function<void()> callback);

 private:
  void notify(const UserChange& change);
  void remove_from_group(const User& user);

  std::map<std::string, User, std::less<>> users_;                                 // by name
  std::map<std::string, std::map<std::string, const User*>, std::less<>> groups_;  // group -> name -> user
  std::set<std::string, std::less<>> seen_;  // during a refresh: the users announced again
  bool refreshing_ = false;
  std::uint64_t generation_ = 0;
  bool ready_ = false;
  std::uint64_t next_id_ = 0;
  std::map<std::uint64_t, Observer> observers_;
  std::map<std::uint64_t, std::function<void()>> ready_callbacks_;
};

}  // namespace jabberadmin::directory
