// Sessions by JID and the RFC 6121 §8 delivery rules. Features plug in from outside
// (im/): IQ handlers by payload namespace, and a few named hooks; the router itself knows
// none of them, so part 2 (rosters, offline store) adds handlers without touching it.
#pragma once

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
#include "xml/element.hpp"
#include "xml/stanza_template.hpp"

namespace jabberadmin::router {

// One bound resource as routing sees it.
struct Resource {
  stream::Session* session = nullptr;
  bool available = false;               // has sent available presence (RFC 6121 §4.2)
  int priority = 0;
  std::optional<xml::Element> presence; // the last broadcast presence, for probes
  xml::StanzaTemplate presence_bytes;   // the same serialized once: a probe answer only addresses it
};

// Who an IQ is for: the server itself (to = a domain) or an account (no 'to', or a bare JID).
enum class IqTarget { Server, Account };

class Router;
// An IQ get/set with 'from' stamped; the handler answers through router.deliver().
using IqHandler = std::function<void(Router& router, const xml::Element& iq)>;
// A presence from a local client, 'from' stamped (im/presence).
using ClientPresenceHandler = std::function<void(stream::Session& from, const xml::Element& presence)>;
// Any stanza (a probe or subscription presence for an account; a message nobody can take).
using StanzaHook = std::function<void(const xml::Element& stanza)>;
// A resource is leaving; called before it is removed.
using UnbindObserver = std::function<void(const Jid& full, const Resource& resource)>;
// A resource has just become one that messages to its bare JID reach: available with a
// non-negative priority, which it was not a moment before (initial presence, or a priority
// raised from negative). The offline store delivers here (XEP-0160).
using AvailableObserver = std::function<void(const Jid& full)>;
// A message has just been handed to these resources (names) of its recipient's bare JID
// ('to' normalised): message carbons copy it to the others (XEP-0280).
using MessageDeliveredObserver =
    std::function<void(const xml::Element& message, const std::vector<std::string>& resources)>;

class Router final : public stream::SessionHost {
 public:
  // hosts: the served domains, normalised (Settings::served_hosts); the router is the one
  // place the server keeps them, in the configured order, primary first.
  explicit Router(std::vector<std::string> hosts);

  // Registration (im/).
  void handle_iq(IqTarget target, std::string xmlns, IqHandler handler);
  std::vector<std::string> features(IqTarget target) const;  // namespaces with a handler
  void on_client_presence(ClientPresenceHandler handler) { client_presence_ = std::move(handler); }
  void on_account_presence(StanzaHook hook) { account_presence_ = std::move(hook); }
  void on_undeliverable_message(StanzaHook hook) { undeliverable_ = std::move(hook); }
  void on_unbind(UnbindObserver observer) { unbind_observers_.push_back(std::move(observer)); }
  void on_available(AvailableObserver observer) { available_observers_.push_back(std::move(observer)); }
  // Sees every message a local client sends, 'from' stamped and 'to' set and normalised,
  // just before it is routed (whatever then becomes of it): the history log.
  void on_client_message(StanzaHook observer) { client_message_observers_.push_back(std::move(observer)); }
  void on_message_delivered(MessageDeliveredObserver observer) { delivered_observers_.push_back(std::move(observer)); }

  // stream::SessionHost
  bool serves(std::string_view domain) const override;
  const std::vector<std::string>& hosts() const noexcept { return hosts_; }
  void bind(stream::Session& session) override;
  void on_stanza(stream::Session& session, xml::Element stanza) override;
  void unbind(stream::Session& session) override;
  std::size_t other_resources(const Jid& full) const override;

  // Routes a stanza whose 'from' and 'to' are set, by RFC 6121 §8.
  void deliver(const xml::Element& stanza);
  // Available or unavailable presence, serialized with 'from' stamped, to a JID we already
  // hold normalised: what deliver() would do with it (to a bare JID, every available
  // resource; to a full JID, that resource), without parsing or serializing per recipient.
  // False, and nothing done, when `to` is no account on our hosts: deliver() the element.
  bool deliver_presence(const Jid& to, const xml::StanzaTemplate& presence);
  // Answers stanza with a stanza error, unless it is an error itself (never answer those).
  void bounce(const xml::Element& stanza, std::string_view error_type, std::string_view condition,
              std::string_view text = {});

  // Resources of a bare JID ("user@host"), and one by its full JID.
  std::vector<std::pair<Jid, Resource*>> resources(const Jid& bare);
  Resource* find(const Jid& full);
  Resource* find(std::string_view bare, std::string_view resource);
  bool any_available(std::string_view bare) const;
  // Calls visit(resource name, Resource&) for each available resource of bare. visit may
  // deliver, and a delivery may end any session at once (a client that does not read), so
  // the next resource is looked up again after each call rather than iterated to.
  template <class Visit>
  void each_available(std::string_view bare, Visit&& visit);
  // Presence state that routing needs (set by im/presence).
  void set_presence(const Jid& full, bool available, int priority, std::optional<xml::Element> presence);

  std::size_t session_count() const noexcept { return sessions_count_; }
  // Every bound session (for shutdown).
  std::vector<stream::Session*> sessions() const;

 private:
  void route_iq_from_client(stream::Session& session, xml::Element iq);
  void dispatch_iq(IqTarget target, const xml::Element& iq);
  void deliver_to_bare(const Jid& to, const xml::Element& stanza);
  void deliver_to_full(const Jid& to, const xml::Element& stanza);
  void message_to_bare(const Jid& to, const xml::Element& message);
  void delivered(const xml::Element& message, const std::vector<std::string>& resources);

  // Lookups by string_view without building a std::string (C++20 heterogeneous lookup).
  struct StringHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
  };
  using Resources = std::map<std::string, Resource, std::less<>>;  // resource -> state

  std::vector<std::string> hosts_;  // a handful: a linear search is the fastest lookup
  // bare -> its resources; hashed: every presence a login fans out looks one up.
  std::unordered_map<std::string, Resources, StringHash, std::equal_to<>> sessions_;
  std::size_t sessions_count_ = 0;
  std::map<std::pair<IqTarget, std::string>, IqHandler> iq_handlers_;
  ClientPresenceHandler client_presence_;
  StanzaHook account_presence_;
  StanzaHook undeliverable_;
  std::vector<UnbindObserver> unbind_observers_;
  std::vector<AvailableObserver> available_observers_;
  std::vector<StanzaHook> client_message_observers_;
  std::vector<MessageDeliveredObserver> delivered_observers_;
};

template <class Visit>
void Router::each_available(std::string_view bare, Visit&& visit) {
  std::string previous;
  for (bool first = true;; first = false) {
    const auto user = sessions_.find(bare);
    if (user == sessions_.end()) return;
    auto it = first ? user->second.begin() : user->second.upper_bound(previous);
    while (it != user->second.end() && !it->second.available) ++it;
    if (it == user->second.end()) return;
    previous = it->first;
    visit(std::string_view(previous), it->second);
  }
}

}  // namespace jabberadmin::router
