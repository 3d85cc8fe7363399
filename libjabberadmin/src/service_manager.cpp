#include "jabberadmin/service_manager.hpp"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>

#include "jabberadmin/error.hpp"

extern char** environ;

namespace jabberadmin::service {
namespace fs = std::filesystem;
namespace {

// Runs systemctl with these arguments, its output left to the terminal; the exit status.
int systemctl(const Systemd& systemd, std::vector<std::string> args, bool quiet = false) {
  args.insert(args.begin(), systemd.systemctl.string());
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  if (quiet) {
    posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
  }
  pid_t pid = 0;
  const int failed = posix_spawnp(&pid, argv[0], &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (failed != 0) return 127;
  int status = 0;
  if (waitpid(pid, &status, 0) < 0) return 127;
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

void run_or_throw(const Systemd& systemd, const std::vector<std::string>& args) {
  if (systemctl(systemd, args) == 0) return;
  std::string command = "systemctl";
  for (const auto& a : args) command += " " + a;
  throw Error(ErrorKind::Directory, "'" + command + "' failed (see journalctl -u " + args.back() + ")");
}

}  // namespace

std::vector<fs::path> default_unit_dirs() {
  return {"/etc/systemd/system", JABBERADMIN_SYSTEMD_UNITDIR, "/lib/systemd/system", "/usr/lib/systemd/system"};
}

bool manages(const std::string& unit, const Systemd& systemd) {
  std::error_code ec;
  if (!fs::is_directory(systemd.booted_marker, ec)) return false;
  for (const auto& dir : systemd.unit_dirs)
    if (fs::exists(dir / unit, ec)) return true;
  return false;
}

std::string enable_and_start(const std::string& unit, bool restart, const Systemd& systemd) {
  if (restart) {
    run_or_throw(systemd, {"enable", unit});
    run_or_throw(systemd, {"restart", unit});
    return "systemd: enabled and restarted " + unit + " (systemctl enable " + unit + "; systemctl restart " + unit + ")";
  }
  run_or_throw(systemd, {"enable", "--now", unit});
  return "systemd: enabled and started " + unit + " (systemctl enable --now " + unit + ")";
}

std::string stop(const std::string& unit, const Systemd& systemd) {
  run_or_throw(systemd, {"stop", unit});
  return "systemd: stopped " + unit + " (it stays enabled; systemctl disable " + unit + " keeps it off at boot)";
}

std::optional<std::string> foreign_slapd_warning(const Systemd& systemd) {
  std::error_code ec;
  if (!fs::is_directory(systemd.booted_marker, ec)) return std::nullopt;
  if (systemctl(systemd, {"is-active", "--quiet", "slapd.service"}, true) != 0) return std::nullopt;
  return "warning: Debian's own slapd.service is running and listening, but jabberadmin does not use it; "
         "unless something else does, stop it: systemctl disable --now slapd";
}

}  // namespace jabberadmin::service
