// The roster features assembled (part 2): the model over the directory cache and the
// database, jabber:iq:roster, subscriptions, pushes, and the live directory changes.
#pragma once

#include <boost/asio/any_io_executor.hpp>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "directory/directory_cache.hpp"
#include "module/module.hpp"
#include "presence/presence.hpp"
#include "roster/account_removal.hpp"
#include "roster/roster.hpp"
#include "roster/roster_contacts.hpp"
#include "roster/roster_directory.hpp"
#include "roster/roster_iq.hpp"
#include "roster/roster_pushes.hpp"
#include "roster/roster_subscriptions.hpp"
#include "router/router.hpp"
#include "store/database.hpp"
#include "stream/features.hpp"
#include "util/registration.hpp"

namespace jabberadmin::roster {

// XEP-0237: offers the `rosterver` stream feature after authentication (the roster answers
// a current 'ver' with an empty result), until the registration goes.
util::Registration offer_roster_versioning(stream::StreamFeatures& features);

class RosterModule final : public module::Module {
 public:
  // The module: the model over the context's directory cache and database, started with the
  // settings' limits, following the cache, its contacts handed to presence (started before
  // it: the roster's declared dependency), jabber:iq:roster in disco, and `rosterver`.
  explicit RosterModule(module::Context& context);
  // The model only: contacts() is usable from here on (Presence needs it first); unit tests
  // then start() and follow() it themselves.
  RosterModule(router::Router& router, const directory::DirectoryCache& directory, store::Database& database);
  ~RosterModule();
  const presence::Contacts& contacts() const { return contacts_; }
  Roster& roster() { return roster_; }

  // Registers the handlers with router and presence.
  // A removed account's other data goes through account_data (nullptr: there is none).
  void start(presence::Presence& presence, boost::asio::any_io_executor executor, RosterDirectoryOptions options,
             RosterLimits limits = {}, const module::AccountData* account_data = nullptr);
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
  util::Registration handler_;  // jabber:iq:roster
  util::Registration unbound_, advertised_, versioning_;
  presence::Presence* presence_ = nullptr;
  bool contacts_given_ = false;  // presence asks contacts_: taken back at the end
  // Last, so they go first: no change reaches the parts above while they are destroyed.
  util::Registration directory_changes_;
  util::Registration directory_ready_;
};

}  // namespace jabberadmin::roster
