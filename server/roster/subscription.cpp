#include "roster/subscription.hpp"

#include <algorithm>

#include "stream/stanza.hpp"

namespace jabberadmin::roster {
namespace {
using S = Subscription;
bool has_to(S s) { return s == S::To || s == S::Both; }
bool has_from(S s) { return s == S::From || s == S::Both; }
S add_to(S s) { return s == S::From || s == S::Both ? S::Both : S::To; }
S add_from(S s) { return s == S::To || s == S::Both ? S::Both : S::From; }
S drop_to(S s) { return s == S::Both || s == S::From ? S::From : S::None; }
S drop_from(S s) { return s == S::Both || s == S::To ? S::To : S::None; }

// Only a change to what a client sees (the item, its subscription, ask) is pushed;
// pending-in is server state.
Outcome with(const PairState& before, PairState after) {
  Outcome o;
  o.push = after.item != before.item || after.subscription != before.subscription || after.ask != before.ask;
  o.after = after;
  return o;
}

// The contact stops receiving the user's presence, or its request to is dropped: outbound
// unsubscribed (§3.2.2) and inbound unsubscribe (§3.3.3) end the same state.
Outcome end_from(const PairState& state) {
  PairState after = state;
  if (!has_from(state.subscription) && !state.pending_in) return with(state, after);
  after.subscription = drop_from(state.subscription);
  after.pending_in = false;
  Outcome o = with(state, after);
  o.forward = true;
  o.send_unavailable = has_from(state.subscription);
  return o;
}

// The user stops receiving the contact's presence, or its own request is withdrawn:
// outbound unsubscribe (§3.3.2, always routed) and inbound unsubscribed (§3.2.3, only
// when there was something to end).
Outcome end_to(const PairState& state, bool only_if_any) {
  PairState after = state;
  if (only_if_any && !has_to(state.subscription) && !state.ask) return with(state, after);
  after.subscription = drop_to(state.subscription);
  after.ask = false;
  Outcome o = with(state, after);
  o.forward = true;
  return o;
}
}  // namespace

std::string_view to_string(Subscription s) {
  switch (s) {
    case S::None: return "none";
    case S::To: return "to";
    case S::From: return "from";
    case S::Both: return "both";
  }
  return "none";
}

std::optional<Subscription> subscription_from(std::string_view text) {
  if (text == "none") return S::None;
  if (text == "to") return S::To;
  if (text == "from") return S::From;
  if (text == "both") return S::Both;
  return std::nullopt;
}

std::optional<SubscriptionKind> subscription_kind(std::string_view type) {
  static_assert(static_cast<std::size_t>(SubscriptionKind::Unsubscribed) + 1 == stream::kSubscriptionTypes.size());
  const auto& types = stream::kSubscriptionTypes;
  const auto it = std::find(types.begin(), types.end(), type);
  if (it == types.end()) return std::nullopt;
  return static_cast<SubscriptionKind>(it - types.begin());
}

Outcome outbound(const PairState& state, SubscriptionKind kind) {
  PairState after = state;
  switch (kind) {
    case SubscriptionKind::Subscribe: {
      // §3.1.2: routed in any case (the contact's server may auto-reply); pending out
      // unless already subscribed.
      if (!has_to(state.subscription)) {
        after.item = true;
        after.ask = true;
      }
      Outcome o = with(state, after);
      o.forward = true;
      return o;
    }
    case SubscriptionKind::Subscribed: {
      // §3.1.5: approving a request that is pending; without one nothing happens (no
      // pre-approval here) and nothing is routed.
      if (!state.pending_in) return with(state, after);
      after.item = true;
      after.pending_in = false;
      after.subscription = add_from(state.subscription);
      Outcome o = with(state, after);
      o.forward = true;
      o.send_presence = true;
      return o;
    }
    case SubscriptionKind::Unsubscribe:
      return end_to(state, false);  // §3.3.2
    case SubscriptionKind::Unsubscribed:
      return end_from(state);  // §3.2.2
  }
  return with(state, after);
}

Outcome inbound(const PairState& state, SubscriptionKind kind) {
  PairState after = state;
  switch (kind) {
    case SubscriptionKind::Subscribe: {
      // §3.1.3: already granted: answer for the user; else remember it and show it.
      if (has_from(state.subscription)) {
        Outcome o = with(state, after);
        o.auto_reply = true;
        return o;
      }
      after.pending_in = true;
      Outcome o = with(state, after);
      o.forward = true;
      return o;
    }
    case SubscriptionKind::Subscribed: {
      // §3.1.6: only an answer to a pending request counts.
      if (!state.ask || has_to(state.subscription)) return with(state, after);
      after.ask = false;
      after.subscription = add_to(state.subscription);
      Outcome o = with(state, after);
      o.forward = true;
      return o;
    }
    case SubscriptionKind::Unsubscribe:
      return end_from(state);  // §3.3.3
    case SubscriptionKind::Unsubscribed:
      return end_to(state, true);  // §3.2.3
  }
  return with(state, after);
}

}  // namespace jabberadmin::roster
