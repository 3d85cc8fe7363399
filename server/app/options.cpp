#include "app/options.hpp"

#include <charconv>
#include <cmath>
#include <cstdlib>

#include "jabberadmin/control_client.hpp"
#include "jabberadmin/error.hpp"

namespace jabberadmin::app {
namespace {
[[noreturn]] void bad(const std::string& message) { throw Error(ErrorKind::Usage, message); }

std::size_t count(std::string_view option, std::string_view v) {
  std::size_t n = 0;
  const auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
  if (ec != std::errc() || p != v.data() + v.size()) bad(std::string(option) + ": not a number: " + std::string(v));
  return n;
}
std::uint16_t port(std::string_view option, std::string_view v) {
  const std::size_t n = count(option, v);
  if (n > 65535) bad(std::string(option) + ": not a port: " + std::string(v));
  return static_cast<std::uint16_t>(n);
}
std::chrono::milliseconds seconds(std::string_view option, const std::string& v) {
  char* end = nullptr;
  const double s = std::strtod(v.c_str(), &end);
  if (end == v.c_str() || *end != '\0' || !(s > 0) || s > 86400 * 7)
    bad(std::string(option) + ": not a number of seconds: " + v);
  return std::chrono::milliseconds(static_cast<long long>(std::llround(s * 1000)));
}
}  // namespace

std::string usage() {
  return "Usage: cl-jabberd [--config FILE] [--listen ADDR]... [--port N] [--tls-port N]\n"
         "                  [--log-level debug|info|warning|error] [--log-file FILE]\n"
         "                  [--log-format plain|json] [--control-socket PATH]\n"
         "                  [--max-unauthenticated N]\n"
         "                  [--max-auth-failures N] [--max-offline-messages N] [--auth-workers N]\n"
         "                  [--allow-plaintext-auth] [--negotiation-timeout S] [--idle-timeout S]\n"
         "                  [--keepalive S] [--upload-expire-seconds S]\n"
         "The integrated XMPP server of jabberadmin; see cl-jabberd(8).\n";
}

std::filesystem::path control_socket_path(const Options& options) {
  if (!options.control_socket.empty()) return options.control_socket;
  if (const char* runtime = std::getenv("RUNTIME_DIRECTORY"); runtime != nullptr && *runtime != '\0') {
    const std::string_view folders(runtime);
    return std::filesystem::path(folders.substr(0, folders.find(':'))) / "control";
  }
  return control::kDefaultSocket;
}

Options parse_options(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    std::string value;
    bool has_value = false;
    if (const auto eq = arg.find('='); arg.starts_with("--") && eq != std::string::npos) {
      value = arg.substr(eq + 1);
      arg.resize(eq);
      has_value = true;
    }
    auto next = [&]() -> std::string {
      if (has_value) return value;
      if (i + 1 >= argc) bad(arg + " needs a value");
      return argv[++i];
    };
    if (arg == "-h" || arg == "--help") o.help = true;
    else if (arg == "-V" || arg == "--version") o.version = true;
    else if (arg == "-c" || arg == "--config") o.config = next();
    else if (arg == "--listen") o.listen.push_back(next());
    else if (arg == "--port") o.port = port(arg, next());
    else if (arg == "--tls-port") o.tls_port = port(arg, next());
    else if (arg == "--log-file") o.log_file = next();
    else if (arg == "--control-socket") o.control_socket = next();
    else if (arg == "--log-level") {
      const std::string v = next();
      if (!log::parse_level(v, o.log_level)) bad("--log-level: one of debug, info, warning, error");
    } else if (arg == "--log-format") {
      if (!log::parse_format(next(), o.log_format)) bad("--log-format: one of plain, json");
    } else if (arg == "--allow-plaintext-auth") o.allow_plain_auth = true;
    else if (arg == "--max-unauthenticated") o.max_unauthenticated = count(arg, next());
    else if (arg == "--max-auth-failures") o.auth_failures_per_address = count(arg, next());
    else if (arg == "--max-offline-messages") o.max_offline_messages = std::max<std::size_t>(1, count(arg, next()));
    else if (arg == "--auth-workers") o.auth_workers = std::max<std::size_t>(1, count(arg, next()));
    else if (arg == "--negotiation-timeout") o.negotiation_timeout = seconds(arg, next());
    else if (arg == "--idle-timeout") o.idle_timeout = seconds(arg, next());
    else if (arg == "--keepalive") o.keepalive = seconds(arg, next());
    else if (arg == "--upload-expire-seconds") o.upload_expiry = seconds(arg, next());
    else bad("unknown option " + arg);
  }
  return o;
}

}  // namespace jabberadmin::app
