// The HTTPS listener's routes: a path prefix and what serves it. The server registers the
// WebSocket endpoint and XEP-0156 discovery; later features (file upload, BOSH, a served web
// client) register theirs the same way and keep the registration (util::Registration).
// The longest matching prefix wins; a path no route matches is answered 404.
#pragma once

#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/file_body.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "util/registration.hpp"

namespace jabberadmin::http {

using Request = boost::beast::http::request<boost::beast::http::string_body>;
using Response = boost::beast::http::response<boost::beast::http::string_body>;
using TlsStream = boost::beast::ssl_stream<boost::beast::tcp_stream>;
// An answer whose body is read from an open file as it is sent (a GET of an upload).
using FileResponse = boost::beast::http::response<boost::beast::http::file_body>;

// Where a streamed request body goes as it arrives (an upload to its file) instead of into
// the request's string: memory per request no longer grows with the body.
class BodySink {
 public:
  virtual ~BodySink() = default;
  // The next bytes of the body; false when they cannot be kept (the request fails, 500).
  virtual bool write(const char* data, std::size_t size) = 0;
  // The whole body arrived: what to answer. A sink destroyed unfinished (the client cut
  // the body off, a timeout, a failed write) undoes what it did.
  virtual Response finish() = 0;
};

struct Route {
  // Answers a request; the connection then waits for the next one (keep-alive).
  std::function<Response(const Request&)> answer;
  // Or takes the connection over (a WebSocket upgrade) with the request read on it. `slot`
  // is the connection's place under the listener's connection limit: keep it while the
  // connection is an HTTP one, drop it once it is governed by other limits.
  std::function<void(TlsStream stream, Request request, std::shared_ptr<void> slot)> take;
  // Asked once the header is read, before any body: an answer refuses the request (the
  // connection then closes), nothing lets it go on. With take: a WebSocket handshake without
  // the subprotocol; with answer: an upload to an unknown slot, or of the wrong length.
  std::function<std::optional<Response>(const Request&)> refusal;
  // Or answers later (a BOSH long poll): called with the request and the peer's address;
  // reply is called once, in this call or a later turn, and the connection reads nothing
  // meanwhile. Dropping reply uncalled closes the connection.
  std::function<void(const Request& request, const std::string& peer, std::function<void(Response)> reply)> defer;
  // Asked after refusal, before any body: a sink streams the body there (and its finish
  // answers), a Response refuses, a null sink reads the body into memory for answer.
  std::function<std::variant<std::unique_ptr<BodySink>, Response>(const Request& header)> stream_body;
  // Asked before answer: an answer whose body is a file, sent as it is read; none: answer.
  std::function<std::optional<FileResponse>(const Request& request)> serve_file;

  // The most bytes of a request's body this route reads (0: the listener's body_limit), and
  // the time the body may take once the header is read (0: within the request timeout).
  std::uint64_t body_limit = 0;
  std::chrono::milliseconds body_timeout{0};
  // The most bytes per second a streamed body is read at (0: as fast as it comes); the
  // listener waits between reads when the connection is ahead, so the time a body may take
  // grows by its length over this rate.
  std::uint64_t rate_limit = 0;
};

class Routes {
 public:
  Routes();
  // Serves every path that starts with prefix ("/xmpp-websocket", "/upload/").
  util::Registration add(std::string prefix, Route route);
  // The route for a request target's path (the query string ignored), or none.
  const Route* find(std::string_view target) const;

 private:
  std::shared_ptr<std::map<std::string, Route, std::less<>>> routes_;
};

// Beast's string_view (Boost's, in Boost 1.74) as the standard one.
inline std::string_view view(boost::beast::string_view s) { return {s.data(), s.size()}; }

// The connection's remote address (an IPv4-mapped one as IPv4), or "?" when it is gone.
std::string peer_address(const TlsStream& stream);

// A plain-text answer (errors, refusals) with the request's HTTP version.
Response text_response(unsigned version, boost::beast::http::status status, std::string_view text);

}  // namespace jabberadmin::http
