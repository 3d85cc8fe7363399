#include "roster/roster_iq.hpp"

#include <algorithm>
#include <memory>

#include "roster/roster_bytes.hpp"
#include "stream/namespaces.hpp"
#include "stream/stanza.hpp"

namespace jabberadmin::roster {
namespace {

using ns::kRoster;
constexpr std::size_t kMaxText = 1023;  // bytes of a name or a group name

std::string shared_text(const Item& item) {
  return item.jid + " is in your directory group '" + item.shared_group.value_or("") +
         "': the shared roster comes from the directory and only an administrator can change it";
}

// An empty result to the resource that asked (from, parsed once by the handler): where
// router.deliver() would take it, without reading its address again.
void answer(router::Router& router, const Jid& from, const stream::Stanza& iq) {
  xml::Element reply = stream::iq_result(iq);
  reply.remove_attr("from");
  if (router::Resource* r = router.find(from)) r->session->deliver(reply);
}

void get(router::Router& router, Roster& roster, RosterBytes& bytes, RosterPushes& pushes, const Jid& user,
         const Jid& from, const stream::Stanza& iq, const xml::Element& query) {
  pushes.interested(from);
  const std::string version = roster.version(user);
  const auto asked = query.attr("ver");
  // XEP-0237 §2.3: the client's copy is current: an empty result, changes come as pushes.
  if (asked && *asked == version) return answer(router, from, iq);
  xml::Element reply = stream::iq_result(iq);
  reply.remove_attr("from");
  xml::Element& out = reply.add(xml::Element("query", std::string(kRoster)));
  out.set_attr("ver", version);
  // The items are mostly the group's, written once for all its members (RosterBytes); the
  // reply goes back to the resource that asked, the one place router.deliver() would take it.
  out.add(xml::Element::raw(bytes.items(user)));
  if (router::Resource* r = router.find(from)) r->session->deliver_serialized(xml::serialize(reply, ns::kClient));
}

void remove(router::Router& router, Roster& roster, RosterPushes& pushes, RosterSubscriptions& subscriptions,
            const Jid& user, const Jid& from, const stream::Stanza& iq, const Jid& contact) {
  const auto item = roster.item(user, contact);
  if (item && item->shared_group) return router.bounce(iq, "cancel", "not-allowed", shared_text(*item));
  const PairState state = roster.state(user, contact.bare());
  if (!state.item) return router.bounce(iq, "cancel", "item-not-found");
  // RFC 6121 §2.5.2: cancel both directions, then forget the contact.
  using K = SubscriptionKind;
  auto cancel = [&](K kind) {
    xml::Element p("presence", std::string(ns::kClient));
    p.set_attr("type", stream::kSubscriptionTypes[static_cast<std::size_t>(kind)]);
    p.set_attr("from", user.bare());
    p.set_attr("to", contact.bare());
    subscriptions.outbound(user, contact, kind, p);
  };
  using S = Subscription;
  if (state.subscription == S::To || state.subscription == S::Both || state.ask) cancel(K::Unsubscribe);
  if (state.subscription == S::From || state.subscription == S::Both || state.pending_in) cancel(K::Unsubscribed);
  roster.set_state(user, contact.bare(), {});
  answer(router, from, iq);
  pushes.push(user, contact);
}

void set(router::Router& router, Roster& roster, RosterPushes& pushes, RosterSubscriptions& subscriptions,
         const RosterLimits& limits, const Jid& user, const Jid& from, const stream::Stanza& iq,
         const xml::Element& query) {
  // §2.3.3: exactly one item, with a valid JID.
  const xml::Element* item = nullptr;
  std::size_t count = 0;
  for (const auto& c : query.children())
    if (!c.is_text()) {
      ++count;
      if (c.is("item", kRoster)) item = &c;
    }
  if (count != 1 || item == nullptr) return router.bounce(iq, "modify", "bad-request", "A roster set holds one item");
  const auto contact = Jid::parse(item->attr_or("jid"));
  if (!contact) return router.bounce(iq, "modify", "jid-malformed");
  const Jid bare = contact->to_bare();
  if (item->attr_or("subscription") == "remove")
    return remove(router, roster, pushes, subscriptions, user, from, iq, bare);

  if (const auto existing = roster.item(user, bare); existing && existing->shared_group)
    return router.bounce(iq, "cancel", "not-allowed", shared_text(*existing));
  // The quotas (RFC 6121 §2.3.3 leaves them to the server): every item is sent at each
  // roster get, which must stay well within a session's output bound.
  if (xml::serialize(*item, kRoster).size() > limits.max_item_size)
    return router.bounce(iq, "modify", "not-acceptable",
                         "A roster item may take at most " + std::to_string(limits.max_item_size) + " bytes");
  if (!roster.personal().item(user.bare(), bare.bare()) &&
      roster.personal().items(user.bare()).size() >= limits.max_items)
    return router.bounce(iq, "wait", "resource-constraint",
                         "A roster may hold at most " + std::to_string(limits.max_items) + " personal items");
  const std::string name = item->attr_or("name");
  if (name.size() > kMaxText || name.find('\n') != std::string::npos)
    return router.bounce(iq, "modify", "not-acceptable", "The name is too long or holds a line break");
  std::vector<std::string> groups;
  for (const auto& g : item->children()) {
    if (!g.is("group", kRoster)) continue;
    const std::string text = g.text();
    if (text.empty()) return router.bounce(iq, "modify", "not-acceptable", "A group name is empty");
    if (text.size() > kMaxText || text.find('\n') != std::string::npos)
      return router.bounce(iq, "modify", "not-acceptable", "A group name is too long or holds a line break");
    if (std::find(groups.begin(), groups.end(), text) == groups.end()) groups.push_back(text);
  }
  // 'subscription' (other than remove) and 'ask' are the server's to set (§2.1.2.5, §2.1.2.1).
  PersonalItem stored = roster.personal().item(user.bare(), bare.bare()).value_or(PersonalItem{bare.bare()});
  stored.name = name;
  stored.groups = groups;
  roster.personal().put(user.bare(), stored);
  answer(router, from, iq);
  pushes.push(user, bare);
}

}  // namespace

util::Registration install_roster(router::Router& router, Roster& roster, RosterPushes& pushes,
                    RosterSubscriptions& subscriptions, RosterLimits limits) {
  return router.handle_iq(router::IqTarget::Account, std::string(kRoster),
                   [&roster, &pushes, &subscriptions, limits,
                    bytes = std::make_shared<RosterBytes>(roster)](router::Router& r, const stream::Stanza& iq) {
                     const Jid& from = iq.from();
                     if (from.domain.empty()) return;
                     // Only the account itself reads and changes its roster (§2.1.5).
                     if (iq.has_to() && iq.to().bare() != from.bare()) return r.bounce(iq, "auth", "forbidden");
                     const Jid user = from.to_bare();
                     const xml::Element& query = *iq.payload();
                     if (iq.type() == "get") return get(r, roster, *bytes, pushes, user, from, iq, query);
                     set(r, roster, pushes, subscriptions, limits, user, from, iq, query);
                   });
}

}  // namespace jabberadmin::roster
