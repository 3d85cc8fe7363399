#include "app/modules.hpp"

#include "adhoc/adhoc.hpp"
#include "blocking/blocking.hpp"
#include "bookmarks/bookmarks.hpp"
#include "caps/caps.hpp"
#include "carbons/carbons.hpp"
#include "csi/csi.hpp"
#include "disco/disco.hpp"
#include "extdisco/external_services.hpp"
#include "fast/fast.hpp"
#include "group_rooms/group_rooms.hpp"
#include "history/history.hpp"
#include "last/last_activity.hpp"
#include "mam/message_archive.hpp"
#include "muc/muc.hpp"
#include "offline/offline_messages.hpp"
#include "pep/pep.hpp"
#include "ping/ping.hpp"
#include "presence/presence.hpp"
#include "private/private_storage.hpp"
#include "roster/roster_module.hpp"
#include "s2s/s2s.hpp"
#include "session/session.hpp"
#include "time/entity_time.hpp"
#include "upload/upload.hpp"
#include "sm/stream_management.hpp"
#include "vcard/vcard.hpp"
#include "version/version.hpp"
#include "webclient/webclient.hpp"

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
      module::make<blocking::Blocking>(),
      module::make<csi::Csi>(),
      module::make<entity_time::EntityTime>(),
      module::make<last::LastActivity>(),
      module::make<private_storage::PrivateStorage>(),
      module::make<caps::EntityCaps>(),
      module::make<pep::Pep>(),
      module::make<bookmarks::Bookmarks>(),
      module::make<sm::StreamManagement>(),
      module::make<fast::Fast>(),
      module::make<mam::Mam>(),
      module::make<muc::Muc>(),
      module::make<group_rooms::GroupRooms>(),
      [expiry = options.upload_expiry](module::Context& c) { return std::make_unique<upload::Upload>(c, expiry); },
      module::make<webclient::WebClient>(),
      module::make<adhoc::Adhoc>(),
      module::make<extdisco::ExternalServices>(),
      // Federation last: remote domains are what no other module serves.
      [listen = options.listen](module::Context& c) { return std::make_unique<s2s::Federation>(c, listen); },
  };
}

}  // namespace jabberadmin::app
