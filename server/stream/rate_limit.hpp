// Token buckets for what clients send: stanzas and bytes per second, each with a burst
// allowance. A client over its rate is not dropped: its socket is simply not read until the
// tokens are back, so TCP slows it down and nobody it floods pays for it.
//
// Before login a connection has buckets of its own; once authenticated it uses its
// account's, shared by all the account's streams (AccountRates), so 16 resources send what
// one may, not 16 times that.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <string>

namespace jabberadmin::stream {

struct RateLimits {
  double stanzas_per_second = 20;  // 0 = unlimited
  double stanza_burst = 100;
  double bytes_per_second = 8192;  // 0 = unlimited
  double byte_burst = 65536;
};

class TokenBucket {
 public:
  using Clock = std::chrono::steady_clock;
  TokenBucket(double rate, double burst, Clock::time_point now = Clock::now());
  // Takes n tokens (the balance may go below zero: what arrived has arrived) and returns
  // how long the sender must wait until the balance is back at zero; 0 when it need not.
  std::chrono::milliseconds take(double n, Clock::time_point now = Clock::now());

 private:
  double rate_, burst_, tokens_;
  Clock::time_point last_;
};

// The two buckets a sender is metered by.
struct RateBuckets {
  explicit RateBuckets(const RateLimits& limits, TokenBucket::Clock::time_point now = TokenBucket::Clock::now());
  // Takes what arrived from both; how long the sender must wait (0 when it need not).
  std::chrono::milliseconds take(std::size_t bytes, std::size_t stanzas, TokenBucket::Clock::time_point now);

  TokenBucket stanzas, bytes;
};

// Each account's buckets, shared by its streams while any holds them. Keyed by the
// account's name, the same on every served host (as the login failure limits are).
class AccountRates {
 public:
  // The account's buckets: made with limits at its first stream, the same for every later one.
  std::shared_ptr<RateBuckets> join(const std::string& account, const RateLimits& limits);

 private:
  std::map<std::string, std::weak_ptr<RateBuckets>, std::less<>> accounts_;
  std::size_t sweep_at_ = 64;  // forget accounts with no stream left when the map reaches it
};

}  // namespace jabberadmin::stream
