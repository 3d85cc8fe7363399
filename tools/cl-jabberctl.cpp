// cl-jabberctl: the administrator's view into the running cl-jabberd and its levers, over
// the server's control socket (jabberadmin/control_client.hpp); check-config alone runs
// here, on the settings file, without asking the server.
#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>

#include "jabberadmin/control_client.hpp"
#include "jabberadmin/error.hpp"
#include "cli.hpp"

using namespace jabberadmin;
using nlohmann::json;

namespace {

// cl-jabberctl(8): the server does not answer; apart from the other tools' codes.
constexpr int kNotRunning = 7;

// The server's refusal codes (server/control) as exit statuses, as the other tools use them.
ErrorKind kind_of(const std::string& code) {
  if (code == "not-found") return ErrorKind::NotFound;
  if (code == "invalid") return ErrorKind::InvalidArgument;
  if (code == "usage") return ErrorKind::Usage;
  return ErrorKind::Directory;
}

// One request to the server; its answer's fields, or an Error with the server's message.
json ask(const std::filesystem::path& socket, const json& request) {
  const std::string line = control::exchange(socket, request.dump());
  const json answer = json::parse(line, nullptr, false);
  if (answer.is_discarded() || !answer.is_object())
    throw Error(ErrorKind::Directory, translatable("the server gave an answer that is not JSON: %s"), {line.substr(0, 200)});
  if (!answer.value("ok", false)) throw Error(kind_of(answer.value("code", "failed")), answer.value("error", "failed"));
  return answer;
}

std::string text(const json& value) { return printable(value.is_string() ? value.get<std::string>() : value.dump()); }

std::string duration(long long seconds) {
  char out[64];
  std::snprintf(out, sizeof out, "%lld d %02lld:%02lld:%02lld", seconds / 86400, seconds / 3600 % 24, seconds / 60 % 60,
                seconds % 60);
  return out;
}

std::string mebibytes(std::uint64_t bytes) {
  char out[32];
  std::snprintf(out, sizeof out, "%.1f MiB", static_cast<double>(bytes) / (1024.0 * 1024.0));
  return out;
}

void print_status(const json& s) {
  std::string hosts;
  for (const auto& h : s["hosts"]) hosts += (hosts.empty() ? "" : ", ") + text(h);
  std::cout << cli::format(_("cl-jabberd %s, up %s"), text(s["version"]), duration(s["uptime_seconds"].get<long long>()))
            << '\n'
            << cli::format(_("hosts: %s"), hosts) << '\n'
            << cli::format(_("directory: %s (%s users)"), text(s["directory"]), text(s["directory_users"])) << '\n'
            << cli::format(_("sessions: %s"), text(s["sessions"])) << '\n'
            << cli::format(_("memory: %s"), mebibytes(s["memory_rss_bytes"].get<std::uint64_t>())) << '\n';
}

void print_sessions(const json& sessions) {
  std::cout << _("JID\tADDRESS\tSINCE\tTLS\tCLIENT") << '\n';
  for (const auto& s : sessions) {
    std::cout << text(s["jid"]) << '/' << text(s["resource"]) << '\t' << text(s["address"]) << '\t' << text(s["since"])
              << '\t' << (s["tls"].get<std::string>().empty() ? "-" : text(s["tls"])) << '\t'
              << (s["client"].get<std::string>().empty() ? "-" : text(s["client"]));
    if (s.value("detached", false)) std::cout << '\t' << _("detached");
    std::cout << '\n';
  }
}

void print_stats(const json& s) {
  for (const auto& [key, value] : s.items())
    if (key != "ok") std::cout << key << ' ' << text(value) << '\n';
}

// check-config: the settings as cl-jabberd would load them, and what it cannot start without.
int check_config(const std::filesystem::path& path) {
  try {
    const Settings settings = Settings::load(path);
    if (!settings.jabber.configured)
      throw Error(ErrorKind::InvalidArgument, translatable("%s: no [jabber] section; run cl-setup jabber"), {path.string()});
    if (settings.jabber.certfile.empty())
      throw Error(ErrorKind::InvalidArgument, translatable("%s: [jabber] certfile is not set"), {path.string()});
    std::error_code ec;
    if (!std::filesystem::is_regular_file(settings.jabber.certfile, ec))
      throw Error(ErrorKind::InvalidArgument, translatable("%s: [jabber] certfile %s is not a file"),
                  {path.string(), settings.jabber.certfile.string()});
    std::cout << cli::format(_("%s: the settings are valid"), path.string()) << '\n';
    return 0;
  } catch (const Error& e) {
    // Whatever kind of problem: the file is not usable, exit status 1 (cl-jabberctl(8)).
    std::cerr << "cl-jabberctl: " << printable(cli::translate(e)) << '\n';
    return 1;
  }
}

}  // namespace

