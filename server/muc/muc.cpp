#include "muc/muc.hpp"

#include <algorithm>

#include "mam/message_archive.hpp"
#include "stream/namespaces.hpp"

namespace jabberadmin::muc {
namespace {

MucOptions options_from(module::Context& context) {
  const JabberSettings& j = context.settings().jabber;
  MucOptions o;
  // Rooms keep their archives in the accounts' message archive (mam on), or none.
  if (mam::MessageArchive* archive = context.require<mam::Mam>().archive()) o.archive = &archive->store();
  o.limits.max_occupants = j.muc_max_occupants;
  o.limits.message_rate = static_cast<double>(j.muc_message_rate);
  o.limits.message_burst = static_cast<double>(std::max<std::size_t>(j.muc_message_burst, 1));
  o.limits.history_size = j.muc_history_size;
  o.max_rooms_per_user = j.muc_max_rooms_per_user;
  return o;
}

}  // namespace

Muc::Muc(module::Context& context)
    : Muc(context, context.has_settings() ? context.settings().jabber.muc_service : std::string("conference"),
          context.has_settings() ? options_from(context) : MucOptions{}) {}

Muc::Muc(module::Context& context, std::string subdomain, MucOptions options) : Module("muc") {
  if (subdomain.empty()) return;  // MUC turned off
  router::Router& router = context.router();
  std::vector<std::string> domains;
  for (const std::string& host : router.hosts()) domains.push_back(subdomain + "." + host);
  store_ = std::make_unique<RoomStore>(context.database());
  // Without one (unit tests) every message of a room's history is written at once.
  if (context.has_executor()) store_->write_behind(context.executor());
  service_ = std::make_unique<MucService>(router, domains, std::move(options), store_.get());
  for (const std::string& domain : domains)
    domains_.push_back(router.serve_domain(domain, [this](const stream::Stanza& s) { service_->handle(s); }));
  unbind_ = router.on_unbind([this](const Jid& full, const router::Resource&) { service_->session_ended(full); });
  // Each host lists its own service (XEP-0045 §6.1).
  items_ = context.disco_items(router::IqTarget::Server, [this, subdomain](const xml::Element& iq) {
    std::vector<xml::Element> items;
    const std::string domain = subdomain + "." + iq.attr_or("to");
    if (std::find(service_->domains().begin(), service_->domains().end(), domain) == service_->domains().end()) return items;
    xml::Element item("item", std::string(ns::kDiscoItems));
    item.set_attr("jid", domain).set_attr("name", "Chatrooms");
    items.push_back(std::move(item));
    return items;
  });
  // A deleted account's affiliations go with it.
  kept_ = context.account_data().keep(module::AccountData::Keeper{
      .name = "room affiliations",
      .known = [this](std::set<std::string>& bare_jids) { store_->affiliated(bare_jids); },
      .remove =
          [this](const std::vector<std::string>& bare_jids) {
            std::size_t removed = 0;
            for (const std::string& bare : bare_jids) removed += service_->drop_affiliations(Jid::split_normalized(bare));
            return removed + store_->remove_affiliations(bare_jids);  // rows of rooms not served now
          },
  });
}

}  // namespace jabberadmin::muc
