// The HTTPS listener's route table and XEP-0156's WebSocket URL.
#include "http/host_meta.hpp"
#include "http/listener.hpp"
#include "http/routes.hpp"

#include <gtest/gtest.h>

namespace jabberadmin::http {
namespace {

Route answering(std::string text) {
  Route route;
  route.answer = [text](const Request& request) {
    return text_response(request.version(), boost::beast::http::status::ok, text);
  };
  return route;
}

std::string body_of(const Route* route) {
  Request request(boost::beast::http::verb::get, "/", 11);
  return route ? route->answer(request).body() : "none";
}

TEST(HttpRoutes, LongestPrefixWinsAndTheQueryIsIgnored) {
  Routes routes;
  auto a = routes.add("/.well-known/host-meta", answering("meta"));
  auto b = routes.add("/upload/", answering("upload"));
  auto c = routes.add("/upload/slots/", answering("slots"));
  EXPECT_EQ(body_of(routes.find("/.well-known/host-meta.json")), "meta\n");
  EXPECT_EQ(body_of(routes.find("/upload/abc")), "upload\n");
  EXPECT_EQ(body_of(routes.find("/upload/slots/1?x=/y")), "slots\n");
  EXPECT_EQ(routes.find("/"), nullptr);
  EXPECT_EQ(routes.find("/other?/upload/"), nullptr);
}

TEST(HttpRoutes, DroppingTheRegistrationRemovesTheRoute) {
  Routes routes;
  {
    auto r = routes.add("/http-bind", answering("bosh"));
    EXPECT_NE(routes.find("/http-bind"), nullptr);
    EXPECT_THROW((void)routes.add("/http-bind", answering("again")), std::logic_error);
  }
  EXPECT_EQ(routes.find("/http-bind"), nullptr);
  EXPECT_THROW((void)routes.add("no-slash", answering("x")), std::logic_error);
}

TEST(HostMeta, UrlNamesTheServedHostAskedForElseThePrimary) {
  const std::vector<std::string> hosts{"example.org", "other.example"};
  Request request(boost::beast::http::verb::get, "/.well-known/host-meta", 11);
  request.set(boost::beast::http::field::host, "Other.Example:8443");
  EXPECT_EQ(websocket_url(request, hosts, 5443), "wss://other.example:8443/xmpp-websocket");
  EXPECT_EQ(bosh_url(request, hosts, 5443), "https://other.example:8443/http-bind");
  request.set(boost::beast::http::field::host, "example.org");
  EXPECT_EQ(websocket_url(request, hosts, 5443), "wss://example.org/xmpp-websocket");
  request.set(boost::beast::http::field::host, "evil.example'/><x");
  EXPECT_EQ(websocket_url(request, hosts, 5443), "wss://example.org:5443/xmpp-websocket");
  EXPECT_EQ(bosh_url(request, hosts, 5443), "https://example.org:5443/http-bind");
  request.set(boost::beast::http::field::host, "example.org:54a3");
  EXPECT_EQ(websocket_url(request, hosts, 5443), "wss://example.org:5443/xmpp-websocket");
}

TEST(HostMeta, XrdAndJsonNameTheWebSocketAndBoshUrls) {
  const Route route = host_meta_route({"example.org"}, 5443);
  Request request(boost::beast::http::verb::get, "/.well-known/host-meta", 11);
  const auto xrd = route.answer(request);
  EXPECT_EQ(xrd[boost::beast::http::field::content_type], "application/xrd+xml");
  EXPECT_NE(xrd.body().find("<Link rel='urn:xmpp:alt-connections:websocket' href='wss://example.org:5443/xmpp-websocket'/>"),
            std::string::npos) << xrd.body();
  EXPECT_NE(xrd.body().find("<Link rel='urn:xmpp:alt-connections:xbosh' href='https://example.org:5443/http-bind'/>"),
            std::string::npos) << xrd.body();
  request.target("/.well-known/host-meta.json");
  const auto json = route.answer(request);
  EXPECT_EQ(json[boost::beast::http::field::content_type], "application/json");
  EXPECT_EQ(json.body(),
            "{\"links\":[{\"rel\":\"urn:xmpp:alt-connections:websocket\",\"href\":\"wss://example.org:5443/xmpp-websocket\"},"
            "{\"rel\":\"urn:xmpp:alt-connections:xbosh\",\"href\":\"https://example.org:5443/http-bind\"}]}\n");
}

}  // namespace
}  // namespace jabberadmin::http

// The listener's parser refuses a header and a body over its limits while they arrive.
namespace jabberadmin::http {
namespace {
boost::system::error_code parse(const std::string& text, const Limits& limits) {
  RequestParser parser;
  apply_limits(parser, limits);
  boost::system::error_code ec;
  std::string_view rest = text;
  while (!rest.empty() && !ec && !parser.is_done()) {
    const auto used = parser.put(boost::asio::buffer(rest.data(), rest.size()), ec);
    if (ec == boost::beast::http::error::need_more) ec = {};
    if (used == 0 && !ec) break;
    rest.remove_prefix(used);
  }
  return ec;
}

TEST(HttpLimits, HeaderAndBodyLimitsAreApplied) {
  const Limits limits{.header_limit = 1024, .body_limit = 100};
  EXPECT_FALSE(parse("GET / HTTP/1.1\r\nHost: a\r\n\r\n", limits));
  EXPECT_EQ(parse("GET / HTTP/1.1\r\nX: " + std::string(2000, 'a') + "\r\n\r\n", limits),
            boost::beast::http::error::header_limit);
  EXPECT_EQ(parse("POST / HTTP/1.1\r\nContent-Length: 101\r\n\r\n" + std::string(101, 'a'), limits),
            boost::beast::http::error::body_limit);
  EXPECT_FALSE(parse("POST / HTTP/1.1\r\nContent-Length: 100\r\n\r\n" + std::string(100, 'a'), limits));
  // The defaults are set too, not Beast's own (1 MiB bodies).
  EXPECT_EQ(parse("POST / HTTP/1.1\r\nContent-Length: 70000\r\n\r\n", Limits{}), boost::beast::http::error::body_limit);
}
}  // namespace
}  // namespace jabberadmin::http
