#include "router/router.hpp"

#include <algorithm>
#include <climits>
#include <stdexcept>
#include <utility>

#include "stream/namespaces.hpp"
#include "stream/stanza.hpp"
#include "util/log.hpp"

namespace jabberadmin::router {

using stream::StanzaKind;

Router::Router(std::vector<std::string> hosts) {
  for (auto& host : hosts)
    if (!serves(host)) hosts_.push_back(std::move(host));
}

util::Registration Router::handle_iq(IqTarget target, std::string xmlns, IqHandler handler) {
  auto key = std::make_pair(target, std::move(xmlns));
  const auto [it, inserted] = iq_handlers_->try_emplace(key, std::make_shared<IqHandler>(std::move(handler)));
  if (!inserted) throw std::logic_error("two handlers for IQs in " + key.second);
  return util::Registration([handlers = std::weak_ptr<IqHandlers>(iq_handlers_), key, handler = it->second] {
    // Only the entry this registration made (not a later one under the same key).
    if (auto h = handlers.lock(); h)
      if (auto found = h->find(key); found != h->end() && found->second == handler) h->erase(found);
  });
}

util::Registration Router::handle_nonza(std::string xmlns, NonzaHandler handler) {
  const auto [it, inserted] = nonza_handlers_->try_emplace(xmlns, std::make_shared<NonzaHandler>(std::move(handler)));
  if (!inserted) throw std::logic_error("two handlers for nonzas in " + xmlns);
  return util::Registration([handlers = std::weak_ptr<NonzaHandlers>(nonza_handlers_), xmlns, handler = it->second] {
    if (auto h = handlers.lock(); h)
      if (auto found = h->find(xmlns); found != h->end() && found->second == handler) h->erase(found);
  });
}

util::Registration Router::serve_domain(std::string domain, DomainHandler handler) {
  if (serves(domain)) throw std::logic_error(domain + " is a login host, not a component's domain");
  const auto [it, inserted] = domain_handlers_->try_emplace(domain, std::make_shared<DomainHandler>(std::move(handler)));
  if (!inserted) throw std::logic_error("two handlers for the domain " + domain);
  return util::Registration([handlers = std::weak_ptr<DomainHandlers>(domain_handlers_), domain, handler = it->second] {
    if (auto h = handlers.lock(); h)
      if (auto found = h->find(domain); found != h->end() && found->second == handler) h->erase(found);
  });
}

bool Router::on_nonza(stream::Session& session, const xml::Element& nonza) {
  const auto it = nonza_handlers_->find(nonza.xmlns());
  if (it == nonza_handlers_->end()) return false;
  const std::shared_ptr<NonzaHandler> handler = it->second;  // alive while it runs
  (*handler)(session, nonza);
  return true;
}

bool Router::serves(std::string_view domain) const {
  return std::find(hosts_.begin(), hosts_.end(), domain) != hosts_.end();
}

void Router::bind(stream::Session& session) {
  const Jid& jid = session.jid();
  if (Resource* old = find(jid); old != nullptr && old->session != &session) {
    log::info("router: " + jid.full() + " logged in again; the old session is replaced");
    stream::Session* previous = old->session;
    // Terminating unbinds the old session (and sends its unavailable presence) right away.
    previous->terminate("conflict", "Replaced by a new login with the same resource");
    if (Resource* still = find(jid); still != nullptr && still->session == previous) unbind(*previous);
  }
  sessions_[jid.bare()][jid.resource] = Resource{.session = &session, .since = std::chrono::system_clock::now()};
}

void Router::unbind(stream::Session& session) {
  const Jid& jid = session.jid();
  const auto user = sessions_.find(jid.bare());
  if (user == sessions_.end()) return;
  const auto it = user->second.find(jid.resource);
  if (it == user->second.end() || it->second.session != &session) return;
  const Resource leaving = it->second;
  user->second.erase(it);
  if (user->second.empty()) sessions_.erase(user);
  unbind_observers_(jid, leaving);
}

bool Router::transfer(stream::Session& from, stream::Session& to) {
  Resource* r = find(from.jid());
  if (r == nullptr || r->session != &from || to.jid() != from.jid()) return false;
  r->session = &to;
  return true;
}

std::size_t Router::other_resources(const Jid& full) const {
  const auto user = sessions_.find(full.bare());
  if (user == sessions_.end()) return 0;
  return user->second.size() - (user->second.contains(full.resource) ? 1 : 0);
}

std::vector<std::pair<Jid, Resource*>> Router::resources(const Jid& bare) {
  std::vector<std::pair<Jid, Resource*>> out;
  const auto user = sessions_.find(bare.bare());
  if (user == sessions_.end()) return out;
  for (auto& [resource, state] : user->second) out.emplace_back(Jid{bare.local, bare.domain, resource}, &state);
  return out;
}

Resource* Router::find(const Jid& full) { return find(full.bare(), full.resource); }

std::vector<stream::Session*> Router::sessions_of(const Jid& account) {
  std::vector<stream::Session*> out;
  if (!account.resource.empty()) {
    if (Resource* r = find(account)) out.push_back(r->session);
    return out;
  }
  for (auto& [jid, r] : resources(account)) out.push_back(r->session);
  return out;
}

Resource* Router::find(std::string_view bare, std::string_view resource) {
  const auto user = sessions_.find(bare);
  if (user == sessions_.end()) return nullptr;
  const auto it = user->second.find(resource);
  return it == user->second.end() ? nullptr : &it->second;
}

bool Router::any_available(std::string_view bare) const {
  const auto user = sessions_.find(bare);
  if (user == sessions_.end()) return false;
  return std::any_of(user->second.begin(), user->second.end(), [](const auto& r) { return r.second.available; });
}

void Router::set_presence(const Jid& full, bool available, int priority, const xml::Element* presence) {
  Resource* r = find(full);
  if (r == nullptr) return;
  const bool was_reachable = r->available && r->priority >= 0;
  r->available = available;
  r->priority = priority;
  if (!presence_observers_.empty()) {
    const Jid jid = full;
    presence_observers_(jid, *r, presence);
    r = find(jid);  // an observer may have changed the sessions
    if (r == nullptr) return;
  }
  if (was_reachable || !available || priority < 0) return;
  if (handling_ > 0) return became_available_.push_back(full);
  const Jid jid = full;  // r is not touched again: observers may change the sessions
  available_observers_(jid);
}

void Router::announce_available() {
  for (const Jid& jid : std::exchange(became_available_, {})) {
    // Still there and still reachable after the rest of the stanza's handling.
    const Resource* r = find(jid);
    if (r != nullptr && r->available && r->priority >= 0) available_observers_(jid);
  }
}

std::vector<stream::Session*> Router::sessions() const {
  std::vector<stream::Session*> out;
  for (const auto& [bare, resources] : sessions_)
    for (const auto& [name, state] : resources) out.push_back(state.session);
  return out;
}

void Router::bounce(const xml::Element& stanza, std::string_view error_type, std::string_view condition,
                    std::string_view text) {
  if (stream::stanza_type(stanza) == "error") return;
  if (stanza.name() == "iq" && stream::stanza_type(stanza) == "result") return;
  deliver(stream::error_reply(stanza, error_type, condition, text));
}

void Router::bounce(const stream::Stanza& stanza, std::string_view error_type, std::string_view condition,
                    std::string_view text) {
  if (stanza.type() == "error") return;
  if (stanza.is_iq() && stanza.type() == "result") return;
  reply(stanza, stream::error_reply(stanza, error_type, condition, text));
}

void Router::reply(const stream::Stanza& request, const xml::Element& answer) {
  // error_reply() and iq_result() swap the addresses: so does the view.
  deliver(stream::Stanza(answer, request.to(), request.from()));
}

void Router::on_stanza(stream::Session& session, xml::Element stanza) {
  const auto kind = stream::stanza_kind(stanza);
  if (!kind) return;
  const stream::Address to = stream::address(stanza, "to");
  if (to.present && !to.jid) {
    if (stream::stanza_type(stanza) != "error") session.deliver(stream::error_reply(stanza, "modify", "jid-malformed"));
    return;
  }
  if (to.jid) stanza.set_attr("to", to.jid->full());  // normalised from here on
  // RFC 6120 §10.3.1: a message without 'to' is for the sender's own bare JID.
  if (*kind == StanzaKind::Message && !to.jid) stanza.set_attr("to", session.jid().bare());
  // Parsed once: 'from' is the session's JID (the stream stamped it), 'to' is parsed above.
  Jid addressee = to.jid ? *to.jid : (*kind == StanzaKind::Message ? session.jid().to_bare() : Jid{});
  const stream::Stanza view(stanza, session.jid(), std::move(addressee));
  switch (*kind) {
    case StanzaKind::Presence:
      ++handling_;
      if (client_presence_) client_presence_(session, view);
      else if (view.has_to()) deliver(view);
      if (--handling_ == 0) announce_available();
      return;
    case StanzaKind::Message:
      // Filters first: what they refuse was never sent, so nothing records it.
      if (!allowed(view)) return;
      client_stampers_(view, stanza);
      client_message_observers_(view);
      return route(view);
    case StanzaKind::Iq:
      return route_iq_from_client(session, view);
  }
}

void Router::route_iq_from_client(stream::Session& session, const stream::Stanza& iq) {
  const std::string_view type = iq.type();
  const bool request = type == "get" || type == "set";
  if (!request && type != "result" && type != "error") return session.deliver(stream::error_reply(iq, "modify", "bad-request"));
  if (request && (!iq.element().attr("id") || iq.element().element_count() != 1))
    return session.deliver(stream::error_reply(iq, "modify", "bad-request", "An IQ request carries one payload and an id"));
  if (!iq.has_to()) {
    if (request) dispatch_iq(IqTarget::Account, iq);
    return;
  }
  deliver(iq);
}

void Router::dispatch_iq(IqTarget target, const stream::Stanza& iq) {
  if (iq.type() != "get" && iq.type() != "set") {
    // Results and errors for the server end here, seen by whoever asked.
    if (target == IqTarget::Server) server_responses_(iq);
    return;
  }
  const xml::Element* payload = iq.payload();
  const auto it = payload ? iq_handlers_->find({target, payload->xmlns()}) : iq_handlers_->end();
  if (it == iq_handlers_->end()) return bounce(iq, "cancel", "service-unavailable");
  const std::shared_ptr<IqHandler> handler = it->second;  // alive while it runs
  (*handler)(*this, iq);
}

void Router::deliver(const xml::Element& stanza) {
  const stream::Address to = stream::address(stanza, "to");
  if (!to.jid) return;
  const auto from = stanza.attr("from");
  deliver(stream::Stanza(stanza, from ? Jid::split_normalized(*from) : Jid{}, *to.jid));
}

void Router::deliver(const stream::Stanza& stanza) {
  if (allowed(stanza)) route(stanza);
}

bool Router::allowed(const stream::Stanza& stanza) {
  if (!stanza.has_to()) return false;
  return route_filters_.empty() ||
         route_filters_(stanza.element().attr("from").value_or(""), stanza.to(), &stanza.element());
}

void Router::route(const stream::Stanza& stanza) {
  const Jid& jid = stanza.to();
  if (!domain_handlers_->empty()) {
    if (const auto component = domain_handlers_->find(jid.domain); component != domain_handlers_->end()) {
      const std::shared_ptr<DomainHandler> handler = component->second;  // alive while it runs
      return (*handler)(stanza);
    }
  }
  if (!serves(jid.domain)) {
    if (remote_) return remote_(stanza);
    return bounce(stanza, "cancel", "remote-server-not-found", "No server-to-server links here");
  }
  if (jid.local.empty()) {
    // The server itself.
    if (!jid.resource.empty()) return bounce(stanza, "cancel", "service-unavailable");
    if (stanza.is_iq()) return dispatch_iq(IqTarget::Server, stanza);
    if (stanza.is_message()) return bounce(stanza, "cancel", "service-unavailable");
    return;  // presence to the server: nothing to do
  }
  if (stanza.is_message() && !stampers_.empty()) {
    // Stamped once on its way to the account: the copy goes on in the message's place.
    xml::Element stamped = stanza.element();
    stampers_(stanza, stamped);
    const stream::Stanza view(stamped, stanza.from(), jid);
    if (jid.is_bare()) return deliver_to_bare(jid, view);
    return deliver_to_full(jid, view);
  }
  if (jid.is_bare()) return deliver_to_bare(jid, stanza);
  deliver_to_full(jid, stanza);
}

bool Router::deliver_presence(const Jid& to, const xml::StanzaTemplate& presence) {
  if (to.local.empty() || !serves(to.domain)) return false;
  if (!route_filters_.empty() && !route_filters_(presence.from(), to, nullptr)) return true;
  const std::string bare = to.bare();
  if (!to.is_bare()) {
    // Presence to a full JID reaches that resource, available or not (deliver_to_full).
    if (Resource* r = find(bare, to.resource)) r->session->deliver_serialized(presence.to(to.full()));
    return true;
  }
  std::string bytes;
  each_available(bare, [&](std::string_view, Resource& r) {
    if (bytes.empty()) bytes = presence.to(bare);
    r.session->deliver_serialized(bytes);
  });
  return true;
}

void Router::deliver_to_full(const Jid& to, const stream::Stanza& stanza) {
  if (Resource* r = find(to)) {
    r->session->deliver(stanza);
    if (stanza.is_message()) delivered_observers_(stanza, {to.resource});
    return;
  }
  const std::string_view type = stanza.type();
  // RFC 6121 §8.5.3.2: no such resource.
  if (stanza.is_message()) {
    if (type == "normal" || type == "chat") return message_to_bare(to.to_bare(), stanza);
    if (type == "groupchat") return bounce(stanza, "cancel", "service-unavailable");
    return;  // headline, error: dropped
  }
  if (stanza.is_presence()) {
    if (stream::is_subscription(type))
      return deliver_to_bare(to.to_bare(), stanza);
    return;
  }
  if (type == "get" || type == "set") bounce(stanza, "cancel", "service-unavailable");
}

void Router::deliver_to_bare(const Jid& to, const stream::Stanza& stanza) {
  const std::string_view type = stanza.type();
  if (stanza.is_message()) return message_to_bare(to, stanza);
  if (stanza.is_iq()) return dispatch_iq(IqTarget::Account, stanza);
  // Presence (RFC 6121 §8.5.2.1.1): available and unavailable to every available resource;
  // probes and subscription requests are answered on the account's behalf.
  if (type == "available" || type == "unavailable") {
    for (auto& [jid, r] : resources(to))
      if (r->available) r->session->deliver(stanza);
    return;
  }
  if (type == "error") return;
  if (account_presence_) return account_presence_(stanza);
  if (type != "probe")
    for (auto& [jid, r] : resources(to))
      if (r->available) r->session->deliver(stanza);
}

void Router::message_to_bare(const Jid& to, const stream::Stanza& message) {
  const std::string_view type = message.type();
  if (type == "groupchat") return bounce(message, "cancel", "service-unavailable");
  if (type == "error") return;
  // RFC 6121 §8.5.2.1.1: the available resource(s) with the highest non-negative priority.
  const auto all = resources(to);
  int best = INT_MIN;
  for (const auto& [jid, r] : all)
    if (r->available && r->priority >= 0) best = std::max(best, r->priority);
  // A delivery never ends a session before it returns (net::Transport::send): `all` stays valid.
  std::vector<std::string> reached;
  for (const auto& [jid, r] : all) {
    if (!r->available || r->priority < 0 || (type != "headline" && r->priority != best)) continue;
    r->session->deliver(message);
    reached.push_back(jid.resource);
  }
  if (!reached.empty()) delivered_observers_(message, reached);
  if (!reached.empty() || type == "headline") return;
  if (undeliverable_) return undeliverable_(message);
  bounce(message, "cancel", "service-unavailable", "The recipient is not online and offline storage is not available");
}

}  // namespace jabberadmin::router
