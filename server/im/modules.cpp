#include "im/modules.hpp"

#include "im/disco.hpp"
#include "im/empty_roster.hpp"
#include "im/ping.hpp"
#include "im/session.hpp"
#include "im/version.hpp"

namespace jabberadmin::im {
namespace {
void install_core(router::Router& router) {
  install_disco(router);
  install_ping(router);
  install_version(router, "cl-jabberd", JABBERADMIN_VERSION);
  install_legacy_session(router);
}
}  // namespace

Modules install_modules(router::Router& router, std::unique_ptr<Contacts> contacts) {
  Modules m;
  m.contacts = std::move(contacts);
  m.presence = std::make_unique<Presence>(router, *m.contacts);
  install_core(router);
  install_empty_roster(router);
  m.carbons = std::make_unique<Carbons>(router);
  return m;
}

Modules install_modules(router::Router& router, const Services& services, boost::asio::any_io_executor executor) {
  Modules m;
  m.rosters = std::make_unique<roster::RosterModule>(router, services.directory, services.database);
  m.presence = std::make_unique<Presence>(router, m.rosters->contacts());
  roster::RosterDirectoryOptions live;
  live.hosts = router.hosts();  // the router already holds the served hosts, normalised
  const JabberSettings& j = services.settings.jabber;
  m.presence->set_max_directed(j.max_directed_presences);
  m.rosters->start(*m.presence, std::move(executor), std::move(live),
                   roster::RosterLimits{j.max_roster_items, j.max_roster_item_size});
  m.rosters->follow(services.directory);
  install_core(router);
  m.carbons = std::make_unique<Carbons>(router);
  return m;
}

}  // namespace jabberadmin::im
