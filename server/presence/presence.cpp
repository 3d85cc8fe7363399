#include "presence/presence.hpp"

#include <algorithm>
#include <charconv>
#include <unordered_set>

#include "stream/namespaces.hpp"
#include "stream/stanza.hpp"

namespace jabberadmin::presence {
namespace {
int priority_of(const xml::Element& presence) {
  const xml::Element* p = presence.child("priority", ns::kClient);
  if (p == nullptr) return 0;
  const std::string text = p->text();
  int value = 0;
  const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || ptr != text.data() + text.size()) return 0;
  return std::clamp(value, -128, 127);
}
using ns::kVcardUpdate;
}  // namespace

void stamp_avatar(xml::Element& presence, const std::string& hash) {
  auto& children = presence.children();
  std::erase_if(children, [](const xml::Element& c) { return c.is("x", kVcardUpdate); });
  xml::Element& photo = presence.add(xml::Element("x", std::string(kVcardUpdate)))
                            .add(xml::Element("photo", std::string(kVcardUpdate)));
  if (!hash.empty()) photo.add_text(hash);
}

void Presence::stamp(const Jid& user, xml::Element& presence) const {
  if (!avatar_hash_) return;
  if (const auto hash = avatar_hash_(user.to_bare())) stamp_avatar(presence, *hash);
}

Presence::Presence(module::Context& context) : Presence(context.router()) {
  if (context.has_settings()) max_directed_ = context.settings().jabber.max_directed_presences;
}

Presence::Presence(router::Router& router, const Contacts& contacts) : Presence(router) { contacts_ = &contacts; }

Presence::Presence(router::Router& router) : Module("presence"), router_(router) {
  client_presence_ = router_.on_client_presence([this](stream::Session& s, const stream::Stanza& p) { from_client(s, p); });
  account_presence_ = router_.on_account_presence([this](const stream::Stanza& p) { to_account(p); });
  unbound_ = router_.on_unbind([this](const Jid& full, const router::Resource& r) {
    // Gone without a word (or replaced): everyone who saw it online hears it leave (§4.6.3).
    xml::Element p("presence", std::string(ns::kClient));
    p.set_attr("type", "unavailable");
    unavailable(full, p, r.available);
    directed_.erase(full.full());
    last_.erase(full.full());
  });
}

Presence::Last::Last(xml::Element presence) : element(std::move(presence)), bytes(element, ns::kClient) {}

const Presence::Last* Presence::last(const Jid& full) const {
  const auto it = last_.find(full.full());
  return it == last_.end() ? nullptr : &it->second;
}

std::vector<Jid> Presence::subscribers(const Jid& user) const {
  return contacts_ ? contacts_->subscribers(user) : std::vector<Jid>{};
}

std::vector<Jid> Presence::subscriptions(const Jid& user) const {
  return contacts_ ? contacts_->subscriptions(user) : std::vector<Jid>{};
}

void Presence::send(xml::Element presence, const Jid& from, const Jid& to) {
  presence.set_attr("from", from.full());
  presence.set_attr("to", to.full());
  router_.deliver(stream::Stanza(presence, from, to));
}

Presence::Outgoing::Outgoing(const xml::Element& presence, const Jid& from) : from(from), element(presence) {
  element.set_attr("from", from.full());
  element.remove_attr("to");
  bytes = xml::StanzaTemplate(element, ns::kClient);
}

void Presence::send(const Outgoing& presence, const Jid& to) {
  if (router_.deliver_presence(to, presence.bytes)) return;
  // Not one of our accounts: the general rules (and their bounces) apply.
  xml::Element copy = presence.element;
  copy.set_attr("to", to.full());
  router_.deliver(stream::Stanza(copy, presence.from, to));
}

void Presence::from_client(stream::Session& session, const stream::Stanza& presence) {
  const Jid& me = session.jid();
  const std::string_view type = presence.type();
  if (!presence.has_to()) {
    if (type == "available") {
      const router::Resource* r = router_.find(me);
      const bool initial = r != nullptr && !r->available;
      xml::Element stored = presence.element();
      stored.remove_attr("to");
      stamp(me, stored);
      last_.insert_or_assign(me.full(), Last(stored));
      router_.set_presence(me, true, priority_of(presence), &stored);
      broadcast(me, stored, initial);
      if (initial && subscriptions_ && router_.find(me)) subscriptions_->available(me);
    } else if (type == "unavailable") {
      last_.erase(me.full());
      router_.set_presence(me, false, 0);
      unavailable(me, presence.element(), true);
      directed_.erase(me.full());
      unavailable_observers_(me, presence);
    }
    return;  // other types without 'to' mean nothing (RFC 6121 §4.7.1)
  }
  if (stream::is_subscription(type)) {
    if (subscriptions_) return subscriptions_->outbound(me, presence);
    // Subscription stanzas carry the bare JID (RFC 6121 §3.1.2).
    xml::Element copy = presence.element();
    copy.set_attr("from", me.bare());
    return router_.deliver(stream::Stanza(copy, me.to_bare(), presence.to()));
  }
  if (type == "probe") return;  // a client has no business probing (§4.3)
  const std::string to = presence.to().full();
  if (type == "available") {
    auto& targets = directed_[me.full()];
    if (targets.size() >= max_directed_ && !targets.contains(to))
      return router_.bounce(presence, "wait", "resource-constraint",
                            "Directed presence to more than " + std::to_string(max_directed_) + " addresses");
    targets.insert(to);
  }
  if (type == "unavailable") {
    if (auto it = directed_.find(me.full()); it != directed_.end()) it->second.erase(to);
  }
  if (type == "available") {
    xml::Element stamped = presence.element();
    stamp(me, stamped);
    return router_.deliver(stream::Stanza(stamped, presence.from(), presence.to()));
  }
  router_.deliver(presence);
}

