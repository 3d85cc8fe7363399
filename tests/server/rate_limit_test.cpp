// Issue 12 item 7: token buckets for what one client sends.
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "stream/rate_limit.hpp"

namespace jabberadmin::stream {
namespace {
using namespace std::chrono_literals;

TEST(TokenBucket, TheBurstPassesThenTheSenderWaitsForItsRate) {
  const auto t0 = TokenBucket::Clock::time_point{} + 1h;
  TokenBucket b(10, 50, t0);  // 10 a second, 50 at once
  EXPECT_EQ(b.take(50, t0), 0ms);
  EXPECT_EQ(b.take(5, t0), 500ms);  // 5 in debt at 10/s
  EXPECT_EQ(b.take(0, t0 + 500ms), 0ms);
  EXPECT_EQ(b.take(10, t0 + 1500ms), 0ms);  // refilled by 10 in that second
  EXPECT_EQ(b.take(1, t0 + 1500ms), 100ms);
}

TEST(TokenBucket, IdleTimeRefillsNoMoreThanTheBurst) {
  const auto t0 = TokenBucket::Clock::time_point{} + 1h;
  TokenBucket b(100, 200, t0);
  EXPECT_EQ(b.take(200, t0 + 1h), 0ms);
  EXPECT_EQ(b.take(100, t0 + 1h), 1000ms);
}

TEST(TokenBucket, ARateOfZeroIsNoLimit) {
  TokenBucket b(0, 0);
  EXPECT_EQ(b.take(1e9), 0ms);
}

TEST(AccountRates, AnAccountsStreamsShareItsBucketsWhileAnyHoldsThem) {
  AccountRates rates;
  const RateLimits limits{.stanzas_per_second = 10, .stanza_burst = 20, .bytes_per_second = 0, .byte_burst = 0};
  auto first = rates.join("alice", limits);
  EXPECT_EQ(rates.join("alice", limits), first);
  EXPECT_NE(rates.join("bob", limits), first);
  const std::weak_ptr<RateBuckets> gone = first;
  first.reset();  // alice's last stream ended
  EXPECT_TRUE(gone.expired());
  // Many accounts come and go: those with no stream left are forgotten as the map grows.
  std::vector<std::shared_ptr<RateBuckets>> held;
  for (int i = 0; i < 1000; ++i) {
    auto buckets = rates.join("user" + std::to_string(i), limits);
    if (i % 100 == 0) held.push_back(buckets);
  }
  for (int i = 0; i < 1000; i += 100) EXPECT_EQ(rates.join("user" + std::to_string(i), limits), held[i / 100]);
}

}  // namespace
}  // namespace jabberadmin::stream
