// presence::Contacts from the rosters: the directory group (both ways) and the personal items
// whose subscription says so.
#pragma once

#include "presence/contacts.hpp"
#include "roster/roster.hpp"

namespace jabberadmin::roster {

class RosterContacts final : public presence::Contacts {
 public:
  explicit RosterContacts(Roster& roster) : roster_(roster) {}
  std::vector<Jid> subscribers(const Jid& user) const override;
  std::vector<Jid> subscriptions(const Jid& user) const override;
  bool is_subscriber(const Jid& user, const Jid& contact) const override;

 private:
  std::vector<Jid> with(const Jid& user, bool from) const;
  Roster& roster_;
};

}  // namespace jabberadmin::roster
