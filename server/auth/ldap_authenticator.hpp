// SASL PLAIN checked against the directory on a small pool of threads, each with its own
// LDAP connections (libldap handles are never shared between threads). Answers come back
// on the io executor. A full queue answers temporary-auth-failure at once, so a slow or
// dead LDAP server costs logins, never the event loop.
#pragma once

#include <boost/asio/any_io_executor.hpp>

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
  LdapAuthenticator(boost::asio::any_io_executor executor, Settings settings, PoolOptions options);
  ~LdapAuthenticator() override;

  void check(std::string username, std::string password, std::function<void(stream::AuthResult)> done) override;
  // Ends the workers; queued checks are answered with temporary-auth-failure.
  void stop();

 private:
  struct Job {
    std::string username;
    std::string password;
    std::function<void(stream::AuthResult)> done;
  };
  void work();
  void answer(Job& job, stream::AuthResult result);

  boost::asio::any_io_executor executor_;
  Settings settings_;
  PoolOptions options_;
  std::mutex mutex_;
  std::condition_variable ready_;
  std::deque<Job> queue_;
  bool stopping_ = false;
  std::vector<std::thread> workers_;
};

}  // namespace jabberadmin::auth
