// The HTTPS listener: TLS (the c2s certificate, ALPN http/1.1) and HTTP/1.1 on Boost.Beast,
// each request handed to its route (http/routes.hpp).
//
// Limits, so that no client holds more than its share: a cap on open connections (past
// it a newcomer is closed at once), Beast's parser limits on the header and the body (over
// them: 431 and 413), the TLS handshake and each request's header and body within
// request_timeout of the connection's turn to send (a slowloris is cut), an idle kept-alive
// connection closed after idle_timeout. A malformed request gets 400 and the connection is
// closed; nothing a client sends reaches past the parser unchecked. No route takes a
// chunked request body (a WebSocket upgrade has none; BOSH and uploads send Content-Length):
// such a request is refused on its header (411), so Beast's chunk parser, whose Boost 1.74
// version asserts on a last chunk split as "0\r\n", "\r", "\n" (boostorg/beast#2861),
// never runs, whatever the build's assertions.
//
// A route may take its body streamed (Route::stream_body: an upload to its file): the parser
// is switched to SinkBody (http/sink_body.hpp) after the header, each read goes straight to
// the sink, reads are paced by a timer to Route::rate_limit, and the whole body must come
// within the route's body timeout plus its length over that rate, so every body read ends,
// by its last byte, the client's close or the deadline. A route may answer with a file
// (Route::serve_file), written piece by piece, each piece within request_timeout.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/beast/http/parser.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <vector>

#include "http/routes.hpp"
#include "net/listener.hpp"

namespace jabberadmin::http {

struct Limits {
  std::size_t max_connections = 1024;
  std::uint32_t header_limit = 8 * 1024;     // bytes of a request's start line and fields
  std::uint64_t body_limit = 64 * 1024;      // bytes of a request's body
  std::chrono::milliseconds request_timeout{10000};  // handshake; a request, header and body
  std::chrono::milliseconds idle_timeout{30000};     // between requests on one connection
};

using RequestParser = boost::beast::http::request_parser<boost::beast::http::string_body>;
// A fresh request's parser with the limits on its header and body set.
void apply_limits(RequestParser& parser, const Limits& limits);
// The answer to a request its header (parsed, body not yet) already refuses: a body with a
// Transfer-Encoding, 411 when it is chunked and 400 otherwise; nothing for one to read on.
std::optional<Response> refusal_on_header(const RequestParser& parser);

class Listener {
 public:
  // The TLS context is asked for at each accept, so a reloaded certificate serves the
  // next connection. Binds now (throws boost::system::system_error).
  Listener(boost::asio::io_context& io, const std::vector<boost::asio::ip::tcp::endpoint>& endpoints,
           std::function<std::shared_ptr<boost::asio::ssl::context>()> tls, const Routes& routes, Limits limits);
  ~Listener();

  void start();
  void stop();
  std::vector<boost::asio::ip::tcp::endpoint> endpoints() const;
  std::size_t connections() const noexcept { return *open_; }

 private:
  void accept(boost::asio::ip::tcp::socket socket);

  std::function<std::shared_ptr<boost::asio::ssl::context>()> tls_;
  const Routes& routes_;
  Limits limits_;
  std::shared_ptr<std::size_t> open_;  // connections open now: the slots' shared count
  std::vector<std::shared_ptr<net::Listener>> listeners_;
};

}  // namespace jabberadmin::http
