#include "app/server.hpp"

#include "app/modules.hpp"
#include "app/sasl.hpp"
#include "auth/scram_accounts.hpp"
#include "http/host_meta.hpp"
#include "http/metrics_route.hpp"
#include "metrics/server_metrics.hpp"

#include "jabberadmin/directory.hpp"
#include "jabberadmin/directory_connection.hpp"
#include "jabberadmin/error.hpp"
#include "net/connection.hpp"
#include "net/tls.hpp"
#include "util/log.hpp"
#include "util/sd_notify.hpp"

namespace jabberadmin::app {
namespace asio = boost::asio;

namespace {
std::vector<asio::ip::tcp::endpoint> endpoints_for(const std::vector<std::string>& addresses, std::uint16_t port) {
  std::vector<asio::ip::tcp::endpoint> out;
  if (port == 0) return out;
  if (addresses.empty()) {
    out.emplace_back(asio::ip::address_v6::any(), port);
    return out;
  }
  for (const auto& a : addresses) {
    boost::system::error_code ec;
    std::string text = a;
    if (text.size() > 2 && text.front() == '[' && text.back() == ']') text = text.substr(1, text.size() - 2);
    const auto address = asio::ip::make_address(text, ec);
    if (ec) throw Error(ErrorKind::InvalidArgument, "not an IP address to listen on: " + a);
    out.emplace_back(address, port);
  }
  return out;
}
// What the server cannot start without, checked before anything touches the disk (the
// database is created by the members' construction).
Settings checked(Settings settings) {
  if (!settings.jabber.configured)
    throw Error(ErrorKind::InvalidArgument, "no [jabber] section in the settings; run cl-setup jabber");
  if (settings.jabber.certfile.empty())
    throw Error(ErrorKind::InvalidArgument, "no TLS certificate configured ([jabber] certfile); run cl-setup jabber");
  return settings;
}
net::AdmissionLimits admission_limits(const JabberSettings& j, const Options& o) {
  return {j.max_unauthenticated_per_address, j.max_unauthenticated_per_network,
          o.max_unauthenticated.value_or(j.max_unauthenticated)};
}
// Where the server keeps its database: the data directory cl-setup jabber chose.
std::filesystem::path data_dir(const Settings& settings) {
  if (!settings.jabber.data_dir.empty()) return settings.jabber.data_dir;
  return "/var/lib/jabberadmin";
}
}  // namespace

Server::Server(asio::io_context& io, Settings settings, Options options)
    // The settings checked before anything touches the disk; the directory read as the
    // read-only service identity, never as its manager.
    : io_(io), settings_(as_service(checked(std::move(settings)))), options_(std::move(options)),
      admission_(admission_limits(settings_.jabber, options_)),
      address_failures_(options_.auth_failures_per_address, options_.auth_failure_window),
      account_failures_(std::max<std::size_t>(1, options_.auth_failures_per_address / 2), options_.auth_failure_window),
      router_(settings_.served_hosts()),
      database_(data_dir(settings_) / "jabberadmin.sqlite"),
      modules_(module::Services{router_, stream_features_, disco_features_, &settings_, &directory_, &database_,
                                io.get_executor(), &http_routes_},
               modules(options_)),
      directory_feed_(io, directory_, settings_),
      authenticator_(io.get_executor(), settings_, auth::PoolOptions{options_.auth_workers, 256}),
      shutdown_timer_(io), poll_timer_(io),
      loop_lag_(io.get_executor(), metrics::server_metrics().event_loop_lag,
                metrics::server_metrics().event_loop_lag_last) {
  tls_ = net::make_tls_context(settings_.jabber.certfile);
  certificate_fingerprint_ = net::certificate_fingerprint(*tls_);
  log::info("directory " + settings_.ldap.uri + ": reading as " +
            (settings_.ldap.bind_dn.empty() ? "this account (SASL EXTERNAL)" : settings_.ldap.bind_dn));
  c2s_config_.tls_required = !options_.allow_plain_auth;
  c2s_config_.parser.max_stanza_size = settings_.jabber.max_stanza_size;
  c2s_config_.negotiation_timeout = options_.negotiation_timeout;
  c2s_config_.idle_timeout = options_.idle_timeout;
  c2s_config_.keepalive_interval = options_.keepalive;
  const JabberSettings& j = settings_.jabber;
  c2s_config_.max_resources_per_account = j.max_resources_per_account;
  c2s_config_.rate = stream::RateLimits{static_cast<double>(j.stanza_rate), static_cast<double>(j.stanza_burst),
                                        static_cast<double>(j.byte_rate), static_cast<double>(j.byte_burst)};
  mechanisms_ = sasl_mechanisms(SaslSetup{io.get_executor(), authenticator_, directory_,
                                          auth::scram_secret(data_dir(settings_) / "scram-secret"),
                                          settings_.jabber.sasl_mechanisms, settings_.jabber.scram_iterations});
  authenticator_.refuse_when([this](const std::string& name) {
    const User* user = directory_.find(name);
    return user != nullptr && user->disabled();
  });
  if (settings_.jabber.scram_upgrade_on_plain)
    authenticator_.add_verifiers_when([this](const std::string& name) {
      // None parsed: none written yet, or every one locked (add_first_verifiers then writes
      // nothing, seeing values there).
      const User* user = directory_.find(name);
      return user != nullptr && user->verifiers.empty();
    });

  const auto& addresses = options_.listen.empty() ? settings_.jabber.listen : options_.listen;
  const std::uint16_t port = options_.port.value_or(settings_.jabber.port);
  const std::uint16_t tls_port = options_.tls_port.value_or(settings_.jabber.tls_port);
  for (bool direct : {false, true}) {
    for (const auto& endpoint : endpoints_for(addresses, direct ? tls_port : port)) {
      try {
        listeners_.push_back(std::make_shared<net::Listener>(
            io_, endpoint, [this, direct](asio::ip::tcp::socket s) { accept(std::move(s), direct); }));
      } catch (const boost::system::system_error& e) {
        throw Error(ErrorKind::Directory, "cannot listen on " + endpoint.address().to_string() + " port " +
                                              std::to_string(endpoint.port()) + ": " + e.code().message());
      }
    }
  }
  if (listeners_.empty()) throw Error(ErrorKind::InvalidArgument, "no port to listen on");
  start_http(addresses);
  sessions_collected_ = metrics::server_metrics().registry.on_collect([this] { collect_sessions(); });
}

// Every served host has its series, at 0 without sessions; bound sessions only, as
// cl-jabberctl status counts them.
void Server::collect_sessions() {
  std::map<std::string, std::size_t> by_host;
  for (const auto& host : router_.hosts()) by_host[host] = 0;
  for (const auto& [p, s] : streams_)
    if (s->bound() && !s->closed()) ++by_host[s->jid().domain];
  for (const auto& [host, count] : by_host)
    metrics::server_metrics().sessions.with({host}).set(static_cast<double>(count));
}

// The HTTPS listener (http_port): RFC 7395 WebSocket streams, which are client streams like
// the TCP ones (the same admission, limits and modules), and XEP-0156 discovery.
void Server::start_http(const std::vector<std::string>& addresses) {
  const JabberSettings& j = settings_.jabber;
  if (j.http_port == 0) return;
  http_tls_ = net::make_tls_context(j.certfile, net::Alpn::Http11);
  http::Limits limits;
  limits.max_connections = j.http_max_connections;
  // XEP-0124/0206 BOSH: sessions that are client streams too; a body holds at least one
  // stanza of the largest size the streams take.
  http::BoshLimits bosh;
  bosh.parser = c2s_config_.parser;
  bosh.max_body = 2 * j.max_stanza_size;
  bosh_ = std::make_unique<http::BoshSessions>(io_.get_executor(), bosh, [this](std::shared_ptr<net::Transport> t) {
    return stopping_ ? std::weak_ptr<net::TransportEvents>() : std::weak_ptr<net::TransportEvents>(start_stream(t));
  });
  http::Route bosh_route = http::bosh_route(*bosh_);
  bosh_route.body_limit = std::max<std::uint64_t>(limits.body_limit, bosh.max_body);
  http_registrations_.push_back(http_routes_.add(std::string(http::kBoshPath), std::move(bosh_route)));
  http::WebSocketLimits websocket;
  websocket.max_message = 2 * j.max_stanza_size;
  websocket.handshake_timeout = limits.request_timeout;
  http_registrations_.push_back(http_routes_.add(
      std::string(http::kWebSocketPath),
      http::websocket_route(websocket, [this](std::shared_ptr<http::WebSocketTransport> transport) {
        if (stopping_) return transport->close();
        transport->start(start_stream(transport));
      })));
  http_registrations_.push_back(
      http_routes_.add(std::string(http::kHostMetaPath), http::host_meta_route(router_.hosts(), j.http_port)));
  // Off, the path is not routed at all: a 404 like any unknown one.
  if (j.metrics)
    http_registrations_.push_back(http_routes_.add(
        std::string(http::kMetricsPath),
        http::metrics_route(metrics::server_metrics().registry, metrics::Access(j.metrics_allow))));
  const auto endpoints = endpoints_for(addresses, j.http_port);
  try {
    http_ = std::make_unique<http::Listener>(io_, endpoints, [this] { return http_tls_; }, http_routes_, limits);
  } catch (const boost::system::system_error& e) {
    throw Error(ErrorKind::Directory, "cannot listen on HTTPS port " + std::to_string(j.http_port) + ": " +
                                          e.code().message());
  }
}

Server::~Server() { authenticator_.stop(); }

std::vector<asio::ip::tcp::endpoint> Server::endpoints() const {
  std::vector<asio::ip::tcp::endpoint> out;
  for (const auto& l : listeners_) out.push_back(l->local_endpoint());
  return out;
}

void Server::start() {
  for (const auto& l : listeners_) l->start();
  if (http_) http_->start();
  std::string hosts;
  for (const auto& h : router_.hosts()) hosts += (hosts.empty() ? "" : ", ") + h;
  std::string where;
  for (const auto& e : endpoints())
    where += (where.empty() ? "" : ", ") + e.address().to_string() + " port " + std::to_string(e.port());
  if (http_)
    for (const auto& e : http_->endpoints())
      where += ", HTTPS on " + e.address().to_string() + " port " + std::to_string(e.port());
  log::info("cl-jabberd " JABBERADMIN_VERSION " serving " + hosts + " on " + where);
  start_control();
  loop_lag_.start();
  sd::notify_ready();  // every listener accepts: systemd may start what comes After= us
}

void Server::accept(asio::ip::tcp::socket socket, bool direct_tls) {
  if (stopping_) return;
  boost::system::error_code ec;
  (void)socket.remote_endpoint(ec);
  if (ec) return;  // gone already
  auto connection = std::make_shared<net::Connection>(std::move(socket), tls_, net::ConnectionOptions{});
  connection->start(start_stream(connection), direct_tls);
}

std::shared_ptr<stream::C2s> Server::start_stream(std::shared_ptr<net::Transport> transport) {
  auto ticket = admission_.admit(transport->peer_address());  // the stream answers its eviction
  stream::C2sContext context{authenticator_, router_, address_failures_, account_failures_, account_rates_,
                             [this](stream::C2s& s) { streams_.erase(&s); }, &stream_features_, &mechanisms_};
  auto stream = std::make_shared<stream::C2s>(io_.get_executor(), std::move(transport), context, c2s_config_,
                                              std::move(ticket));
  streams_.emplace(stream.get(), stream);
  stream->start();
  return stream;
}

Server::ReloadReport Server::reload() {
  ReloadReport report;
  sd::notify_reloading();
  log::reopen();
  if (!options_.log_file.empty()) report.changed.push_back("log file " + options_.log_file.string() + " reopened");
  modules_.reload();
  try {
    auto tls = net::make_tls_context(settings_.jabber.certfile);
    auto http_tls = http_ ? net::make_tls_context(settings_.jabber.certfile, net::Alpn::Http11) : nullptr;
    const std::string fingerprint = net::certificate_fingerprint(*tls);
    tls_ = std::move(tls);
    if (http_) http_tls_ = std::move(http_tls);
    const std::string what = "TLS certificate " + settings_.jabber.certfile.string() + " reloaded: SHA-256 " +
                             fingerprint + (fingerprint == certificate_fingerprint_ ? " (unchanged)" : " (new)");
    certificate_fingerprint_ = fingerprint;
    log::info(what);
    report.changed.push_back(what);
  } catch (const std::exception& e) {
    const std::string what = std::string("keeping the old certificate: ") + e.what();
    log::error(what);
    report.problems.push_back(what);
  }
  sd::notify_ready();
  return report;
}

void Server::shutdown() {
  if (stopping_) return;
  stopping_ = true;
  sd::notify_stopping();
  control_.reset();
  loop_lag_.stop();
  log::info("shutting down: closing " + std::to_string(streams_.size()) + " streams");
  for (const auto& l : listeners_) l->stop();
  if (http_) http_->stop();
  // Copy: closing a stream may remove it from the map.
  std::vector<std::shared_ptr<stream::C2s>> streams;
  for (const auto& [p, s] : streams_) streams.push_back(s);
  for (const auto& s : streams) s->shutdown();
  authenticator_.stop();
  // Streams end on their own within their close grace; this bounds the wait.
  shutdown_timer_.expires_after(std::chrono::seconds(3));
  shutdown_timer_.async_wait([this](const boost::system::error_code& ec) {
    if (!ec) io_.stop();
  });
  poll_shutdown();
}

void Server::poll_shutdown() {
  if (streams_.empty()) {
    shutdown_timer_.cancel();
    io_.stop();
    return;
  }
  poll_timer_.expires_after(std::chrono::milliseconds(20));
  poll_timer_.async_wait([this](const boost::system::error_code& ec) {
    if (!ec) poll_shutdown();
  });
}

}  // namespace jabberadmin::app
