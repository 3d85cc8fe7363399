#include "im/modules.hpp"

#include "im/disco.hpp"
#include "im/empty_roster.hpp"
#include "im/ping.hpp"
#include "im/session.hpp"
#include "im/version.hpp"
#include "jabberadmin/jid.hpp"

namespace jabberadmin::im {
namespace {
void install_core(router::Router& router) {
  install_disco(router);
  install_ping(router);
  install_version(router, "cl-jabberd", JABBERADMIN_VERSION);
  install_legacy_session(router);
}

std::vector<std::string> served_hosts(const Settings& settings) {
  std::vector<std::string> hosts;
  for (const auto& h : settings.jabber.hosts) hosts.push_back(normalize_domain(h));
  if (hosts.empty()) hosts.push_back(normalize_domain(settings.primary_host()));
  return hosts;
}
}  // namespace

Modules install_modules(router::Router& router, std::unique_ptr<Contacts> contacts) {
  Modules m;
  m.contacts = std::move(contacts);
  m.presence = std::make_unique<Presence>(router, *m.contacts);
  install_core(router);
  install_empty_roster(router);
  return m;
}

Modules install_modules(router::Router& router, const Services& services, boost::asio::any_io_executor executor) {
  Modules m;
  m.directory = std::make_unique<roster::CacheDirectory>(services.directory);
  m.rosters = std::make_unique<Rosters>(router, *m.directory, services.database);
  m.presence = std::make_unique<Presence>(router, m.rosters->contacts());
  RosterDirectoryOptions live;
  live.hosts = served_hosts(services.settings);
  m.rosters->start(*m.presence, std::move(executor), std::move(live));
  m.rosters->follow(services.directory);
  install_core(router);
  return m;
}

}  // namespace jabberadmin::im
