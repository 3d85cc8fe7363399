#include "last/last_activity.hpp"

#include "roster/roster_module.hpp"
#include "stream/namespaces.hpp"
#include "stream/stanza.hpp"
#include "util/log.hpp"

namespace jabberadmin::last {
namespace {

xml::Element answer(const xml::Element& iq, std::chrono::system_clock::duration ago, std::string_view status) {
  xml::Element reply = stream::iq_result(iq);
  const auto seconds = std::max<std::int64_t>(0, std::chrono::duration_cast<std::chrono::seconds>(ago).count());
  xml::Element& q = reply.add(xml::Element("query", std::string(ns::kLast)));
  q.set_attr("seconds", std::to_string(seconds));
  if (!status.empty()) q.add_text(status);
  return reply;
}

LastOptions from_context(module::Context& context) {
  const presence::Contacts& contacts = context.require<roster::RosterModule>().contacts();
  return LastOptions{
      .exists = [&directory = context.directory()](const Jid& bare) { return directory.find(bare.local) != nullptr; },
      .may_see = [&contacts](const Jid& user, const Jid& asker) { return contacts.is_subscriber(user, asker); },
  };
}

}  // namespace

LastActivity::LastActivity(module::Context& context)
    : LastActivity(context, context.require<presence::Presence>(), from_context(context)) {}

LastActivity::LastActivity(module::Context& context, presence::Presence& presence, LastOptions options)
    : Module("last"),
      router_(context.router()),
      store_(context.database()),
      options_(std::move(options)),
      started_(options_.now()) {
  using router::IqTarget;
  // A deleted account's last logout goes with it.
  kept_ = context.account_data().keep(
      module::AccountData::rows_of("last logout", context.database(), "last_logout", "account"));
  server_ = context.handle_iq(IqTarget::Server, std::string(ns::kLast),
                              [this](router::Router& r, const xml::Element& iq) { uptime(r, iq); });
  account_ = context.handle_iq(IqTarget::Account, std::string(ns::kLast),
                               [this](router::Router& r, const xml::Element& iq) { account(r, iq); });
  unavailable_ = presence.on_unavailable([this](const Jid& full, const xml::Element& p) {
    const xml::Element* status = p.child("status", ns::kClient);
    statuses_[full.full()] = status ? status->text() : std::string();
  });
  unbind_ = router_.on_unbind([this](const Jid& full, const router::Resource& leaving) { unbound(full, leaving); });
  filter_ = router_.filter_routes(
      [this](std::string_view from, const Jid& to, const xml::Element* stanza) { return may_reach(from, to, stanza); });
}

bool LastActivity::may_reach(std::string_view from, const Jid& to, const xml::Element* stanza) {
  // Cheapest tests first: this is asked of every delivery.
  if (stanza == nullptr || to.resource.empty() || to.local.empty() || from.empty() || stanza->name() != "iq") return true;
  const xml::Element* query = stanza->first_element();
  if (query == nullptr || !query->is("query", ns::kLast) || !router_.serves(to.domain)) return true;
  const std::string type = stream::stanza_type(*stanza);
  if (type != "get" && type != "set") return true;  // the client's answer goes back as usual
  const Jid user = to.to_bare();
  const Jid asker = Jid::split_normalized(from).to_bare();  // stamped by the server
  if (asker.bare() == user.bare() || options_.may_see(user, asker)) return true;
  router_.bounce(*stanza, "auth", "forbidden", "Only contacts who see this account's presence may ask");
  return false;
}

LastActivity::~LastActivity() {
  std::map<std::string, std::chrono::system_clock::time_point> newest;
  for (const stream::Session* session : router_.sessions()) {
    const Jid& jid = session->jid();
    if (const router::Resource* r = router_.find(jid)) newest[jid.bare()] = std::max(newest[jid.bare()], r->since);
  }
  for (const auto& [bare, login] : newest) record(bare, {}, login);
}

std::optional<std::chrono::system_clock::time_point> LastActivity::last_login(const Jid& bare) {
  std::optional<std::chrono::system_clock::time_point> newest;
  if (const auto kept = logins_.find(bare.bare()); kept != logins_.end()) newest = kept->second;
  for (const auto& [jid, resource] : router_.resources(bare))
    if (!newest || resource->since > *newest) newest = resource->since;
  if (newest) return newest;
  const std::optional<Logout> logout = store_.find(bare.bare());
  return logout ? logout->login : std::nullopt;
}

void LastActivity::uptime(router::Router& router, const xml::Element& iq) const {
  if (stream::stanza_type(iq) != "get") return router.bounce(iq, "cancel", "not-allowed");
  router.deliver(answer(iq, options_.now() - started_, {}));
}

void LastActivity::account(router::Router& router, const xml::Element& iq) {
  if (stream::stanza_type(iq) != "get") return router.bounce(iq, "cancel", "not-allowed");
  const auto from = stream::address(iq, "from").jid;
  if (!from) return;
  const auto to = stream::address(iq, "to").jid;
  const Jid user = (to ? *to : *from).to_bare();
  const Jid asker = from->to_bare();
  // Asked first, so that whether an account exists is not told to strangers either.
  if (asker.bare() != user.bare() && !options_.may_see(user, asker))
    return router.bounce(iq, "auth", "forbidden", "Only contacts who see this account's presence may ask");
  if (!options_.exists(user)) return router.bounce(iq, "cancel", "service-unavailable");
  const std::string bare = user.bare();
  if (!router.resources(user).empty()) return router.deliver(answer(iq, {}, {}));
  std::optional<Logout> logout;
  try {
    logout = store_.find(bare);
  } catch (const std::exception& e) {
    log::error("last: cannot read the last logout of " + bare + ": " + e.what());
    return router.bounce(iq, "wait", "internal-server-error");
  }
  if (!logout) return router.bounce(iq, "cancel", "item-not-found", "No logout of this account is recorded");
  router.deliver(answer(iq, options_.now() - logout->when, logout->status));
}

void LastActivity::unbound(const Jid& full, const router::Resource& leaving) {
  const auto it = statuses_.find(full.full());
  std::string status = it == statuses_.end() ? std::string() : std::move(it->second);
  if (it != statuses_.end()) statuses_.erase(it);
  const std::string bare = full.bare();
  auto login = leaving.since;
  if (const auto kept = logins_.find(bare); kept != logins_.end()) {
    login = std::max(login, kept->second);
    logins_.erase(kept);
  }
  // Called after the resource is removed: it was the last one when none is left.
  if (router_.resources(full.to_bare()).empty())
    record(bare, std::move(status), login);
  else
    logins_[bare] = login;
}

void LastActivity::record(const std::string& bare, std::string status, std::chrono::system_clock::time_point login) {
  try {
    store_.record(bare, Logout{options_.now(), std::move(status), login});
  } catch (const std::exception& e) {
    log::error("last: cannot record the logout of " + bare + ": " + e.what());
  }
}

}  // namespace jabberadmin::last
