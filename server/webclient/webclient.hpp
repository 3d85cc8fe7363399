// The web client: Converse.js (installed by the package, fetched by scripts/fetch-webclient)
// served on the HTTPS listener. "/" is a page made here that starts Converse.js in full
// screen against this server's WebSocket, with the served domain filled in; "/dist/..." are
// the installed files (static_files.hpp). On when web_client is on, http_port is set and the
// directory holds Converse.js; otherwise nothing is served and the start says why.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "http/routes.hpp"
#include "module/module.hpp"

namespace jabberadmin::webclient {

inline constexpr std::string_view kScript = "converse.min.js";  // what makes a directory a web client's

// GET and HEAD of "/", "/index.html", "/config.js" and "/dist/<file under dir>"; 404 for
// other paths, 405 for other methods.
http::Route route(std::filesystem::path dir, std::vector<std::string> hosts);

class WebClient final : public module::Module {
 public:
  explicit WebClient(module::Context& context);

 private:
  module::Registration route_;
};

}  // namespace jabberadmin::webclient
