#include "im/rosters.hpp"

#include "im/roster.hpp"

namespace jabberadmin::im {

Rosters::Rosters(router::Router& router, const roster::UserDirectory& directory, store::Database& database)
    : router_(router), roster_(database, directory, router.hosts()), contacts_(roster_) {}

Rosters::~Rosters() {
  if (presence_ == nullptr) return;
  presence_->set_subscriptions(nullptr);
  presence_->set_avatar_hash(nullptr);
}

void Rosters::start(Presence& presence, boost::asio::any_io_executor executor, RosterDirectoryOptions options,
                    RosterLimits limits) {
  presence_ = &presence;
  pushes_ = std::make_unique<RosterPushes>(router_, roster_);
  subscriptions_ = std::make_unique<RosterSubscriptions>(router_, roster_, *pushes_, presence);
  live_ = std::make_unique<RosterDirectory>(std::move(executor), router_, roster_, *pushes_, presence, contacts_,
                                            std::move(options));
  subscriptions_->set_max_items(limits.max_items);
  removal_ = std::make_unique<AccountRemoval>(router_, roster_, *pushes_, *live_);
  presence.set_subscriptions(subscriptions_.get());
  presence.set_avatar_hash([this](const Jid& bare) { return roster_.shared().avatar_hash(bare); });
  install_roster(router_, roster_, *pushes_, *subscriptions_, [this] { live_->flush(); }, limits);
}

void Rosters::follow(directory::DirectoryCache& cache) {
  std::weak_ptr<bool> alive = alive_;
  cache.observe([this, alive](const directory::UserChange& change) {
    if (!alive.lock()) return;
    live_->changed(change);
    if (change.before && !change.after) removal_->deleted(change.before->name);
    if (change.after && (!change.before || change.before->uuid != change.after->uuid))
      removal_->check_entries({&*change.after});
  });
  cache.on_ready([this, alive, &cache] {
    if (!alive.lock()) return;
    removal_->check_entries(cache.users());
    removal_->sweep();
    live_->introduce_online_users();
  });
}

}  // namespace jabberadmin::im
