// Sessions by JID and the RFC 6121 §8 delivery rules. Features plug in from outside (the
// modules, through module::Context): IQ handlers by payload namespace, and a few named
// hooks; the router itself knows none of them. Every registration returns a
// util::Registration whose destruction unregisters.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "jabberadmin/jid.hpp"
#include "stream/session.hpp"
#include "stream/stanza_view.hpp"
#include "util/hooks.hpp"
#include "util/registration.hpp"
#include "xml/element.hpp"
#include "xml/stanza_template.hpp"

namespace jabberadmin::router {

// One bound resource as routing sees it: only what delivery needs (RFC 6121 §8). The
// presence module owns the rest of a resource's presence (its last broadcast, for probes).
struct Resource {
  stream::Session* session = nullptr;
  bool available = false;  // has sent available presence (RFC 6121 §4.2)
  int priority = 0;
  // When it was bound: its login (XEP-0133's last login; a resumption keeps it).
  std::chrono::system_clock::time_point since{};
};

// Who an IQ is for: the server itself (to = a domain) or an account (no 'to', or a bare JID).
enum class IqTarget { Server, Account };

class Router;
// Handlers and hooks receive the stanza parsed once (stream::Stanza): its type, id and
// addresses read when it entered the router. A handler written against
// `const xml::Element&` (the legacy form) still compiles, the view converting to its
// element, but it would read the attributes again: new code takes the view.
//
// An IQ get/set with 'from' stamped; the handler answers through router.reply() (or
// router.deliver()).
using IqHandler = std::function<void(Router& router, const stream::Stanza& iq)>;
// A presence from a local client, 'from' stamped and 'to' normalised (the presence module).
using ClientPresenceHandler = std::function<void(stream::Session& from, const stream::Stanza& presence)>;
// Any stanza (a probe or subscription presence for an account; a message nobody can take;
// a message a client sends).
using StanzaHook = std::function<void(const stream::Stanza& stanza)>;
// A resource is leaving; called before it is removed.
using UnbindObserver = std::function<void(const Jid& full, const Resource& resource)>;
// A resource has just become one that messages to its bare JID reach: available with a
// non-negative priority, which it was not a moment before (initial presence, or a priority
// raised from negative). The offline store delivers here (XEP-0160).
using AvailableObserver = std::function<void(const Jid& full)>;
// A resource's presence state was just set (available or not), with the client's presence
// that set it when there is one: entity capabilities (XEP-0115) read what it announces.
using PresenceObserver = std::function<void(const Jid& full, const Resource& resource, const xml::Element* presence)>;
// A message has just been handed to these resources (names) of its recipient's bare JID
// ('to' normalised): message carbons copy it to the others (XEP-0280).
using MessageDeliveredObserver =
    std::function<void(const stream::Stanza& message, const std::vector<std::string>& resources)>;
// A message on its way to a local account, once, before it is delivered or stored offline:
// a stamper may change `message` (a copy of the stanza, which then goes on in its place),
// e.g. add the recipient's archive id (XEP-0359 <stanza-id/>, message archive). `original`
// is the message as routed, its addresses parsed.
using MessageStamper = std::function<void(const stream::Stanza& original, xml::Element& message)>;
// A stanza about to be routed from `from` (as stamped) to `to` (normalised): true lets it
// go on; false stops it, the filter having answered it as its protocol says, or dropped it
// (XEP-0191 blocking). stanza is null for a presence the router holds only serialized
// (deliver_presence: available or unavailable presence), which a filter can only drop.
using RouteFilter = std::function<bool(std::string_view from, const Jid& to, const xml::Element* stanza)>;
// Every stanza routed to an address on a domain a module serves as a whole (a component:
// the MUC service), 'from' stamped by the server and 'to' normalised.
using DomainHandler = std::function<void(const stream::Stanza& stanza)>;
// A top-level element of a bound stream that is no stanza (XEP-0352's <active/>), by its
// namespace.
using NonzaHandler = std::function<void(stream::Session& from, const xml::Element& nonza)>;

class Router final : public stream::SessionHost {
 public:
  // hosts: the served domains, normalised (Settings::served_hosts); the router is the one
  // place the server keeps them, in the configured order, primary first.
  explicit Router(std::vector<std::string> hosts);

