// A test stand-in for the roster's contacts: nobody is anybody's contact, so presence
// travels only between a user's own resources and by directed presence.
#pragma once

#include <vector>

#include "presence/contacts.hpp"

namespace jabberadmin::test {

class NoContacts final : public presence::Contacts {
 public:
  std::vector<Jid> subscribers(const Jid&) const override { return {}; }
  std::vector<Jid> subscriptions(const Jid&) const override { return {}; }
};

}  // namespace jabberadmin::test
