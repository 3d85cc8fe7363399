// Roster pushes (RFC 6121 §2.1.6): every resource that has asked for the roster ("interested")
// hears of each change to one of its items, with the roster's new version.
#pragma once

#include <functional>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "roster/roster.hpp"
#include "router/router.hpp"
#include "util/registration.hpp"

namespace jabberadmin::roster {

// <item/> for an item as a client sees it.
xml::Element roster_item_element(const Item& item);

class RosterPushes {
 public:
  // Registers with router to forget resources as they go.
  RosterPushes(router::Router& router, Roster& roster);

  void interested(const Jid& full) { interested_.insert(full.full()); }
  // The contact's item as user's roster has it now, or its removal, to every interested
  // resource of user (a bare JID).
  void push(const Jid& user, std::string_view contact);
  void push(const Jid& user, const Jid& contact);  // a bare JID parsed already
  // The same for several contacts, one push each (RFC 6121 §2.1.6: one item per push).
  void push(const Jid& user, const std::vector<std::string>& contacts);

 private:
  void send(const Jid& user, const std::vector<std::string>& contacts,
            const std::function<std::optional<Item>(const std::string& contact)>& item_of);

  router::Router& router_;
  Roster& roster_;
  std::set<std::string> interested_;  // full JIDs
  unsigned long long counter_ = 0;
  util::Registration unbound_;
};

}  // namespace jabberadmin::roster
