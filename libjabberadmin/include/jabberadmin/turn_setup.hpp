// Calls' relay: the configuration `cl-setup jabber --turn on` writes for Debian's coturn, and
// the shared secret cl-jabberd makes TURN credentials from (XEP-0215, coturn's
// use-auth-secret). The Jabber setup calls these; they touch no file themselves.
#pragma once

#include <string>
#include <string_view>

#include "jabberadmin/jabber_setup.hpp"
#include "jabberadmin/settings.hpp"

namespace jabberadmin::setup {

inline constexpr const char* kTurnConfigName = "turnserver.conf";

// The host clients reach the relay at: turn_host, else the primary host.
std::string turn_host(const Settings& settings);

// One service of the relay as clients are told of it (XEP-0215 <service/>, ejabberd's
// mod_stun_disco): STUN on UDP; TURN on UDP and TCP at turn_port; TURN over TLS at
// turn_tls_port when there is one. Every TURN entry needs credentials (restricted).
struct TurnService {
  std::string type;       // stun | turn | turns
  std::string transport;  // udp | tcp
  std::string host;
  std::uint16_t port = 0;
  bool restricted = false;
};
// Nothing when turn is off.
std::vector<TurnService> turn_services(const Settings& settings);

// Checks the private networks the relay may reach (CIDR, canonical, each once): loopback is
// refused (a credential must never reach this machine's own services). Throws
// Error(InvalidArgument) naming the network.
std::vector<std::string> checked_turn_peers(const std::vector<std::string>& networks);

// turnserver.conf from templates/turnserver.conf.in. process_user: the system account
// coturn drops to after reading its files (empty: it runs as whoever starts it).
std::string render_turnserver(const Settings& settings, std::string_view secret, std::string_view process_user);

// The coturn system account Debian's package makes, when this runs as root and it exists:
// coturn then starts as root (reads the 0600 files) and drops to it.
std::string turn_process_user();

// Applies the turn options to plan.after (checked; the ports must not be the server's own),
// keeps the secret turn_secret_file holds or makes one, and renders turnserver.conf beside
// the settings when turn is on. Throws Error(InvalidArgument) naming the bad value.
void plan_turn(const JabberOptions& options, JabberPlan& plan);
// Writes the secret (a new one only: 0600, the server's) and turnserver.conf (0600). Returns
// the files written. Turned off, removes turnserver.conf (the secret stays).
std::vector<std::string> apply_turn(const JabberPlan& plan);

// ejabberd.yml's mod_stun_disco for the same relay, or a comment when turn is off.
std::string stun_disco_yaml(const Settings& settings, std::string_view secret);

}  // namespace jabberadmin::setup
