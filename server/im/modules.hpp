// The IM features of part 1, installed into a router in one call.
#pragma once

#include <memory>

#include "directory/directory_cache.hpp"
#include "im/contacts.hpp"
#include "im/presence.hpp"
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
};

Modules install_modules(router::Router& router, std::unique_ptr<Contacts> contacts);

}  // namespace jabberadmin::im
