#include "stream/sasl_exchange.hpp"

#include <boost/asio/post.hpp>

#include "metrics/server_metrics.hpp"
#include "util/log_fields.hpp"

namespace jabberadmin::stream::sasl {
using Clock = std::chrono::steady_clock;

Exchange::Exchange(boost::asio::any_io_executor executor, Limits limits, std::string address,
                   std::unique_ptr<Mechanism> mechanism, std::string mechanism_name, Outcome outcome,
                   std::function<std::string()> log_prefix)
    : executor_(executor), limits_(limits), address_(std::move(address)), mechanism_(std::move(mechanism)),
      mechanism_name_(std::move(mechanism_name)),
      outcome_(std::move(outcome)), log_prefix_(std::move(log_prefix)), throttle_timer_(executor) {}

void Exchange::respond(std::string_view message) {
  if (checking_) return;
  const auto self = shared_from_this();  // the framing may drop us in a callback
  Step step = mechanism_->step(message);
  switch (step.kind) {
    case Step::Kind::Challenge:
      return outcome_.challenge(std::move(step.data));
    case Step::Kind::Failure:
      return fail(step.condition, step.text, !step.negotiation);
    case Step::Kind::Refusal:
      log::info(log_prefix_() + "empty password refused");
      log_failure("empty-password");
      limits_.address_failures.record(address_);
      return fail("not-authorized");
    case Step::Kind::Check:
      checking_ = true;
      return wait_for_place();
  }
}

// The address: at its limit of answered failures it is refused without a check. Its checks
// in flight count too, but a check beyond the places left waits for one to be answered
// instead of being refused: a school or an office behind one address logs in all at once
// with good passwords, while guesses sent in parallel still cannot outnumber the failures
// the address has left. The framing bounds the wait (its negotiation timeout).
void Exchange::wait_for_place() {
  if (limits_.address_failures.refused(address_)) {
    log::warning(log_prefix_() + "too many failed logins from this address, refused without checking");
    log_failure("address-limit");
    return fail("not-authorized", "Too many failed attempts; try again later");
  }
  if (limits_.address_failures.blocked(address_)) {
    // Looks again once a check of this address is answered (posted: that answer is another
    // stream's, still being handled). The mechanism keeps the credentials meanwhile, so
    // they go with the exchange.
    limits_.address_failures.when_answered(address_, [weak = weak_from_this(), executor = executor_] {
      boost::asio::post(executor, [weak] {
        if (auto self = weak.lock()) self->wait_for_place();
      });
    });
    return;
  }
  // The account (its name: one directory entry, whichever host it logs in on) is never
  // refused, so nobody can lock its owner out: past its free failures a check waits first,
  // longer each time.
  const std::string& account = mechanism_->username();
  const auto wait = limits_.account_failures.delay(account, limits_.throttle_first, limits_.throttle_cap);
  PendingCheck check{limits_.address_failures.begin(address_), limits_.account_failures.begin(account)};
  if (wait <= Clock::duration::zero()) return start_check(std::move(check));
  log::info(log_prefix_() + "repeated failed logins for this account: the check waits " +
            std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(wait).count()) + " ms");
  throttle_timer_.expires_after(wait);
  throttle_timer_.async_wait([weak = weak_from_this(), check = std::move(check)](const boost::system::error_code& ec) mutable {
    if (ec) return;
    if (auto self = weak.lock()) self->start_check(std::move(check));
  });
}

void Exchange::start_check(PendingCheck check) {
  auto attempts = std::make_shared<PendingCheck>(std::move(check));
  mechanism_->verify([weak = weak_from_this(), attempts](Verdict verdict) {
    // A failure counts even when its stream is gone.
    if (verdict.result == AuthResult::NotAuthorized) {
      attempts->address.failed();
      attempts->account.failed();
    }
    attempts->address = FailureLimiter::Attempt();
    attempts->account = FailureLimiter::Attempt();
    if (auto self = weak.lock()) self->verdict(std::move(verdict));
  });
}

void Exchange::verdict(Verdict verdict) {
  const auto self = shared_from_this();
  checking_ = false;
  switch (verdict.result) {
    case AuthResult::Success:
      metrics::server_metrics().logins.with({mechanism_name_}).inc();
      return outcome_.success(mechanism_->username(), std::move(verdict.additional));
    case AuthResult::AccountDisabled:
      log::info(log_prefix_() + "login refused: account locked or expired");
      log_failure("account-disabled");
      return fail("account-disabled", "This account is locked or has expired");
    case AuthResult::TemporaryFailure:
      log::warning(log_prefix_() + "login failed: directory unavailable");
      return fail("temporary-auth-failure");
    case AuthResult::NotAuthorized:
      log::info(log_prefix_() + "login refused: wrong password or no such user");
      log_failure("not-authorized");
      return fail("not-authorized");
  }
}

// One fixed shape whatever the client sent: the address (ours, never the client's words)
// first, the user name it chose last and escaped, so no name can pose as another address.
void Exchange::log_failure(std::string_view reason) const {
  log::write(log::Level::Warning, "authentication failed",
             {{"ip", address_}, {"mechanism", mechanism_name_}, {"reason", reason}, {"user", mechanism_->username()}});
}

void Exchange::fail(std::string_view condition, std::string_view text, bool counted) {
  checking_ = false;
  // mechanism_name_ is one the server offers (the framing starts no exchange otherwise) and
  // condition one of RFC 6120's: both sets are small.
  metrics::server_metrics().login_failures.with({mechanism_name_, std::string(condition)}).inc();
  outcome_.failure(condition, text, counted);
}

}  // namespace jabberadmin::stream::sasl
