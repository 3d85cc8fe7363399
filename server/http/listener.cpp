#include "http/listener.hpp"

#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>

#include <algorithm>
#include <array>
#include <limits>
#include <optional>

#include "http/pacer.hpp"
#include "http/sink_body.hpp"
#include "metrics/server_metrics.hpp"
#include "util/log.hpp"

namespace jabberadmin::http {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using boost::system::error_code;

namespace {

// How long, and how much, a refused client's remaining bytes are read and dropped.
constexpr std::chrono::seconds kLingerTime{2};
constexpr std::size_t kLingerBytes = 4 << 20;

// One HTTPS connection until it closes or a route takes it over.
class Connection : public std::enable_shared_from_this<Connection> {
 public:
  Connection(asio::ip::tcp::socket socket, std::shared_ptr<asio::ssl::context> tls, const Routes& routes,
             const Limits& limits, std::shared_ptr<void> slot)
      : tls_(std::move(tls)), stream_(beast::tcp_stream(std::move(socket)), *tls_), routes_(routes),
        limits_(limits), slot_(std::move(slot)), pause_(stream_.get_executor()) {}

  void start() {
    beast::get_lowest_layer(stream_).expires_after(limits_.request_timeout);
    stream_.async_handshake(asio::ssl::stream_base::server, [self = shared_from_this()](const error_code& ec) {
      metrics::count_tls_handshake("https", !ec);
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
    if (auto refused = refusal_on_header(*parser_)) return refuse(std::move(*refused));
    const Route* route = routes_.find(view(parser_->get().target()));
    if (route != nullptr && route->refusal)
      if (auto refused = route->refusal(parser_->get())) return refuse(std::move(*refused));
    const std::uint64_t limit = route != nullptr && route->body_limit != 0 ? route->body_limit : limits_.body_limit;
    if (parser_->content_length() && *parser_->content_length() > limit) return on_request(bhttp::error::body_limit);
    parser_->body_limit(limit);
    const std::chrono::milliseconds body_timeout =
        route != nullptr && route->body_timeout.count() != 0 ? route->body_timeout : std::chrono::milliseconds(0);
    if (route != nullptr && route->stream_body) {
      auto streamed = route->stream_body(parser_->get());
      if (auto* refused = std::get_if<Response>(&streamed)) return refuse(std::move(*refused));
      if (auto& sink = std::get<std::unique_ptr<BodySink>>(streamed))
        return stream(std::move(sink), route->rate_limit, body_timeout.count() != 0 ? body_timeout : limits_.request_timeout);
    }
    if (body_timeout.count() != 0) beast::get_lowest_layer(stream_).expires_after(body_timeout);
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
    if (route->serve_file)
      if (auto file = route->serve_file(request)) return respond_file(std::move(*file), request.keep_alive());
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

  // The body to the route's sink as it arrives (the parser switched to SinkBody keeps none
  // of it), read no faster than `rate`; the whole body within `timeout` plus the time the
  // rate itself takes. Every read completes or times out: the deadline is on the socket.
  void stream(std::unique_ptr<BodySink> sink, std::uint64_t rate, std::chrono::milliseconds timeout) {
    keep_alive_ = parser_->get().keep_alive();
    const std::uint64_t length = parser_->content_length().value_or(0);
    sink_parser_.emplace(std::move(*parser_));
    parser_.reset();
    sink_parser_->get().body() = std::move(sink);
    const auto now = Pacer::Clock::now();
    pacer_.emplace(rate, now);
    rate_ = rate;
    received_ = 0;
    deadline_ = now + timeout + pacer_->minimum(length);
    beast::get_lowest_layer(stream_).expires_at(deadline_);
    read_streamed();
  }

  void read_streamed() {
    if (sink_parser_->is_done()) return finish_streamed();
    if (const auto wait = pacer_->delay(received_, Pacer::Clock::now()); wait != Pacer::Clock::duration::zero()) {
      // Ahead of the rate: nothing is read meanwhile, so TCP's window holds the client back.
      pause_.expires_after(wait);
      return pause_.async_wait([self = shared_from_this()](const error_code& ec) {
        if (ec) return self->drop();
        self->read_streamed_now();
      });
    }
    read_streamed_now();
  }

  void read_streamed_now() {
    // A read takes what the socket holds up to the buffer's room: under a rate, a sixteenth
    // of a second's worth (1 to 64 KiB), so the pace is kept to within that.
    if (rate_ != 0) buffer_.max_size(buffer_.size() + std::clamp<std::uint64_t>(rate_ / 16, 1024, 64 * 1024));
    bhttp::async_read_some(stream_, buffer_, *sink_parser_, [self = shared_from_this()](const error_code& ec, std::size_t n) {
      self->received_ += n;
      if (!ec) return self->read_streamed();
      self->buffer_.max_size(std::numeric_limits<std::size_t>::max());
      // Cut off, timed out or refused by the sink: the sink goes unfinished and undoes its work.
      const bool sink_failed = ec == boost::system::errc::io_error;
      self->sink_parser_.reset();
      if (sink_failed) return self->refuse(bhttp::status::internal_server_error, "Cannot store the body");
      self->on_request(ec);
    });
  }

  void finish_streamed() {
    buffer_.max_size(std::numeric_limits<std::size_t>::max());
    std::unique_ptr<BodySink> sink = std::move(sink_parser_->get().body());
    sink_parser_.reset();
    respond(sink->finish(), keep_alive_);
  }

  // A file's answer: written piece by piece, each within the request timeout, so a large
  // file to a slow reader is not cut while it moves and a stalled reader is.
  void respond_file(FileResponse response, bool keep_alive) {
    response.keep_alive(keep_alive);
    response.set(bhttp::field::server, "cl-jabberd");
    response.prepare_payload();
    file_response_.emplace(std::move(response));
    file_serializer_.emplace(*file_response_);
    keep_alive_ = keep_alive;
    write_file();
  }

  void write_file() {
    if (file_serializer_->is_done()) {
      file_serializer_.reset();
      file_response_.reset();
      if (!keep_alive_) return close();
      return read(limits_.idle_timeout);
    }
    beast::get_lowest_layer(stream_).expires_after(limits_.request_timeout);
    bhttp::async_write_some(stream_, *file_serializer_, [self = shared_from_this()](const error_code& ec, std::size_t) {
      if (ec) {
        self->file_serializer_.reset();
        self->file_response_.reset();
        return self->drop();
      }
      self->write_file();
    });
  }

  void refuse(bhttp::status status, std::string_view why) { refuse(text_response(11, status, why)); }

  // An answer before the request was read to its end (its body refused on sight, or too
  // large): the connection closes after it, lingering (close()).
  void refuse(Response response) {
    unread_ = true;
    respond(std::move(response), false);
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

  // TLS close_notify, bounded by the request timeout, then the socket. After a refusal the
  // client may still be sending the body we refused; a socket closed with its bytes unread
  // answers them with a reset, which can reach the client before our answer and lose it.
  // So then our side ends (FIN after the answer), and what still comes is read and dropped
  // for a while before the socket closes: the lingering close of RFC 9112 §9.6.
  void close() {
    auto& tcp = beast::get_lowest_layer(stream_);
    if (!unread_) {
      tcp.expires_after(limits_.request_timeout);
      return stream_.async_shutdown([self = shared_from_this()](const error_code&) { self->drop(); });
    }
    error_code ec;
    tcp.socket().shutdown(asio::ip::tcp::socket::shutdown_send, ec);
    if (ec) return drop();
    tcp.expires_after(kLingerTime);
    linger(0);
  }

  void linger(std::size_t dropped) {
    beast::get_lowest_layer(stream_).async_read_some(
        asio::buffer(scratch_), [self = shared_from_this(), dropped](const error_code& ec, std::size_t n) {
          if (ec || dropped + n > kLingerBytes) return self->drop();
          self->linger(dropped + n);
        });
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
  // A streamed body's parser and its pace (stream()).
  std::optional<SinkParser> sink_parser_;
  std::optional<Pacer> pacer_;
  std::uint64_t received_ = 0;
  std::uint64_t rate_ = 0;
  Pacer::Clock::time_point deadline_;
  asio::steady_timer pause_;
  bool keep_alive_ = false;
  bool unread_ = false;                // refused before the request's end (close() lingers)
  std::array<char, 16384> scratch_{};  // what a refused client still sends, dropped
  // A file's answer being written (respond_file()).
  std::optional<FileResponse> file_response_;
  std::optional<bhttp::response_serializer<bhttp::file_body>> file_serializer_;
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
