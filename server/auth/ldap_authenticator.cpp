#include "auth/ldap_authenticator.hpp"

#include <boost/asio/post.hpp>

#include <optional>

#include "jabberadmin/directory.hpp"
#include "jabberadmin/ldap.hpp"
#include "stream/sasl_plain.hpp"
#include "util/log.hpp"

namespace jabberadmin::auth {

using stream::AuthResult;

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
  Job job{std::move(username), std::move(password), std::move(done)};
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

void LdapAuthenticator::answer(Job& job, AuthResult result) {
  stream::wipe(job.password);
  boost::asio::post(executor_, [done = std::move(job.done), result] { done(result); });
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
    try {
      if (!directory) directory.emplace(Directory::open(settings_));
      if (!binder) binder.emplace(ldap::Connection::open(Directory::connect_options(settings_.ldap)));
      // One round trip for the common case: bind first; only a refusal needs a look at
      // the entry, to tell a locked account from a wrong password or a missing user.
      if (binder->check_password(directory->user_dn(job.username), job.password)) {
        result = AuthResult::Success;
      } else {
        const auto user = directory->find_user(job.username);
        result = user && user->locked ? AuthResult::AccountDisabled : AuthResult::NotAuthorized;
      }
    } catch (const std::exception& e) {
      log::warning(std::string("auth: LDAP failed, reconnecting for the next login: ") + e.what());
      directory.reset();
      binder.reset();
    }
    answer(job, result);
  }
}

}  // namespace jabberadmin::auth
