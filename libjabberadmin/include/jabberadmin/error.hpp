// One error type for the whole library. Its kind decides the exit code of a tool,
// following shadow-utils where a code fits.
#pragma once

#include <stdexcept>
#include <string>

namespace jabberadmin {

enum class ErrorKind {
  Directory = 1,       // the directory could not be read or updated (unreachable, refused, ...)
  Usage = 2,           // bad command-line syntax
  InvalidArgument = 3, // a value given is not acceptable (bad user name, unreadable image, ...)
  NotFound = 6,        // no such user or group
  AlreadyExists = 9,   // user or group exists already
  GroupUpdate = 10,    // a group could not be updated
};

class Error : public std::runtime_error {
 public:
  Error(ErrorKind kind, const std::string& message) : std::runtime_error(message), kind_(kind) {}
  ErrorKind kind() const noexcept { return kind_; }

 private:
  ErrorKind kind_;
};

// The process exit status for an error of this kind.
constexpr int exit_code(ErrorKind kind) noexcept { return static_cast<int>(kind); }

}  // namespace jabberadmin
