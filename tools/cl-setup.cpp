// cl-setup: sets up a service. `cl-setup ldap` makes (or adopts) the directory;
// `cl-setup jabber` the Jabber service on it (admin account, certificate, server configs).
#include <unistd.h>

#include <iostream>

#include "cli.hpp"
#include "jabberadmin/error.hpp"
#include "jabberadmin/jabber_setup.hpp"
#include "jabberadmin/ldap_setup.hpp"
#include "jabberadmin/service_manager.hpp"

using namespace jabberadmin;

int main(int argc, char** argv) {
  cli::Tool tool("cl-setup", "Set up a service: ldap (the directory) or jabber", {"ldap", "jabber"});
  setup::PrivateLdap private_ldap;
  setup::ExistingLdap existing;
  bool stop = false;
  std::string hosts, history, history_dir, listen, certfile, server, scram_upgrade, group_rooms, mam, web_client;
  std::string turn, turn_host, turn_allow_peers;
  std::uint16_t turn_port = 0, turn_tls_port = 0;
  std::int64_t turn_lifetime = 0;
  std::string s2s, s2s_dialback, s2s_block, s2s_allow, admins, metrics, metrics_allow;
  std::uint16_t port = 0, tls_port = 0, http_port = 0, s2s_port = 0, s2s_tls_port = 0;
  std::int64_t max_stanza_size = 0, scram_iterations = 0, mam_retention = 0;
  std::int64_t upload_max_size = 0, upload_quota = 0, upload_disk_quota = 0, upload_expire = 0, upload_rate = 0;
  auto& app = tool.app;
  auto* state_dir = app.add_option("--state-dir", private_ldap.state_dir,
                                   "ldap: the private slapd's directory (default: the one the settings record, else "
                                   "/var/lib/jabberadmin/ldap); jabber: the server's data directory");
  app.add_option("--base-dn", private_ldap.base_dn, "Base DN of the directory (ldap)")->capture_default_str();
  app.add_option("--ldap-listen", private_ldap.listen, "Extra URI for the private slapd, e.g. ldap://127.0.0.1:3890/");
  app.add_option("--ldap-uri", existing.uri, "Adopt the existing directory at this URI instead (ldap)");
  app.add_option("--bind-dn", existing.bind_dn, "DN to bind as in the existing directory (ldap)");
  app.add_option("--bind-password-file", existing.bind_password_file, "File (mode 0600) with that DN's password");
  app.add_flag("--stop", stop, "Stop the private slapd (ldap)");
  app.add_flag("--repoint", private_ldap.repoint,
               "Point the settings at this directory although they record another one (ldap)");
  auto* o_hosts = app.add_option("--hosts", hosts, "Hosts served beside the primary one, comma-separated (jabber)");
  auto* o_history = app.add_option("--history", history, "Log every message: on or off (jabber)")
                        ->check(CLI::IsMember({"on", "off"}));
  auto* o_history_dir = app.add_option("--history-dir", history_dir, "Where history goes (jabber; default /var/log/jabber)");
  auto* o_listen = app.add_option("--listen", listen, "Client listen addresses, comma-separated, or 'all' (jabber)");
  auto* o_port = app.add_option("--port", port, "Client port, STARTTLS (jabber; default 5222)");
  auto* o_tls_port = app.add_option("--tls-port", tls_port, "Client port, direct TLS (jabber; default 5223)");
  auto* o_http_port = app.add_option("--http-port", http_port,
                                     "HTTPS port: XMPP over WebSocket, XEP-0156 (jabber; default 0 = off, e.g. 5443)");
  auto* o_max_stanza = app.add_option("--max-stanza-size", max_stanza_size,
                                      "Largest stanza a client may send, in bytes (jabber; default 65536, 10240..16777216)");
  auto* o_scram = app.add_option("--scram-iterations", scram_iterations,
                                 "PBKDF2 iterations of new passwords' SCRAM verifiers (jabber; default 4096, at least 4096)");
  auto* o_scram_upgrade =
      app.add_option("--scram-upgrade-on-plain", scram_upgrade,
                     "Give accounts without SCRAM verifiers theirs at their next PLAIN login: on or off (jabber; default off)")
          ->check(CLI::IsMember({"on", "off"}));
  auto* o_group_rooms = app.add_option("--group-rooms", group_rooms,
                                       "A members-only room for every directory group: on or off (jabber; default on)")
                            ->check(CLI::IsMember({"on", "off"}));
  auto* o_web_client =
      app.add_option("--web-client", web_client,
                     "Serve the web client at https://<host>:<http-port>/ where its files are installed: on or off "
                     "(jabber; default on)")
          ->check(CLI::IsMember({"on", "off"}));
  auto* o_metrics = app.add_option("--metrics", metrics,
                                   "Prometheus metrics at https://<host>:<http-port>/metrics: on or off (jabber; default on)")
                        ->check(CLI::IsMember({"on", "off"}));
  auto* o_metrics_allow =
      app.add_option("--metrics-allow", metrics_allow,
                     "IP networks (CIDR) /metrics answers, comma-separated (jabber; default 127.0.0.0/8,::1/128)");
  auto* o_mam = app.add_option("--mam", mam, "Keep every account's message archive (XEP-0313): on or off (jabber; default on)")
                    ->check(CLI::IsMember({"on", "off"}));
  auto* o_mam_retention = app.add_option("--mam-retention", mam_retention,
                                         "Days an archived message is kept, 0 for ever (jabber; default 0)");
  auto* o_upload_max_size = app.add_option("--upload-max-size", upload_max_size,
                                           "Largest file a user may upload (XEP-0363), in bytes (jabber; default 10485760)");
  auto* o_upload_quota = app.add_option("--upload-quota", upload_quota,
                                        "Bytes of uploaded files one user may keep, 0 no limit (jabber; default 104857600)");
  auto* o_upload_disk_quota = app.add_option("--upload-disk-quota", upload_disk_quota,
                                             "Bytes of uploaded files all users may keep, 0 no limit (jabber; default 1073741824)");
  auto* o_upload_expire = app.add_option("--upload-expire", upload_expire,
                                         "Days an uploaded file is kept, 0 for ever (jabber; default 30)");
  auto* o_upload_rate = app.add_option("--upload-rate", upload_rate,
                                       "Bytes per second one upload is read at, 0 no limit (jabber; default 0)");
  auto* o_s2s = app.add_option("--s2s", s2s, "Federation with other servers: on or off (jabber; default off)")
                    ->check(CLI::IsMember({"on", "off"}));
  auto* o_s2s_port = app.add_option("--s2s-port", s2s_port, "Port for other servers (jabber; default 5269)");
  auto* o_s2s_tls_port = app.add_option("--s2s-tls-port", s2s_tls_port,
                                        "Direct-TLS port for other servers (XEP-0368), 0 none (jabber; default 0)");
  auto* o_s2s_dialback =
      app.add_option("--s2s-dialback", s2s_dialback,
                     "Accept dialback from servers without a valid certificate: on or off (jabber; default on)")
          ->check(CLI::IsMember({"on", "off"}));
  auto* o_s2s_block = app.add_option("--s2s-block", s2s_block,
                                     "Remote domains refused both ways, comma-separated, or 'none' (jabber)");
  auto* o_s2s_allow = app.add_option("--s2s-allow", s2s_allow,
                                     "The only remote domains accepted, comma-separated, or 'all' (jabber; default all)");
  auto* o_admins = app.add_option("--admins", admins,
                                  "More bare JIDs that may run the XEP-0133 admin commands (admin@<host> always may), "
                                  "comma-separated, or 'none' (jabber)");
  auto* o_turn = app.add_option("--turn", turn,
                                "Calls: configure coturn and hand its STUN/TURN to users (XEP-0215): on or off "
                                "(jabber; default off)")
                     ->check(CLI::IsMember({"on", "off"}));
  auto* o_turn_host = app.add_option("--turn-host", turn_host,
                                     "Name or address clients reach the relay at (jabber; default the primary host)");
  auto* o_turn_port = app.add_option("--turn-port", turn_port, "STUN/TURN port, UDP and TCP (jabber; default 3478)");
  auto* o_turn_tls_port = app.add_option("--turn-tls-port", turn_tls_port,
                                         "TURN over TLS port, 0 none (jabber; default 5349)");
  auto* o_turn_lifetime = app.add_option("--turn-lifetime", turn_lifetime,
                                         "Seconds a TURN credential is good for (jabber; default 86400, 3600..2592000)");
  auto* o_turn_allow_peers =
      app.add_option("--turn-allow-peers", turn_allow_peers,
                     "Private networks (CIDR) the relay may reach, comma-separated, or 'none' (jabber; default none)");
  auto* o_certfile = app.add_option("--certfile", certfile, "PEM with key and certificate; '' = self-signed (jabber)");
  auto* o_server = app.add_option("--server", server, "Server to run: builtin (cl-jabberd) or ejabberd (jabber)")
                       ->check(CLI::IsMember({"builtin", "ejabberd"}));
  tool.add_password_options();

  return tool.run(argc, argv, [&] {
    setup::Steps steps;
    if (tool.service() == "jabber") {
      setup::JabberOptions options;
      if (o_hosts->count()) options.hosts = cli::split_list(hosts);
      if (o_history->count()) options.history = history == "on";
      if (o_history_dir->count()) options.history_dir = history_dir;
      if (o_listen->count()) options.listen = listen == "all" ? std::vector<std::string>{} : cli::split_list(listen);
      if (o_port->count()) options.port = port;
      if (o_tls_port->count()) options.tls_port = tls_port;
      if (o_http_port->count()) options.http_port = http_port;
      if (o_max_stanza->count()) options.max_stanza_size = max_stanza_size;
      if (o_certfile->count()) options.certfile = certfile;
      if (o_scram->count()) options.scram_iterations = scram_iterations;
      if (o_scram_upgrade->count()) options.scram_upgrade_on_plain = scram_upgrade == "on";
      if (o_group_rooms->count()) options.group_rooms = group_rooms == "on";
      if (o_web_client->count()) options.web_client = web_client == "on";
      if (o_metrics->count()) options.metrics = metrics == "on";
      if (o_metrics_allow->count()) options.metrics_allow = cli::split_list(metrics_allow);
      if (o_mam->count()) options.mam = mam == "on";
      if (o_mam_retention->count()) options.mam_retention_days = mam_retention;
      if (o_upload_max_size->count()) options.upload_max_file_size = upload_max_size;
      if (o_upload_quota->count()) options.upload_quota_per_user = upload_quota;
      if (o_upload_disk_quota->count()) options.upload_disk_quota = upload_disk_quota;
      if (o_upload_expire->count()) options.upload_expire_days = upload_expire;
      if (o_upload_rate->count()) options.upload_rate_limit = upload_rate;
      if (o_s2s->count()) options.s2s = s2s == "on";
      if (o_s2s_port->count()) options.s2s_port = s2s_port;
      if (o_s2s_tls_port->count()) options.s2s_tls_port = s2s_tls_port;
      if (o_s2s_dialback->count()) options.s2s_dialback = s2s_dialback == "on";
      if (o_s2s_block->count())
        options.s2s_block = s2s_block == "none" ? std::vector<std::string>{} : cli::split_list(s2s_block);
      if (o_s2s_allow->count())
        options.s2s_allow = s2s_allow == "all" ? std::vector<std::string>{} : cli::split_list(s2s_allow);
      if (o_admins->count()) options.admins = admins == "none" ? std::vector<std::string>{} : cli::split_list(admins);
      if (o_turn->count()) options.turn = turn == "on";
      if (o_turn_host->count()) options.turn_host = turn_host;
      if (o_turn_port->count()) options.turn_port = turn_port;
      if (o_turn_tls_port->count()) options.turn_tls_port = turn_tls_port;
      if (o_turn_lifetime->count()) options.turn_credential_lifetime = turn_lifetime;
      if (o_turn_allow_peers->count())
        options.turn_allow_peers =
            turn_allow_peers == "none" ? std::vector<std::string>{} : cli::split_list(turn_allow_peers);
      if (o_server->count()) options.server = server;
      if (state_dir->count()) options.data_dir = private_ldap.state_dir;
      // Every option is checked before the password is asked for.
      const auto plan = setup::plan_jabber(tool.config_path(), options);
      if (::isatty(0)) std::cerr << "Password for " << kAdminName << "@" << plan.after.jabber.hosts.front() << ":\n";
      const std::string password = cli::read_new_password(false, tool.min_password_length());
      steps = setup::apply_jabber(plan, password);
      const auto& j = plan.after.jabber;
      if (j.server == "builtin" && plan.config == service::kUnitConfig && j.data_dir == service::kUnitServerDataDir &&
          service::manages(service::kServerUnit))
        steps.push_back(service::enable_and_start(service::kServerUnit, /*restart=*/true));
      if (plan.config == service::kUnitConfig && service::manages(service::kTurnUnit)) {
        if (j.turn) steps.push_back(service::enable_and_start(service::kTurnUnit, /*restart=*/true));
        else if (plan.before.jabber.turn) steps.push_back(service::stop(service::kTurnUnit));
      }
    } else if (stop) {
      steps = setup::stop_private_ldap(tool.settings().ldap);
    } else if (!existing.uri.empty()) {
      existing.base_dn = private_ldap.base_dn;
      existing.repoint = private_ldap.repoint;
      steps = setup::adopt_ldap(tool.config_path(), existing);
    } else {
      steps = setup::setup_private_ldap(tool.config_path(), private_ldap);
    }
    for (const auto& step : steps) (step.starts_with("warning: ") ? std::cerr : std::cout) << step << '\n';
    return 0;
  });
}
