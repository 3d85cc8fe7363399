// The core modules started on a bare router (no settings, directory or database), as the
// unit tests use them: presence (with the given contacts, or none), disco, ping, version,
// the legacy session, the empty roster stand-in and carbons.
#pragma once

#include <memory>

#include "carbons/carbons.hpp"
#include "disco/disco.hpp"
#include "empty_roster.hpp"
#include "module/module.hpp"
#include "ping/ping.hpp"
#include "presence/presence.hpp"
#include "session/session.hpp"
#include "stream/features.hpp"
#include "version/version.hpp"

namespace jabberadmin::test {

struct CoreModules {
  explicit CoreModules(router::Router& router, std::unique_ptr<presence::Contacts> with = nullptr)
      : contacts(std::move(with)),
        modules(module::Services{router, stream_features, disco_features},
                {module::make<presence::Presence>(), module::make<disco::Disco>(), module::make<ping::Ping>(),
                 module::make<version::Version>(), module::make<session::LegacySession>(),
                 module::make<EmptyRoster>(), module::make<carbons::Carbons>()}) {
    if (contacts) modules.find<presence::Presence>()->set_contacts(contacts.get());
  }

  std::unique_ptr<presence::Contacts> contacts;
  stream::StreamFeatures stream_features;
  module::DiscoFeatures disco_features;
  module::Modules modules;
};

}  // namespace jabberadmin::test
