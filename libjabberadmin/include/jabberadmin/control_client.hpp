// The client side of cl-jabberd's control channel (cl-jabberctl(8)): a UNIX stream socket
// on which a client writes one request line, a JSON object, and the server answers one line,
// a JSON object ending in "\n" ({"ok": true, ...} or {"ok": false, "error": "..."}), then
// closes. JSON escapes every newline inside its strings, so the line end is the terminator.
#pragma once

#include <chrono>
#include <filesystem>
#include <string>
#include <string_view>

#include "jabberadmin/error.hpp"

namespace jabberadmin::control {

// Where cl-jabberd puts its control socket: systemd's RuntimeDirectory= (the OpenRC script
// makes the same folder).
inline constexpr const char* kDefaultSocket = "/run/jabberadmin/control";

// Nothing answers on the socket: cl-jabberd is not running (cl-jabberctl's exit status 7).
class NotRunning : public Error {
 public:
  using Error::Error;
};

// The longest answer a client reads (the sessions of a large server fit).
inline constexpr std::size_t kMaxAnswer = 64 << 20;

// Sends request (one line, without its "\n") and returns the answer line without its "\n".
// Throws NotRunning when nothing answers on socket (no such file, nobody listening),
// Error(Directory) when the socket refuses this user or the exchange fails or takes longer
// than timeout.
std::string exchange(const std::filesystem::path& socket, std::string_view request,
                     std::chrono::milliseconds timeout = std::chrono::seconds(30));

}  // namespace jabberadmin::control
