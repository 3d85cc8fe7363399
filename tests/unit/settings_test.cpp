// Settings::load checks every value of a hand-edited file before anyone uses it.
#include <gtest/gtest.h>

#include <fstream>

#include "../support/temp_dir.hpp"
#include "jabberadmin/error.hpp"
#include "jabberadmin/settings.hpp"

namespace jabberadmin {
namespace {

constexpr const char* kLdap = "[ldap]\nuri = 'ldapi://%2Frun%2Fslapd'\nbase_dn = 'dc=test'\n";

class SettingsLoad : public ::testing::Test {
 protected:
  test::TempDir dir{"settings"};
  std::filesystem::path write(const std::string& text) {
    const auto path = dir / "jabberadmin.conf";
    std::ofstream(path) << text;
    return path;
  }
  // The error of loading [jabber] with this one line (or "" when it loads).
  std::string jabber_error(const std::string& line) {
    try {
      Settings::load(write(std::string(kLdap) + "[jabber]\n" + line + "\n"));
      return "";
    } catch (const Error& e) {
      EXPECT_EQ(e.kind(), ErrorKind::InvalidArgument) << e.what();
      return e.what();
    }
  }
};

TEST_F(SettingsLoad, EveryValueIsCheckedWithFileKeyAndWhatIsAccepted) {
  const std::string file = (dir / "jabberadmin.conf").string() + ": ";
  EXPECT_EQ(jabber_error("port = 99999"), file + "[jabber] port = 99999: expected an integer from 1 to 65535");
  EXPECT_EQ(jabber_error("port = 0"), file + "[jabber] port = 0: expected an integer from 1 to 65535");
  EXPECT_EQ(jabber_error("tls_port = '5223'"), file + "[jabber] tls_port = '5223': expected an integer from 1 to 65535");
  EXPECT_EQ(jabber_error("port = 5223"), file + "[jabber] port = 5223: expected a port other than tls_port's (5223)");
  EXPECT_EQ(jabber_error("http_port = 70000"), file + "[jabber] http_port = 70000: expected an integer from 0 to 65535");
  EXPECT_EQ(jabber_error("http_port = 5222"),
            file + "[jabber] http_port = 5222: expected a port other than port's and tls_port's");
  EXPECT_EQ(jabber_error("history = 'yes'"), file + "[jabber] history = 'yes': expected true or false (without quotes)");
  EXPECT_EQ(jabber_error("max_stanza_size = 10"),
            file + "[jabber] max_stanza_size = 10: expected an integer from 10240 to 16777216");
  EXPECT_EQ(jabber_error("max_stanza_size = -1"),
            file + "[jabber] max_stanza_size = -1: expected an integer from 10240 to 16777216");
  EXPECT_NE(jabber_error("max_stanza_size = 1.5e6").find("expected an integer from 10240 to 16777216"), std::string::npos);
  EXPECT_NE(jabber_error("hosts = 'a.ru'").find("[jabber] hosts = 'a.ru': expected an array of host names"), std::string::npos);
  EXPECT_NE(jabber_error("hosts = ['a..b']").find("'a..b'"), std::string::npos) << "the value is shown";
  EXPECT_NE(jabber_error("hosts = ['a..b']").find(": expected an array of host names"), std::string::npos);
  EXPECT_NE(jabber_error("listen = ['localhost']").find("expected an array of IP addresses"), std::string::npos);
  EXPECT_NE(jabber_error("listen = [1]").find("expected an array of IP addresses"), std::string::npos);
  EXPECT_NE(jabber_error("server = 'prosody'").find("expected 'builtin' or 'ejabberd'"), std::string::npos);
  EXPECT_NE(jabber_error("history_dir = 'log'").find("[jabber] history_dir = 'log': expected an absolute path"),
            std::string::npos);
  EXPECT_NE(jabber_error("certfile = 5").find("[jabber] certfile = 5: expected an absolute path"), std::string::npos);
  EXPECT_NE(jabber_error("data_dir = true").find("[jabber] data_dir = true"), std::string::npos);
}

TEST_F(SettingsLoad, ScramIterationsAreAtLeastRfc7677s4096) {
  const std::string file = (dir / "jabberadmin.conf").string() + ": ";
  EXPECT_EQ(jabber_error("scram_iterations = 1000"),
            file + "[jabber] scram_iterations = 1000: expected an integer from 4096 to 1000000");
  EXPECT_EQ(jabber_error("scram_iterations = '8192'"),
            file + "[jabber] scram_iterations = '8192': expected an integer from 4096 to 1000000");
  EXPECT_EQ(Settings::load(write(std::string(kLdap) + "[jabber]\n")).jabber.scram_iterations, scram::kDefaultIterations);
  const Settings s = Settings::load(write(std::string(kLdap) + "[jabber]\nscram_iterations = 10000\n"));
  EXPECT_EQ(s.jabber.scram_iterations, 10000u);
  s.save(dir / "again.conf");
  EXPECT_EQ(Settings::load(dir / "again.conf").jabber.scram_iterations, 10000u);
}

TEST_F(SettingsLoad, MessageArchiveIsOnByDefaultAndItsSettingsAreChecked) {
  const std::string file = (dir / "jabberadmin.conf").string() + ": ";
  const Settings defaults = Settings::load(write(std::string(kLdap) + "[jabber]\n"));
  EXPECT_TRUE(defaults.jabber.mam);
  EXPECT_EQ(defaults.jabber.mam_default, "always");
  EXPECT_EQ(defaults.jabber.mam_retention_days, 0u);
  EXPECT_EQ(jabber_error("mam = 'on'"), file + "[jabber] mam = 'on': expected true or false (without quotes)");
  EXPECT_EQ(jabber_error("mam_default = 'sometimes'"),
            file + "[jabber] mam_default = 'sometimes': expected 'always', 'roster' or 'never'");
  EXPECT_NE(jabber_error("mam_retention_days = -1").find("expected an integer from 0"), std::string::npos);
  // A century at most: the limit cl-setup's --mam-retention has and the pruning assumes.
  EXPECT_EQ(jabber_error("mam_retention_days = 40000"),
            file + "[jabber] mam_retention_days = 40000: expected an integer from 0 to 36500");
  EXPECT_EQ(jabber_error("mam_retention_days = 36501"),
            file + "[jabber] mam_retention_days = 36501: expected an integer from 0 to 36500");
  EXPECT_EQ(Settings::load(write(std::string(kLdap) + "[jabber]\nmam_retention_days = 36500\n")).jabber.mam_retention_days,
            36500u);
  const Settings s = Settings::load(
      write(std::string(kLdap) + "[jabber]\nmam = false\nmam_default = 'roster'\nmam_retention_days = 30\n"));
  EXPECT_FALSE(s.jabber.mam);
  EXPECT_EQ(s.jabber.mam_default, "roster");
  EXPECT_EQ(s.jabber.mam_retention_days, 30u);
  s.save(dir / "again.conf");
  const Settings again = Settings::load(dir / "again.conf");
  EXPECT_FALSE(again.jabber.mam);
  EXPECT_EQ(again.jabber.mam_default, "roster");
  EXPECT_EQ(again.jabber.mam_retention_days, 30u);
}

TEST_F(SettingsLoad, ScramUpgradeOnPlainIsOffUnlessSaidAndSurvivesASave) {
  const std::string file = (dir / "jabberadmin.conf").string() + ": ";
  EXPECT_FALSE(Settings::load(write(std::string(kLdap) + "[jabber]\n")).jabber.scram_upgrade_on_plain);
  EXPECT_EQ(jabber_error("scram_upgrade_on_plain = 'on'"),
            file + "[jabber] scram_upgrade_on_plain = 'on': expected true or false (without quotes)");
  Settings s = Settings::load(write(std::string(kLdap) + "[jabber]\nscram_upgrade_on_plain = true\n"));
  EXPECT_TRUE(s.jabber.scram_upgrade_on_plain);
  s.save(dir / "again.conf");
  EXPECT_TRUE(Settings::load(dir / "again.conf").jabber.scram_upgrade_on_plain);
}

TEST_F(SettingsLoad, GroupRoomsAreOnUnlessSaidAndOffSurvivesASave) {
  const std::string file = (dir / "jabberadmin.conf").string() + ": ";
  EXPECT_TRUE(Settings::load(write(std::string(kLdap) + "[jabber]\n")).jabber.group_rooms);
  EXPECT_EQ(jabber_error("group_rooms = 'off'"), file + "[jabber] group_rooms = 'off': expected true or false (without quotes)");
  Settings s = Settings::load(write(std::string(kLdap) + "[jabber]\ngroup_rooms = false\n"));
  EXPECT_FALSE(s.jabber.group_rooms);
  s.save(dir / "again.conf");
  EXPECT_FALSE(Settings::load(dir / "again.conf").jabber.group_rooms);
}

// The web client is on, from the data directory the package installs it into, unless said;
// what was said survives a save, and a default is not written (a later one reaches the file).
TEST_F(SettingsLoad, WebClientIsOnFromTheDataDirectoryUnlessSaid) {
  const std::string file = (dir / "jabberadmin.conf").string() + ": ";
  const Settings defaults = Settings::load(write(std::string(kLdap) + "[jabber]\n"));
  EXPECT_TRUE(defaults.jabber.web_client);
  EXPECT_EQ(defaults.jabber.web_client_dir, default_web_client_dir());
  EXPECT_EQ(default_web_client_dir().filename(), "webclient");
  EXPECT_EQ(jabber_error("web_client = 'on'"), file + "[jabber] web_client = 'on': expected true or false (without quotes)");
  Settings s = Settings::load(write(std::string(kLdap) + "[jabber]\nweb_client = false\nweb_client_dir = '/srv/converse'\n"));
  EXPECT_FALSE(s.jabber.web_client);
  EXPECT_EQ(s.jabber.web_client_dir, "/srv/converse");
  s.jabber.configured = true;
  s.save(dir / "again.conf");
  const Settings again = Settings::load(dir / "again.conf");
  EXPECT_FALSE(again.jabber.web_client);
  EXPECT_EQ(again.jabber.web_client_dir, "/srv/converse");
  Settings plain = defaults;
  plain.jabber.configured = true;
  plain.save(dir / "plain.conf");
  std::ifstream in(dir / "plain.conf");
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(text.find("web_client"), std::string::npos) << text;
}

// Calls are off unless said; the TURN keys are checked (ports, lifetime, host, networks),
// survive a save, and defaults are not written.
TEST_F(SettingsLoad, TurnIsOffUnlessSaidAndItsKeysAreChecked) {
  const std::string file = (dir / "jabberadmin.conf").string() + ": ";
  const Settings defaults = Settings::load(write(std::string(kLdap) + "[jabber]\n"));
  EXPECT_FALSE(defaults.jabber.turn);
  EXPECT_EQ(defaults.jabber.turn_port, 3478);
  EXPECT_EQ(defaults.jabber.turn_tls_port, 5349);
  EXPECT_EQ(defaults.jabber.turn_credential_lifetime, 86400u);
  EXPECT_EQ(turn_secret_path(defaults.jabber), std::filesystem::path("turn-secret"));
  EXPECT_EQ(jabber_error("turn_credential_lifetime = 60"),
            file + "[jabber] turn_credential_lifetime = 60: expected seconds from 3600 to 2592000");
  EXPECT_NE(jabber_error("turn_credential_lifetime = 2592001").find("expected an integer from 0 to 2592000"),
            std::string::npos);
  EXPECT_EQ(jabber_error("turn_tls_port = 3478"), file + "[jabber] turn_tls_port = 3478: expected 0 or a port other than turn_port's");
  EXPECT_EQ(jabber_error("turn_host = 'a b'"), file + "[jabber] turn_host = 'a b': expected a host name or an IP address ('' = the primary host)");
  for (const std::string bad : {"'192.168.1.1/24'", "'127.0.0.1'", "'0.0.0.0/0'", "'::/0'", "'::1'"}) {
    SCOPED_TRACE(bad);
    EXPECT_NE(jabber_error("turn_allow_peers = [" + bad + "]").find("expected an array of private IP networks"),
              std::string::npos);
  }
  Settings s = Settings::load(write(std::string(kLdap) +
                                    "[jabber]\ndata_dir = '/srv/j'\nturn = true\nturn_host = 'TURN.Example.ORG'\nturn_port = 3479\n"
                                    "turn_tls_port = 0\nturn_credential_lifetime = 7200\n"
                                    "turn_allow_peers = ['192.168.1.0/24', 'FD00::/8']\n"));
  EXPECT_TRUE(s.jabber.turn);
  EXPECT_EQ(s.jabber.turn_host, "turn.example.org");
  EXPECT_EQ(s.jabber.turn_tls_port, 0);
  EXPECT_EQ(s.jabber.turn_allow_peers, (std::vector<std::string>{"192.168.1.0/24", "fd00::/8"}));
  EXPECT_EQ(turn_secret_path(s.jabber), std::filesystem::path("/srv/j/turn-secret"));
  s.jabber.configured = true;
  s.save(dir / "again.conf");
  const Settings again = Settings::load(dir / "again.conf");
  EXPECT_TRUE(again.jabber.turn);
  EXPECT_EQ(again.jabber.turn_host, s.jabber.turn_host);
  EXPECT_EQ(again.jabber.turn_port, 3479);
  EXPECT_EQ(again.jabber.turn_tls_port, 0);
  EXPECT_EQ(again.jabber.turn_credential_lifetime, 7200u);
  EXPECT_EQ(again.jabber.turn_allow_peers, s.jabber.turn_allow_peers);
  Settings plain = defaults;
  plain.jabber.configured = true;
  plain.save(dir / "plain.conf");
  std::ifstream in(dir / "plain.conf");
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(text.find("turn"), std::string::npos) << "defaults are not written: " << text;
}

// Metrics are on for loopback unless said; metrics_allow is checked network by network (the
// whole array named in the error), kept canonical, and survives a save; [] allows nobody.
TEST_F(SettingsLoad, MetricsAreOnForLoopbackUnlessSaidAndTheNetworksAreChecked) {
  const std::string file = (dir / "jabberadmin.conf").string() + ": ";
  const Settings defaults = Settings::load(write(std::string(kLdap) + "[jabber]\n"));
  EXPECT_TRUE(defaults.jabber.metrics);
  EXPECT_EQ(defaults.jabber.metrics_allow, (std::vector<std::string>{"127.0.0.0/8", "::1/128"}));
  EXPECT_EQ(jabber_error("metrics = 'yes'"), file + "[jabber] metrics = 'yes': expected true or false (without quotes)");
  const std::string accepted = ": expected an array of IP networks, e.g. ['127.0.0.0/8', '::1/128']";
  EXPECT_EQ(jabber_error("metrics_allow = '127.0.0.1'"), file + "[jabber] metrics_allow = '127.0.0.1'" + accepted);
  for (const std::string bad : {"'127.0.0.1/8'", "'localhost'", "'10.0.0.0/33'", "'::1/129'", "1"}) {
    SCOPED_TRACE(bad);
    EXPECT_NE(jabber_error("metrics_allow = ['::1', " + bad + "]").find(accepted), std::string::npos);
  }
  Settings s = Settings::load(
      write(std::string(kLdap) + "[jabber]\nmetrics = false\nmetrics_allow = ['10.0.0.0/8', '2001:DB8::', '10.0.0.0/8']\n"));
  EXPECT_FALSE(s.jabber.metrics);
  EXPECT_EQ(s.jabber.metrics_allow, (std::vector<std::string>{"10.0.0.0/8", "2001:db8::/128"}));
  s.jabber.configured = true;
  s.save(dir / "again.conf");
  const Settings again = Settings::load(dir / "again.conf");
  EXPECT_FALSE(again.jabber.metrics);
  EXPECT_EQ(again.jabber.metrics_allow, s.jabber.metrics_allow);
  EXPECT_TRUE(Settings::load(write(std::string(kLdap) + "[jabber]\nmetrics_allow = []\n")).jabber.metrics_allow.empty());
  Settings plain = defaults;
  plain.jabber.configured = true;
  plain.save(dir / "plain.conf");
  std::ifstream in(dir / "plain.conf");
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(text.find("metrics"), std::string::npos) << "defaults are not written: " << text;
}

// Federation is off unless said (cl-jabberd(8), "Federation"); its route map, block and
// allow lists are checked entry by entry and survive a save.
TEST_F(SettingsLoad, FederationIsOffUnlessSaidAndItsListsAreChecked) {
  const std::string file = (dir / "jabberadmin.conf").string() + ": ";
  const Settings defaults = Settings::load(write(std::string(kLdap) + "[jabber]\n"));
  EXPECT_FALSE(defaults.jabber.s2s);
  EXPECT_EQ(defaults.jabber.s2s_port, 5269);
  EXPECT_TRUE(defaults.jabber.s2s_dialback);
  EXPECT_EQ(defaults.jabber.s2s_stanza_rate, 500u);
  EXPECT_EQ(defaults.jabber.s2s_byte_rate, 1u << 20);
  EXPECT_EQ(jabber_error("s2s_routes = ['b.test']"),
            file + "[jabber] s2s_routes = [ 'b.test' ]: expected an array of 'domain=host:port' or 'domain=tls://host:port', e.g. ['example.org=10.0.0.5:5269']");
  EXPECT_NE(jabber_error("s2s_routes = ['b.test=h:0']"), "");
  EXPECT_NE(jabber_error("s2s_routes = ['b.test=h:x']"), "");
  EXPECT_NE(jabber_error("s2s_block = ['not a domain!']"), "");
  EXPECT_NE(jabber_error("s2s = true\ns2s_port = 5222"), "") << "the client port";
  EXPECT_NE(jabber_error("s2s = true\ns2s_tls_port = 5269"), "") << "the STARTTLS server port";
  EXPECT_NE(jabber_error("s2s_tls_port = 70000"), "");
  EXPECT_NE(jabber_error("s2s_routes = ['b.test=tls://']"), "") << "no host";
  EXPECT_NE(jabber_error("s2s_routes = ['b.test=tls://h:0']"), "");
  EXPECT_EQ(defaults.jabber.s2s_tls_port, 0) << "no direct-TLS port unless asked";
  EXPECT_NE(jabber_error("s2s_queue_timeout = 0"), "");
  Settings s = Settings::load(write(std::string(kLdap) +
                                    "[jabber]\ns2s = true\ns2s_port = 5270\ns2s_dialback = false\n"
                                    "s2s_ca_file = '/etc/ssl/ca.pem'\n"
                                    "s2s_routes = ['B.Test=127.0.0.1:5280', 'c.test=[::1]', 'd.test=peer.lan', "
                                    "'e.test=tls://peer.lan', 'f.test=tls://[::1]:5999']\ns2s_tls_port = 5271\n"
                                    "s2s_block = ['Spam.Example']\ns2s_allow = ['b.test']\ns2s_queue_size = 7\n"));
  EXPECT_TRUE(s.jabber.s2s);
  EXPECT_EQ(s.jabber.s2s_port, 5270);
  EXPECT_FALSE(s.jabber.s2s_dialback);
  EXPECT_EQ(s.jabber.s2s_ca_file, "/etc/ssl/ca.pem");
  EXPECT_EQ(s.jabber.s2s_routes, (std::vector<S2sRoute>{{"b.test", "127.0.0.1", 5280},
                                                        {"c.test", "::1", 5269},
                                                        {"d.test", "peer.lan", 5269},
                                                        {"e.test", "peer.lan", 5270, true},
                                                        {"f.test", "::1", 5999, true}}));
  EXPECT_EQ(s.jabber.s2s_tls_port, 5271);
  EXPECT_EQ(s.jabber.s2s_block, std::vector<std::string>{"spam.example"});
  EXPECT_EQ(s.jabber.s2s_allow, std::vector<std::string>{"b.test"});
  EXPECT_EQ(s.jabber.s2s_queue_size, 7u);
  s.jabber.configured = true;
  s.save(dir / "again.conf");
  const Settings again = Settings::load(dir / "again.conf");
  EXPECT_TRUE(again.jabber.s2s);
  EXPECT_EQ(again.jabber.s2s_port, 5270);
  EXPECT_FALSE(again.jabber.s2s_dialback);
  EXPECT_EQ(again.jabber.s2s_routes, s.jabber.s2s_routes);
  EXPECT_EQ(again.jabber.s2s_tls_port, 5271);
  EXPECT_EQ(again.jabber.s2s_block, s.jabber.s2s_block);
  EXPECT_EQ(again.jabber.s2s_allow, s.jabber.s2s_allow);
  EXPECT_EQ(again.jabber.s2s_queue_size, 7u);
  EXPECT_EQ(to_string(parse_s2s_route("x.test=[::1]:5")), "x.test=[::1]:5");
  EXPECT_EQ(to_string(parse_s2s_route("x.test=tls://[::1]")), "x.test=tls://[::1]:5270");
  EXPECT_EQ(to_string(parse_s2s_route("x.test=tls://h.lan:6000")), "x.test=tls://h.lan:6000");
}

// admins (XEP-0133, server/adhoc): bare JIDs, normalised, saved back as they were read.
TEST_F(SettingsLoad, AdminsAreBareJidsAndSurviveASave) {
  EXPECT_TRUE(Settings::load(write(std::string(kLdap) + "[jabber]\n")).jabber.admins.empty()) << "none by default";
  EXPECT_NE(jabber_error("admins = 'root@a.ru'").find("expected an array of bare JIDs"), std::string::npos);
  EXPECT_NE(jabber_error("admins = ['root@a.ru/phone']").find("'root@a.ru/phone'"), std::string::npos);
  EXPECT_NE(jabber_error("admins = ['a.ru']"), "") << "a domain is no admin";
  EXPECT_NE(jabber_error("admins = ['@@']"), "");
  Settings s = Settings::load(write(std::string(kLdap) + "[jabber]\nadmins = ['Root@Example.ORG', 'boss@b.test']\n"));
  EXPECT_EQ(s.jabber.admins, (std::vector<std::string>{"root@example.org", "boss@b.test"}));
  s.jabber.configured = true;
  s.save(dir / "admins.conf");
  EXPECT_EQ(Settings::load(dir / "admins.conf").jabber.admins, s.jabber.admins);
  // The administrators: cl-setup's admin@<primary host> first, always, then the others once.
  s.jabber.hosts = {"Example.ORG", "b.test"};
  s.jabber.admins = {"boss@b.test", "admin@example.org"};
  EXPECT_EQ(s.administrators(), (std::vector<std::string>{"admin@example.org", "boss@b.test"}));
  s.jabber.admins.clear();
  EXPECT_EQ(s.administrators(), (std::vector<std::string>{"admin@example.org"}));
}

TEST_F(SettingsLoad, TheMucServiceIsOneDnsLabelOrEmpty) {
  const std::string file = (dir / "jabberadmin.conf").string() + ": ";
  EXPECT_EQ(jabber_error("muc_service = 'rooms.example'"),
            file + "[jabber] muc_service = 'rooms.example': expected one DNS label, e.g. 'conference' ('' = no MUC)");
  EXPECT_NE(jabber_error("muc_service = 'a b'").find("expected one DNS label"), std::string::npos);
  EXPECT_NE(jabber_error("muc_service = 'Rooms'").find("expected one DNS label"), std::string::npos) << "lower case";
  EXPECT_NE(jabber_error("muc_max_occupants = -1").find("muc_max_occupants"), std::string::npos);
  EXPECT_EQ(Settings::load(write(std::string(kLdap) + "[jabber]\n")).jabber.muc_service, "conference");
  const Settings s = Settings::load(write(std::string(kLdap) + "[jabber]\nmuc_service = ''\nmuc_history_size = 50\n"));
  EXPECT_EQ(s.jabber.muc_service, "");
  EXPECT_EQ(s.jabber.muc_history_size, 50u);
  s.save(dir / "again.conf");
  const Settings again = Settings::load(dir / "again.conf");
  EXPECT_EQ(again.jabber.muc_service, "");
  EXPECT_EQ(again.jabber.muc_history_size, 50u);
}

TEST_F(SettingsLoad, TheUploadSettingsAreCheckedAndSurviveASave) {
  const std::string file = (dir / "jabberadmin.conf").string() + ": ";
  const JabberSettings defaults = Settings::load(write(std::string(kLdap) + "[jabber]\n")).jabber;
  EXPECT_EQ(defaults.upload_service, "upload");
  EXPECT_EQ(defaults.upload_max_file_size, 10u << 20);
  EXPECT_EQ(defaults.upload_expire_days, 30u);
  EXPECT_EQ(defaults.upload_rate_limit, 0u);
  EXPECT_EQ(jabber_error("upload_service = 'files.example'"),
            file + "[jabber] upload_service = 'files.example': expected one DNS label, e.g. 'upload' ('' = no upload)");
  EXPECT_EQ(jabber_error("upload_service = 'conference'"),
            file + "[jabber] upload_service = 'conference': expected a name other than muc_service's");
  EXPECT_NE(jabber_error("upload_max_file_size = 0").find("upload_max_file_size = 0: expected"), std::string::npos);
  EXPECT_NE(jabber_error("upload_max_file_size = 1073741825").find("upload_max_file_size"), std::string::npos);
  EXPECT_NE(jabber_error("upload_quota_per_user = -1").find("upload_quota_per_user"), std::string::npos);
  EXPECT_NE(jabber_error("upload_expire_days = 'soon'").find("upload_expire_days"), std::string::npos);
  EXPECT_NE(jabber_error("upload_rate_limit = -1").find("upload_rate_limit = -1: expected"), std::string::npos);
  EXPECT_NE(jabber_error("upload_rate_limit = 'fast'").find("upload_rate_limit"), std::string::npos);
  const Settings s = Settings::load(write(std::string(kLdap) +
                                          "[jabber]\nupload_service = ''\nupload_max_file_size = 5000\n"
                                          "upload_quota_per_user = 0\nupload_disk_quota = 7\nupload_expire_days = 0\n"
                                          "upload_rate_limit = 1048576\n"));
  s.save(dir / "again.conf");
  const JabberSettings again = Settings::load(dir / "again.conf").jabber;
  EXPECT_EQ(again.upload_service, "");
  EXPECT_EQ(again.upload_max_file_size, 5000u);
  EXPECT_EQ(again.upload_quota_per_user, 0u);
  EXPECT_EQ(again.upload_disk_quota, 7u);
  EXPECT_EQ(again.upload_expire_days, 0u);
  EXPECT_EQ(again.upload_rate_limit, 1048576u);
}

TEST_F(SettingsLoad, TheLdapSectionIsCheckedToo) {
  const auto error = [&](const std::string& text) -> std::string {
    try {
      Settings::load(write(text));
      return "";
    } catch (const Error& e) {
      return e.what();
    }
  };
  EXPECT_NE(error("[ldap]\nuri = 5\nbase_dn = 'dc=x'\n").find("[ldap] uri = 5: expected a string"), std::string::npos);
  EXPECT_NE(error("[ldap]\nuri = 'http://x/'\nbase_dn = 'dc=x'\n").find("[ldap] uri = 'http://x/': expected an ldap://"),
            std::string::npos);
  EXPECT_NE(error(std::string(kLdap) + "state_dir = 'rel'\n").find("[ldap] state_dir = 'rel': expected an absolute path"),
            std::string::npos);
}

TEST_F(SettingsLoad, GoodValuesLoadAndSaveRoundTrips) {
  const auto path = write(std::string(kLdap) +
                          "[jabber]\nhosts = ['jabber.example.org', 'пример.рф']\nhistory = true\n"
                          "history_dir = '/var/log/jabber'\nlisten = ['127.0.0.1', '::1']\nport = 15222\n"
                          "tls_port = 15223\ncertfile = ''\nserver = 'ejabberd'\ndata_dir = '/var/lib/j'\n"
                          "max_stanza_size = 10240\n");
  const Settings s = Settings::load(path);
  EXPECT_EQ(s.jabber.port, 15222);
  EXPECT_TRUE(s.jabber.history);
  EXPECT_EQ(s.jabber.max_stanza_size, 10240u);
  EXPECT_EQ(s.jabber.listen, (std::vector<std::string>{"127.0.0.1", "::1"}));
  s.save(dir / "again.conf");
  const Settings again = Settings::load(dir / "again.conf");
  EXPECT_EQ(again.jabber.hosts, s.jabber.hosts);
  EXPECT_EQ(again.jabber.max_stanza_size, s.jabber.max_stanza_size);
  EXPECT_EQ(again.jabber.server, "ejabberd");
  // No [jabber] section: the defaults, not configured.
  EXPECT_FALSE(Settings::load(write(kLdap)).jabber.configured);
}

}  // namespace
}  // namespace jabberadmin
