// Whose presence a user shares and sees, and who handles subscription presence: the
// presence module's two interfaces, which the roster module implements (the directory
// group's shared roster and the personal rosters) and hands to presence::Presence. Without
// them nobody is anybody's contact: presence travels only between a user's own resources
// and by directed presence.
#pragma once

#include <vector>

#include "jabberadmin/jid.hpp"
#include "stream/stanza_view.hpp"

namespace jabberadmin::presence {

class Contacts {
 public:
  virtual ~Contacts() = default;
  // Bare JIDs that receive user's presence broadcasts (subscription "from" or "both").
  virtual std::vector<Jid> subscribers(const Jid& user) const = 0;
  // Bare JIDs whose presence user receives (subscription "to" or "both"): probed at login.
  virtual std::vector<Jid> subscriptions(const Jid& user) const = 0;
  // Whether contact (bare) receives user's presence: answering a probe asks only this, so it
  // should not build the whole list (a login probes every contact).
  virtual bool is_subscriber(const Jid& user, const Jid& contact) const {
    for (const Jid& s : subscribers(user))
      if (s.bare() == contact.bare()) return true;
    return false;
  }
};

// RFC 6121 §3: presence of type subscribe, subscribed, unsubscribe or unsubscribed. Without
// one, presence::Presence routes such stanzas unchanged and hands inbound ones to the user.
class Subscriptions {
 public:
  virtual ~Subscriptions() = default;
  // The user's resource (full JID) sent one to a 'to' address (presence as the client sent
  // it, 'from' the resource); what goes on carries the bare JID (RFC 6121 §3.1.2), errors
  // go back to the resource.
  virtual void outbound(const Jid& sender, const stream::Stanza& presence) = 0;
  // One arrived for a local account ('to' is a bare JID on our hosts, 'from' set).
  virtual void inbound(const stream::Stanza& presence) = 0;
  // A resource sent its initial presence: requests still waiting go to it.
  virtual void available(const Jid& full) = 0;
};

}  // namespace jabberadmin::presence
