#include "cli.hpp"

#include <termios.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <iostream>

#include "jabberadmin/error.hpp"
#include "jabberadmin/password.hpp"
#include "i18n.hpp"

namespace jabberadmin::cli {
namespace {

// Reads one line from fd 0 without echo when it is a terminal; restores the terminal.
std::string read_line(bool hide) {
  termios saved{};
  const bool tty = hide && ::isatty(STDIN_FILENO) && ::tcgetattr(STDIN_FILENO, &saved) == 0;
  if (tty) {
    termios quiet = saved;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
  }
  std::string line;
  const bool ok = static_cast<bool>(std::getline(std::cin, line));
  if (tty) {
    ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved);
    std::cerr << '\n';
  }
  if (!ok) throw Error(ErrorKind::InvalidArgument, _("no password given on standard input"));
  if (!line.empty() && line.back() == '\r') line.pop_back();
  return line;
}

// The locale is set up before the first string is translated: the tool's description.
std::string localized(const std::string& text) {
  init_i18n();
  return ::gettext(text.c_str());
}

}  // namespace

Tool::Tool(std::string name, std::string description, std::vector<std::string> services)
    : app(localized(description), name), name_(std::move(name)), services_(std::move(services)) {
  auto formatter = app.get_formatter();
  for (const char* label : {N_("Usage"), N_("OPTIONS"), N_("Positionals"), N_("REQUIRED"), N_("Excludes"), N_("Needs")})
    formatter->label(label, _(label));
  app.option_defaults()->group(_("Options"));
  app.set_help_flag("-h,--help", _("Print this help message and exit"));
  app.set_version_flag("--version", name_ + " (jabberadmin) " JABBERADMIN_VERSION, _("Print the version and exit"));
  app.add_option("--config", config_, _("Settings file (default: $JABBERADMIN_CONFIG or /etc/jabberadmin/jabberadmin.conf)"));
}

int Tool::run(int argc, char** argv, const std::function<int()>& body) {
  std::string known;
  for (const auto& s : services_) known += (known.empty() ? "" : ", ") + s;
  // A tool of one service's own (cl-jabberctl) names none: no SERVICE argument at all.
  const bool takes_service = !services_.empty();
  if (takes_service) app.footer(format(_("SERVICE, always the last argument: %s"), known));
  // Calculate's syntax puts the service last; taking it off before parsing leaves the
  // tool's own positionals (some optional) unambiguous.
  if (takes_service && argc > 1 && argv[argc - 1][0] != '-') service_ = argv[--argc];
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? 0 : exit_code(ErrorKind::Usage);
  }
  try {
    if (!takes_service) return body();
    if (service_.empty()) throw Error(ErrorKind::Usage, format(_("the service name is missing at the end: %s"), known));
    if (std::find(services_.begin(), services_.end(), service_) == services_.end())
      throw Error(ErrorKind::Usage, format(_("unknown service '%s': supported services: %s"), service_, known));
    return body();
  } catch (const Error& e) {
    std::cerr << name_ << ": " << printable(translate(e)) << '\n';
    return exit_code(e.kind());
  } catch (const std::exception& e) {
    std::cerr << name_ << ": " << printable(e.what()) << '\n';
    return exit_code(ErrorKind::Directory);
  }
}

void Tool::add_password_options() {
  app.add_flag("--allow-short-password", allow_short_password_,
               format(_("Accept a password shorter than %s characters"), std::to_string(password::kMinLength)));
}

std::size_t Tool::min_password_length() const { return allow_short_password_ ? 1 : password::kMinLength; }

std::filesystem::path Tool::config_path() const { return jabberadmin::config_path(config_); }
Settings Tool::settings() const { return Settings::load(config_path()); }
Directory Tool::directory() const {
  Directory directory = Directory::open(settings());
  if (!directory.tree_exists())
    throw Error(ErrorKind::Directory, _("the Jabber subtree is missing: run 'cl-setup ldap' first"));
  return directory;
}

std::string read_new_password(bool from_stdin, std::size_t min_length) {
  std::string password;
  if (!from_stdin && ::isatty(STDIN_FILENO)) {
    std::cerr << _("New password: ") << std::flush;
    password = read_line(true);
    std::cerr << _("Retype new password: ") << std::flush;
    if (read_line(true) != password) throw Error(ErrorKind::InvalidArgument, _("the passwords do not match"));
  } else {
    password = read_line(false);
  }
  password::check_length(password, min_length);
  password::check_saslprep(password);
  return password;
}

void note_scram(const Directory& directory) {
  if (!directory.scram_iterations()) std::cerr << _("note: ") << _(kNoScramNotice) << '\n';
}

std::vector<std::string> split_list(const std::string& text) {
  std::vector<std::string> out;
  std::string item;
  const auto finish = [&] {
    const auto first = item.find_first_not_of(' ');
    if (first != std::string::npos) out.push_back(item.substr(first, item.find_last_not_of(' ') + 1 - first));
    item.clear();
  };
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\\' && i + 1 < text.size() && (text[i + 1] == ',' || text[i + 1] == '\\')) item += text[++i];
    else if (text[i] == ',') finish();
    else item += text[i];
  }
  finish();
  return out;
}

}  // namespace jabberadmin::cli
