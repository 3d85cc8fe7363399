// The io loop's lag: a timer asks to fire every interval and measures how late it fires.
// A handler that runs long, or a loop with more ready work than it gets through, delays it;
// a late firing is the wait every ready handler (a stanza, a login) had meanwhile.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <memory>

#include "metrics/instruments.hpp"

namespace jabberadmin::metrics {

class LoopLag {
 public:
  LoopLag(boost::asio::any_io_executor executor, Histogram& lag, Gauge& last,
          std::chrono::milliseconds interval = std::chrono::milliseconds(500));
  ~LoopLag();
  LoopLag(const LoopLag&) = delete;
  LoopLag& operator=(const LoopLag&) = delete;

  void start();
  void stop();

 private:
  void arm();

  boost::asio::steady_timer timer_;
  Histogram& lag_;
  Gauge& last_;
  std::chrono::milliseconds interval_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace jabberadmin::metrics
