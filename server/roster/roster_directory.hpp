// The shared roster kept live: directory changes (DirectoryCache, fed by RFC 4533 sync) are
// gathered for a short settle time, so a tool that touches many entries (a group rename)
// becomes one comparison, then become roster pushes, presence, avatar re-broadcasts and
// the end of a locked or deleted account's streams.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <string>
#include <vector>

#include "directory/directory_cache.hpp"
#include "presence/contacts.hpp"
#include "presence/presence.hpp"
#include "roster/roster_pushes.hpp"
#include "roster/roster.hpp"
#include "router/router.hpp"

namespace jabberadmin::roster {

struct RosterDirectoryOptions {
  std::vector<std::string> hosts;                   // served hosts: an account is name@any
  std::chrono::milliseconds settle{150};            // quiet time that ends a batch
  std::chrono::milliseconds max_delay{700};         // a batch is applied this soon at the latest
};

class RosterDirectory {
 public:
  RosterDirectory(boost::asio::any_io_executor executor, router::Router& router, Roster& roster,
                  RosterPushes& pushes, presence::Presence& presence, const presence::Contacts& contacts, RosterDirectoryOptions options);

  // One change from the directory cache (its observer).
  void changed(const directory::UserChange& change);
  // Applies the gathered changes now.
  void flush();
  // The cache's first refresh: users who logged in before it get their shared roster now.
  void introduce_online_users();
  // Ends every stream of the account (a name, on every host) with <policy-violation/> and why.
  void end_sessions(const std::string& name, std::string_view why);

 private:
  void schedule();

  router::Router& router_;
  Roster& roster_;
  RosterPushes& pushes_;
  presence::Presence& presence_;
  const presence::Contacts& contacts_;
  RosterDirectoryOptions options_;
  boost::asio::steady_timer timer_;
  Before batch_;
  std::chrono::steady_clock::time_point first_{};
};

}  // namespace jabberadmin::roster
