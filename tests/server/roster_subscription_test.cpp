// The RFC 6121 §3 state machine as pure functions: every transition the server applies to
// one side of a (user, contact) pair.
#include <gtest/gtest.h>

#include "roster/subscription.hpp"

namespace jabberadmin::roster {
namespace {

using K = SubscriptionKind;
using S = Subscription;

PairState state(S s, bool ask = false, bool pending_in = false, bool item = true) {
  return PairState{item, s, ask, pending_in};
}

TEST(RosterSubscription, SubscribeAddsAnItemWithAskAndIsRouted) {
  const Outcome o = outbound(PairState{}, K::Subscribe);
  EXPECT_EQ(o.after, state(S::None, true));
  EXPECT_TRUE(o.push);
  EXPECT_TRUE(o.forward);
  // Already subscribed: routed (the contact's server auto-replies), nothing changes.
  const Outcome again = outbound(state(S::Both), K::Subscribe);
  EXPECT_EQ(again.after, state(S::Both));
  EXPECT_FALSE(again.push);
  EXPECT_TRUE(again.forward);
}

TEST(RosterSubscription, InboundSubscribeIsPendingInAndShownButNotPushed) {
  const Outcome o = inbound(PairState{}, K::Subscribe);
  EXPECT_EQ(o.after, state(S::None, false, true, false));
  EXPECT_FALSE(o.push) << "pending-in is server state, not a roster item";
  EXPECT_TRUE(o.forward);
  const Outcome granted = inbound(state(S::From), K::Subscribe);
  EXPECT_TRUE(granted.auto_reply);
  EXPECT_FALSE(granted.forward);
}

TEST(RosterSubscription, ApprovingAPendingRequestGivesFromAndSendsPresence) {
  const Outcome o = outbound(state(S::None, false, true, false), K::Subscribed);
  EXPECT_EQ(o.after, state(S::From));
  EXPECT_TRUE(o.push && o.forward && o.send_presence);
  const Outcome to_both = outbound(state(S::To, false, true), K::Subscribed);
  EXPECT_EQ(to_both.after.subscription, S::Both);
  // Nothing pending: no pre-approval, nothing routed.
  const Outcome none = outbound(state(S::None), K::Subscribed);
  EXPECT_FALSE(none.forward);
  EXPECT_EQ(none.after, state(S::None));
}

TEST(RosterSubscription, SubscribedCountsOnlyAsAnAnswer) {
  const Outcome o = inbound(state(S::None, true), K::Subscribed);
  EXPECT_EQ(o.after, state(S::To));
  EXPECT_TRUE(o.push && o.forward);
  EXPECT_EQ(inbound(state(S::From, true), K::Subscribed).after, state(S::Both));
  const Outcome unasked = inbound(state(S::None), K::Subscribed);
  EXPECT_FALSE(unasked.forward);
  EXPECT_EQ(unasked.after, state(S::None));
}

TEST(RosterSubscription, UnsubscribeAndUnsubscribedEachEndOneDirection) {
  EXPECT_EQ(outbound(state(S::Both), K::Unsubscribe).after, state(S::From));
  EXPECT_EQ(outbound(state(S::None, true), K::Unsubscribe).after, state(S::None));
  const Outcome cancel = outbound(state(S::Both), K::Unsubscribed);
  EXPECT_EQ(cancel.after, state(S::To));
  EXPECT_TRUE(cancel.send_unavailable);
  const Outcome deny = outbound(state(S::None, false, true), K::Unsubscribed);
  EXPECT_EQ(deny.after, state(S::None));
  EXPECT_TRUE(deny.forward);
  EXPECT_FALSE(deny.send_unavailable);

  const Outcome lost = inbound(state(S::Both), K::Unsubscribe);
  EXPECT_EQ(lost.after, state(S::To));
  EXPECT_TRUE(lost.send_unavailable && lost.forward);
  EXPECT_EQ(inbound(state(S::Both), K::Unsubscribed).after, state(S::From));
  EXPECT_EQ(inbound(state(S::None, true), K::Unsubscribed).after, state(S::None));
  EXPECT_FALSE(inbound(state(S::None), K::Unsubscribed).forward) << "nothing to cancel: not delivered";
}

TEST(RosterSubscription, NamesRoundTrip) {
  for (S s : {S::None, S::To, S::From, S::Both}) EXPECT_EQ(subscription_from(to_string(s)), s);
  EXPECT_FALSE(subscription_from("remove"));
  EXPECT_EQ(subscription_kind("unsubscribed"), K::Unsubscribed);
  EXPECT_FALSE(subscription_kind("probe"));
}

}  // namespace
}  // namespace jabberadmin::roster
