#include "http/websocket.hpp"

#include <boost/asio/post.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/http/field.hpp>
#include <boost/beast/websocket/rfc6455.hpp>

#include "util/log.hpp"

namespace jabberadmin::http {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = boost::beast::websocket;
using boost::system::error_code;

namespace {

// Whether the handshake's Sec-WebSocket-Protocol list names "xmpp" (RFC 7395 §3.2).
bool asks_for_xmpp(const Request& request) {
  std::string_view list = view(request[beast::http::field::sec_websocket_protocol]);
  while (!list.empty()) {
    const auto comma = list.find(',');
    std::string_view token = list.substr(0, comma);
    const auto begin = token.find_first_not_of(" \t");
    token = begin == std::string_view::npos ? std::string_view{} : token.substr(begin, token.find_last_not_of(" \t") + 1 - begin);
    if (token == "xmpp") return true;
    if (comma == std::string_view::npos) break;
    list.remove_prefix(comma + 1);
  }
  return false;
}

}  // namespace

WebSocketTransport::WebSocketTransport(Socket socket, std::string peer, WebSocketLimits limits)
    : socket_(std::move(socket)), peer_(std::move(peer)), limits_(limits),
      resume_(socket_.get_executor()), grace_(socket_.get_executor()) {}

WebSocketTransport::~WebSocketTransport() = default;

void WebSocketTransport::start(std::weak_ptr<net::TransportEvents> events) {
  events_ = std::move(events);
  read();
}

void WebSocketTransport::read() {
  if (finished_) return;
  if (std::chrono::steady_clock::now() < paused_until_) {
    // Over its rate limit: nothing more is read until the pause ends.
    resume_.expires_at(paused_until_);
    resume_.async_wait([self = shared_from_this()](const error_code& ec) {
      if (!ec) self->read();
    });
    return;
  }
  socket_.async_read(in_, [self = shared_from_this()](const error_code& ec, std::size_t) { self->on_read(ec); });
}

void WebSocketTransport::on_read(const error_code& ec) {
  if (finished_) return;
  if (ec) {
    if (ec == websocket::error::message_too_big)
      log::info("websocket " + peer_ + ": message over " + std::to_string(limits_.max_message) + " bytes; closed");
    return finish();
  }
  const std::string message = beast::buffers_to_string(in_.data());
  in_.consume(in_.size());
  if (const auto events = events_.lock()) events->on_data(stream_bytes(message));
  else return finish();
  if (!closing_) read();
}

void WebSocketTransport::send(std::string bytes) {
  if (closing_ || finished_) return;
  for (auto& message : messages(bytes)) {
    queued_ += message.text.size();
    out_.push_back(std::move(message));
  }
  if (queued_ > limits_.max_output) {
    log::warning("websocket " + peer_ + ": client does not read; dropping the connection");
    // In a turn of its own, as net::Connection: a sender's loop never sees a stream vanish.
    closing_ = true;
    asio::post(socket_.get_executor(), [self = shared_from_this()] { self->finish(); });
    return;
  }
  write_next();
}

void WebSocketTransport::write_next() {
  if (writing_ || finished_) return;
  if (out_.empty()) {
    if (!closing_) return;
    // Everything said: the closing handshake, bounded by the grace.
    writing_ = true;
    grace_.expires_after(limits_.close_grace);
    grace_.async_wait([self = shared_from_this()](const error_code& ec) {
      if (!ec) self->finish();
    });
    socket_.async_close(websocket::close_code::normal, [self = shared_from_this()](const error_code&) { self->finish(); });
    return;
  }
  writing_ = true;
  auto done = [self = shared_from_this()](const error_code& ec, std::size_t = 0) {
    self->writing_ = false;
    // Dropped while this write was under way: finish kept only its message, for it.
    if (self->finished_) return self->out_.clear();
    self->queued_ -= self->out_.front().text.size();
    self->out_.pop_front();
    if (ec) return self->finish();
    self->write_next();
  };
  if (out_.front().ping) return socket_.async_ping({}, [done](const error_code& ec) { done(ec); });
  socket_.text(true);
  socket_.async_write(asio::buffer(out_.front().text), done);
}

void WebSocketTransport::close() {
  if (closing_ || finished_) return;
  closing_ = true;
  write_next();
}

void WebSocketTransport::pause_reading(std::chrono::milliseconds duration) {
  paused_until_ = std::max(paused_until_, std::chrono::steady_clock::now() + duration);
}

void WebSocketTransport::finish() {
  if (finished_) return;
  finished_ = true;
  closing_ = true;
  resume_.cancel();
  grace_.cancel();
  error_code ec;
  beast::get_lowest_layer(socket_).socket().close(ec);
  // A write under way still reads the front message (its completion comes after the close):
  // that one stays until then.
  if (writing_ && !out_.empty()) out_.erase(std::next(out_.begin()), out_.end());
  else out_.clear();
  queued_ = 0;
  if (auto events = events_.lock()) events->on_closed();
}

Route websocket_route(WebSocketLimits limits, std::function<void(std::shared_ptr<WebSocketTransport>)> start) {
  Route route;
  route.refusal = [](const Request& request) -> std::optional<Response> {
    if (!websocket::is_upgrade(request))
      return text_response(request.version(), beast::http::status::upgrade_required, "WebSocket only");
    if (!asks_for_xmpp(request))
      return text_response(request.version(), beast::http::status::bad_request,
                           "The WebSocket subprotocol xmpp is required (RFC 7395)");
    return std::nullopt;
  };
  route.take = [limits, start = std::move(start)](TlsStream stream, Request request, std::shared_ptr<void> slot) {
    const std::string peer = peer_address(stream);
    auto socket = std::make_shared<WebSocketTransport::Socket>(std::move(stream));
    websocket::stream_base::timeout timeouts{};
    timeouts.handshake_timeout = limits.handshake_timeout;
    timeouts.idle_timeout = websocket::stream_base::none();  // the stream's own idle timeout governs
    timeouts.keep_alive_pings = false;
    socket->set_option(timeouts);
    socket->read_message_max(limits.max_message);
    socket->set_option(websocket::stream_base::decorator([](websocket::response_type& response) {
      response.set(beast::http::field::sec_websocket_protocol, "xmpp");
      response.set(beast::http::field::server, "cl-jabberd");
    }));
    auto held = std::make_shared<Request>(std::move(request));
    socket->async_accept(*held, [socket, held, peer, limits, start, slot = std::move(slot)](const error_code& ec) mutable {
      if (ec) {
        log::debug("websocket " + peer + ": handshake failed: " + ec.message());
        return;
      }
      // Upgraded, the connection is a client stream: the c2s admission limits count it from
      // here (max_unauthenticated*), so it gives its HTTP slot back. Otherwise the HTTP cap
      // would cap the server's WebSocket users.
      slot.reset();
      start(std::make_shared<WebSocketTransport>(std::move(*socket), peer, limits));
    });
  };
  return route;
}

}  // namespace jabberadmin::http
