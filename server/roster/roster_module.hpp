// The roster features assembled (part 2): the model over the directory cache and the
// database, jabber:iq:roster, subscriptions, pushes, and the live directory changes.
#pragma once

#include <boost/asio/any_io_executor.hpp>

#include <memory>
#include <string>
#include <vector>

#include "directory/directory_cache.hpp"
#include "im/presence.hpp"
#include "roster/account_removal.hpp"
#include "roster/roster.hpp"
#include "roster/roster_contacts.hpp"
#include "roster/roster_directory.hpp"
#include "roster/roster_iq.hpp"
#include "roster/roster_pushes.hpp"
#include "roster/roster_subscriptions.hpp"
#include "router/router.hpp"
#include "store/database.hpp"
#include "util/registration.hpp"

namespace jabberadmin::roster {

class RosterModule {
 public:
  // The model only: contacts() is usable from here on (Presence needs it first).
  RosterModule(router::Router& router, const directory::DirectoryCache& directory, store::Database& database);
  ~RosterModule();
  const im::Contacts& contacts() const { return contacts_; }
  Roster& roster() { return roster_; }

  // Registers the handlers with router and presence.
  void start(im::Presence& presence, boost::asio::any_io_executor executor, RosterDirectoryOptions options,
             RosterLimits limits = {});
  // Follows the cache: its changes (a deleted account's data goes at once), and its first
  // refresh (the accounts deleted while the server was down).
  void follow(directory::DirectoryCache& cache);
  RosterDirectory& live() { return *live_; }

 private:
  router::Router& router_;
  Roster roster_;
  RosterContacts contacts_;
  std::unique_ptr<RosterPushes> pushes_;
  std::unique_ptr<RosterSubscriptions> subscriptions_;
  std::unique_ptr<RosterDirectory> live_;
  std::unique_ptr<AccountRemoval> removal_;
  im::Presence* presence_ = nullptr;
  // Last, so they go first: no change reaches the parts above while they are destroyed.
  util::Registration directory_changes_;
  util::Registration directory_ready_;
};

}  // namespace jabberadmin::roster
