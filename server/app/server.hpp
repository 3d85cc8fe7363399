// cl-jabberd assembled: listeners, TLS, admission limits, the LDAP authenticator, the
// router with its modules, and every live stream; reload and shutdown.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>

#include <map>
#include <memory>
#include <vector>

#include "app/options.hpp"
#include "auth/ldap_authenticator.hpp"
#include "control/commands.hpp"
#include "control/control_socket.hpp"
#include "directory/directory_cache.hpp"
#include "directory/directory_feed.hpp"
#include "http/bosh.hpp"
#include "http/listener.hpp"
#include "http/routes.hpp"
#include "http/websocket.hpp"
#include "metrics/loop_lag.hpp"
#include "jabberadmin/settings.hpp"
#include "module/disco_features.hpp"
#include "module/module.hpp"
#include "net/admission.hpp"
#include "net/listener.hpp"
#include "router/router.hpp"
#include "store/database.hpp"
#include "stream/c2s.hpp"
#include "stream/features.hpp"

namespace jabberadmin::app {

class Server {
 public:
  // Loads the certificate and binds the listeners (throws Error naming what failed).
  Server(boost::asio::io_context& io, Settings settings, Options options);
  ~Server();

  void start();
  // What a reload did: each change made, and each problem (what it kept instead).
  struct ReloadReport {
    std::vector<std::string> changed;
    std::vector<std::string> problems;
  };
  // SIGHUP and cl-jabberctl reload: a new TLS context for new connections; log file reopened.
  ReloadReport reload();
  // SIGTERM: stop accepting, end every stream with <system-shutdown/>, then stop the loop.
  void shutdown();

  std::vector<boost::asio::ip::tcp::endpoint> endpoints() const;

 private:
  void accept(boost::asio::ip::tcp::socket socket, bool direct_tls);
  // A client stream over transport, counted by the admission against peer's address.
  std::shared_ptr<stream::C2s> start_stream(std::shared_ptr<net::Transport> transport);
  void start_http(const std::vector<std::string>& addresses);
  void poll_shutdown();
  // The control channel (app/server_control.cpp): its commands and its socket.
  void start_control();
  nlohmann::json control_status() const;
  nlohmann::json control_sessions() const;
  nlohmann::json control_kick(const nlohmann::json& request);
  nlohmann::json control_stats() const;

  boost::asio::io_context& io_;
  Settings settings_;
  Options options_;
  std::shared_ptr<boost::asio::ssl::context> tls_;
  net::Admission admission_;
  stream::FailureLimiter address_failures_;
  stream::FailureLimiter account_failures_;
  stream::AccountRates account_rates_;  // before streams_, which refer to it
  router::Router router_;
  store::Database database_;
  directory::DirectoryCache directory_;
  stream::StreamFeatures stream_features_;
  http::Routes http_routes_;  // before the modules, which may register paths
  module::DiscoFeatures disco_features_;
  module::Modules modules_;  // app/modules.cpp
  directory::DirectoryFeed directory_feed_;  // after what observes the cache: it stops first
  auth::LdapAuthenticator authenticator_;
  stream::sasl::Mechanisms mechanisms_;  // app/sasl.cpp: what the settings allow
  stream::C2sConfig c2s_config_;
  std::vector<std::shared_ptr<net::Listener>> listeners_;
  std::shared_ptr<boost::asio::ssl::context> http_tls_;  // the same certificate, ALPN http/1.1
  std::unique_ptr<http::BoshSessions> bosh_;            // /http-bind's sessions
  std::vector<util::Registration> http_registrations_;   // the server's own paths
  std::unique_ptr<http::Listener> http_;                 // none when http_port is 0
  std::map<stream::C2s*, std::shared_ptr<stream::C2s>> streams_;
  boost::asio::steady_timer shutdown_timer_;
  boost::asio::steady_timer poll_timer_;
  bool stopping_ = false;
  std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();
  std::string certificate_fingerprint_;  // of the certificate in tls_ (SHA-256, hex pairs)
  control::Commands control_commands_;
  std::unique_ptr<control::ControlSocket> control_;  // last: it goes first, then its commands
  // For /metrics: the io loop's lag, and the sessions per host counted at each scrape.
  metrics::LoopLag loop_lag_;
  util::Registration sessions_collected_;
  void collect_sessions();
};

}  // namespace jabberadmin::app
