// The commands of the control channel (cl-jabberctl(8)) by name, and the one place that
// turns a request line into an answer line: {"ok": true, ...the command's fields} or
// {"ok": false, "error": "...", "code": "..."}. What each command does is the server's
// (app/server_control.cpp); this layer only frames and dispatches.
#pragma once

#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <string_view>

namespace jabberadmin::control {

// Thrown by a command to refuse: the message goes to the client with a code it maps to an
// exit status ("not-found", "invalid", "failed").
class Refused : public std::runtime_error {
 public:
  explicit Refused(const std::string& message, std::string code = "failed")
      : std::runtime_error(message), code_(std::move(code)) {}
  const std::string& code() const noexcept { return code_; }

 private:
  std::string code_;
};

// A command gets the whole request object ({"command": name, its arguments}) and returns
// the fields of its answer.
using Command = std::function<nlohmann::json(const nlohmann::json& request)>;

class Commands {
 public:
  void add(std::string name, Command command) { commands_[std::move(name)] = std::move(command); }
  // One request line (without its "\n") to one answer line (without it): malformed JSON,
  // an unknown command and every exception become {"ok": false, ...}.
  std::string answer(std::string_view request) const;

 private:
  std::map<std::string, Command, std::less<>> commands_;
};

// A request's string argument; absent: empty. Not a string: Refused("invalid").
std::string text_argument(const nlohmann::json& request, const char* name);

}  // namespace jabberadmin::control