void Presence::broadcast(const Jid& from, const xml::Element& presence, bool initial) {
  // Serialized once: each contact's copy differs only in 'to'.
  const Outgoing outgoing(presence, from);
  for (const Jid& contact : subscribers(from.to_bare())) send(outgoing, contact);
  // The user's own available resources, the sender included (§4.2.2, §4.4.2).
  for (auto& [jid, r] : router_.resources(from.to_bare())) {
    if (!r->available) continue;
    send(outgoing, jid);
    // A resource coming online learns of its siblings.
    const Last* sibling_presence = initial && jid != from ? last(jid) : nullptr;
    if (sibling_presence != nullptr) {
      if (router::Resource* self = router_.find(from)) {
        xml::Element sibling = sibling_presence->element;
        sibling.set_attr("from", jid.full());
        sibling.set_attr("to", from.full());
        self->session->deliver(sibling);
      }
    }
  }
  if (!initial) return;
  for (const Jid& contact : subscriptions(from.to_bare())) {
    // A probe to one of our accounts would come straight back to answer_probe (through
    // to_account): answered here, without a stanza to build, route and parse (§4.3.2).
    if (!contact.local.empty() && router_.serves(contact.domain)) {
      answer_probe(contact, from);
      continue;
    }
    xml::Element probe("presence", std::string(ns::kClient));
    probe.set_attr("type", "probe");
    send(probe, from, contact.to_bare());
  }
}

void Presence::unavailable(const Jid& from, const xml::Element& presence, bool was_available) {
  const Outgoing outgoing(presence, from);
  const auto directed = directed_.find(from.full());
  // Who got it already, so that directed presence does not say it twice: only worth
  // remembering when there was directed presence at all.
  std::unordered_set<std::string> sent;
  if (was_available) {
    for (const Jid& contact : subscribers(from.to_bare())) {
      send(outgoing, contact);
      if (directed != directed_.end()) sent.insert(contact.full());
    }
    for (auto& [jid, r] : router_.resources(from.to_bare()))
      if (r->available && jid != from) send(outgoing, jid);
  }
  // Looked up again: the deliveries above may have changed directed_.
  if (auto it = directed_.find(from.full()); it != directed_.end()) {
    for (const std::string& to : it->second)
      if (!sent.contains(to)) send(outgoing, Jid::split_normalized(to));  // stored normalised
  }
}

void Presence::to_account(const stream::Stanza& presence) {
  if (!presence.has_to() || presence.from().domain.empty()) return;
  if (presence.type() == "probe") return answer_probe(presence.to(), presence.from());
  if (subscriptions_) return subscriptions_->inbound(presence);
  // Without a roster, subscription requests just reach the user's online resources.
  for (auto& [jid, r] : router_.resources(presence.to()))
    if (r->available) r->session->deliver(presence);
}

void Presence::answer_probe(const Jid& user, const Jid& prober) {
  // Nobody available: nothing to answer (§4.3.2), and nothing to look up.
  const std::string bare = user.bare();
  if (!router_.any_available(bare)) return;
  if (contacts_ == nullptr || !contacts_->is_subscriber(user.to_bare(), prober.to_bare())) return;  // no subscription: no answer
  // The last presence of each available resource, as stored: 'from' is that resource.
  router_.each_available(bare, [&](std::string_view, router::Resource& r) {
    const Last* p = last(r.session->jid());
    if (p == nullptr) return;
    if (!router_.deliver_presence(prober, p->bytes)) send(p->element, r.session->jid(), prober);
  });
}

void Presence::share(const Jid& user, const Jid& contact) {
  for (auto& [jid, r] : router_.resources(user.to_bare()))
    if (const Last* p = last(jid); r->available && p != nullptr) send(p->element, jid, contact.to_bare());
}

void Presence::unshare(const Jid& user, const Jid& contact) {
  for (auto& [jid, r] : router_.resources(user.to_bare())) {
    if (!r->available) continue;
    xml::Element p("presence", std::string(ns::kClient));
    p.set_attr("type", "unavailable");
    send(p, jid, contact.to_bare());
  }
}

void Presence::rebroadcast(const Jid& user) {
  std::vector<std::pair<Jid, xml::Element>> again;
  for (auto& [jid, r] : router_.resources(user.to_bare())) {
    const Last* p = last(jid);
    if (!r->available || p == nullptr) continue;
    xml::Element stamped = p->element;
    stamp(jid, stamped);
    // Stored again (serialized anew) so that probes are answered with the new hash too.
    last_.insert_or_assign(jid.full(), Last(stamped));
    again.emplace_back(jid, std::move(stamped));
  }
  // Every stored copy is new before any goes out.
  for (const auto& [jid, presence] : again) broadcast(jid, presence, false);
}

}  // namespace jabberadmin::presence
