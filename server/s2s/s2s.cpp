#include "s2s/s2s.hpp"

#include <boost/asio/ip/v6_only.hpp>
#include <boost/asio/steady_timer.hpp>

#include "jabberadmin/error.hpp"
#include "util/log.hpp"

namespace jabberadmin::s2s {
namespace asio = boost::asio;

LinkConfig link_config(const JabberSettings& j) {
  LinkConfig config;
  config.dialback = j.s2s_dialback;
  config.parser.max_stanza_size = j.max_stanza_size;
  config.queue_size = j.s2s_queue_size;
  config.queue_timeout = std::chrono::seconds(j.s2s_queue_timeout);
  config.idle_timeout = std::chrono::seconds(j.s2s_idle_timeout);
  config.max_links_per_domain = j.s2s_max_links_per_domain;
  config.max_links = j.s2s_max_links;
  const auto stanzas = static_cast<double>(j.s2s_stanza_rate), bytes = static_cast<double>(j.s2s_byte_rate);
  config.rate = stream::RateLimits{stanzas, 2 * stanzas, bytes, 2 * bytes};
  return config;
}

Federation::Federation(module::Context& context, std::vector<std::string> listen) : Module("s2s") {
  if (!context.has_settings() || !context.settings().jabber.s2s) return;
  settings_ = &context.settings();
  const JabberSettings& j = settings_->jabber;
  links_ = std::make_unique<Links>(context.executor(), context.router(), link_config(j),
                                   DomainPolicy{j.s2s_block, j.s2s_allow}, make_s2s_tls_context(j.certfile),
                                   std::make_shared<const CertificateCheck>(j.s2s_ca_file), j.s2s_routes);
  if (listen.empty()) listen = j.listen;
  std::vector<asio::ip::address> addresses;
  if (listen.empty()) addresses.emplace_back(asio::ip::address_v6::any());
  for (const auto& text : listen) {
    boost::system::error_code ec;
    addresses.push_back(asio::ip::make_address(text, ec));
    if (ec) throw Error(ErrorKind::InvalidArgument, "not an IP address to listen on: " + text);
  }
  for (const auto& address : addresses) {
    listen_on({address, j.s2s_port}, false, context.executor());
    if (j.s2s_tls_port != 0) listen_on({address, j.s2s_tls_port}, true, context.executor());
  }
  remote_ = context.router().route_remote([this](const stream::Stanza& stanza) { links_->send(stanza); });
  std::string where;
  for (const auto& a : addresses) where += (where.empty() ? "" : ", ") + a.to_string();
  log::info("s2s: federation on, listening for servers on " + where + " port " + std::to_string(j.s2s_port) +
            (j.s2s_tls_port != 0 ? " (direct TLS: " + std::to_string(j.s2s_tls_port) + ")" : std::string()) +
            (j.s2s_dialback ? "; dialback allowed" : "; valid certificates required"));
}

void Federation::listen_on(const asio::ip::tcp::endpoint& endpoint, bool direct_tls, asio::any_io_executor executor) {
  try {
    auto acceptor = std::make_unique<Acceptor>(Acceptor{asio::ip::tcp::acceptor(executor, endpoint.protocol()), direct_tls});
    acceptor->socket.set_option(asio::socket_base::reuse_address(true));
    if (endpoint.address().is_v6()) acceptor->socket.set_option(asio::ip::v6_only(false));
    acceptor->socket.bind(endpoint);
    acceptor->socket.listen();
    accept(*acceptor);
    acceptors_.push_back(std::move(acceptor));
  } catch (const boost::system::system_error& e) {
    throw Error(ErrorKind::Directory, "cannot listen for servers on " + endpoint.address().to_string() + " port " +
                                          std::to_string(endpoint.port()) + ": " + e.code().message());
  }
}

Federation::~Federation() {
  remote_ = {};
  for (auto& acceptor : acceptors_) {
    boost::system::error_code ec;
    acceptor->socket.close(ec);
  }
  links_.reset();
}

void Federation::accept(Acceptor& acceptor) {
  acceptor.socket.async_accept([this, &acceptor](const boost::system::error_code& ec, asio::ip::tcp::socket socket) {
    if (ec == asio::error::operation_aborted || !acceptor.socket.is_open()) return;
    if (!ec) {
      if (links_) links_->accept(std::move(socket), acceptor.direct_tls);
      return accept(acceptor);
    }
    // Out of descriptors or the like: try again a little later instead of spinning.
    log::warning("s2s: cannot accept a connection: " + ec.message());
    auto retry = std::make_shared<asio::steady_timer>(acceptor.socket.get_executor(), std::chrono::milliseconds(100));
    retry->async_wait([this, &acceptor, retry, alive = std::weak_ptr<bool>(alive_)](const boost::system::error_code& e) {
      if (!e && alive.lock() && acceptor.socket.is_open()) accept(acceptor);
    });
  });
}

void Federation::reload() {
  if (!links_) return;
  try {
    links_->set_tls(make_s2s_tls_context(settings_->jabber.certfile));
  } catch (const std::exception& e) {
    log::error(std::string("s2s: keeping the old certificate: ") + e.what());
  }
}

}  // namespace jabberadmin::s2s
