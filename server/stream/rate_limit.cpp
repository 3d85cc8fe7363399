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

}  // namespace jabberadmin::stream
