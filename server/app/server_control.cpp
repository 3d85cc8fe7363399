// The control channel's commands (cl-jabberctl(8)): what the running server tells and does
// for its administrator. Everything runs on the io thread, like the streams it reads.
#include <fstream>

#include "app/server.hpp"
#include "jabberadmin/error.hpp"
#include "jabberadmin/jid.hpp"
#include "util/log.hpp"
#include "util/utc_time.hpp"

namespace jabberadmin::app {
using nlohmann::json;

namespace {
// The resident set size from /proc/self/status ("VmRSS:  12345 kB"), in bytes; 0 unknown.
std::uint64_t resident_bytes() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line))
    if (line.starts_with("VmRSS:")) return std::strtoull(line.c_str() + 6, nullptr, 10) * 1024;
  return 0;
}

// "alice" (every host), or "alice@host": the accounts a kick names; an unusable name is
// refused before anything is ended.
struct Account {
  std::string local;
  std::string domain;  // empty: on every host
};
Account account_named(const std::string& text) {
  if (text.empty()) throw control::Refused("no user given", "invalid");
  try {
    const auto at = text.find('@');
    if (at == std::string::npos) return {normalize_localpart(text), {}};
    const auto jid = Jid::parse(text);
    if (!jid || jid->local.empty() || !jid->resource.empty()) throw control::Refused("not a user: " + text, "invalid");
    return {jid->local, jid->domain};
  } catch (const Error&) {
    throw control::Refused("not a user name: " + text, "invalid");
  }
}
}  // namespace

void Server::start_control() {
  control_commands_.add("status", [this](const json&) { return control_status(); });
  control_commands_.add("sessions", [this](const json&) { return control_sessions(); });
  control_commands_.add("kick", [this](const json& request) { return control_kick(request); });
  control_commands_.add("stats", [this](const json&) { return control_stats(); });
  control_commands_.add("reload", [this](const json&) {
    const ReloadReport report = reload();
    if (!report.problems.empty()) {
      std::string text;
      for (const auto& p : report.problems) text += (text.empty() ? "" : "; ") + p;
      throw control::Refused(text, "failed");
    }
    return json{{"changed", report.changed}};
  });
  const auto path = control_socket_path(options_);
  try {
    control_ = std::make_unique<control::ControlSocket>(io_, path, control_commands_);
    log::info("control socket " + path.string());
  } catch (const std::exception& e) {
    // The service runs on without it: cl-jabberctl says the server does not answer.
    log::warning(std::string("no control socket: ") + e.what());
  }
}

json Server::control_status() const {
  std::size_t sessions = 0;
  for (const auto& [p, s] : streams_) sessions += s->bound() ? 1 : 0;
  return {{"version", JABBERADMIN_VERSION},
          {"uptime_seconds",
           std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - started_).count()},
          {"hosts", router_.hosts()},
          {"directory", directory_.ready() ? "synchronized" : "loading"},
          {"directory_users", directory_.size()},
          {"sessions", sessions},
          {"memory_rss_bytes", resident_bytes()}};
}

json Server::control_sessions() const {
  json out = json::array();
  for (const auto& [p, s] : streams_) {
    if (!s->bound() || s->closed()) continue;
    const Jid& jid = s->jid();
    out.push_back({{"jid", jid.bare()},
                   {"resource", jid.resource},
                   {"address", s->peer_address()},
                   {"since", util::xmpp_datetime(s->bound_since())},
                   {"tls", s->tls_version()},
                   {"detached", s->detached()},
                   // The client's name and version when the server learnt them (not yet asked).
                   {"client", ""}});
  }
  return {{"sessions", std::move(out)}};
}

json Server::control_kick(const json& request) {
  const std::string user = control::text_argument(request, "user");
  const Account account = account_named(user);
  const std::string resource = control::text_argument(request, "resource");
  std::string reason = control::text_argument(request, "reason");
  if (reason.empty()) reason = "Disconnected by the administrator";
  // Collected first: ending a session unbinds it from the router.
  std::vector<stream::Session*> ended;
  for (const auto& host : account.domain.empty() ? router_.hosts() : std::vector<std::string>{account.domain})
    for (stream::Session* s : router_.sessions_of(Jid{account.local, host, resource})) ended.push_back(s);
  if (ended.empty())
    throw control::Refused(resource.empty() ? "no session of " + user : "no session " + user + "/" + resource,
                           "not-found");
  json jids = json::array();
  for (const auto& s : ended) {
    jids.push_back(s->jid().full());
    log::info("control: ending the session of " + s->jid().full() + ": " + reason);
    // As ejabberd's kick_session: a stream error whose text is the reason.
    s->terminate("policy-violation", reason);
  }
  return {{"ended", std::move(jids)}};
}

json Server::control_stats() const {
  std::size_t sessions = 0, detached = 0;
  for (const auto& [p, s] : streams_) {
    sessions += s->bound() ? 1 : 0;
    detached += s->detached() ? 1 : 0;
  }
  return {{"sessions", sessions},
          {"detached_sessions", detached},
          {"connections", streams_.size()},
          {"directory_users", directory_.size()},
          {"uptime_seconds",
           std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - started_).count()},
          {"memory_rss_bytes", resident_bytes()}};
}

}  // namespace jabberadmin::app
