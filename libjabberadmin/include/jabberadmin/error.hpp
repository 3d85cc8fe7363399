// One error type for the whole library. Its kind decides the exit code of a tool,
// following shadow-utils where a code fits.
#pragma once

#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace jabberadmin {

enum class ErrorKind {
  Directory = 1,       // the directory could not be read or updated (unreachable, refused, ...)
  Usage = 2,           // bad command-line syntax
  InvalidArgument = 3, // a value given is not acceptable (bad user name, unreadable image, ...)
  NotFound = 6,        // no such user or group
  AlreadyExists = 9,   // user or group exists already
  GroupUpdate = 10,    // a group could not be updated
};

// Outside input made safe to quote on a terminal: control characters (C0, DEL, C1) and
// bytes that are not UTF-8 are shown escaped ("\x1b", "\u009b"), so a name cannot move the
// cursor or retitle the terminal; well-formed UTF-8 text is kept as it is.
std::string printable(std::string_view text);

// Fills a message template: %s by the values in order, %N$s by the N-th (a translation may
// reorder them), %% by %. Never reads past the values, whatever the template says. The values
// are outside input: they go in through printable().
std::string format_message(std::string_view message_template, const std::vector<std::string>& values);

// Marks a message template for translation (xgettext --keyword=translatable) and returns it.
constexpr const char* translatable(const char* message_template) { return message_template; }

class Error : public std::runtime_error {
 public:
  // A message composed in English (names, paths and library texts inside).
  Error(ErrorKind kind, const std::string& message) : std::runtime_error(message), kind_(kind) {}
  // A message from a template, e.g. Error(NotFound, translatable("no such user '%s'"), {name}):
  // what() is the English text; a front end translates message_template() and fills in
  // values() itself.
  Error(ErrorKind kind, const char* message_template, std::vector<std::string> values)
      : std::runtime_error(format_message(message_template, values)),
        kind_(kind),
        template_(message_template),
        values_(std::move(values)) {}

  ErrorKind kind() const noexcept { return kind_; }
  const char* message_template() const noexcept { return template_; }  // nullptr when composed
  const std::vector<std::string>& values() const noexcept { return values_; }

 private:
  ErrorKind kind_;
  const char* template_ = nullptr;
  std::vector<std::string> values_;
};

// The process exit status for an error of this kind.
constexpr int exit_code(ErrorKind kind) noexcept { return static_cast<int>(kind); }

}  // namespace jabberadmin