  // Registration (the modules). IQ handlers: one per (target, namespace); the decision
  // hooks (client presence, account presence, undeliverable message): one each; a second
  // registration of either throws std::logic_error. Observers: any number, called in the
  // order they registered. Destroying a registration inside a running hook is safe.
  util::Registration handle_iq(IqTarget target, std::string xmlns, IqHandler handler);
  // Whether a handler answers IQs in xmlns for target (what disco#info advertises is checked against it).
  bool handles_iq(IqTarget target, const std::string& xmlns) const { return iq_handlers_->contains({target, xmlns}); }
  util::Registration on_client_presence(ClientPresenceHandler handler) { return client_presence_.set(std::move(handler)); }
  util::Registration on_account_presence(StanzaHook hook) { return account_presence_.set(std::move(hook)); }
  util::Registration on_undeliverable_message(StanzaHook hook) { return undeliverable_.set(std::move(hook)); }
  util::Registration on_unbind(UnbindObserver observer) { return unbind_observers_.add(std::move(observer)); }
  // Called once the stanza that made the resource reachable has been handled (so after
  // its presence broadcast), or at once when set_presence is called outside one.
  util::Registration on_available(AvailableObserver observer) { return available_observers_.add(std::move(observer)); }
  // Sees every message a local client sends, 'from' stamped and 'to' set and normalised,
  // once the route filters let it go and just before it is routed (whatever then becomes
  // of it): the history log, carbons. A message a filter refuses reaches no observer.
  util::Registration on_client_message(StanzaHook observer) { return client_message_observers_.add(std::move(observer)); }
  // Before those observers, the same messages may be changed, in the order these registered:
  // what they add is what the observers see and what is routed (the sender's archive id,
  // XEP-0313 §5.1.2, which the sent carbons then carry). The view and the element are one.
  util::Registration stamp_client_messages(MessageStamper stamper) { return client_stampers_.add(std::move(stamper)); }
  util::Registration on_message_delivered(MessageDeliveredObserver observer) {
    return delivered_observers_.add(std::move(observer));
  }
  // Every message to an account on our hosts that the route filters let go, just before
  // it reaches the account's resources or the undeliverable hook (offline storage), in the
  // order they registered; what they change is what is delivered, stored and observed.
  util::Registration stamp_messages(MessageStamper stamper) { return stampers_.add(std::move(stamper)); }
  // Asked before every delivery (deliver, deliver_presence), in the order they registered.
  util::Registration filter_routes(RouteFilter filter) { return route_filters_.add(std::move(filter)); }
  // One handler per namespace (a second throws std::logic_error); a nonza nobody handles
  // ends the stream with <unsupported-stanza-type/>.
  util::Registration handle_nonza(std::string xmlns, NonzaHandler handler);
  // Every set_presence, after the state is stored (and before on_available).
  util::Registration on_presence_changed(PresenceObserver observer) { return presence_observers_.add(std::move(observer)); }
  // An IQ result or error addressed to the server itself (the answer to a query a module
  // sent from a served domain, e.g. disco#info for entity capabilities). 'from' is stamped.
  util::Registration on_server_iq_response(StanzaHook observer) { return server_responses_.add(std::move(observer)); }

  // A sub-domain served by a module as a whole (XEP-0045's conference.<host>): every stanza
  // routed to that domain, of any kind and to any address on it, goes to handler instead of
  // the rules below. It is no login host (serves() stays false for it). One handler per
  // domain; a second, or a domain that is a login host, throws std::logic_error.
  util::Registration serve_domain(std::string domain, DomainHandler handler);
  bool serves_component(std::string_view domain) const { return domain_handlers_->contains(domain); }
  // Every stanza routed to a domain that is neither a login host nor a component's:
  // federation sends it on (s2s). Without a handler it bounces with remote-server-not-found.
  // One handler; a second throws std::logic_error.
  util::Registration route_remote(DomainHandler handler) { return remote_.set(std::move(handler)); }
  // Whether a stanza to another domain has somewhere to go (federation is on).
  bool reaches_remote() const noexcept { return static_cast<bool>(remote_); }

  // stream::SessionHost
  bool serves(std::string_view domain) const override;
  const std::vector<std::string>& hosts() const noexcept { return hosts_; }
  void bind(stream::Session& session) override;
  void on_stanza(stream::Session& session, xml::Element stanza) override;
  void unbind(stream::Session& session) override;
  bool on_nonza(stream::Session& session, const xml::Element& nonza) override;
  bool transfer(stream::Session& from, stream::Session& to) override;
  std::size_t other_resources(const Jid& full) const override;

  // Routes a stanza whose 'from' and 'to' are set, by RFC 6121 §8. 'from' is one the
  // server wrote (stamped or made from a normalised JID): it is split, not prepared again;
  // 'to' is parsed (a malformed one: nothing is delivered).
  void deliver(const xml::Element& stanza);
  // The same for a stanza whose addresses are parsed already: nothing is parsed again.
  void deliver(const stream::Stanza& stanza);
  // Sends answer (an IQ result or error made from request, from/to swapped) back to the
  // request's sender, with the addresses the request was parsed with.
  void reply(const stream::Stanza& request, const xml::Element& answer);
  // Available or unavailable presence, serialized with 'from' stamped, to a JID we already
  // hold normalised: what deliver() would do with it (to a bare JID, every available
  // resource; to a full JID, that resource), without parsing or serializing per recipient.
  // False, and nothing done, when `to` is no account on our hosts: deliver() the element.
  bool deliver_presence(const Jid& to, const xml::StanzaTemplate& presence);
  // Answers stanza with a stanza error, unless it is an error itself (never answer those).
  void bounce(const xml::Element& stanza, std::string_view error_type, std::string_view condition,
              std::string_view text = {});
  void bounce(const stream::Stanza& stanza, std::string_view error_type, std::string_view condition,
              std::string_view text = {});

