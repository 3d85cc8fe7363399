#include "http/listener.hpp"

#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>

#include <limits>
#include <optional>

#include "util/log.hpp"

namespace jabberadmin::http {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using boost::system::error_code;

namespace {

// One HTTPS connection until it closes or a route takes it over.
class Connection : public std::enable_shared_from_this<Connection> {
 public:
  Connection(asio::ip::tcp::socket socket, std::shared_ptr<asio::ssl::context> tls, const Routes& routes,
             const Limits& limits, std::shared_ptr<void> slot)
      : tls_(std::move(tls)), stream_(beast::tcp_stream(std::move(socket)), *tls_), routes_(routes),
        limits_(limits), slot_(std::move(slot)) {}

  void start() {
    beast::get_lowest_layer(stream_).expires_after(limits_.request_timeout);
    stream_.async_handshake(asio::ssl::stream_base::server, [self = shared_from_this()](const error_code& ec) {
      if (ec) return self->drop();
      self->read(self->limits_.request_timeout);
    });
  }

 private:
  // The next request, whole, within `timeout`: a client that trickles its header in is cut.
  // Its header first: one it refuses on sight, its body never read.
  void read(std::chrono::milliseconds timeout) {
    parser_.emplace();
    apply_limits(*parser_, limits_);
    // Beast checks Content-Length against the limit as the header ends: the route's limit
    // is only known then, so on_header checks it. (Not boost::none: Boost 1.74's Beast
    // compares a length with it as an optional, and any value is greater than none.)
    parser_->body_limit(std::numeric_limits<std::uint64_t>::max());
    beast::get_lowest_layer(stream_).expires_after(timeout);
    bhttp::async_read_header(stream_, buffer_, *parser_, [self = shared_from_this()](const error_code& ec, std::size_t) {
      self->on_header(ec);
    });
  }

  // The header alone: the route may refuse before any body is read, and sets its limits.
  void on_header(const error_code& ec) {
    if (ec) return on_request(ec);
    if (auto refused = refusal_on_header(*parser_)) return respond(std::move(*refused), false);
    const Route* route = routes_.find(view(parser_->get().target()));
    if (route != nullptr && route->refusal)
      if (auto refused = route->refusal(parser_->get())) return respond(std::move(*refused), false);
    const std::uint64_t limit = route != nullptr && route->body_limit != 0 ? route->body_limit : limits_.body_limit;
    if (parser_->content_length() && *parser_->content_length() > limit) return on_request(bhttp::error::body_limit);
    parser_->body_limit(limit);
    if (route != nullptr && route->body_timeout.count() != 0)
      beast::get_lowest_layer(stream_).expires_after(route->body_timeout);
    bhttp::async_read(stream_, buffer_, *parser_, [self = shared_from_this()](const error_code& ec, std::size_t) {
      self->on_request(ec);
    });
  }

  void on_request(const error_code& ec) {
    if (ec == bhttp::error::header_limit) return refuse(bhttp::status::request_header_fields_too_large, "Header too large");
    if (ec == bhttp::error::body_limit) return refuse(bhttp::status::payload_too_large, "Body too large");
    if (ec == bhttp::error::end_of_stream || ec == beast::error::timeout || ec == asio::error::eof ||
        ec == asio::ssl::error::stream_truncated)
      return drop();
    if (ec && ec.category() == make_error_code(bhttp::error::bad_target).category()) return refuse(bhttp::status::bad_request, "Bad request");
    if (ec) return drop();
    Request request = parser_->release();
    parser_.reset();
    const Route* route = routes_.find(view(request.target()));
    if (route == nullptr) return respond(text_response(request.version(), bhttp::status::not_found, "Not found"), request.keep_alive());
    if (route->take) {
      beast::get_lowest_layer(stream_).expires_never();
      return route->take(std::move(stream_), std::move(request), std::move(slot_));
    }
    if (route->defer) {
      // Answered later (a long poll): no timeout while the route holds it.
      beast::get_lowest_layer(stream_).expires_never();
      const bool keep_alive = request.keep_alive();
      return route->defer(request, peer_address(stream_), [self = shared_from_this(), keep_alive](Response response) {
        self->respond(std::move(response), keep_alive);
      });
    }
    const bool keep_alive = request.keep_alive();
    respond(route->answer(request), keep_alive);
  }

