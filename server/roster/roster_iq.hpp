// jabber:iq:roster (RFC 6121 §2, XEP-0237): get (empty result when the client has the
// current version), set (add or update a personal item) and remove. Items from the
// directory group are read-only: changing or removing one answers <not-allowed/>.
#pragma once

#include "roster/roster_pushes.hpp"
#include "roster/roster_subscriptions.hpp"
#include "roster/roster.hpp"
#include "router/router.hpp"
#include "util/registration.hpp"

namespace jabberadmin::roster {

struct RosterLimits {
  std::size_t max_items = 500;     // personal items per user; one more: <resource-constraint/>
  std::size_t max_item_size = 1024;  // bytes of one item as the client sends it; more: <not-acceptable/>
};

// A get answers from the directory cache as it is now and changes nothing else: directory
// changes still gathered for a batch reach everyone (this client too) as pushes when the
// batch is applied, each item as it is then.
util::Registration install_roster(router::Router& router, Roster& roster, RosterPushes& pushes,
                    RosterSubscriptions& subscriptions, RosterLimits limits = {});

}  // namespace jabberadmin::roster
