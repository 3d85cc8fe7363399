// Whose presence a user shares and sees. Part 2 answers from the shared rosters in LDAP
// (and personal rosters); until then nobody is anybody's contact and presence travels only
// between a user's own resources and by directed presence.
#pragma once

#include <vector>

#include "jabberadmin/jid.hpp"

namespace jabberadmin::im {

class Contacts {
 public:
  virtual ~Contacts() = default;
  // Bare JIDs that receive user's presence broadcasts (subscription "from" or "both").
  virtual std::vector<Jid> subscribers(const Jid& user) const = 0;
  // Bare JIDs whose presence user receives (subscription "to" or "both"): probed at login.
  virtual std::vector<Jid> subscriptions(const Jid& user) const = 0;
};

class NoContacts final : public Contacts {
 public:
  std::vector<Jid> subscribers(const Jid&) const override { return {}; }
  std::vector<Jid> subscriptions(const Jid&) const override { return {}; }
};

}  // namespace jabberadmin::im