  void refuse(bhttp::status status, std::string_view why) {
    respond(text_response(11, status, why), false);
  }

  void respond(Response response, bool keep_alive) {
    response.keep_alive(keep_alive);
    response.set(bhttp::field::server, "cl-jabberd");
    response_.emplace(std::move(response));
    beast::get_lowest_layer(stream_).expires_after(limits_.request_timeout);
    bhttp::async_write(stream_, *response_, [self = shared_from_this(), keep_alive](const error_code& ec, std::size_t) {
      self->response_.reset();
      if (ec) return self->drop();
      if (!keep_alive) return self->close();
      self->read(self->limits_.idle_timeout);
    });
  }

  // TLS close_notify, bounded by the request timeout, then the socket.
  void close() {
    beast::get_lowest_layer(stream_).expires_after(limits_.request_timeout);
    stream_.async_shutdown([self = shared_from_this()](const error_code&) { self->drop(); });
  }

  void drop() {
    error_code ec;
    beast::get_lowest_layer(stream_).socket().close(ec);
  }

  std::shared_ptr<asio::ssl::context> tls_;  // outlives the stream that uses it
  TlsStream stream_;
  const Routes& routes_;
  const Limits& limits_;
  std::shared_ptr<void> slot_;
  beast::flat_buffer buffer_;
  std::optional<RequestParser> parser_;
  std::optional<Response> response_;
};

}  // namespace

void apply_limits(RequestParser& parser, const Limits& limits) {
  parser.header_limit(limits.header_limit);
  parser.body_limit(limits.body_limit);
}

std::optional<Response> refusal_on_header(const RequestParser& parser) {
  const auto& header = parser.get();
  if (header.find(bhttp::field::transfer_encoding) == header.end()) return std::nullopt;
  // A transfer coding other than chunked leaves the body's end unknown (RFC 9112 §6.3).
  if (!parser.chunked()) return text_response(header.version(), bhttp::status::bad_request, "Bad request");
  return text_response(header.version(), bhttp::status::length_required, "Length required");
}

Listener::Listener(asio::io_context& io, const std::vector<asio::ip::tcp::endpoint>& endpoints,
                   std::function<std::shared_ptr<asio::ssl::context>()> tls, const Routes& routes, Limits limits)
    : tls_(std::move(tls)), routes_(routes), limits_(limits), open_(std::make_shared<std::size_t>(0)) {
  for (const auto& endpoint : endpoints)
    listeners_.push_back(
        std::make_shared<net::Listener>(io, endpoint, [this](asio::ip::tcp::socket s) { accept(std::move(s)); }));
}

Listener::~Listener() { stop(); }

void Listener::start() {
  for (const auto& l : listeners_) l->start();
}

void Listener::stop() {
  for (const auto& l : listeners_) l->stop();
}

std::vector<asio::ip::tcp::endpoint> Listener::endpoints() const {
  std::vector<asio::ip::tcp::endpoint> out;
  for (const auto& l : listeners_) out.push_back(l->local_endpoint());
  return out;
}

void Listener::accept(asio::ip::tcp::socket socket) {
  if (*open_ >= limits_.max_connections) {
    log::warning("http: " + std::to_string(*open_) + " connections open, the limit; refusing a new one");
    error_code ec;
    socket.close(ec);
    return;
  }
  // The slot counts the connection for as long as it speaks HTTP: a route that takes it
  // over (a WebSocket upgrade) decides when to give the slot back.
  // Every answer, and every WebSocket frame after an upgrade, is a small write the peer
  // waits for: Nagle's algorithm would hold one back behind the peer's delayed ACK (40 ms a
  // round trip on Linux), as the TCP client streams do not (net/connection.cpp).
  error_code ec;
  socket.set_option(asio::ip::tcp::no_delay(true), ec);
  ++*open_;
  std::shared_ptr<void> slot(nullptr, [open = open_](void*) { --*open; });
  std::make_shared<Connection>(std::move(socket), tls_(), routes_, limits_, std::move(slot))->start();
}

}  // namespace jabberadmin::http
