#include "auth/ldap_authenticator.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

#include <algorithm>
#include <optional>
#include <vector>

#include "jabberadmin/directory.hpp"
#include "jabberadmin/directory_connection.hpp"
#include "jabberadmin/ldap.hpp"
#include "stream/sasl_plain.hpp"
#include "util/log.hpp"

namespace jabberadmin::auth {

using stream::AuthResult;

namespace {
// Before any real refusal was timed: about what one takes (slapd's SHA-512 crypt and a search).
constexpr std::chrono::milliseconds kFirstGuess{4};
constexpr std::size_t kTimedRefusals = 64;
}  // namespace

LdapAuthenticator::LdapAuthenticator(boost::asio::any_io_executor executor, Settings settings, PoolOptions options)
    : executor_(executor), settings_(std::move(settings)), options_(options) {
  for (std::size_t i = 0; i < std::max<std::size_t>(options_.threads, 1); ++i) workers_.emplace_back([this] { work(); });
}

LdapAuthenticator::~LdapAuthenticator() { stop(); }

void LdapAuthenticator::stop() {
  std::deque<Job> left;
  {
    std::lock_guard lock(mutex_);
    if (stopping_ && workers_.empty()) return;
    stopping_ = true;
    left.swap(queue_);
  }
  ready_.notify_all();
  for (auto& t : workers_)
    if (t.joinable()) t.join();
  workers_.clear();
  for (auto& job : left) answer(job, AuthResult::TemporaryFailure);
}

void LdapAuthenticator::check(std::string username, std::string password,
                              std::function<void(AuthResult)> done) {
  const bool add_verifiers = wanted_ && wanted_(username);
  Job job{std::move(username), std::move(password), std::move(done), add_verifiers};
  {
    std::lock_guard lock(mutex_);
    if (!stopping_ && queue_.size() < options_.max_queue) {
      queue_.push_back(std::move(job));
      ready_.notify_one();
      return;
    }
  }
  log::warning("auth: the LDAP queue is full; login refused for now");
  answer(job, AuthResult::TemporaryFailure);
}

void LdapAuthenticator::answer(Job& job, AuthResult result, std::chrono::steady_clock::duration after) {
  stream::wipe(job.password);
  auto reply = [done = std::move(job.done), result, name = std::move(job.username), disabled = disabled_]() mutable {
    if (result == AuthResult::Success && disabled && disabled(name)) result = AuthResult::AccountDisabled;
    done(result);
  };
  if (after <= std::chrono::steady_clock::duration::zero()) return boost::asio::post(executor_, std::move(reply));
  // Armed from this thread (the timer is this call's own object, which Asio allows), so the
  // answer wakes the executor once, as a posted one does: a second hop would add its own
  // scheduling delay on a busy machine.
  auto timer = std::make_shared<boost::asio::steady_timer>(executor_, after);
  timer->async_wait([timer, reply = std::move(reply)](const boost::system::error_code&) mutable { reply(); });
}

namespace {
void keep(std::deque<LdapAuthenticator::Duration>& latest, LdapAuthenticator::Duration took) {
  latest.push_back(took);
  if (latest.size() > kTimedRefusals) latest.pop_front();
}
// The quickest: what a refusal costs when nothing else was competing for the machine.
// Load only ever adds time, so the difference of the two kinds' quickest is the cost of
// the hash check itself, however busy the machine is now.
LdapAuthenticator::Duration quickest(const std::deque<LdapAuthenticator::Duration>& latest) {
  return *std::min_element(latest.begin(), latest.end());
}
}  // namespace

void LdapAuthenticator::timed_refusal(Duration took) {
  std::lock_guard lock(timing_mutex_);
  keep(known_refusals_, took);
}

LdapAuthenticator::Duration LdapAuthenticator::hold_unknown(Duration took) {
  std::lock_guard lock(timing_mutex_);
  keep(unknown_refusals_, took);
  if (known_refusals_.empty()) return kFirstGuess - took;
  return quickest(known_refusals_) - quickest(unknown_refusals_);
}

void LdapAuthenticator::work() {
  // This thread's own connections: one as the service (reads entries), one to bind as users.
  std::optional<Directory> directory;
  std::optional<ldap::Connection> binder;
  for (;;) {
    Job job;
    {
      std::unique_lock lock(mutex_);
      ready_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (stopping_) return;
      job = std::move(queue_.front());
      queue_.pop_front();
    }
    AuthResult result = AuthResult::TemporaryFailure;
    std::chrono::steady_clock::duration hold{};
    std::string verifiers_of;  // the proven password, kept past the answer for the verifiers
    const auto started = std::chrono::steady_clock::now();
    try {
      if (!directory) directory.emplace(Directory::open(settings_));
      if (!binder) binder.emplace(connect(settings_.ldap));
      // One round trip for the common case: bind first; only a refusal needs a look at
      // the entry, to tell a locked account from a wrong password or a missing user.
      if (binder->check_password(directory->user_dn(job.username), job.password)) {
        result = AuthResult::Success;
        if (job.add_verifiers) verifiers_of = job.password;
      } else {
        const auto user = directory->find_user(job.username);
        result = user && user->disabled() ? AuthResult::AccountDisabled : AuthResult::NotAuthorized;
        const auto took = std::chrono::steady_clock::now() - started;
        if (user && !user->disabled()) timed_refusal(took);
        if (!user) hold = hold_unknown(took);
      }
    } catch (const std::exception& e) {
      log::warning(std::string("auth: LDAP failed, reconnecting for the next login: ") + e.what());
      directory.reset();
      binder.reset();
    }
    const std::string username = verifiers_of.empty() ? std::string() : job.username;
    answer(job, result, hold);
    if (verifiers_of.empty()) continue;
    try {
      if (directory->add_first_verifiers(username, verifiers_of))
        log::info("auth: " + username + " has SCRAM verifiers now (scram_upgrade_on_plain)");
    } catch (const std::exception& e) {
      log::warning("auth: cannot give " + username + " SCRAM verifiers: " + e.what());
      directory.reset();
    }
    stream::wipe(verifiers_of);
  }
}

}  // namespace jabberadmin::auth
