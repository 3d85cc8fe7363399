// What every cl-* tool shares: CLI11 set-up with Calculate's syntax (options first, the
// service name last), --config / JABBERADMIN_CONFIG, the password prompt, and one place
// that turns an error into one message on stderr and an exit code.
#pragma once

#include <CLI/CLI.hpp>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>

#include "jabberadmin/directory.hpp"
#include "jabberadmin/settings.hpp"
#include "i18n.hpp"  // last: it defines the gettext macro _

namespace jabberadmin::cli {

class Tool {
 public:
  // description: English, marked N_("..."); translated here once the locale is set up.
  // services: the names accepted as the last argument ("jabber" for every tool but cl-setup).
  Tool(std::string name, std::string description, std::vector<std::string> services = {"jabber"});

  CLI::App app;

  // Parses argv (adding the trailing SERVICE positional), then runs body; maps errors to
  // exit codes (CLI11 syntax errors exit 2, jabberadmin::Error by its kind).
  int run(int argc, char** argv, const std::function<int()>& body);

  const std::string& service() const { return service_; }
  std::filesystem::path config_path() const;
  Settings settings() const;
  Directory directory() const;
  const std::string& name() const { return name_; }

  // Adds --allow-short-password, for the tools that set passwords.
  void add_password_options();
  // password::kMinLength, or 1 with --allow-short-password.
  std::size_t min_password_length() const;

 private:
  std::string name_;
  std::vector<std::string> services_;
  std::string service_;
  std::optional<std::filesystem::path> config_;
  bool allow_short_password_ = false;
};

// A new password: asked twice without echo when stdin is a terminal and from_stdin is false,
// else one line read from stdin. Never from argv. Throws Error(InvalidArgument) when empty,
// shorter than min_length characters (password::check_length), when the two entries differ,
// or when SASLprep refuses it (password::check_saslprep): before anything is written.
std::string read_new_password(bool from_stdin, std::size_t min_length);
// After a password was stored: the one notice that it got no SCRAM verifiers, when the
// directory's schema lacks authPassword (Directory::scram_iterations).
void note_scram(const Directory& directory);

// "a, b,c\\,d" -> {"a","b","c,d"}: items split at commas, the spaces around each item
// dropped, empty items dropped; "\\," is a comma inside an item (JID localparts may hold
// one) and "\\\\" a backslash.
std::vector<std::string> split_list(const std::string& text);

}  // namespace jabberadmin::cli
