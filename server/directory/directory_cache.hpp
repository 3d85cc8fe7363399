// The server's view of the Jabber users, kept live by DirectoryWatch (RFC 4533 sync with
// syncprov, or polling) so that logins, rosters and vCards never search LDAP themselves.
// Everything here runs on the io_context's thread: the watch thread only posts to it.
#pragma once

#include <boost/asio/io_context.hpp>

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "jabberadmin/account.hpp"
#include "jabberadmin/directory_watch.hpp"
#include "jabberadmin/settings.hpp"

namespace jabberadmin::directory {

// One user as it was and as it is: before empty = new user, after empty = deleted.
struct UserChange {
  std::optional<User> before;
  std::optional<User> after;
};

class DirectoryCache {
 public:
  using Observer = std::function<void(const UserChange&)>;

  // Starts following the directory at once.
  DirectoryCache(boost::asio::io_context& io, Settings settings, WatchOptions options = {});
  ~DirectoryCache();
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

  // Called for every change after the first refresh (and for none before it): roster
  // pushes, presence, kicks of locked users and vCard updates hang off this.
  void observe(Observer observer) { observers_.push_back(std::move(observer)); }
  // Called once when the first refresh is complete.
  void on_ready(std::function<void()> callback) { ready_callbacks_.push_back(std::move(callback)); }

 private:
  void apply(const DirectoryEvent& event);
  void put(User user);
  void erase(const std::string& name);
  void notify(const UserChange& change);

  boost::asio::io_context& io_;
  std::map<std::string, User, std::less<>> users_;                  // by name
  std::map<std::string, std::map<std::string, const User*>, std::less<>> groups_;  // group -> name -> user
  std::map<std::string, bool> seen_;  // during a refresh: which users were announced again
  bool refreshing_ = false;
  std::uint64_t generation_ = 0;
  bool ready_ = false;
  std::vector<Observer> observers_;
  std::vector<std::function<void()>> ready_callbacks_;
  std::shared_ptr<bool> alive_;  // posted events check it: none run after destruction
  std::unique_ptr<DirectoryWatch> watch_;
};

}  // namespace jabberadmin::directory
