#include "app/modules.hpp"

#include "carbons/carbons.hpp"
#include "disco/disco.hpp"
#include "history/history.hpp"
#include "im/rosters.hpp"
#include "offline/offline_messages.hpp"
#include "ping/ping.hpp"
#include "presence/presence.hpp"
#include "roster/user_directory.hpp"
#include "session/session.hpp"
#include "vcard/vcard.hpp"
#include "version/version.hpp"

namespace jabberadmin::app {
namespace {

// The rosters as a module, until they derive from module::Module themselves: the model over
// the directory cache and the database, jabber:iq:roster, subscriptions, pushes and live
// directory changes; presence learns its contacts and subscriptions from them.
class Roster final : public module::Module {
 public:
  explicit Roster(module::Context& context)
      : Module("roster"),
        presence_(context.require<presence::Presence>()),
        directory_(context.directory()),
        rosters_(context.router(), directory_, context.database()),
        advertised_(context.disco_feature(router::IqTarget::Account, "jabber:iq:roster")),
        versioning_(im::offer_roster_versioning(context.stream_features())) {
    const JabberSettings& j = context.settings().jabber;
    presence_.set_contacts(&rosters_.contacts());
    im::RosterDirectoryOptions live;
    live.hosts = context.router().hosts();  // the router already holds the served hosts, normalised
    rosters_.start(presence_, context.executor(), std::move(live),
                   im::RosterLimits{j.max_roster_items, j.max_roster_item_size});
    rosters_.follow(context.directory());
  }
  ~Roster() override { presence_.set_contacts(nullptr); }

 private:
  presence::Presence& presence_;
  roster::CacheDirectory directory_;
  im::Rosters rosters_;
  module::Registration advertised_, versioning_;
};

}  // namespace

std::vector<module::Factory> modules(const Options& options) {
  return {
      module::make<presence::Presence>(),
      module::make<disco::Disco>(),
      module::make<ping::Ping>(),
      module::make<version::Version>(),
      module::make<session::LegacySession>(),
      module::make<Roster>(),
      module::make<carbons::Carbons>(),
      [limit = options.max_offline_messages](module::Context& c) {
        return std::make_unique<offline::OfflineMessages>(c, limit);
      },
      module::make<history::History>(),
      module::make<vcard::Vcards>(),
  };
}

}  // namespace jabberadmin::app
