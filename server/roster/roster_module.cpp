#include "roster/roster_module.hpp"

#include "roster/roster_iq.hpp"

namespace jabberadmin::roster {

RosterModule::RosterModule(router::Router& router, const directory::DirectoryCache& directory, store::Database& database)
    : router_(router), roster_(database, directory, router.hosts()), contacts_(roster_) {}

RosterModule::~RosterModule() {
  if (presence_ == nullptr) return;
  presence_->set_subscriptions(nullptr);
  presence_->set_avatar_hash(nullptr);
}

void RosterModule::start(im::Presence& presence, boost::asio::any_io_executor executor, RosterDirectoryOptions options,
                    RosterLimits limits) {
  presence_ = &presence;
  pushes_ = std::make_unique<RosterPushes>(router_, roster_);
  // The personal items kept for a login are forgotten when the account's last resource goes.
  router_.on_unbind([this](const Jid& full, const router::Resource&) {
    if (router_.resources(full.to_bare()).empty()) roster_.personal().forget(full.bare());
  });
  subscriptions_ = std::make_unique<RosterSubscriptions>(router_, roster_, *pushes_, presence);
  live_ = std::make_unique<RosterDirectory>(std::move(executor), router_, roster_, *pushes_, presence, contacts_,
                                            std::move(options));
  subscriptions_->set_max_items(limits.max_items);
  removal_ = std::make_unique<AccountRemoval>(router_, roster_, *pushes_, *live_);
  presence.set_subscriptions(subscriptions_.get());
  presence.set_avatar_hash([this](const Jid& bare) { return roster_.shared().avatar_hash(bare); });
  install_roster(router_, roster_, *pushes_, *subscriptions_, limits);
}

void RosterModule::follow(directory::DirectoryCache& cache) {
  directory_changes_ = cache.observe([this](const directory::UserChange& change) {
    live_->changed(change);
    if (change.before && !change.after) removal_->deleted(change.before->name);
  });
  directory_ready_ = cache.on_ready([this] {
    removal_->sweep();
    live_->introduce_online_users();
  });
}

}  // namespace jabberadmin::roster
