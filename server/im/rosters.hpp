// The roster features assembled (part 2): the model over the directory cache and the
// database, jabber:iq:roster, subscriptions, pushes, and the live directory changes.
#pragma once

#include <boost/asio/any_io_executor.hpp>

#include <memory>
#include <string>
#include <vector>

#include "directory/directory_cache.hpp"
#include "im/account_removal.hpp"
#include "presence/presence.hpp"
#include "im/roster.hpp"
#include "im/roster_contacts.hpp"
#include "im/roster_directory.hpp"
#include "im/roster_pushes.hpp"
#include "im/roster_subscriptions.hpp"
#include "roster/roster.hpp"
#include "router/router.hpp"
#include "store/database.hpp"
#include "stream/features.hpp"
#include "util/registration.hpp"

namespace jabberadmin::im {

// XEP-0237: offers the `rosterver` stream feature after authentication (the roster answers
// a current 'ver' with an empty result), until the registration goes.
util::Registration offer_roster_versioning(stream::StreamFeatures& features);

class Rosters {
 public:
  // The model only: contacts() is usable from here on (Presence needs it first).
  Rosters(router::Router& router, const roster::UserDirectory& directory, store::Database& database);
  ~Rosters();
  const presence::Contacts& contacts() const { return contacts_; }
  roster::Roster& roster() { return roster_; }

  // Registers the handlers with router and presence.
  void start(presence::Presence& presence, boost::asio::any_io_executor executor, RosterDirectoryOptions options,
             RosterLimits limits = {});
  // Follows the cache: its changes (a deleted account's data goes at once), and its first
  // refresh (the accounts deleted while the server was down).
  void follow(directory::DirectoryCache& cache);
  RosterDirectory& live() { return *live_; }

 private:
  router::Router& router_;
  roster::Roster roster_;
  RosterContacts contacts_;
  std::unique_ptr<RosterPushes> pushes_;
  std::unique_ptr<RosterSubscriptions> subscriptions_;
  std::unique_ptr<RosterDirectory> live_;
  std::unique_ptr<AccountRemoval> removal_;
  util::Registration handler_;  // jabber:iq:roster
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);  // the cache cannot forget observers
  presence::Presence* presence_ = nullptr;
};

}  // namespace jabberadmin::im