  // Resources of a bare JID ("user@host"), and one by its full JID.
  std::vector<std::pair<Jid, Resource*>> resources(const Jid& bare);
  Resource* find(const Jid& full);
  // The sessions an administrator ends by naming an account: every resource's for a bare
  // JID, that one's for a full JID; sessions kept for resumption (XEP-0198) included.
  std::vector<stream::Session*> sessions_of(const Jid& account);
  Resource* find(std::string_view bare, std::string_view resource);
  bool any_available(std::string_view bare) const;
  // Calls visit(resource name, Resource&) for each available resource of bare. visit may
  // deliver: a delivery never ends a session before it returns (net::Transport::send drops
  // a client that does not read in a later turn), so the sessions stay as they are meanwhile.
  template <class Visit>
  void each_available(std::string_view bare, Visit&& visit);
  // Presence state that routing needs (set by the presence module). A resource that becomes
  // reachable here is announced to on_available once the client's stanza being handled is
  // done, so the offline messages come after the user's own presence broadcast.
  // presence: the client's presence that set it, shown to on_presence_changed and not kept
  // (the presence module keeps the last one).
  void set_presence(const Jid& full, bool available, int priority, const xml::Element* presence = nullptr);

  // Every bound session (for shutdown).
  std::vector<stream::Session*> sessions() const;

 private:
  // The route filters' verdict on a stanza about to be routed (they answer or drop it).
  bool allowed(const stream::Stanza& stanza);
  // deliver() once the filters have let the stanza go.
  void route(const stream::Stanza& stanza);
  void route_iq_from_client(stream::Session& session, const stream::Stanza& iq);
  void dispatch_iq(IqTarget target, const stream::Stanza& iq);
  void deliver_to_bare(const Jid& to, const stream::Stanza& stanza);
  void deliver_to_full(const Jid& to, const stream::Stanza& stanza);
  void message_to_bare(const Jid& to, const stream::Stanza& message);
  void announce_available();  // on_available for became_available_

  // Lookups by string_view without building a std::string (C++20 heterogeneous lookup).
  struct StringHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
  };
  using Resources = std::map<std::string, Resource, std::less<>>;  // resource -> state

  std::vector<std::string> hosts_;  // a handful: a linear search is the fastest lookup
  // bare -> its resources; hashed: every presence a login fans out looks one up.
  std::unordered_map<std::string, Resources, StringHash, std::equal_to<>> sessions_;
  // (target, namespace) -> handler; shared with the registrations, which erase their entry.
  using IqHandlers = std::map<std::pair<IqTarget, std::string>, std::shared_ptr<IqHandler>>;
  std::shared_ptr<IqHandlers> iq_handlers_ = std::make_shared<IqHandlers>();
  util::Single<stream::Session&, const stream::Stanza&> client_presence_{"client presence"};
  util::Single<const stream::Stanza&> account_presence_{"account presence"};
  util::Single<const stream::Stanza&> undeliverable_{"undeliverable messages"};
  util::Hooks<const Jid&, const Resource&> unbind_observers_;
  util::Hooks<const Jid&> available_observers_;
  util::Hooks<const stream::Stanza&> client_message_observers_;
  util::Hooks<const stream::Stanza&, xml::Element&> client_stampers_;
  util::Hooks<const stream::Stanza&, const std::vector<std::string>&> delivered_observers_;
  util::Hooks<const stream::Stanza&, xml::Element&> stampers_;
  util::Filters<std::string_view, const Jid&, const xml::Element*> route_filters_;
  using NonzaHandlers = std::map<std::string, std::shared_ptr<NonzaHandler>, std::less<>>;
  std::shared_ptr<NonzaHandlers> nonza_handlers_ = std::make_shared<NonzaHandlers>();
  util::Hooks<const Jid&, const Resource&, const xml::Element*> presence_observers_;
  util::Hooks<const stream::Stanza&> server_responses_;
  using DomainHandlers = std::map<std::string, std::shared_ptr<DomainHandler>, std::less<>>;
  std::shared_ptr<DomainHandlers> domain_handlers_ = std::make_shared<DomainHandlers>();
  util::Single<const stream::Stanza&> remote_{"remote domains"};
  // While a client's stanza is handled, resources that became reachable wait here for it
  // to be done (on_available).
  int handling_ = 0;
  std::vector<Jid> became_available_;
};

template <class Visit>
void Router::each_available(std::string_view bare, Visit&& visit) {
  const auto user = sessions_.find(bare);
  if (user == sessions_.end()) return;
  for (auto& [name, resource] : user->second)
    if (resource.available) visit(std::string_view(name), resource);
}

}  // namespace jabberadmin::router
