// The IM features, installed into a router in one call.
#pragma once

#include <boost/asio/any_io_executor.hpp>

#include <memory>

#include "directory/directory_cache.hpp"
#include "im/carbons.hpp"
#include "im/contacts.hpp"
#include "im/presence.hpp"
#include "roster/roster_module.hpp"
#include "jabberadmin/settings.hpp"
#include "router/router.hpp"
#include "store/database.hpp"

namespace jabberadmin::im {

// What the directory-backed features (part 2) are built on, owned by the server and
// outliving the modules; the part-1 core above needs none of it.
struct Services {
  const Settings& settings;
  directory::DirectoryCache& directory;  // live users and groups, never an LDAP search
  store::Database& database;             // offline messages, personal rosters
};

struct Modules {
  std::unique_ptr<Contacts> contacts;
  std::unique_ptr<Presence> presence;
  std::unique_ptr<roster::RosterModule> rosters;      // part 2: shared and personal rosters
  std::unique_ptr<Carbons> carbons;
};

// The core alone (presence with the given contacts, an empty roster stand-in): unit tests.
Modules install_modules(router::Router& router, std::unique_ptr<Contacts> contacts);
// Everything: rosters from the directory cache and the database; timers run on executor.
Modules install_modules(router::Router& router, const Services& services, boost::asio::any_io_executor executor);

}  // namespace jabberadmin::im
