#include "im/roster.hpp"

#include <algorithm>
#include <memory>

#include "im/roster_bytes.hpp"
#include "stream/namespaces.hpp"
#include "stream/stanza.hpp"

namespace jabberadmin::im {
namespace {

constexpr std::string_view kRoster = "jabber:iq:roster";
constexpr std::size_t kMaxText = 1023;  // bytes of a name or a group name

std::string shared_text(const roster::Item& item) {
  return item.jid + " is in your directory group '" + item.shared_group.value_or("") +
         "': the shared roster comes from the directory and only an administrator can change it";
}

// Stands for the items while the reply around them is serialized: no text can hold it (XML
// 1.0 has no U+0001), so it is found exactly once.
constexpr std::string_view kItemsHere = "\x01";

void get(router::Router& router, roster::Roster& roster, RosterBytes& bytes, RosterPushes& pushes, const Jid& user,
         const Jid& from, const xml::Element& iq, const xml::Element& query) {
  pushes.interested(from);
  const std::string version = roster.version(user);
  xml::Element reply = stream::iq_result(iq);
  reply.remove_attr("from");
  const auto asked = query.attr("ver");
  // XEP-0237 §2.3: the client's copy is current: an empty result, changes come as pushes.
  if (asked && *asked == version) return router.deliver(reply);
  xml::Element& out = reply.add(xml::Element("query", std::string(kRoster)));
  out.set_attr("ver", version);
  // The items are mostly the group's, written once for all its members (RosterBytes); the
  // reply goes back to the resource that asked, the one place router.deliver() would take it.
  out.add_text(kItemsHere);
  std::string serialized = xml::serialize(reply, ns::kClient);
  serialized.replace(serialized.find(kItemsHere), kItemsHere.size(), bytes.items(user));
  if (router::Resource* r = router.find(from)) r->session->deliver_serialized(std::move(serialized));
}

void remove(router::Router& router, roster::Roster& roster, RosterPushes& pushes, RosterSubscriptions& subscriptions,
            const Jid& user, const xml::Element& iq, const Jid& contact) {
  const auto item = roster.item(user, contact.bare());
  if (item && item->shared_group) return router.bounce(iq, "cancel", "not-allowed", shared_text(*item));
  const roster::PairState state = roster.state(user, contact.bare());
  if (!state.item) return router.bounce(iq, "cancel", "item-not-found");
  // RFC 6121 §2.5.2: cancel both directions, then forget the contact.
  auto presence = [&](std::string_view type) {
    xml::Element p("presence", "jabber:client");
    p.set_attr("type", type);
    p.set_attr("from", user.bare());
    p.set_attr("to", contact.bare());
    return p;
  };
  using S = roster::Subscription;
  if (state.subscription == S::To || state.subscription == S::Both || state.ask)
    subscriptions.outbound(user, presence("unsubscribe"));
  if (state.subscription == S::From || state.subscription == S::Both || state.pending_in)
    subscriptions.outbound(user, presence("unsubscribed"));
  roster.set_state(user, contact.bare(), {});
  router.deliver([&] {
    xml::Element reply = stream::iq_result(iq);
    reply.remove_attr("from");
    return reply;
  }());
  pushes.push(user, contact.bare());
}

void set(router::Router& router, roster::Roster& roster, RosterPushes& pushes, RosterSubscriptions& subscriptions,
         const RosterLimits& limits, const Jid& user, const xml::Element& iq, const xml::Element& query) {
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
  if (item->attr_or("subscription") == "remove") return remove(router, roster, pushes, subscriptions, user, iq, bare);

  if (const auto existing = roster.item(user, bare.bare()); existing && existing->shared_group)
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
  store::RosterItem stored = roster.personal().item(user.bare(), bare.bare()).value_or(store::RosterItem{bare.bare()});
  stored.name = name;
  stored.groups = groups;
  roster.personal().put(user.bare(), stored);
  xml::Element reply = stream::iq_result(iq);
  reply.remove_attr("from");
  router.deliver(reply);
  pushes.push(user, bare.bare());
}

}  // namespace

util::Registration install_roster(router::Router& router, roster::Roster& roster, RosterPushes& pushes,
                    RosterSubscriptions& subscriptions, std::function<void()> settle, RosterLimits limits) {
  return router.handle_iq(router::IqTarget::Account, std::string(kRoster),
                   [&roster, &pushes, &subscriptions, settle, limits,
                    bytes = std::make_shared<RosterBytes>(roster)](router::Router& r, const xml::Element& iq) {
                     const auto to = stream::address(iq, "to").jid;
                     const auto from = stream::address(iq, "from").jid;
                     if (!from) return;
                     // Only the account itself reads and changes its roster (§2.1.5).
                     if (to && to->bare() != from->bare()) return r.bounce(iq, "auth", "forbidden");
                     const Jid user = from->to_bare();
                     const xml::Element& query = *iq.first_element();
                     if (stream::stanza_type(iq) == "get") {
                       if (settle) settle();
                       return get(r, roster, *bytes, pushes, user, *from, iq, query);
                     }
                     set(r, roster, pushes, subscriptions, limits, user, iq, query);
                   });
}

}  // namespace jabberadmin::im
