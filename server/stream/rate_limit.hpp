// Token buckets for what one client sends: stanzas and bytes per second, each with a burst
// allowance. A client over its rate is not dropped: its socket is simply not read until the
// tokens are back, so TCP slows it down and nobody it floods pays for it.
#pragma once

#include <chrono>
#include <cstddef>

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

}  // namespace jabberadmin::stream
