#include "app/modules.hpp"

#include "carbons/carbons.hpp"
#include "disco/disco.hpp"
#include "history/history.hpp"
#include "offline/offline_messages.hpp"
#include "ping/ping.hpp"
#include "presence/presence.hpp"
#include "roster/roster_module.hpp"
#include "session/session.hpp"
#include "sm/stream_management.hpp"
#include "vcard/vcard.hpp"
#include "version/version.hpp"

namespace jabberadmin::app {

std::vector<module::Factory> modules(const Options& options) {
  return {
      module::make<presence::Presence>(),
      module::make<disco::Disco>(),
      module::make<ping::Ping>(),
      module::make<version::Version>(),
      module::make<session::LegacySession>(),
      module::make<roster::RosterModule>(),
      module::make<carbons::Carbons>(),
      [limit = options.max_offline_messages](module::Context& c) {
        return std::make_unique<offline::OfflineMessages>(c, limit);
      },
      module::make<history::History>(),
      module::make<vcard::Vcards>(),
      module::make<sm::StreamManagement>(),
  };
}

}  // namespace jabberadmin::app
