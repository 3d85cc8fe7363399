#include "http/host_meta.hpp"

#include <boost/beast/http/field.hpp>

#include <algorithm>

#include "http/bosh.hpp"
#include "http/websocket.hpp"
#include "xml/element.hpp"

namespace jabberadmin::http {
namespace bhttp = boost::beast::http;

namespace {
std::string lowercase(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

// A JSON string: the URL holds only a host name, a port and a fixed path, but escape anyway.
std::string json_string(std::string_view s) {
  std::string out = "\"";
  for (const char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    if (static_cast<unsigned char>(c) < 0x20) continue;
    out += c;
  }
  return out + "\"";
}

// scheme://<the request's Host><path> when Host names a served host (with or without a
// port), else the first served host on port.
std::string url_for(const Request& request, const std::vector<std::string>& hosts, std::uint16_t port,
                    std::string_view scheme, std::string_view path) {
  const std::string host = lowercase(view(request[bhttp::field::host]));
  const std::string name = host.substr(0, host.rfind(':') == std::string::npos ? host.size() : host.rfind(':'));
  const auto digits = host.size() > name.size() ? std::string_view(host).substr(name.size() + 1) : std::string_view{};
  const bool port_ok = std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; }) &&
                       digits.size() <= 5;
  if (port_ok && std::find(hosts.begin(), hosts.end(), name) != hosts.end())
    return std::string(scheme) + "://" + host + std::string(path);
  return std::string(scheme) + "://" + (hosts.empty() ? std::string("localhost") : hosts.front()) + ":" +
         std::to_string(port) + std::string(path);
}
}  // namespace

std::string websocket_url(const Request& request, const std::vector<std::string>& hosts, std::uint16_t port) {
  return url_for(request, hosts, port, "wss", kWebSocketPath);
}

std::string bosh_url(const Request& request, const std::vector<std::string>& hosts, std::uint16_t port) {
  return url_for(request, hosts, port, "https", kBoshPath);
}

Route host_meta_route(std::vector<std::string> hosts, std::uint16_t port) {
  Route route;
  route.answer = [hosts = std::move(hosts), port](const Request& request) {
    const std::string url = websocket_url(request, hosts, port);
    const std::string bosh = bosh_url(request, hosts, port);
    const std::string_view target = view(request.target());
    const bool json = target.substr(0, target.find('?')).ends_with(".json");
    Response response(bhttp::status::ok, request.version());
    if (json) {
      response.set(bhttp::field::content_type, "application/json");
      response.body() = "{\"links\":[{\"rel\":\"urn:xmpp:alt-connections:websocket\",\"href\":" + json_string(url) +
                        "},{\"rel\":\"urn:xmpp:alt-connections:xbosh\",\"href\":" + json_string(bosh) + "}]}\n";
    } else {
      response.set(bhttp::field::content_type, "application/xrd+xml");
      response.body() =
          "<?xml version='1.0' encoding='utf-8'?>\n<XRD xmlns='http://docs.oasis-open.org/ns/xri/xrd-1.0'>\n"
          "  <Link rel='urn:xmpp:alt-connections:websocket' href='" + xml::escape_attr(url) + "'/>\n"
          "  <Link rel='urn:xmpp:alt-connections:xbosh' href='" + xml::escape_attr(bosh) + "'/>\n</XRD>\n";
    }
    // Web clients on other origins read it (XEP-0156 §3).
    response.set(bhttp::field::access_control_allow_origin, "*");
    response.prepare_payload();
    return response;
  };
  return route;
}

}  // namespace jabberadmin::http
