#include "webclient/webclient.hpp"

#include <boost/beast/http/field.hpp>

#include "http/host_meta.hpp"
#include "util/log.hpp"
#include "webclient/static_files.hpp"

namespace jabberadmin::webclient {
namespace fs = std::filesystem;
namespace bhttp = boost::beast::http;

namespace {

constexpr std::string_view kAssets = "/dist/";  // Converse.js's own default assets_path

// Loads Converse.js and its settings (config.js) from this origin: the policy allows no inline script.
constexpr std::string_view kPage = R"(<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Chat</title>
<link rel="icon" href="/dist/images/favicon.ico">
<link rel="stylesheet" href="/dist/converse.min.css">
<script defer src="/dist/converse.min.js"></script>
<script defer src="/config.js"></script>
</head>
<body class="converse-fullscreen">
<noscript>This chat needs JavaScript.</noscript>
</body>
</html>
)";

// A JavaScript string literal; the hosts are checked domain names, but escape anyway.
std::string js_string(std::string_view s) {
  std::string out = "'";
  for (const char c : s) {
    if (c == '\'' || c == '\\') out += '\\';
    if (c == '<') {  // never "</script>"
      out += "\\x3c";
      continue;
    }
    if (static_cast<unsigned char>(c) < 0x20) continue;
    out += c;
  }
  return out + "'";
}

// The served host the request names (its Host), else the first one: the domain users log in to.
std::string domain_for(const http::Request& request, const std::vector<std::string>& hosts) {
  // websocket_url() decides which served host a Host field names: "wss://<host>[:port]/...".
  const std::string url = http::websocket_url(request, hosts, 0);
  const std::string_view rest = std::string_view(url).substr(std::string_view("wss://").size());
  return std::string(rest.substr(0, rest.find_first_of(":/")));
}

// The WebSocket is the page's own origin: the name and port the browser reached (and whose
// certificate it accepted) are by construction ones this listener answers on. The page asks
// no other host for anything: no images or players from links (shown as links), no HEAD
// requests to them, and an empty full-screen footer instead of Converse.js's, whose sponsor
// logos come from its web site (an element defined first is one Converse.js leaves alone).
std::string config_script(const std::string& domain) {
  return "// Converse.js's settings, made by cl-jabberd for this server (cl-jabberd(8)).\n"
         "customElements.define('converse-footer', class extends HTMLElement {});\n"
         "converse.initialize({\n"
         "  websocket_url: 'wss://' + location.host + '/xmpp-websocket',\n"
         "  discover_connection_methods: false,\n"
         "  authentication: 'login',\n"
         "  auto_login: false,\n"
         "  allow_registration: false,\n"
         "  default_domain: " + js_string(domain) + ",\n"
         "  view_mode: 'fullscreen',\n"
         "  show_images_inline: false,\n"
         "  embed_3rd_party_media_players: false,\n"
         "  fetch_url_headers: false,\n"
         "});\n";
}

http::Response generated(const http::Request& request, std::string_view type, std::string body) {
  http::Response response(bhttp::status::ok, request.version());
  response.set(bhttp::field::content_type, std::string(type));
  response.set(bhttp::field::cache_control, "no-cache");  // follows the settings and the Host
  if (request.method() == bhttp::verb::head) {
    response.content_length(body.size());
  } else {
    response.body() = std::move(body);
    response.prepare_payload();
  }
  return response;
}

// What a path names: the page, the settings, a file; nothing else is served (404), and only
// GET and HEAD (405).
http::Response answer(const http::Request& request, const fs::path& dir, const std::vector<std::string>& hosts) {
  const std::string_view target = http::view(request.target());
  const std::string_view path = target.substr(0, target.find('?'));
  const bool page = path == "/" || path == "/index.html", config = path == "/config.js";
  const auto file = !page && !config && path.starts_with(kAssets) ? resolve(dir, path.substr(kAssets.size() - 1))
                                                                  : std::nullopt;
  if (!page && !config && !file)
    return http::text_response(request.version(), bhttp::status::not_found, "Not found");
  if (request.method() != bhttp::verb::get && request.method() != bhttp::verb::head) {
    auto response = http::text_response(request.version(), bhttp::status::method_not_allowed, "Method not allowed");
    response.set(bhttp::field::allow, "GET, HEAD");
    return response;
  }
  if (page) return generated(request, "text/html; charset=utf-8", std::string(kPage));
  if (config) return generated(request, "text/javascript; charset=utf-8", config_script(domain_for(request, hosts)));
  return file_response(request, *file);
}

}  // namespace

http::Route route(fs::path dir, std::vector<std::string> hosts) {
  http::Route route;
  route.answer = [dir = std::move(dir), hosts = std::move(hosts)](const http::Request& request) {
    auto response = answer(request, dir, hosts);
    secure(response);
    return response;
  };
  return route;
}

WebClient::WebClient(module::Context& context) : Module("webclient") {
  if (!context.has_settings()) return;
  const JabberSettings& j = context.settings().jabber;
  if (!j.web_client || j.http_port == 0) return;
  std::error_code ec;
  // An empty web_client_dir (the settings allow one) would be the working directory: nothing.
  if (j.web_client_dir.empty() || !fs::is_regular_file(j.web_client_dir / kScript, ec)) {
    log::info("web client: not served, " + (j.web_client_dir / kScript).string() + " is not installed");
    return;
  }
  route_ = context.http_route("/", route(j.web_client_dir, context.router().hosts()));
  log::info("web client: https://" + context.router().hosts().front() + ":" + std::to_string(j.http_port) +
            "/ from " + j.web_client_dir.string());
}

}  // namespace jabberadmin::webclient
