// The IM features of part 1, installed into a router in one call.
#pragma once

#include <memory>

#include "im/contacts.hpp"
#include "im/presence.hpp"
#include "router/router.hpp"

namespace jabberadmin::im {

struct Modules {
  std::unique_ptr<Contacts> contacts;
  std::unique_ptr<Presence> presence;
};

Modules install_modules(router::Router& router, std::unique_ptr<Contacts> contacts);

}  // namespace jabberadmin::im
