#include "net/listener.hpp"

#include <boost/asio/ip/v6_only.hpp>

#include "util/log.hpp"

namespace jabberadmin::net {
namespace asio = boost::asio;

Listener::Listener(asio::io_context& io, const asio::ip::tcp::endpoint& endpoint, Handler handler)
    : acceptor_(io), retry_(io), handler_(std::move(handler)) {
  acceptor_.open(endpoint.protocol());
  acceptor_.set_option(asio::socket_base::reuse_address(true));
  if (endpoint.address().is_v6()) {
    // "::" means both families, as "all addresses" should.
    boost::system::error_code ignored;
    acceptor_.set_option(asio::ip::v6_only(!endpoint.address().is_unspecified()), ignored);
  }
  acceptor_.bind(endpoint);
  // A deep backlog: a login storm must not drop SYNs (ejabberd's default of 5 does).
  acceptor_.listen(asio::socket_base::max_listen_connections);
}

void Listener::start() { accept(); }

void Listener::stop() {
  stopped_ = true;
  boost::system::error_code ec;
  retry_.cancel();
  acceptor_.close(ec);
}

void Listener::accept() {
  if (stopped_) return;
  acceptor_.async_accept([self = shared_from_this()](const boost::system::error_code& ec, asio::ip::tcp::socket s) {
    if (self->stopped_) return;
    if (ec) {
      // Out of descriptors and the like: breathe, then go on accepting.
      log::warning("net: accept failed: " + ec.message());
      self->retry_.expires_after(std::chrono::milliseconds(100));
      self->retry_.async_wait([self](const boost::system::error_code& e) {
        if (!e) self->accept();
      });
      return;
    }
    self->handler_(std::move(s));
    self->accept();
  });
}

}  // namespace jabberadmin::net
