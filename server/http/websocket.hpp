// RFC 7395 XMPP over WebSocket: the route at /xmpp-websocket (subprotocol "xmpp" required,
// the handshake refused with 400 without it) and the transport each accepted connection
// becomes. The transport is a net::Transport like a TCP connection's: the server starts a
// stream::C2s over it, and http/websocket_framing translates between the two framings.
// TLS is the HTTPS connection's: the transport is secure and offers no STARTTLS.
#pragma once

#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/websocket/stream.hpp>

#include <chrono>
#include <deque>
#include <functional>
#include <memory>
#include <string>

#include "http/routes.hpp"
#include "http/websocket_framing.hpp"
#include "net/transport.hpp"

namespace jabberadmin::http {

inline constexpr std::string_view kWebSocketPath = "/xmpp-websocket";

struct WebSocketLimits {
  // The largest message read whole. The stream parser refuses a stanza over its limit with
  // policy-violation; a message over this (twice the stanza limit) is refused by the
  // WebSocket layer itself, close code 1009.
  std::size_t max_message = 2 * 65536;
  std::size_t max_output = 1 << 20;  // queued bytes a slow reader may owe us before we drop it
  std::chrono::milliseconds handshake_timeout{10000};
  std::chrono::milliseconds close_grace{2000};
};

class WebSocketTransport final : public net::Transport, public std::enable_shared_from_this<WebSocketTransport> {
 public:
  using Socket = boost::beast::websocket::stream<TlsStream>;
  WebSocketTransport(Socket socket, std::string peer, WebSocketLimits limits);
  ~WebSocketTransport() override;

  // Starts reading messages.
  void start(std::weak_ptr<net::TransportEvents> events);

  void send(std::string bytes) override;
  void start_tls() override {}
  bool secure() const override { return true; }
  bool tls_available() const override { return false; }
  void close() override;
  const std::string& peer_address() const override { return peer_; }
  void pause_reading(std::chrono::milliseconds duration) override;

 private:
  void read();
  void on_read(const boost::system::error_code& ec);
  void write_next();
  void finish();

  Socket socket_;
  std::string peer_;
  WebSocketLimits limits_;
  std::weak_ptr<net::TransportEvents> events_;
  boost::beast::flat_buffer in_;
  std::deque<OutboundMessage> out_;
  std::size_t queued_ = 0;
  boost::asio::steady_timer resume_;  // the end of a paused read
  boost::asio::steady_timer grace_;   // the end of a close the peer does not answer
  std::chrono::steady_clock::time_point paused_until_{};
  bool writing_ = false;
  bool closing_ = false;
  bool finished_ = false;
};

// The route: accepts a handshake that asks for "xmpp" and hands the transport to start.
Route websocket_route(WebSocketLimits limits, std::function<void(std::shared_ptr<WebSocketTransport>)> start);

}  // namespace jabberadmin::http