int main(int argc, char** argv) {
  cli::Tool tool("cl-jabberctl", N_("See and control the running Jabber server (cl-jabberd)"), {});
  std::optional<std::filesystem::path> socket;
  tool.app.add_option("--socket", socket, _("Control socket (default: /run/jabberadmin/control)"));
  tool.app.require_subcommand(1);

  bool as_json = false;
  auto* status = tool.app.add_subcommand("status", _("Version, uptime, hosts, directory, sessions, memory"));
  auto* sessions = tool.app.add_subcommand("sessions", _("List the connected sessions"));
  auto* stats = tool.app.add_subcommand("stats", _("Print the server's counters"));
  for (auto* command : {status, sessions, stats}) command->add_flag("--json", as_json, _("Print JSON for scripts"));

  auto* kick = tool.app.add_subcommand("kick", _("End a user's sessions (one, with RESOURCE)"));
  std::string reason, user, resource;
  kick->add_option("-r,--reason", reason, _("Reason shown to the user"));
  kick->add_option("user", user, _("User name, or user@host"))->required();
  kick->add_option("resource", resource, _("Only the session with this resource"));

  auto* reload = tool.app.add_subcommand("reload", _("Reload the certificate and reopen the log file (as SIGHUP)"));
  auto* check = tool.app.add_subcommand("check-config", _("Check a settings file without asking the server"));
  std::optional<std::filesystem::path> file;
  check->add_option("file", file, _("Settings file (default: the one --config names)"));

  return tool.run(argc, argv, [&]() -> int {
    try {
      if (check->parsed()) return check_config(file ? *file : tool.config_path());
      const std::filesystem::path path = socket ? *socket : std::filesystem::path(control::kDefaultSocket);
      if (status->parsed()) {
        const json s = ask(path, {{"command", "status"}});
        as_json ? void(std::cout << s.dump(2) << '\n') : print_status(s);
      } else if (sessions->parsed()) {
        const json s = ask(path, {{"command", "sessions"}})["sessions"];
        as_json ? void(std::cout << s.dump(2) << '\n') : print_sessions(s);
      } else if (stats->parsed()) {
        json s = ask(path, {{"command", "stats"}});
        s.erase("ok");
        as_json ? void(std::cout << s.dump(2) << '\n') : print_stats(s);
      } else if (kick->parsed()) {
        json request{{"command", "kick"}, {"user", user}};
        if (!resource.empty()) request["resource"] = resource;
        if (!reason.empty()) request["reason"] = reason;
        const json ended = ask(path, request)["ended"];
        std::string jids;
        for (const auto& j : ended) jids += (jids.empty() ? "" : ", ") + text(j);
        std::cout << cli::format(_("ended %s session(s): %s"), std::to_string(ended.size()), jids) << '\n';
      } else if (reload->parsed()) {
        const json changed = ask(path, {{"command", "reload"}})["changed"];  // a copy: the answer is a temporary
        for (const auto& line : changed) std::cout << text(line) << '\n';
      }
      return 0;
    } catch (const control::NotRunning& e) {
      std::cerr << "cl-jabberctl: " << printable(cli::translate(e)) << '\n';
      return kNotRunning;
    }
  });
}
