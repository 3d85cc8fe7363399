#include "net/connection.hpp"

#include <boost/asio/write.hpp>

#include "util/log.hpp"

namespace jabberadmin::net {
namespace asio = boost::asio;
using boost::system::error_code;

namespace {
std::string address_of(const asio::ip::tcp::socket& socket) {
  error_code ec;
  auto endpoint = socket.remote_endpoint(ec);
  if (ec) return "?";
  auto address = endpoint.address();
  if (address.is_v6() && address.to_v6().is_v4_mapped())
    address = asio::ip::make_address_v4(asio::ip::v4_mapped, address.to_v6());
  return address.to_string();
}
// An SSL stream needs a context even while plain: a shared, never-used one.
asio::ssl::context& unused_context() {
  static asio::ssl::context ctx(asio::ssl::context::tls_server);
  return ctx;
}
}  // namespace

Connection::Connection(asio::ip::tcp::socket socket, std::shared_ptr<asio::ssl::context> tls,
                       ConnectionOptions options)
    : tls_(std::move(tls)), stream_(std::move(socket), tls_ ? *tls_ : unused_context()),
      timer_(stream_.get_executor()), options_(options), peer_(address_of(stream_.next_layer())) {}

Connection::~Connection() = default;

void Connection::start(std::weak_ptr<TransportEvents> events, bool direct_tls) {
  events_ = std::move(events);
  error_code ec;
  stream_.next_layer().set_option(asio::ip::tcp::no_delay(true), ec);
  stream_.next_layer().set_option(asio::socket_base::keep_alive(true), ec);
  if (direct_tls) {
    tls_pending_ = true;
    return handshake();
  }
  read();
}

void Connection::read() {
  if (reading_ || closing_ || finished_ || tls_pending_ || handshaking_) return;
  reading_ = true;
  auto done = [self = shared_from_this()](const error_code& ec, std::size_t n) { self->on_read(ec, n); };
  if (secure_) stream_.async_read_some(asio::buffer(buffer_), done);
  else stream_.next_layer().async_read_some(asio::buffer(buffer_), done);
}

void Connection::on_read(const error_code& ec, std::size_t n) {
  reading_ = false;
  if (finished_) return;
  if (closing_) {
    if (!writing_ && out_.empty()) shutdown();
    return;
  }
  if (ec) return finish();
  if (auto events = events_.lock()) events->on_data(std::string_view(buffer_.data(), n));
  else return finish();
  if (tls_pending_ && !writing_) return handshake();
  read();
}

void Connection::send(std::string bytes) {
  if (closing_ || finished_ || bytes.empty()) return;
  queued_ += bytes.size();
  if (queued_ > options_.max_output) {
    log::warning("net " + peer_ + ": client does not read; dropping the connection");
    return finish();
  }
  out_.push_back(std::move(bytes));
  write();
}

void Connection::write() {
  if (writing_ || out_.empty() || finished_ || handshaking_) return;
  writing_ = true;
  auto done = [self = shared_from_this()](const error_code& ec, std::size_t) {
    self->writing_ = false;
    if (self->finished_) return;
    if (ec) return self->finish();
    self->queued_ -= self->out_.front().size();
    self->out_.pop_front();
    if (!self->out_.empty()) return self->write();
    self->after_writes();
  };
  if (secure_) asio::async_write(stream_, asio::buffer(out_.front()), done);
  else asio::async_write(stream_.next_layer(), asio::buffer(out_.front()), done);
}

void Connection::after_writes() {
  if (tls_pending_ && !reading_ && !handshaking_) return handshake();
  if (closing_) shutdown();
}

void Connection::start_tls() {
  if (!tls_ || secure_) return;
  tls_pending_ = true;  // on_read starts the handshake once <proceed/> is written
}

void Connection::handshake() {
  if (writing_ || handshaking_ || finished_) return;
  handshaking_ = true;
  stream_.async_handshake(asio::ssl::stream_base::server, [self = shared_from_this()](const error_code& ec) {
    self->handshaking_ = false;
    self->tls_pending_ = false;
    if (self->finished_) return;
    self->secure_ = !ec;
    if (ec) log::debug("net " + self->peer_ + ": TLS handshake failed: " + ec.message());
    if (auto events = self->events_.lock()) events->on_tls_ready(!ec);
    if (ec) return self->finish();
    if (!self->out_.empty()) self->write();
    else if (self->closing_) return self->shutdown();
    self->read();
  });
}

void Connection::close() {
  if (closing_ || finished_) return;
  closing_ = true;
  // A peer that never reads or never finishes its handshake cannot hold us forever.
  timer_.expires_after(options_.close_grace);
  timer_.async_wait([self = shared_from_this()](const error_code& ec) {
    if (!ec) self->finish();
  });
  if (handshaking_) return finish();
  if (!writing_ && out_.empty()) shutdown();
}

void Connection::shutdown() {
  if (finished_ || shutting_down_) return;
  if (reading_) {
    // The TLS shutdown must not race the read loop: stop it first; on_read comes back here.
    error_code ec;
    stream_.next_layer().cancel(ec);
    return;
  }
  if (!secure_) {
    error_code ec;
    stream_.next_layer().shutdown(asio::ip::tcp::socket::shutdown_send, ec);
    return finish();
  }
  // close_notify, then the peer's, bounded by the close timer.
  shutting_down_ = true;
  stream_.async_shutdown([self = shared_from_this()](const error_code&) { self->finish(); });
}

void Connection::finish() {
  if (finished_) return;
  finished_ = true;
  timer_.cancel();
  error_code ec;
  stream_.next_layer().close(ec);
  out_.clear();
  queued_ = 0;
  if (auto events = events_.lock()) events->on_closed();
}

}  // namespace jabberadmin::net
