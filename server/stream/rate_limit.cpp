#include "stream/rate_limit.hpp"

#include <algorithm>
#include <cmath>

namespace jabberadmin::stream {

TokenBucket::TokenBucket(double rate, double burst, Clock::time_point now)
    : rate_(rate), burst_(std::max(burst, 1.0)), tokens_(burst_), last_(now) {}

std::chrono::milliseconds TokenBucket::take(double n, Clock::time_point now) {
  if (rate_ <= 0) return std::chrono::milliseconds(0);
  const double elapsed = std::chrono::duration<double>(now - last_).count();
  last_ = now;
  tokens_ = std::min(burst_, tokens_ + std::max(elapsed, 0.0) * rate_) - n;
  if (tokens_ >= 0) return std::chrono::milliseconds(0);
  return std::chrono::milliseconds(static_cast<long long>(std::ceil(-tokens_ / rate_ * 1000)));
}

RateBuckets::RateBuckets(const RateLimits& limits, TokenBucket::Clock::time_point now)
    : stanzas(limits.stanzas_per_second, limits.stanza_burst, now),
      bytes(limits.bytes_per_second, limits.byte_burst, now) {}

std::chrono::milliseconds RateBuckets::take(std::size_t byte_count, std::size_t stanza_count,
                                            TokenBucket::Clock::time_point now) {
  return std::max(bytes.take(static_cast<double>(byte_count), now),
                  stanzas.take(static_cast<double>(stanza_count), now));
}

std::shared_ptr<RateBuckets> AccountRates::join(const std::string& account, const RateLimits& limits) {
  if (auto it = accounts_.find(account); it != accounts_.end()) {
    if (auto buckets = it->second.lock()) return buckets;
  }
  if (accounts_.size() >= sweep_at_) {
    std::erase_if(accounts_, [](const auto& entry) { return entry.second.expired(); });
    sweep_at_ = std::max<std::size_t>(64, 2 * accounts_.size());  // amortised: a sweep per doubling
  }
  auto buckets = std::make_shared<RateBuckets>(limits);
  accounts_.insert_or_assign(account, buckets);
  return buckets;
}

}  // namespace jabberadmin::stream
