// Drives one SASL exchange for a framing (RFC 6120's in C2s, XEP-0388's SASL2): feeds the
// client's messages to the Mechanism and, when its credentials are complete, applies the
// brute-force limits the same way for every mechanism before letting it check them:
//
//   - by remote address: at its limit of failures refused without any check; checks in
//     flight count too, and a check beyond the places left waits for one to be answered;
//   - by account (its name, whatever host): never refused, but past its free failures each
//     check waits first, longer each time;
//   - a NotAuthorized verdict counts for both, even when the stream is gone meanwhile.
//
// The framing counts failures per stream (its max attempts) and says what goes on the wire.
// Owned by the framing through a shared_ptr; every callback runs on the executor, never
// inside a call of the framing, except those of respond() answering at once.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "stream/failure_limiter.hpp"
#include "stream/sasl_mechanism.hpp"

namespace jabberadmin::stream::sasl {

struct Limits {
  FailureLimiter& address_failures;
  FailureLimiter& account_failures;
  std::chrono::milliseconds throttle_first{1000};
  std::chrono::milliseconds throttle_cap{16000};
};

// What the exchange tells its framing.
struct Outcome {
  std::function<void(std::string data)> challenge;
  // Authenticated as the mechanism's username(); additional data for <success/>.
  std::function<void(const std::string& username, std::string additional)> success;
  // Ended: condition (RFC 6120 §6.5) and optional text; counted: whether it is one of the
  // stream's failed attempts (not for Step::negotiation failures).
  std::function<void(std::string_view condition, std::string_view text, bool counted)> failure;
};

class Exchange final : public std::enable_shared_from_this<Exchange> {
 public:
  // log_prefix: how the framing's log lines start ("c2s 192.0.2.1: "); mechanism_name: as
  // the client asked for it, for the failed-login line.
  Exchange(boost::asio::any_io_executor executor, Limits limits, std::string address,
           std::unique_ptr<Mechanism> mechanism, std::string mechanism_name, Outcome outcome,
           std::function<std::string()> log_prefix);

  // The client's next message (the initial response first), decoded from base64.
  void respond(std::string_view message);
  // Between a Check and its verdict (or while it waits for the limits): nothing else may come.
  bool checking() const noexcept { return checking_; }
  // The account named so far (empty before the mechanism knows it).
  const std::string& username() const { return mechanism_->username(); }

 private:
  struct PendingCheck {
    FailureLimiter::Attempt address;
    FailureLimiter::Attempt account;
  };
  void wait_for_place();
  void start_check(PendingCheck check);
  void verdict(Verdict verdict);
  void fail(std::string_view condition, std::string_view text = {}, bool counted = true);
  // The stable line fail2ban reads (cl-jabberd(8), packaging/fail2ban).
  void log_failure(std::string_view reason) const;

  boost::asio::any_io_executor executor_;
  Limits limits_;
  std::string address_;
  std::unique_ptr<Mechanism> mechanism_;
  std::string mechanism_name_;
  Outcome outcome_;
  std::function<std::string()> log_prefix_;
  boost::asio::steady_timer throttle_timer_;  // a check for a much-failed account waits on it
  bool checking_ = false;
};

}  // namespace jabberadmin::stream::sasl
