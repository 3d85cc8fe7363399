// cl-jabberd's command line. The settings file says what the service is (hosts, ports,
// certificate, directory); these options tune how the process runs.
#pragma once

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "util/log_fields.hpp"

namespace jabberadmin::app {

struct Options {
  std::optional<std::filesystem::path> config;   // --config, else $JABBERADMIN_CONFIG, else /etc/...
  std::vector<std::string> listen;               // --listen ADDR (repeatable): overrides the settings
  std::optional<std::uint16_t> port;             // --port
  std::optional<std::uint16_t> tls_port;         // --tls-port (0 = no direct TLS)
  log::Level log_level = log::Level::Info;       // --log-level
  std::filesystem::path log_file;                // --log-file (default: stderr)
  log::Format log_format = log::Format::Plain;   // --log-format plain|json
  // --control-socket: cl-jabberctl's socket; default control_socket_path().
  std::filesystem::path control_socket;
  bool allow_plain_auth = false;                 // --allow-plaintext-auth: SASL before STARTTLS
  std::optional<std::size_t> max_unauthenticated;  // --max-unauthenticated: overrides the settings
  std::size_t auth_workers = 2;                  // --auth-workers
  std::size_t auth_failures_per_address = 10;    // --max-auth-failures (per address; per account: half)
  std::size_t max_offline_messages = 1000;       // --max-offline-messages (stored per user)
  std::chrono::milliseconds auth_failure_window{60000};
  std::chrono::milliseconds negotiation_timeout{60000};  // --negotiation-timeout SECONDS
  std::chrono::milliseconds idle_timeout{600000};         // --idle-timeout SECONDS
  std::chrono::milliseconds keepalive{60000};             // --keepalive SECONDS
  // --upload-expire-seconds: uploaded files' life in seconds instead of upload_expire_days
  // (tests, and a short-lived file exchange), the sweep following it.
  std::optional<std::chrono::milliseconds> upload_expiry;
  bool help = false;
  bool version = false;
};

// The control socket: --control-socket, else "control" in systemd's $RUNTIME_DIRECTORY (the
// first of its folders), else /run/jabberadmin/control (made by the OpenRC script).
std::filesystem::path control_socket_path(const Options& options);

// Throws jabberadmin::Error(Usage) with a message for bad arguments.
Options parse_options(int argc, char** argv);
std::string usage();

}  // namespace jabberadmin::app
