#include "metrics/loop_lag.hpp"

namespace jabberadmin::metrics {

LoopLag::LoopLag(boost::asio::any_io_executor executor, Histogram& lag, Gauge& last, std::chrono::milliseconds interval)
    : timer_(std::move(executor)), lag_(lag), last_(last), interval_(interval) {}

LoopLag::~LoopLag() { stop(); }

void LoopLag::start() { arm(); }

void LoopLag::stop() {
  *alive_ = false;
  timer_.cancel();
}

void LoopLag::arm() {
  *alive_ = true;
  const auto due = std::chrono::steady_clock::now() + interval_;
  timer_.expires_at(due);
  timer_.async_wait([this, alive = alive_, due](const boost::system::error_code& ec) {
    if (ec || !*alive) return;
    const std::chrono::duration<double> late = std::chrono::steady_clock::now() - due;
    const double seconds = late.count() > 0 ? late.count() : 0.0;
    lag_.observe(seconds);
    last_.set(seconds);
    arm();
  });
}

}  // namespace jabberadmin::metrics
