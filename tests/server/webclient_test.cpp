// The web client's static files: a request path resolved inside the root or not at all, the
// types, the headers; the module serving only when it is on, http_port set and Converse.js there.
#include <gtest/gtest.h>

#include <fstream>

#include "http/routes.hpp"
#include "module/module.hpp"
#include "temp_dir.hpp"
#include "webclient/static_files.hpp"
#include "webclient/webclient.hpp"

namespace jabberadmin::webclient {
namespace {
namespace fs = std::filesystem;
namespace bhttp = boost::beast::http;

void write(const fs::path& file, std::string_view text) {
  fs::create_directories(file.parent_path());
  std::ofstream(file) << text;
}

// root/ holds the served files; beside it a secret the paths must not reach.
struct Tree {
  test::TempDir tmp{"webclient"};
  fs::path root = tmp / "root";
  Tree() {
    write(root / "converse.min.js", "converse");
    write(root / "locales" / "de-LC_MESSAGES-converse-po.js", "de");
    write(root / "a b.css", "spaced");
    write(root / ".hidden", "hidden");
    write(tmp / "secret.txt", "secret");
    fs::create_directory_symlink(tmp.path(), root / "out");
    fs::create_symlink(tmp / "secret.txt", root / "secret.js");
    fs::create_symlink(root / "converse.min.js", root / "alias.js");
  }
};

TEST(WebClientFiles, ResolvesFilesInsideTheRoot) {
  Tree t;
  const fs::path real = fs::canonical(t.root);
  EXPECT_EQ(resolve(t.root, "/converse.min.js"), real / "converse.min.js");
  EXPECT_EQ(resolve(t.root, "/converse.min.js?v=12"), real / "converse.min.js");
  EXPECT_EQ(resolve(t.root, "/locales/de-LC_MESSAGES-converse-po.js"), real / "locales" / "de-LC_MESSAGES-converse-po.js");
  EXPECT_EQ(resolve(t.root, "//locales//de-LC_MESSAGES-converse-po.js"), real / "locales" / "de-LC_MESSAGES-converse-po.js");
  EXPECT_EQ(resolve(t.root, "/a%20b.css"), real / "a b.css");
  // A symlink whose target stays inside is followed.
  EXPECT_EQ(resolve(t.root, "/alias.js"), real / "converse.min.js");
}

TEST(WebClientFiles, RefusesEveryWayOut) {
  Tree t;
  for (const char* target :
       {"/../secret.txt", "/locales/../../secret.txt", "/%2e%2e/secret.txt", "/%2E%2E/secret.txt", "/.%2e/secret.txt",
        "/locales%2f..%2f..%2fsecret.txt", "/..%5csecret.txt", "/out/secret.txt", "/secret.js", "/.hidden",
        "/./converse.min.js", "/converse.min.js%00.png", "/%zz", "/%2", "/%", "", "converse.min.js", "/", "/locales",
        "/locales/", "/missing.js"})
    EXPECT_EQ(resolve(t.root, target), std::nullopt) << target;
  EXPECT_EQ(resolve(t.tmp / "no-such-root", "/converse.min.js"), std::nullopt);
}

TEST(WebClientFiles, TypesByExtension) {
  EXPECT_EQ(content_type("converse.min.js"), "text/javascript; charset=utf-8");
  EXPECT_EQ(content_type("converse.min.css"), "text/css; charset=utf-8");
  EXPECT_EQ(content_type("emoji.json"), "application/json");
  EXPECT_EQ(content_type("index.HTML"), "text/html; charset=utf-8");
  EXPECT_EQ(content_type("images/favicon.ico"), "image/x-icon");
  EXPECT_EQ(content_type("webfonts/muli.ttf"), "font/ttf");
  EXPECT_EQ(content_type("sounds/msg_received.ogg"), "audio/ogg");
  EXPECT_EQ(content_type("logo.svg"), "image/svg+xml");
  EXPECT_EQ(content_type("README"), "application/octet-stream");
  EXPECT_EQ(content_type("x.exe"), "application/octet-stream");
}

http::Response ask(const http::Route& route, bhttp::verb verb, std::string target, std::string host = "example.org:5443") {
  http::Request request(verb, target, 11);
  request.set(bhttp::field::host, host);
  return route.answer(request);
}

TEST(WebClientRoute, ServesThePageTheConfigAndTheFiles) {
  Tree t;
  const auto route = webclient::route(t.root, {"example.org", "other.example"});

  auto page = ask(route, bhttp::verb::get, "/");
  EXPECT_EQ(page.result(), bhttp::status::ok);
  EXPECT_EQ(page[bhttp::field::content_type], "text/html; charset=utf-8");
  EXPECT_NE(page.body().find("<script defer src=\"/dist/converse.min.js\">"), std::string::npos);
  EXPECT_EQ(page.body().find("<script>"), std::string::npos) << "no inline script: the policy forbids it";
  EXPECT_EQ(page["X-Content-Type-Options"], "nosniff");
  const std::string csp(http::view(page["Content-Security-Policy"]));
  EXPECT_NE(csp.find("script-src 'self';"), std::string::npos);
  EXPECT_NE(csp.find("connect-src 'self';"), std::string::npos);
  EXPECT_NE(csp.find("frame-ancestors 'none'"), std::string::npos);
  EXPECT_NE(csp.find("img-src 'self' data: blob:;"), std::string::npos) << "no image from another host";
  EXPECT_EQ(csp.find("https:"), std::string::npos) << csp;
  EXPECT_EQ(page[bhttp::field::cache_control], "no-cache");

  auto config = ask(route, bhttp::verb::get, "/config.js", "Other.Example:5443");
  EXPECT_EQ(config[bhttp::field::content_type], "text/javascript; charset=utf-8");
  EXPECT_NE(config.body().find("default_domain: 'other.example',"), std::string::npos) << config.body();
  EXPECT_NE(config.body().find("websocket_url: 'wss://' + location.host + '/xmpp-websocket',"), std::string::npos);
  EXPECT_NE(config.body().find("authentication: 'login',"), std::string::npos);
  EXPECT_NE(config.body().find("auto_login: false,"), std::string::npos);
  EXPECT_NE(config.body().find("view_mode: 'fullscreen',"), std::string::npos);
  EXPECT_NE(config.body().find("show_images_inline: false,"), std::string::npos);
  EXPECT_LT(config.body().find("customElements.define('converse-footer'"), config.body().find("converse.initialize("))
      << "the empty footer is defined before Converse.js defines its own";
  // A Host that is no served host: the primary one.
  EXPECT_NE(ask(route, bhttp::verb::get, "/config.js", "127.0.0.1:5443").body().find("default_domain: 'example.org',"),
            std::string::npos);

  auto file = ask(route, bhttp::verb::get, "/dist/converse.min.js");
  EXPECT_EQ(file.result(), bhttp::status::ok);
  EXPECT_EQ(file.body(), "converse");
  EXPECT_EQ(file[bhttp::field::content_type], "text/javascript; charset=utf-8");
  EXPECT_EQ(file[bhttp::field::cache_control], "public, max-age=3600");
  EXPECT_EQ(file["X-Content-Type-Options"], "nosniff");
  EXPECT_FALSE(file[bhttp::field::etag].empty());
  EXPECT_EQ(ask(route, bhttp::verb::get, "/dist/locales/de-LC_MESSAGES-converse-po.js").body(), "de");
}

TEST(WebClientRoute, HeadConditionalAndErrors) {
  Tree t;
  const auto route = webclient::route(t.root, {"example.org"});
  auto head = ask(route, bhttp::verb::head, "/dist/converse.min.js");
  EXPECT_EQ(head.result(), bhttp::status::ok);
  EXPECT_EQ(head.body(), "");
  EXPECT_EQ(head[bhttp::field::content_length], "8");
  EXPECT_EQ(ask(route, bhttp::verb::head, "/")[bhttp::field::content_length],
            std::to_string(ask(route, bhttp::verb::get, "/").body().size()));

  http::Request again(bhttp::verb::get, "/dist/converse.min.js", 11);
  again.set(bhttp::field::if_none_match, ask(route, bhttp::verb::get, "/dist/converse.min.js")[bhttp::field::etag]);
  auto not_modified = route.answer(again);
  EXPECT_EQ(not_modified.result(), bhttp::status::not_modified);
  EXPECT_EQ(not_modified.body(), "");

  auto post = ask(route, bhttp::verb::post, "/");
  EXPECT_EQ(post.result(), bhttp::status::method_not_allowed);
  EXPECT_EQ(post[bhttp::field::allow], "GET, HEAD");
  EXPECT_EQ(ask(route, bhttp::verb::put, "/dist/converse.min.js").result(), bhttp::status::method_not_allowed);
  EXPECT_EQ(ask(route, bhttp::verb::post, "/other").result(), bhttp::status::not_found) << "nothing there at all";
  for (const char* target : {"/converse.min.js", "/dist/", "/dist/../dist/converse.min.js", "/dist/%2e%2e/secret.txt",
                             "/dist/out/secret.txt", "/dist/secret.js", "/dist/.hidden", "/other", "/dist"}) {
    auto missing = ask(route, bhttp::verb::get, target);
    EXPECT_EQ(missing.result(), bhttp::status::not_found) << target;
    EXPECT_EQ(missing["X-Content-Type-Options"], "nosniff") << target;
  }
}

// The module registers "/" only when web_client is on, http_port is set and Converse.js is there.
bool serves(const Settings& settings) {
  router::Router router({"example.org"});
  stream::StreamFeatures stream_features;
  module::DiscoFeatures disco_features;
  http::Routes routes;
  module::Modules modules(
      module::Services{router, stream_features, disco_features, &settings, nullptr, nullptr, {}, &routes},
      {module::make<WebClient>()});
  return routes.find("/") != nullptr;
}

TEST(WebClientModule, OnlyWhenOnWithAPortAndTheFiles) {
  Tree t;
  Settings settings;
  settings.jabber.http_port = 5443;
  settings.jabber.web_client_dir = t.root;
  EXPECT_TRUE(serves(settings));
  settings.jabber.web_client = false;
  EXPECT_FALSE(serves(settings)) << "switched off";
  settings.jabber.web_client = true;
  settings.jabber.http_port = 0;
  EXPECT_FALSE(serves(settings)) << "no HTTPS listener";
  settings.jabber.http_port = 5443;
  settings.jabber.web_client_dir = t.tmp / "not-installed";
  EXPECT_FALSE(serves(settings)) << "no Converse.js";
  // An empty directory is the working directory to the filesystem: never served from.
  const fs::path cwd = fs::current_path();
  fs::current_path(t.root);
  settings.jabber.web_client_dir.clear();
  EXPECT_FALSE(serves(settings)) << "an empty web_client_dir";
  fs::current_path(cwd);
}

}  // namespace
}  // namespace jabberadmin::webclient
