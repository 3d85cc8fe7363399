#include "im/roster_subscriptions.hpp"

#include "stream/namespaces.hpp"
#include "stream/stanza.hpp"
#include "xml/stream_parser.hpp"

namespace jabberadmin::im {
namespace {

// A stored request back into an element (written by xml::serialize(stanza, "jabber:client")).
std::optional<xml::Element> parse_stored(std::string_view text) {
  xml::StreamParser parser(xml::ParserLimits{1 << 20, 48});
  std::vector<xml::StreamEvent> events;
  const std::string wrapped = "<stream:stream xmlns='jabber:client' xmlns:stream='" + std::string(ns::kStreams) +
                              "'>" + std::string(text);
  if (parser.feed(wrapped, events)) return std::nullopt;
  for (auto& e : events)
    if (auto* element = std::get_if<xml::Element>(&e)) return std::move(*element);
  return std::nullopt;
}

}  // namespace

RosterSubscriptions::RosterSubscriptions(router::Router& router, roster::Roster& roster, RosterPushes& pushes,
                                         presence::Presence& presence)
    : router_(router), roster_(roster), pushes_(pushes), presence_(presence) {}

void RosterSubscriptions::reply(std::string_view type, const Jid& from, const Jid& to) {
  xml::Element p("presence", std::string(ns::kClient));
  p.set_attr("type", type);
  p.set_attr("from", from.bare());
  p.set_attr("to", to.bare());
  router_.deliver(p);
}

void RosterSubscriptions::outbound(const Jid& sender, const xml::Element& presence) {
  const Jid user = sender.to_bare();
  // Errors go to the resource that sent it (presence errors to a bare JID are dropped).
  auto refuse = [&](std::string_view condition, std::string_view text) {
    xml::Element original = presence;
    original.set_attr("from", sender.full());
    router_.bounce(original, "cancel", condition, text);
  };
  const auto to = stream::address(presence, "to").jid;
  const auto kind = roster::subscription_kind(stream::stanza_type(presence));
  if (!to || !kind) return;
  const Jid contact = to->to_bare();
  if (contact == user) return;  // one's own presence needs no subscription
  if (const auto shared = roster_.shared().item(user, contact.bare())) {
    using K = roster::SubscriptionKind;
    if (*kind == K::Subscribe) return reply("subscribed", contact, user);
    if (*kind == K::Subscribed) return;
    return refuse("not-allowed", contact.bare() + " is in your directory group '" + shared->group +
                              "': that subscription comes from the directory and cannot be cancelled");
  }
  xml::Element routed = presence;
  routed.set_attr("to", contact.bare());
  // No server-to-server links: nothing to route it over and no state to keep.
  if (!router_.serves(contact.domain))
    return refuse("remote-server-not-found", "No server-to-server links here: " + contact.domain + " is unreachable");

  const roster::PairState before = roster_.state(user, contact.bare());
  const roster::Outcome o = roster::outbound(before, *kind);
  if (o.after.item && !before.item && roster_.personal().items(user.bare()).size() >= max_items_)
    return refuse("resource-constraint",
                  "A roster may hold at most " + std::to_string(max_items_) + " personal items");
  if (o.after != before) roster_.set_state(user, contact.bare(), o.after);
  if (o.push) pushes_.push(user, contact.bare());
  if (o.forward) router_.deliver(routed);
  if (o.send_presence) presence_.share(user, contact);
  if (o.send_unavailable) presence_.unshare(user, contact);
}

void RosterSubscriptions::inbound(const xml::Element& presence) {
  const auto to = stream::address(presence, "to").jid;
  const auto from = stream::address(presence, "from").jid;
  const auto kind = roster::subscription_kind(stream::stanza_type(presence));
  if (!to || !from || !kind) return;
  const Jid user = to->to_bare();
  const Jid contact = from->to_bare();
  using K = roster::SubscriptionKind;
  if (!roster_.account_exists(user)) {
    // RFC 6121 §8.5.1: no such account; a request is refused rather than left hanging.
    if (*kind == K::Subscribe) reply("unsubscribed", user, contact);
    return;
  }
  if (roster_.shared().item(user, contact.bare())) {
    if (*kind == K::Subscribe) reply("subscribed", user, contact);
    return;
  }
  const roster::PairState before = roster_.state(user, contact.bare());
  const roster::Outcome o = roster::inbound(before, *kind);
  xml::Element stored = presence;
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
    auto stanza = parse_stored(request.stanza);
    if (!stanza) continue;
    stanza->set_attr("to", full.bare());
    router::Resource* r = router_.find(full);
    if (r == nullptr) return;
    r->session->deliver(*stanza);
  }
}

}  // namespace jabberadmin::im
