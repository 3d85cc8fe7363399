// The RFC 6121 §3 subscription state machine for one (user, contact) pair, as pure
// functions: what a subscription stanza does to the user's side of the pair, whether it
// travels on, and what else the server must do. No I/O here; roster/roster_subscriptions
// applies the outcome to the stores and the router.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace jabberadmin::roster {

enum class Subscription { None, To, From, Both };
// In the order of stream::kSubscriptionTypes, the presence types they are.
enum class SubscriptionKind { Subscribe, Subscribed, Unsubscribe, Unsubscribed };

std::string_view to_string(Subscription s);
std::optional<Subscription> subscription_from(std::string_view text);  // "none" | "to" | "from" | "both"
std::optional<SubscriptionKind> subscription_kind(std::string_view presence_type);

// The user's side of the pair. item: the contact is in the user's roster; ask: the user's
// request to the contact awaits an answer (pending out); pending_in: the contact's request
// to the user awaits one (kept even without a roster item, RFC 6121 §3.1.3).
struct PairState {
  bool item = false;
  Subscription subscription = Subscription::None;
  bool ask = false;
  bool pending_in = false;
  friend bool operator==(const PairState&, const PairState&) = default;
};

struct Outcome {
  PairState after;
  bool push = false;         // the roster item changed: push it to interested resources
  bool forward = false;      // route (outbound) or deliver to the user's resources (inbound)
  bool auto_reply = false;   // inbound subscribe already granted: answer 'subscribed' for the user
  bool send_presence = false;      // the user's available presence goes to the contact now
  bool send_unavailable = false;   // the user's resources tell the contact they are gone
};

// The user sends kind to the contact (§3.1.2, §3.1.5, §3.2.2, §3.3.2).
Outcome outbound(const PairState& state, SubscriptionKind kind);
// The contact's kind arrives for the user (§3.1.3, §3.1.6, §3.2.3, §3.3.3).
Outcome inbound(const PairState& state, SubscriptionKind kind);

}  // namespace jabberadmin::roster
