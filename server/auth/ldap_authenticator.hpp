// SASL PLAIN checked against the directory on a small pool of threads, each with its own
// LDAP connections (libldap handles are never shared between threads). Answers come back
// on the io executor. A full queue answers temporary-auth-failure at once, so a slow or
// dead LDAP server costs logins, never the event loop.
//
// A bind that succeeds is not the last word: the server's view of the directory may say
// the account is locked (shadowExpire: 1 without the lock marker in the hash, which binds
// still accept), and then the answer is account-disabled.
//
// A wrong password costs slapd a check of the entry's hash; a user it does not have costs
// it nothing. So that the time of a refusal does not tell who exists, the refusal of an
// unknown user is held back (on a timer, no thread waits) until it has taken as long as
// the refusals of real users take: a running average of those.
//
// With [jabber] scram_upgrade_on_plain, an account without SCRAM verifiers gets them after
// a successful bind (Directory::add_first_verifiers): on the same worker thread, after the
// answer is on its way, so the three PBKDF2 runs never hold up the event loop or the login.
#pragma once

#include <boost/asio/any_io_executor.hpp>

#include <chrono>
#include <optional>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>
#include <vector>

#include "jabberadmin/settings.hpp"
#include "stream/authenticator.hpp"

namespace jabberadmin::auth {

struct PoolOptions {
  std::size_t threads = 2;
  std::size_t max_queue = 256;
};

class LdapAuthenticator final : public stream::Authenticator {
 public:
  using Duration = std::chrono::steady_clock::duration;
  LdapAuthenticator(boost::asio::any_io_executor executor, Settings settings, PoolOptions options);
  ~LdapAuthenticator() override;

  void check(std::string username, std::string password, std::function<void(stream::AuthResult)> done) override;
  // Asked on the executor after a successful bind: true refuses the login as account-disabled.
  // Set before the first check.
  void refuse_when(std::function<bool(const std::string& username)> disabled) { disabled_ = std::move(disabled); }
  // Asked on the executor when a check is queued: true when the account should get SCRAM
  // verifiers if the bind succeeds. Set before the first check.
  void add_verifiers_when(std::function<bool(const std::string& username)> wanted) { wanted_ = std::move(wanted); }
  // Ends the workers; queued checks are answered with temporary-auth-failure.
  void stop();

 private:
  struct Job {
    std::string username;
    std::string password;
    std::function<void(stream::AuthResult)> done;
    bool add_verifiers = false;
  };
  void work();
  // The answer goes to the executor, not before `after` has passed.
  void answer(Job& job, stream::AuthResult result,
              std::chrono::steady_clock::duration after = std::chrono::steady_clock::duration::zero());

  boost::asio::any_io_executor executor_;
  Settings settings_;
  PoolOptions options_;
  std::function<bool(const std::string&)> disabled_;
  std::function<bool(const std::string&)> wanted_;
  // How long refusals take, for real users and for unknown ones (the latest few of each):
  // an unknown user's refusal is held back by the difference of their quickest, so the two
  // kinds take the same time however busy the machine is.
  void timed_refusal(Duration took);               // a real user's wrong password
  Duration hold_unknown(Duration took);            // an unknown user: how long to hold it
  std::mutex timing_mutex_;
  std::deque<Duration> known_refusals_, unknown_refusals_;
  std::mutex mutex_;
  std::condition_variable ready_;
  std::deque<Job> queue_;
  bool stopping_ = false;
  std::vector<std::thread> workers_;
};

}  // namespace jabberadmin::auth
