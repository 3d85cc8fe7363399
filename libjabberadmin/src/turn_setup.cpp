#include "jabberadmin/turn_setup.hpp"

#include <unistd.h>

#include "jabberadmin/error.hpp"
#include "jabberadmin/ip_network.hpp"
#include "jabberadmin/jid.hpp"
#include "jabberadmin/ldap_setup.hpp"
#include "jabberadmin/render.hpp"
#include "jabberadmin/system_accounts.hpp"

namespace jabberadmin::setup {
namespace fs = std::filesystem;
namespace {

// Debian's coturn package makes this account; coturn drops to it (proc-user).
constexpr const char* kCoturnAccount = "turnserver";

std::string lines(std::string_view key, const std::vector<std::string>& values) {
  std::string out;
  for (const auto& v : values) out += std::string(key) + "=" + v + "\n";
  return out;
}

}  // namespace

std::string turn_host(const Settings& settings) {
  return settings.jabber.turn_host.empty() ? settings.served_hosts().front() : settings.jabber.turn_host;
}

std::vector<TurnService> turn_services(const Settings& settings) {
  const JabberSettings& j = settings.jabber;
  if (!j.turn) return {};
  const std::string host = turn_host(settings);
  std::vector<TurnService> out{{"stun", "udp", host, j.turn_port, false},
                               {"turn", "udp", host, j.turn_port, true},
                               {"turn", "tcp", host, j.turn_port, true}};
  if (j.turn_tls_port != 0) out.push_back({"turns", "tcp", host, j.turn_tls_port, true});
  return out;
}

std::vector<std::string> checked_turn_peers(const std::vector<std::string>& networks) {
  const std::vector<std::string> out = canonical_networks(networks);
  for (const std::string& text : out)
    if (IpNetwork::parse(text).reaches_loopback())
      throw Error(ErrorKind::InvalidArgument, "--turn-allow-peers: " + text + " reaches loopback; the relay never may");
  return out;
}

std::string render_turnserver(const Settings& settings, std::string_view secret, std::string_view process_user) {
  const JabberSettings& j = settings.jabber;
  const std::string host = turn_host(settings);
  render::check_config_text(host, "turn host");
  render::check_config_text(secret, "TURN secret");
  render::check_config_text(j.certfile.string(), "certificate file");
  std::string tls;
  if (j.turn_tls_port != 0)
    tls = "tls-listening-port=" + std::to_string(j.turn_tls_port) + "\ncert=" + j.certfile.string() +
          "\npkey=" + j.certfile.string();
  else
    tls = "no-tls\nno-dtls";
  std::vector<std::string> ranges;
  for (const auto& network : j.turn_allow_peers) ranges.push_back(IpNetwork::parse(network).range_text());
  const render::Values values{
      {"port", std::to_string(j.turn_port)},
      {"tls", tls},
      {"listening_ips", lines("listening-ip", j.listen)},
      {"realm", host},
      {"secret", std::string(secret)},
      {"process_user", process_user.empty() ? std::string("# runs as whoever starts it (not root)")
                                            : "proc-user=" + std::string(process_user) +
                                                  "\nproc-group=" + std::string(process_user)},
      {"allowed_peers", ranges.empty() ? std::string("# no private network is reachable (cl-setup --turn-allow-peers)")
                                       : lines("allowed-peer-ip", ranges)},
  };
  return render::fill(render::load("turnserver.conf.in"), values);
}

std::string turn_process_user() {
  if (::geteuid() != 0) return {};
  const auto account = system_account(kCoturnAccount);
  return account ? account->name : std::string{};
}

void plan_turn(const JabberOptions& o, JabberPlan& plan) {
  JabberSettings& j = plan.after.jabber;
  if (o.turn) j.turn = *o.turn;
  if (o.turn_host) {
    if (o.turn_host->empty()) {
      j.turn_host.clear();
    } else {
      try {
        j.turn_host = canonical_address(*o.turn_host);
      } catch (const Error&) {
        try {
          j.turn_host = normalize_domain(*o.turn_host);
        } catch (const Error&) {
          throw Error(ErrorKind::InvalidArgument, "--turn-host: '" + printable(o.turn_host->substr(0, 64)) +
                                                      "' is neither a host name nor an IP address");
        }
      }
    }
  }
  if (o.turn_port) j.turn_port = *o.turn_port;
  if (o.turn_tls_port) j.turn_tls_port = *o.turn_tls_port;
  if (j.turn_port == 0) throw Error(ErrorKind::InvalidArgument, "--turn-port 0 is not a port a client can reach");
  if (j.turn_tls_port == j.turn_port)
    throw Error(ErrorKind::InvalidArgument, "--turn-tls-port " + std::to_string(j.turn_tls_port) + " is --turn-port: they must differ");
  if (j.turn)
    for (const std::uint16_t taken : {j.port, j.tls_port, j.http_port})
      if (taken != 0 && (j.turn_port == taken || j.turn_tls_port == taken))
        throw Error(ErrorKind::InvalidArgument, "TURN port " + std::to_string(taken) +
                                                    " is a client port already: --turn-port and --turn-tls-port must differ "
                                                    "from --port, --tls-port and --http-port");
  if (o.turn_credential_lifetime) {
    if (*o.turn_credential_lifetime < kMinTurnCredentialLifetime || *o.turn_credential_lifetime > kMaxTurnCredentialLifetime)
      throw Error(ErrorKind::InvalidArgument, "--turn-lifetime " + std::to_string(*o.turn_credential_lifetime) +
                                                  ": expected seconds from " + std::to_string(kMinTurnCredentialLifetime) +
                                                  " to " + std::to_string(kMaxTurnCredentialLifetime));
    j.turn_credential_lifetime = static_cast<std::size_t>(*o.turn_credential_lifetime);
  }
  if (o.turn_allow_peers) {
    try {
      j.turn_allow_peers = checked_turn_peers(*o.turn_allow_peers);
    } catch (const Error& e) {
      const std::string what = e.what();
      throw Error(ErrorKind::InvalidArgument, what.starts_with("--turn") ? what : "--turn-allow-peers: " + what);
    }
  }
  if (!j.turn) return;
  const fs::path secret_file = turn_secret_path(j);
  std::error_code ec;
  if (fs::exists(secret_file, ec)) {
    plan.turn_secret = read_secret_file(secret_file);  // refuses a file others may read
  } else {
    plan.turn_secret = random_secret();
    plan.new_turn_secret = true;
  }
  plan.turn_config = plan.config.parent_path() / kTurnConfigName;
  plan.turn_text = render_turnserver(plan.after, plan.turn_secret, turn_process_user());
}

std::vector<std::string> apply_turn(const JabberPlan& plan) {
  const JabberSettings& j = plan.after.jabber;
  if (!j.turn) {
    // Turned off: coturn's file goes (its unit and init script need it), so the relay does
    // not come back at the next boot; the secret stays for a later --turn on.
    std::error_code ec;
    if (plan.before.jabber.turn) fs::remove(plan.config.parent_path() / kTurnConfigName, ec);
    return {};
  }
  std::vector<std::string> written;
  const fs::path secret_file = turn_secret_path(j);
  if (plan.new_turn_secret) {
    write_private_file(secret_file, plan.turn_secret);
    // cl-jabberd runs as its own account and reads it at start and on SIGHUP.
    if (const auto server = server_account(); server && ::geteuid() == 0 &&
                                              ::chown(secret_file.c_str(), server->uid, server->gid) != 0)
      throw Error(ErrorKind::Directory, "cannot give " + secret_file.string() + " to " + server->name);
    written.push_back(secret_file.string());
  }
  // coturn starts as root and reads it before dropping to its account (proc-user).
  write_private_file(plan.turn_config, plan.turn_text);
  written.push_back(plan.turn_config.string());
  return written;
}

std::string stun_disco_yaml(const Settings& settings, std::string_view secret) {
  const JabberSettings& j = settings.jabber;
  if (!j.turn) return "  ## Calls' STUN/TURN (XEP-0215) are off (cl-setup --turn on).";
  std::string out = "  ## Calls: the coturn cl-setup configured (turnserver.conf), credentials from its secret.\n"
                    "  mod_stun_disco:\n"
                    "    offer_local_services: false\n"
                    "    credentials_lifetime: " + std::to_string(j.turn_credential_lifetime) + "\n"
                    "    secret: " + render::yaml_quoted(secret, "TURN secret") + "\n"
                    "    services:\n";
  for (const TurnService& s : turn_services(settings))
    out += "      -\n        host: " + render::yaml_quoted(s.host, "turn host") + "\n        port: " + std::to_string(s.port) +
           "\n        type: " + s.type + "\n        transport: " + s.transport +
           "\n        restricted: " + (s.restricted ? "true" : "false") + "\n";
  out.pop_back();
  return out;
}

}  // namespace jabberadmin::setup
