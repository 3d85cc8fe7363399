// jabber:iq:roster (RFC 6121 §2, XEP-0237): get (empty result when the client has the
// current version), set (add or update a personal item) and remove. Items from the
// directory group are read-only: changing or removing one answers <not-allowed/>.
#pragma once

#include <functional>

#include "im/roster_pushes.hpp"
#include "im/roster_subscriptions.hpp"
#include "roster/roster.hpp"
#include "router/router.hpp"
#include "util/registration.hpp"

namespace jabberadmin::im {

struct RosterLimits {
  std::size_t max_items = 500;     // personal items per user; one more: <resource-constraint/>
  std::size_t max_item_size = 1024;  // bytes of one item as the client sends it; more: <not-acceptable/>
};

// settle: applies directory changes still gathered for a batch, so that a roster get never
// shows the client a state the later roster pushes would not start from.
util::Registration install_roster(router::Router& router, roster::Roster& roster, RosterPushes& pushes,
                    RosterSubscriptions& subscriptions, std::function<void()> settle, RosterLimits limits = {});

}  // namespace jabberadmin::im
