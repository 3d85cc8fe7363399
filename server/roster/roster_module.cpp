#include "roster/roster_module.hpp"

#include "roster/roster_iq.hpp"
#include "stream/namespaces.hpp"

namespace jabberadmin::roster {

util::Registration offer_roster_versioning(stream::StreamFeatures& features) {
  return features.add(stream::FeatureStage::PostAuth, xml::Element("ver", std::string(ns::kRosterVer)));
}

RosterModule::RosterModule(router::Router& router, const directory::DirectoryCache& directory, store::Database& database)
    : Module("roster"), router_(router), roster_(database, directory, router.hosts()), contacts_(roster_) {}

RosterModule::RosterModule(module::Context& context)
    : RosterModule(context.router(), context.directory(), context.database()) {
  auto& presence = context.require<presence::Presence>();
  presence.set_contacts(&contacts_);
  contacts_given_ = true;
  const JabberSettings& j = context.settings().jabber;
  RosterDirectoryOptions live;
  live.hosts = context.router().hosts();  // the router already holds the served hosts, normalised
  start(presence, context.executor(), std::move(live), RosterLimits{j.max_roster_items, j.max_roster_item_size},
        &context.account_data());
  follow(context.directory());
  advertised_ = context.disco_feature(router::IqTarget::Account, std::string(ns::kRoster));
  versioning_ = offer_roster_versioning(context.stream_features());
}

RosterModule::~RosterModule() {
  if (presence_ == nullptr) return;
  if (contacts_given_) presence_->set_contacts(nullptr);
  presence_->set_subscriptions(nullptr);
  presence_->set_avatar_hash(nullptr);
}

void RosterModule::start(presence::Presence& presence, boost::asio::any_io_executor executor, RosterDirectoryOptions options,
                    RosterLimits limits, const module::AccountData* account_data) {
  presence_ = &presence;
  pushes_ = std::make_unique<RosterPushes>(router_, roster_);
  // The personal items kept for a login are forgotten when the account's last resource goes.
  unbound_ = router_.on_unbind([this](const Jid& full, const router::Resource&) {
    if (router_.resources(full.to_bare()).empty()) roster_.personal().forget(full.bare());
  });
  subscriptions_ = std::make_unique<RosterSubscriptions>(router_, roster_, *pushes_, presence);
  live_ = std::make_unique<RosterDirectory>(std::move(executor), router_, roster_, *pushes_, presence, contacts_,
                                            std::move(options));
  subscriptions_->set_max_items(limits.max_items);
  removal_ = std::make_unique<AccountRemoval>(router_, roster_, *pushes_, *live_, account_data);
  presence.set_subscriptions(subscriptions_.get());
  presence.set_avatar_hash([this](const Jid& bare) { return roster_.shared().avatar_hash(bare); });
  handler_ = install_roster(router_, roster_, *pushes_, *subscriptions_, limits);
}

void RosterModule::follow(directory::DirectoryCache& cache) {
  directory_changes_ = cache.observe([this](const directory::UserChange& change) {
    live_->changed(change);
    if (change.before && !change.after) removal_->deleted(change.before->name);
    // A new entry under a known name (deleted and re-created) inherits nothing.
    if (change.after && (!change.before || change.before->uuid != change.after->uuid))
      removal_->check_entries({&*change.after});
  });
  directory_ready_ = cache.on_ready([this, &cache] {
    removal_->check_entries(cache.users());
    removal_->sweep();
    live_->introduce_online_users();
  });
}

}  // namespace jabberadmin::roster
