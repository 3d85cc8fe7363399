// RFC 6121 §3 for local accounts: applies roster::outbound/inbound to both users' rosters
// in the store, routes or answers, pushes what changed and starts or stops presence.
// Contacts in the same directory group are subscribed both ways by the directory: a request
// between them is answered at once, and cancelling is refused with <not-allowed/>. Contacts
// on other domains are kept like local ones when federation is on (the router reaches
// remote domains); without it a request there bounces with remote-server-not-found and
// changes nothing.
#pragma once

#include "presence/contacts.hpp"
#include "presence/presence.hpp"
#include "roster/roster_pushes.hpp"
#include "roster/roster.hpp"
#include "router/router.hpp"

namespace jabberadmin::roster {

class RosterSubscriptions final : public presence::Subscriptions {
 public:
  RosterSubscriptions(router::Router& router, Roster& roster, RosterPushes& pushes, presence::Presence& presence);

  void outbound(const Jid& sender, const stream::Stanza& presence) override;
  // The same with its addresses read already: contact is a bare JID.
  void outbound(const Jid& sender, const Jid& contact, SubscriptionKind kind, const xml::Element& presence);
  void inbound(const stream::Stanza& presence) override;
  void available(const Jid& full) override;
  // Personal items a user may have: a request that would add one more is refused with
  // <resource-constraint/>, as a roster set would be (roster/roster_iq).
  void set_max_items(std::size_t max) { max_items_ = max; }

 private:
  void reply(std::string_view type, const Jid& from, const Jid& to);

  router::Router& router_;
  Roster& roster_;
  RosterPushes& pushes_;
  presence::Presence& presence_;
  std::size_t max_items_ = 500;
};

}  // namespace jabberadmin::roster
