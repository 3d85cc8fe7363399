// libFuzzer target for the HTTPS listener's request path: arbitrary bytes, fed in slices
// whose sizes come from the input, into Beast's request parser with the listener's limits
// (small ones, so the limit paths are reached) and its refusals on the header (a chunked
// body is never parsed, as the listener reads none); a request parsed whole goes to the route
// table and, for host-meta, its answer is built; its body goes through the WebSocket
// framing both ways, as a WebSocket message would.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "http/host_meta.hpp"
#include "http/listener.hpp"
#include "http/routes.hpp"
#include "http/websocket_framing.hpp"

using namespace jabberadmin::http;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::size_t chunk = 1 + data[0] % 64;
  std::string_view in(reinterpret_cast<const char*>(data) + 1, size - 1);
  RequestParser parser;
  apply_limits(parser, Limits{.header_limit = 2048, .body_limit = 4096});
  boost::system::error_code ec;
  std::size_t pending = 0;  // bytes offered but not yet taken (Beast wants a whole header line)
  while (!parser.is_done()) {
    // The listener reads the header first and refuses some on sight, their body unread.
    if (parser.is_header_done() && refusal_on_header(parser)) return 0;
    const std::size_t offer = std::min(in.size(), pending + chunk);
    if (offer == 0) break;
    const std::size_t used = parser.put(boost::asio::buffer(in.data(), offer), ec);
    if (ec == boost::beast::http::error::need_more) ec = {};
    if (ec) return 0;
    in.remove_prefix(used);
    pending = offer - used;
    if (used == 0 && offer == in.size()) break;  // all offered, nothing taken: incomplete
  }
  if (!parser.is_done()) return 0;
  Request request = parser.release();
  if (request.body().size() > 4096) std::abort();  // the body limit held
  Routes routes;
  auto meta = routes.add(std::string(kHostMetaPath), host_meta_route({"example.org"}, 5443));
  if (const Route* route = routes.find(view(request.target())); route && route->answer) {
    const Response response = route->answer(request);
    if (response.body().find("wss://") == std::string::npos) std::abort();
  }
  (void)stream_bytes(request.body());
  (void)messages(request.body());
  return 0;
}
