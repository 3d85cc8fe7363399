#include "im/modules.hpp"

#include "im/disco.hpp"
#include "im/empty_roster.hpp"
#include "im/ping.hpp"
#include "im/session.hpp"
#include "im/version.hpp"

namespace jabberadmin::im {

Modules install_modules(router::Router& router, std::unique_ptr<Contacts> contacts) {
  Modules m;
  m.contacts = std::move(contacts);
  m.presence = std::make_unique<Presence>(router, *m.contacts);
  install_disco(router);
  install_ping(router);
  install_version(router, "cl-jabberd", JABBERADMIN_VERSION);
  install_legacy_session(router);
  install_empty_roster(router);
  return m;
}

}  // namespace jabberadmin::im
