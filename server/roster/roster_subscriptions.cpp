#include "roster/roster_subscriptions.hpp"

#include "stream/namespaces.hpp"
#include "stream/stanza.hpp"
#include "xml/stream_parser.hpp"

namespace jabberadmin::roster {

RosterSubscriptions::RosterSubscriptions(router::Router& router, Roster& roster, RosterPushes& pushes,
                                         presence::Presence& presence)
    : router_(router), roster_(roster), pushes_(pushes), presence_(presence) {}

void RosterSubscriptions::reply(std::string_view type, const Jid& from, const Jid& to) {
  xml::Element p("presence", std::string(ns::kClient));
  p.set_attr("type", type);
  p.set_attr("from", from.bare());
  p.set_attr("to", to.bare());
  router_.deliver(stream::Stanza(p, from.to_bare(), to.to_bare()));
}

void RosterSubscriptions::outbound(const Jid& sender, const stream::Stanza& presence) {
  const auto kind = subscription_kind(presence.type());
  if (!presence.has_to() || !kind) return;
  outbound(sender, presence.to().to_bare(), *kind, presence);
}

void RosterSubscriptions::outbound(const Jid& sender, const Jid& contact, SubscriptionKind kind,
                                   const xml::Element& presence) {
  const Jid user = sender.to_bare();
  // Errors go to the resource that sent it (presence errors to a bare JID are dropped).
  auto refuse = [&](std::string_view condition, std::string_view text) {
    xml::Element original = presence;
    original.set_attr("from", sender.full());
    router_.bounce(original, "cancel", condition, text);
  };
  if (contact == user) return;  // one's own presence needs no subscription
  if (const auto shared = roster_.shared().item(user, contact)) {
    using K = SubscriptionKind;
    if (kind == K::Subscribe) return reply("subscribed", contact, user);
    if (kind == K::Subscribed) return;
    return refuse("not-allowed", contact.bare() + " is in your directory group '" + shared->group +
                              "': that subscription comes from the directory and cannot be cancelled");
  }
  // Subscription stanzas carry the bare JIDs (RFC 6121 §3.1.2).
  xml::Element routed = presence;
  routed.set_attr("from", user.bare());
  routed.set_attr("to", contact.bare());
  // Without federation there is nothing to route it over and no state worth keeping; with
  // it, a remote contact's subscription is kept as a local one's (its answer comes over s2s).
  if (!router_.serves(contact.domain) && !router_.reaches_remote())
    return refuse("remote-server-not-found", "No server-to-server links here: " + contact.domain + " is unreachable");

  const PairState before = roster_.state(user, contact.bare());
  const Outcome o = roster::outbound(before, kind);
  if (o.after.item && !before.item && roster_.personal().items(user.bare()).size() >= max_items_)
    return refuse("resource-constraint",
                  "A roster may hold at most " + std::to_string(max_items_) + " personal items");
  if (o.after != before) roster_.set_state(user, contact.bare(), o.after);
  if (o.push) pushes_.push(user, contact);
  if (o.forward) router_.deliver(stream::Stanza(routed, user, contact));
  if (o.send_presence) presence_.share(user, contact);
  if (o.send_unavailable) presence_.unshare(user, contact);
}

void RosterSubscriptions::inbound(const stream::Stanza& presence) {
  const auto kind = subscription_kind(presence.type());
  if (!presence.has_to() || presence.from().domain.empty() || !kind) return;
  const Jid user = presence.to().to_bare();
  const Jid contact = presence.from().to_bare();
  using K = SubscriptionKind;
  if (!roster_.account_exists(user)) {
    // RFC 6121 §8.5.1: no such account; a request is refused rather than left hanging.
    if (*kind == K::Subscribe) reply("unsubscribed", user, contact);
    return;
  }
  if (roster_.shared().item(user, contact)) {
    if (*kind == K::Subscribe) reply("subscribed", user, contact);
    return;
  }
  const PairState before = roster_.state(user, contact.bare());
  const Outcome o = roster::inbound(before, *kind);
  xml::Element stored = presence.element();
  stored.set_attr("from", contact.bare());
  if (o.after != before)
    roster_.set_state(user, contact.bare(), o.after,
                      *kind == K::Subscribe ? xml::serialize(stored, ns::kClient) : std::string());
  if (o.push) pushes_.push(user, contact.bare());
  if (o.auto_reply) {
    reply("subscribed", user, contact);
    presence_.share(user, contact);
  }
  if (o.forward)
    for (auto& [jid, r] : router_.resources(user))
      if (r->available) r->session->deliver(stored);
  if (o.send_unavailable) presence_.unshare(user, contact);
}

void RosterSubscriptions::available(const Jid& full) {
  // §3.1.3: requests that wait for an answer are shown at every login until answered.
  for (const auto& request : roster_.pending().requests(full.bare())) {
    auto stanza = xml::parse_serialized(request.stanza, ns::kClient);
    if (!stanza) continue;
    stanza->set_attr("to", full.bare());
    router::Resource* r = router_.find(full);
    if (r == nullptr) return;
    r->session->deliver(*stanza);
  }
}

}  // namespace jabberadmin::roster
