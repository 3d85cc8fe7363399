// jabber:iq:roster (RFC 6121 §2, XEP-0237): get (empty result when the client has the
// current version), set (add or update a personal item) and remove. Items from the
// directory group are read-only: changing or removing one answers <not-allowed/>.
#pragma once

#include <functional>

#include "im/roster_pushes.hpp"
#include "im/roster_subscriptions.hpp"
#include "roster/roster.hpp"
#include "router/router.hpp"

namespace jabberadmin::im {

// settle: applies directory changes still gathered for a batch, so that a roster get never
// shows the client a state the later roster pushes would not start from.
void install_roster(router::Router& router, roster::Roster& roster, RosterPushes& pushes,
                    RosterSubscriptions& subscriptions, std::function<void()> settle);

}  // namespace jabberadmin::im
