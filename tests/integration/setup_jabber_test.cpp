// `cl-setup jabber` against a real slapd: the seed commands, what it writes and where, the
// generated ejabberd.yml, validation of hostile values (each refused with a clear error and
// nothing written), the certificate made or checked, and re-runs that keep every account.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <algorithm>
#include <fstream>
#include <set>
#include <sstream>

#include "jabberadmin/certificate.hpp"
#include "jabberadmin/error.hpp"
#include "jabberadmin/jabber_setup.hpp"
#include "jabberadmin/jid.hpp"
#include "jabberadmin/ldap.hpp"
#include "jabberadmin/render.hpp"
#include "slapd_fixture.hpp"
#include "temp_dir.hpp"

namespace jabberadmin::test {
namespace {
namespace fs = std::filesystem;

std::string read_text(const fs::path& path) {
  std::ifstream in(path);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

unsigned mode_of(const fs::path& path) {
  struct stat st {};
  ::stat(path.c_str(), &st);
  return st.st_mode & 07777;
}

bool binds(const Slapd& slapd, const std::string& user, const std::string& password) {
  ldap::ConnectOptions options;
  options.uri = slapd.tcp_uri();
  auto conn = ldap::Connection::open(options);
  return conn.check_password(slapd.directory().user_dn(user), password);
}

// Every file under dir (but the slapd's own state) with its contents: "wrote nothing".
std::map<std::string, std::string> snapshot(const fs::path& dir) {
  std::map<std::string, std::string> out;
  for (const auto& e : fs::recursive_directory_iterator(dir)) {
    const auto rel = fs::relative(e.path(), dir).string();
    if (rel == "ldap" || rel.starts_with("ldap/")) continue;
    out[rel] = e.is_regular_file() ? read_text(e.path()) : "<dir>";
  }
  return out;
}

// A YAML check by a real parser: python3-yaml when present (it is on Debian with ejabberd's
// test dependencies); returns the parse error, empty when fine.
std::string yaml_error(const fs::path& file) {
  const Result r = run("/usr/bin/python3", {"-c", "import sys, yaml; yaml.safe_load(open(sys.argv[1]))", file.string()});
  return r.status == 0 ? std::string{} : r.err;
}

class SetupJabberTest : public SlapdTest {
 protected:
  fs::path dir() { return slapd().dir(); }
  fs::path ejabberd_yml() { return dir() / "ejabberd.yml"; }
  // cl-setup with the test's own state and history dirs: nothing outside the temp dir.
  Result setup(std::vector<std::string> args, const std::string& password = "admin-pw\n") {
    args.push_back("jabber");
    return slapd().tool("cl-setup", args, password);
  }
  std::vector<std::string> own_dirs() {
    return {"--state-dir", (dir() / "jabber").string(), "--history-dir", (dir() / "history").string()};
  }
  std::string primary() { return normalize_domain(fqdn()); }
};

TEST_F(SetupJabberTest, SeedCommandsAsWritten) {
  // 1. cl-setup jabber: defaults (the machine's name, no history).
  Result r = setup({});
  ASSERT_EQ(r.status, 0) << r.err;
  Settings s = slapd().settings();
  EXPECT_TRUE(s.jabber.configured);
  EXPECT_EQ(s.jabber.hosts, std::vector<std::string>{primary()});
  EXPECT_FALSE(s.jabber.history);
  EXPECT_EQ(s.jabber.history_dir, "/var/log/jabber");
  EXPECT_TRUE(s.jabber.listen.empty());
  EXPECT_EQ(s.jabber.port, 5222);
  EXPECT_EQ(s.jabber.tls_port, 5223);
  EXPECT_EQ(s.jabber.server, "builtin");
  EXPECT_EQ(s.jabber.data_dir, dir() / "jabber") << "data beside the private slapd's state";
  EXPECT_TRUE(binds(slapd(), "admin", "admin-pw"));
  EXPECT_NE(r.out.find("created admin@" + primary()), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("Jabber hosts:"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("Client ports:  5222 (STARTTLS), 5223 (TLS)"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("cl-jabberd --config"), std::string::npos) << r.out;

  // An account made in between must survive every re-run.
  ASSERT_EQ(slapd().tool("cl-useradd", {"-p", "-c", "Гость", "guest", "jabber"}, "guest-pw\n").status, 0);

  // 2. cl-setup --hosts jabber.myhost.ru jabber
  r = setup({"--hosts", "jabber.myhost.ru"}, "admin-pw2\n");
  ASSERT_EQ(r.status, 0) << r.err;
  s = slapd().settings();
  EXPECT_EQ(s.jabber.hosts, (std::vector<std::string>{primary(), "jabber.myhost.ru"}));
  EXPECT_NE(r.out.find("changed hosts: " + primary() + " -> " + primary() + ", jabber.myhost.ru"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("remade the self-signed certificate"), std::string::npos) << r.out;
  EXPECT_TRUE(certificate::inspect(s.jabber.certfile, s.jabber.hosts).uncovered_hosts.empty());
  EXPECT_TRUE(binds(slapd(), "admin", "admin-pw2")) << "the admin password is updated";
  EXPECT_TRUE(binds(slapd(), "guest", "guest-pw")) << "accounts are kept";

  // 3. cl-setup --history on jabber. The history directory defaults to /var/log/jabber;
  // the test keeps it in its temp dir with --history-dir first, then runs the seed command
  // exactly as written.
  ASSERT_EQ(setup({"--history-dir", (dir() / "history").string()}).status, 0);
  r = setup({"--history", "on"});
  ASSERT_EQ(r.status, 0) << r.err;
  s = slapd().settings();
  EXPECT_TRUE(s.jabber.history);
  EXPECT_EQ(s.jabber.hosts.size(), 2u) << "an option not given keeps its value";
  EXPECT_TRUE(fs::is_directory(dir() / "history"));
  EXPECT_NE(r.out.find("changed history: off -> on"), std::string::npos) << r.out;
  EXPECT_NE(read_text(ejabberd_yml()).find("mod_mam:"), std::string::npos);
  EXPECT_TRUE(binds(slapd(), "guest", "guest-pw"));
  EXPECT_EQ(slapd().directory().users().size(), 2u) << "admin and guest, nothing lost or added";

  // Same options again: nothing to change, and it says so.
  r = setup({});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("the configuration is unchanged"), std::string::npos) << r.out;
}

TEST_F(SetupJabberTest, GeneratedEjabberdConfig) {
  const Result r = setup({"--hosts", "jabber.myhost.ru,пример.рф", "--listen", "192.168.1.6,::1", "--port", "15222",
                          "--tls-port", "15223", "--history", "on", "--server", "ejabberd", "--state-dir",
                          (dir() / "jabber").string(), "--history-dir", (dir() / "history").string()});
  ASSERT_EQ(r.status, 0) << r.err;
  const std::string yml = read_text(ejabberd_yml());
  EXPECT_EQ(yaml_error(ejabberd_yml()), "");
  EXPECT_EQ(mode_of(ejabberd_yml()) & 0007, 0u) << "it holds the LDAP password: not for others";
  const auto has = [&](const std::string& text) {
    EXPECT_NE(yml.find(text), std::string::npos) << "missing: " << text;
  };
  has("  - \"" + primary() + "\"\n  - \"jabber.myhost.ru\"\n  - \"пример.рф\"\n");
  // LDAP authentication, over the private slapd's TCP listener, no cache, locked refused.
  has("auth_method: [ldap]\nauth_use_cache: false\n");
  has("ldap_servers:\n  - \"127.0.0.1\"\nldap_port: " + std::to_string(slapd().port()) + "\n");
  has("ldap_rootdn: \"cn=admin,dc=test\"\n");
  has("ldap_password: \"" + slapd().manager_password() + "\"\n");
  has("ldap_base: \"ou=Users,ou=Jabber,ou=Services,dc=test\"\n");
  has("ldap_filter: \"(&(objectClass=inetOrgPerson)(!(shadowExpire=1)))\"\n");
  // Shared roster groups from departmentNumber, exact case, the user's own entry, no cache.
  has("mod_shared_roster_ldap:\n    use_cache: false\n");
  has("ldap_rfilter: \"(&(objectClass=inetOrgPerson)(uid=%u))\"\n");
  has("ldap_groupattr: \"departmentNumber\"\n");
  has("ldap_groupdesc: \"departmentNumber\"\n");
  has("ldap_gfilter: \"(&(objectClass=inetOrgPerson)(departmentNumber=%g))\"\n");
  has("ldap_memberattr: \"uid\"\n");
  has("ldap_userdesc: \"cn\"\n");
  // vCard and avatar from LDAP.
  has("db_type: ldap\n");
  has("\"PHOTO\": {\"%s\": [\"jpegPhoto\"]}");
  // Listeners: each address, both ports, backlog, stanza size, shaper.
  for (const std::string ip : {"192.168.1.6", "::1"})
    for (const std::string port : {"15222", "15223"}) has("    port: " + port + "\n    ip: \"" + ip + "\"\n");
  EXPECT_EQ(yml.find("ip: \"::\""), std::string::npos) << "not every address";
  has("    backlog: 4096\n    max_stanza_size: 65536\n    shaper: c2s_shaper\n");
  has("    tls: true\n");
  has("    starttls_required: true\n");
  has("  c2s_shaper:\n    none: admin\n    normal: all\n");
  has("certfiles:\n  - \"" + (dir() / "jabber" / "server.pem").string() + "\"\n");
  has("acl:\n  admin:\n    user:\n      - \"admin@" + primary() + "\"\n");
  has("  mod_mam:\n    default: always\n");
  has("  mod_muc:\n    host: \"conference.@HOST@\"\n");
  has("    max_users: 1000\n    default_room_options:\n      max_users: 1000\n      mam: true");
  EXPECT_EQ(yml.find("{{"), std::string::npos) << "every placeholder filled";

  // Files written: all inside the caller's dirs; the summary names them.
  EXPECT_NE(r.out.find("Files written: " + slapd().config().string()), std::string::npos) << r.out;
  EXPECT_NE(r.out.find(ejabberd_yml().string()), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("Client ports:  15222 (STARTTLS), 15223 (TLS), on 192.168.1.6, ::1"), std::string::npos) << r.out;

  // The self-signed certificate: one PEM with key, 0600, every host (IDN as A-label).
  const fs::path pem = dir() / "jabber" / "server.pem";
  EXPECT_EQ(mode_of(pem), 0600u);
  const auto check = certificate::inspect(pem, slapd().settings().jabber.hosts);
  EXPECT_TRUE(check.has_key && check.has_certificate && check.key_matches && check.self_signed);
  EXPECT_TRUE(check.uncovered_hosts.empty());
  const Result text = run("/usr/bin/openssl", {"x509", "-in", pem.string(), "-noout", "-ext", "subjectAltName"});
  EXPECT_NE(text.out.find("DNS:xn--e1afmkfd.xn--p1ai"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("DNS:jabber.myhost.ru"), std::string::npos) << text.out;
}

TEST_F(SetupJabberTest, HttpPortWritesTheSettingAndEjabberdsWebSocketListener) {
  ASSERT_EQ(setup({"--listen", "127.0.0.1"}).status, 0);
  EXPECT_EQ(slapd().settings().jabber.http_port, 0) << "off unless asked for";
  EXPECT_EQ(read_text(ejabberd_yml()).find("ejabberd_http"), std::string::npos);
  const Result r = setup({"--http-port", "15443"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(slapd().settings().jabber.http_port, 15443);
  EXPECT_NE(r.out.find("changed HTTPS port: off -> 15443"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("wss://" + primary() + ":15443/xmpp-websocket"), std::string::npos) << r.out;
  const std::string yml = read_text(ejabberd_yml());
  EXPECT_EQ(yaml_error(ejabberd_yml()), "");
  // The backlog as on the client listeners: ejabberd's default of 5 drops SYNs in a burst of logins.
  EXPECT_NE(yml.find("    port: 15443\n    ip: \"127.0.0.1\"\n    module: ejabberd_http\n    backlog: 4096\n    tls: true\n"),
            std::string::npos) << yml;
  EXPECT_NE(yml.find("      /ws: ejabberd_http_ws\n"), std::string::npos) << yml;
  EXPECT_NE(yml.find("      /http-bind: mod_bosh\n"), std::string::npos) << yml;
  EXPECT_NE(yml.find("  mod_bosh: {}\n"), std::string::npos) << yml;
  const Result same = setup({"--http-port", "5222"});
  EXPECT_EQ(same.status, 3) << same.out;
  EXPECT_NE(same.err.find("--http-port 5222 is a client port already"), std::string::npos) << same.err;
}

// Federation's two ports (RFC 6120 STARTTLS and XEP-0368 direct TLS) in the settings and in
// ejabberd.yml's listeners.
TEST_F(SetupJabberTest, S2sDirectTlsPortWritesTheSettingAndEjabberdsListener) {
  ASSERT_EQ(setup({"--listen", "127.0.0.1", "--s2s", "on"}).status, 0);
  EXPECT_EQ(slapd().settings().jabber.s2s_tls_port, 0) << "off unless asked for";
  EXPECT_EQ(read_text(ejabberd_yml()).find("module: ejabberd_s2s_in\n    max_stanza_size: 65536\n    tls: true"),
            std::string::npos);
  const Result r = setup({"--s2s-tls-port", "15270"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(slapd().settings().jabber.s2s_tls_port, 15270);
  EXPECT_NE(r.out.find("changed federation direct TLS port: none -> 15270"), std::string::npos) << r.out;
  const std::string yml = read_text(ejabberd_yml());
  EXPECT_EQ(yaml_error(ejabberd_yml()), "");
  EXPECT_NE(yml.find("    port: 5269\n    ip: \"127.0.0.1\"\n    module: ejabberd_s2s_in\n"), std::string::npos) << yml;
  EXPECT_NE(yml.find("    port: 15270\n    ip: \"127.0.0.1\"\n    module: ejabberd_s2s_in\n    max_stanza_size: "),
            std::string::npos) << yml;
  EXPECT_NE(yml.find("module: ejabberd_s2s_in\n    max_stanza_size: 65536\n    tls: true\n"), std::string::npos) << yml;
  const Result same = setup({"--s2s-tls-port", "5269"});
  EXPECT_EQ(same.status, 3) << same.out;
  EXPECT_NE(same.err.find("--s2s-tls-port 5269 is taken already"), std::string::npos) << same.err;
  EXPECT_EQ(slapd().settings().jabber.s2s_tls_port, 15270) << "a refused value changes nothing";
  ASSERT_EQ(setup({"--s2s-tls-port", "0"}).status, 0);
  EXPECT_EQ(slapd().settings().jabber.s2s_tls_port, 0);
  EXPECT_EQ(read_text(ejabberd_yml()).find("tls: true\n    port: 15270"), std::string::npos);
  EXPECT_EQ(read_text(ejabberd_yml()).find("port: 15270"), std::string::npos);
}

// --turn on: the settings, coturn's turnserver.conf (0600, the secret it shares with the
// server's 0600 turn-secret, the denied private ranges, the networks allowed back), the
// generated ejabberd.yml's mod_stun_disco; the secret is kept on the next run; bad values are
// refused with nothing written; off leaves the files but advertises nothing.
TEST_F(SetupJabberTest, TurnWritesCoturnsConfigurationAndTheSharedSecret) {
  ASSERT_EQ(setup({"--listen", "127.0.0.1"}).status, 0);
  EXPECT_FALSE(slapd().settings().jabber.turn);
  EXPECT_FALSE(fs::exists(dir() / "turnserver.conf"));
  EXPECT_NE(read_text(ejabberd_yml()).find("STUN/TURN (XEP-0215) are off"), std::string::npos);
  Result r = setup({"--turn", "on", "--turn-host", "turn.example.org", "--turn-allow-peers", "192.168.1.0/24,fd00::/8"});
  ASSERT_EQ(r.status, 0) << r.err;
  const Settings s = slapd().settings();
  EXPECT_TRUE(s.jabber.turn);
  EXPECT_EQ(s.jabber.turn_host, "turn.example.org");
  EXPECT_NE(r.out.find("changed calls (TURN): off -> on"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("Calls:         STUN/TURN at turn.example.org:3478, TLS 5349"), std::string::npos) << r.out;
  const fs::path secret_file = turn_secret_path(s.jabber);
  ASSERT_TRUE(fs::exists(secret_file));
  EXPECT_EQ(mode_of(secret_file), 0600u);
  const std::string secret = read_secret_file(secret_file);
  EXPECT_GE(secret.size(), 32u);
  const fs::path conf = dir() / "turnserver.conf";
  EXPECT_EQ(mode_of(conf), 0600u);
  const std::string text = read_text(conf);
  EXPECT_NE(text.find("\nstatic-auth-secret=" + secret + "\n"), std::string::npos);
  EXPECT_NE(text.find("\nuse-auth-secret\n"), std::string::npos);
  EXPECT_NE(text.find("\nlistening-port=3478\n"), std::string::npos);
  EXPECT_NE(text.find("\ntls-listening-port=5349\ncert=" + s.jabber.certfile.string() + "\n"), std::string::npos) << text;
  EXPECT_NE(text.find("\nlistening-ip=127.0.0.1\n"), std::string::npos);
  EXPECT_NE(text.find("\nrealm=turn.example.org\n"), std::string::npos);
  EXPECT_NE(text.find("\ndenied-peer-ip=127.0.0.0-127.255.255.255\n"), std::string::npos);
  EXPECT_NE(text.find("\ndenied-peer-ip=192.168.0.0-192.168.255.255\n"), std::string::npos);
  EXPECT_NE(text.find("\nallowed-peer-ip=192.168.1.0-192.168.1.255\n"), std::string::npos) << text;
  EXPECT_NE(text.find("\nallowed-peer-ip=fd00::-fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff\n"), std::string::npos) << text;
  EXPECT_EQ(text.find("{{"), std::string::npos);
  const std::string yml = read_text(ejabberd_yml());
  EXPECT_EQ(yaml_error(ejabberd_yml()), "");
  EXPECT_NE(yml.find("  mod_stun_disco:\n    offer_local_services: false\n    credentials_lifetime: 86400\n    secret: \"" +
                     secret + "\"\n"), std::string::npos) << yml;
  EXPECT_NE(yml.find("        type: turns\n        transport: tcp\n        restricted: true"), std::string::npos) << yml;

  // Again: the same secret (coturn and the server keep agreeing), other values changed.
  r = setup({"--turn-tls-port", "0", "--turn-lifetime", "7200", "--turn-allow-peers", "none"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(read_secret_file(secret_file), secret);
  const std::string again = read_text(conf);
  EXPECT_NE(again.find("\nstatic-auth-secret=" + secret + "\n"), std::string::npos);
  EXPECT_NE(again.find("\nno-tls\nno-dtls\n"), std::string::npos) << again;
  EXPECT_EQ(again.find("\nallowed-peer-ip="), std::string::npos) << again;
  EXPECT_EQ(slapd().settings().jabber.turn_credential_lifetime, 7200u);

  // Refused, one message each, nothing written.
  const auto before = snapshot(dir());
  for (const auto& [args, message] : std::vector<std::pair<std::vector<std::string>, std::string>>{
           {{"--turn-allow-peers", "127.0.0.0/8"}, "reaches loopback"},
           {{"--turn-allow-peers", "0.0.0.0/0"}, "reaches loopback"},
           {{"--turn-allow-peers", "::/0"}, "reaches loopback"},
           {{"--turn-allow-peers", "10.0.0.1/8"}, "host bits are set"},
           {{"--turn-lifetime", "60"}, "--turn-lifetime 60: expected seconds from 3600 to 2592000"},
           {{"--turn-port", "0"}, "--turn-port 0 is not a port"},
           {{"--turn-port", "5222"}, "TURN port 5222 is a client port already"},
           {{"--turn-tls-port", "3478"}, "--turn-tls-port 3478 is --turn-port"},
           {{"--turn-host", "bad host\n"}, "--turn-host: 'bad host\\x0a' is neither a host name nor an IP address"}}) {
    const Result bad = setup(args);
    EXPECT_EQ(bad.status, 3) << args[0] << " " << args[1];
    EXPECT_NE(bad.err.find(message), std::string::npos) << bad.err;
    EXPECT_EQ(std::count(bad.err.begin(), bad.err.end(), '\n'), 1) << bad.err;
  }
  EXPECT_EQ(snapshot(dir()), before);

  // A secret file others may read is refused, not used.
  fs::permissions(secret_file, fs::perms::others_read, fs::perm_options::add);
  const Result loose = setup({});
  EXPECT_NE(loose.status, 0);
  EXPECT_NE(loose.err.find("readable by others"), std::string::npos) << loose.err;
  fs::permissions(secret_file, fs::perms::others_read, fs::perm_options::remove);

  r = setup({"--turn", "off"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_FALSE(slapd().settings().jabber.turn);
  EXPECT_NE(read_text(ejabberd_yml()).find("STUN/TURN (XEP-0215) are off"), std::string::npos);
  EXPECT_FALSE(fs::exists(conf)) << "coturn's unit needs it: the relay stays off after a reboot";
  EXPECT_EQ(read_secret_file(secret_file), secret) << "kept for the next --turn on";
}

TEST_F(SetupJabberTest, ListenAllAndBackToDefaults) {
  ASSERT_EQ(setup({"--listen", "127.0.0.1"}).status, 0);
  EXPECT_EQ(slapd().settings().jabber.listen, std::vector<std::string>{"127.0.0.1"});
  const Result r = setup({"--listen", "all"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_TRUE(slapd().settings().jabber.listen.empty());
  EXPECT_NE(r.out.find("changed listen addresses: 127.0.0.1 -> all addresses"), std::string::npos) << r.out;
  EXPECT_NE(read_text(ejabberd_yml()).find("ip: \"::\""), std::string::npos);
}

struct Hostile {
  std::vector<std::string> args;
  std::string message;  // part of the error
  int status = 3;
};

TEST_F(SetupJabberTest, HostileValuesAreRefusedAndNothingIsWritten) {
  // A good run first, so "nothing written" also means "nothing changed".
  ASSERT_EQ(setup(own_dirs()).status, 0);
  ASSERT_EQ(slapd().tool("cl-useradd", {"-p", "keeper", "jabber"}, "keeper-pw\n").status, 0);
  const auto before = snapshot(dir());
  const std::vector<Hostile> cases{
      {{"--hosts", "evil\"host.ru"}, "bad"},
      {{"--hosts", "a.ru\nhosts: [x]"}, "bad"},
      {{"--hosts", "x.ru\", \"y.ru"}, "bad"},
      {{"--hosts", "{x: 1}"}, "bad"},
      {{"--hosts", "a: b"}, "bad"},
      {{"--hosts", "]]..os.execute(\"id\")..[["}, "bad"},
      {{"--hosts", "host with spaces.ru"}, "bad"},
      {{"--hosts", "under_score.ru"}, "bad"},
      {{"--hosts", "a..b"}, "host name"},
      {{"--hosts", std::string(300, 'a')}, "too long"},
      {{"--admins", "root@a.ru/phone"}, "not a bare JID"},
      {{"--admins", "a.ru"}, "not a bare JID"},
      {{"--admins", "root@a.ru\nadmins: [x]"}, "not a bare JID"},
      {{"--listen", "192.168.1.256"}, "not an IP address"},
      {{"--listen", "localhost"}, "not an IP address"},
      {{"--listen", "127.0.0.1\"\n  - evil"}, "not an IP address"},
      {{"--listen", "0.0.0.0,127.0.0.1"}, "every address"},
      {{"--port", "0"}, "port 0"},
      {{"--port", "5223"}, "must differ"},
      {{"--port", "70000"}, "", 2},
      {{"--s2s", "on", "--s2s-tls-port", "5222"}, "taken already"},
      {{"--s2s-tls-port", "70000"}, "", 2},
      {{"--port", "abc"}, "", 2},
      {{"--server", "prosody"}, "", 2},
      {{"--history", "maybe"}, "", 2},
      {{"--history-dir", "relative/dir"}, "absolute"},
      {{"--history-dir", "/tmp/x\"y"}, "quote"},
      {{"--history-dir", "/tmp/x\ny: 1"}, "line break"},
      {{"--history-dir", "/tmp/x'y"}, "quote"},
      {{"--history-dir", "/tmp/x\\y"}, "backslash"},
      {{"--history-dir", "/tmp/\xff\xfe"}, "UTF-8"},
      {{"--history-dir", "/tmp/x\u2028y"}, "line break"},
      {{"--state-dir", "var/lib/jabber"}, "absolute"},
      {{"--certfile", "relative.pem"}, "absolute"},
      {{"--certfile", (dir() / "missing.pem").string()}, "cannot read"},
      {{"--certfile", "/tmp/a\"b.pem"}, "quote"},
      {{"--metrics", "yes"}, "", 2},
      {{"--metrics-allow", ""}, "at least one IP network"},
      {{"--metrics-allow", " , "}, "at least one IP network"},
      {{"--metrics-allow", "localhost"}, "not an IP network"},
      {{"--metrics-allow", "127.0.0.1/8"}, "host bits"},
      {{"--metrics-allow", "10.0.0.0/33"}, "prefix length"},
      {{"--metrics-allow", "::1/129"}, "prefix length"},
      {{"--metrics-allow", "127.0.0.0/8,10.0.0.0/x"}, "prefix length"},
      {{"--metrics-allow", "127.0.0.1\"\n  - evil"}, "not an IP network"},
      {{"--metrics-allow", "127.0.0.1/32\nmetrics = false"}, "not an IP network"},
      {{"--metrics-allow", "::ffff:127.0.0.1"}, "not an IP network"},
  };
  for (const auto& c : cases) {
    std::string shown;
    for (const auto& a : c.args) shown += a + " ";
    SCOPED_TRACE(shown);
    const Result r = setup(c.args, "other-pw\n");
    EXPECT_EQ(r.status, c.status) << r.out << r.err;
    EXPECT_NE(r.err.find(c.message), std::string::npos) << r.err;
    if (c.status == 3) {
      EXPECT_NE(r.err.find("cl-setup: "), std::string::npos) << "one clear line from the tool: " << r.err;
    }
    EXPECT_FALSE(r.err.empty());
    EXPECT_EQ(r.out, "") << "no steps done";
    EXPECT_TRUE(snapshot(dir()) == before) << "a file changed";
  }
  EXPECT_TRUE(binds(slapd(), "admin", "admin-pw")) << "the admin password was not touched";
  EXPECT_TRUE(binds(slapd(), "keeper", "keeper-pw"));
}

TEST_F(SetupJabberTest, FirstRunWithABadValueCreatesNothing) {
  const auto before = snapshot(dir());
  const Result r = setup({"--hosts", "ok.ru,bad\"one.ru"});
  EXPECT_EQ(r.status, 3);
  EXPECT_TRUE(snapshot(dir()) == before);
  EXPECT_FALSE(slapd().directory().find_user("admin").has_value()) << "no admin account made";
  EXPECT_FALSE(slapd().settings().jabber.configured);
}

TEST_F(SetupJabberTest, EmptyAdminPasswordIsRefused) {
  const Result r = setup(own_dirs(), "\n");
  EXPECT_EQ(r.status, 3) << r.err;
  EXPECT_NE(r.err.find("empty"), std::string::npos) << r.err;
  EXPECT_FALSE(slapd().settings().jabber.configured);
}

TEST_F(SetupJabberTest, ShortAdminPasswordIsRefusedUnlessAllowed) {
  Result r = setup(own_dirs(), "admin\n");
  EXPECT_EQ(r.status, 3) << r.err;
  EXPECT_NE(r.err.find("the password has 5 characters, fewer than 8"), std::string::npos) << r.err;
  EXPECT_FALSE(slapd().directory().find_user("admin").has_value()) << "no admin account made";
  EXPECT_FALSE(slapd().settings().jabber.configured);
  auto args = own_dirs();
  args.push_back("--allow-short-password");
  r = setup(args, "admin\n");
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_TRUE(binds(slapd(), "admin", "admin"));
}

// --admins: bare JIDs into the admins setting, normalised, each once; 'none' empties it;
// a later run without the option keeps them.
TEST_F(SetupJabberTest, AdminsAreSetKeptAndEmptied) {
  auto args = own_dirs();
  args.insert(args.end(), {"--admins", "Root@Example.ORG,boss@example.org,root@example.org"});
  Result r = setup(args);
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(slapd().settings().jabber.admins, (std::vector<std::string>{"root@example.org", "boss@example.org"}));
  // ejabberd's admin ACL names the same administrators: cl-setup's own admin, then these.
  const std::string host = slapd().settings().jabber.hosts.front();
  EXPECT_NE(read_text(ejabberd_yml()).find("  admin:\n    user:\n      - \"admin@" + host +
                                            "\"\n      - \"root@example.org\"\n      - \"boss@example.org\"\n"),
            std::string::npos)
      << read_text(ejabberd_yml());
  r = setup(own_dirs());
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(slapd().settings().jabber.admins.size(), 2u) << "kept without the option";
  args = own_dirs();
  args.insert(args.end(), {"--admins", "none"});
  r = setup(args);
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_TRUE(slapd().settings().jabber.admins.empty());
}

TEST_F(SetupJabberTest, MaxStanzaSizeGoesToTheSettingsAndEjabberdYml) {
  auto args = own_dirs();
  args.insert(args.end(), {"--max-stanza-size", "1048576"});
  Result r = setup(args);
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(slapd().settings().jabber.max_stanza_size, 1048576u);
  EXPECT_NE(read_text(ejabberd_yml()).find("    max_stanza_size: 1048576\n"), std::string::npos);
  const auto before = snapshot(dir());
  for (const std::string bad : {"10", "-1", "16777217"}) {
    r = setup({"--max-stanza-size", bad});
    EXPECT_EQ(r.status, 3) << bad << ": " << r.err;
    EXPECT_NE(r.err.find("--max-stanza-size " + bad + ": expected a number of bytes from 10240 to 16777216"),
              std::string::npos) << r.err;
  }
  EXPECT_TRUE(snapshot(dir()) == before) << "a refused value writes nothing";
  r = setup({"--max-stanza-size", "10240"});
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("changed max stanza size: 1048576 -> 10240"), std::string::npos) << r.out;
}

// --group-rooms on|off: the setting, said when it changes, kept when not given; bad syntax exits 2.
TEST_F(SetupJabberTest, GroupRoomsAreOnByDefaultAndTurnedOffAndOn) {
  Result r = setup(own_dirs());
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_TRUE(slapd().settings().jabber.group_rooms);
  r = setup({"--group-rooms", "off"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_FALSE(slapd().settings().jabber.group_rooms);
  EXPECT_NE(r.out.find("changed group rooms: on -> off"), std::string::npos) << r.out;
  r = setup({});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_FALSE(slapd().settings().jabber.group_rooms) << "an option not given keeps its value";
  const auto before = snapshot(dir());
  r = setup({"--group-rooms", "maybe"});
  EXPECT_EQ(r.status, 2) << r.err;
  EXPECT_TRUE(snapshot(dir()) == before) << "a refused value writes nothing";
  r = setup({"--group-rooms", "on"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_TRUE(slapd().settings().jabber.group_rooms);
}

// --web-client on|off: the setting, said when it changes, kept when not given; with an HTTPS
// port the summary names the URL, or says the files are not installed (not in this build's
// data directory); bad syntax exits 2 and writes nothing.
TEST_F(SetupJabberTest, WebClientIsOnByDefaultAndTurnedOffAndOn) {
  Result r = setup(own_dirs());
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_TRUE(slapd().settings().jabber.web_client);
  EXPECT_EQ(r.out.find("Web client:"), std::string::npos) << "no HTTPS port, no web client: " << r.out;
  r = setup({"--http-port", "15443"});
  ASSERT_EQ(r.status, 0) << r.err;
  const auto installed = default_web_client_dir() / "converse.min.js";
  EXPECT_NE(r.out.find(std::filesystem::exists(installed) ? "Web client:    https://" + primary() + ":15443/"
                                                          : "Web client:    not installed (no " + installed.string() + ")"),
            std::string::npos) << r.out;
  r = setup({"--web-client", "off"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_FALSE(slapd().settings().jabber.web_client);
  EXPECT_NE(r.out.find("changed web client: on -> off"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("Web client:"), std::string::npos) << r.out;
  r = setup({});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_FALSE(slapd().settings().jabber.web_client) << "an option not given keeps its value";
  const auto before = snapshot(dir());
  r = setup({"--web-client", "yes"});
  EXPECT_EQ(r.status, 2) << r.err;
  EXPECT_TRUE(snapshot(dir()) == before) << "a refused value writes nothing";
  r = setup({"--web-client", "on"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_TRUE(slapd().settings().jabber.web_client);
}

// --metrics on|off and --metrics-allow CIDR,...: on by default for loopback; the networks
// kept canonical and each once, said when they change, kept when not given; the summary
// names the URL only with an HTTPS port.
TEST_F(SetupJabberTest, MetricsAreOnForLoopbackByDefaultAndConfigured) {
  Result r = setup(own_dirs());
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_TRUE(slapd().settings().jabber.metrics);
  EXPECT_EQ(slapd().settings().jabber.metrics_allow, (std::vector<std::string>{"127.0.0.0/8", "::1/128"}));
  EXPECT_EQ(r.out.find("Metrics:"), std::string::npos) << "no HTTPS port, no metrics: " << r.out;
  r = setup({"--http-port", "15443", "--metrics-allow", "10.0.0.0/8, 127.0.0.1,2001:DB8::/32,127.0.0.1/32"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(slapd().settings().jabber.metrics_allow,
            (std::vector<std::string>{"10.0.0.0/8", "127.0.0.1/32", "2001:db8::/32"}));
  EXPECT_NE(r.out.find("changed metrics allowed from: 127.0.0.0/8, ::1/128 -> 10.0.0.0/8, 127.0.0.1/32, 2001:db8::/32"),
            std::string::npos) << r.out;
  EXPECT_NE(r.out.find("Metrics:       https://" + primary() + ":15443/metrics (from 10.0.0.0/8"), std::string::npos)
      << r.out;
  r = setup({"--metrics", "off"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_FALSE(slapd().settings().jabber.metrics);
  EXPECT_NE(r.out.find("changed metrics: on -> off"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("Metrics:"), std::string::npos) << r.out;
  EXPECT_EQ(slapd().settings().jabber.metrics_allow.size(), 3u) << "an option not given keeps its value";
  r = setup({"--metrics", "on"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_TRUE(slapd().settings().jabber.metrics);
}

// --mam on|off and --mam-retention DAYS: the settings, the generated ejabberd.yml's mod_mam,
// said when they change, kept when not given; a bad value is one error and nothing written.
TEST_F(SetupJabberTest, TheMessageArchiveIsOnByDefaultTurnedOffAndKeptForSomeDays) {
  Result r = setup(own_dirs());
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_TRUE(slapd().settings().jabber.mam);
  EXPECT_EQ(slapd().settings().jabber.mam_retention_days, 0u) << "kept for ever";
  EXPECT_NE(read_text(ejabberd_yml()).find("  mod_mam:\n"), std::string::npos);

  r = setup({"--mam-retention", "90"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(slapd().settings().jabber.mam_retention_days, 90u);
  EXPECT_NE(r.out.find("changed message archive retention: for ever -> 90 days"), std::string::npos) << r.out;
  std::string yml = read_text(ejabberd_yml());
  EXPECT_EQ(yaml_error(ejabberd_yml()), "");
  EXPECT_NE(yml.find("ejabberdctl delete_old_mam_messages all 90"), std::string::npos) << yml;

  r = setup({"--mam", "off"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_FALSE(slapd().settings().jabber.mam);
  EXPECT_EQ(slapd().settings().jabber.mam_retention_days, 90u) << "an option not given keeps its value";
  EXPECT_NE(r.out.find("changed message archive: on -> off"), std::string::npos) << r.out;
  yml = read_text(ejabberd_yml());
  EXPECT_EQ(yml.find("  mod_mam:"), std::string::npos) << yml;
  EXPECT_NE(yml.find("mam: false"), std::string::npos) << "the rooms' archive follows";
  EXPECT_EQ(yaml_error(ejabberd_yml()), "");

  const auto before = snapshot(dir());
  const std::vector<Hostile> cases{
      {{"--mam", "maybe"}, "--mam", 2},
      {{"--mam-retention", "-3"}, "--mam-retention -3: expected a number of days from 0 (for ever) to 36500"},
      {{"--mam-retention", "36501"}, "--mam-retention 36501: expected a number of days from 0 (for ever) to 36500"},
      {{"--mam-retention", "40000"}, "--mam-retention 40000: expected a number of days from 0 (for ever) to 36500"},
      {{"--mam-retention", "soon"}, "--mam-retention", 2},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.args[0] + " " + c.args[1]);
    r = setup(c.args, "other-pw\n");
    EXPECT_EQ(r.status, c.status) << r.err;
    EXPECT_NE(r.err.find(c.message), std::string::npos) << r.err;
    if (c.status == 3) {
      EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << "one message: " << r.err;
    }
    EXPECT_EQ(r.out, "");
    EXPECT_TRUE(snapshot(dir()) == before) << "a refused value writes nothing";
  }
  EXPECT_TRUE(binds(slapd(), "admin", "admin-pw")) << "the admin password was not touched";

  r = setup({"--mam", "on", "--mam-retention", "0"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_TRUE(slapd().settings().jabber.mam);
  EXPECT_EQ(slapd().settings().jabber.mam_retention_days, 0u);
  EXPECT_EQ(read_text(ejabberd_yml()).find("delete_old_mam_messages"), std::string::npos);
}

// With an HTTPS port the generated ejabberd.yml serves what cl-jabberd serves there: XEP-0156
// host-meta naming the same WebSocket and BOSH URLs, and the web client from web_client_dir,
// only when its files are installed (ejabberd refuses a missing conversejs_resources and
// would otherwise load Converse.js from its CDN). tests/ejabberd proves it with ejabberd.
TEST_F(SetupJabberTest, EjabberdGetsHostMetaAndTheWebClient) {
  Result r = setup(own_dirs());
  ASSERT_EQ(r.status, 0) << r.err;
  std::string yml = read_text(ejabberd_yml());
  EXPECT_EQ(yml.find("mod_host_meta"), std::string::npos) << "no http_port: " << yml;
  EXPECT_NE(yml.find("host-meta (XEP-0156) and the web client are off"), std::string::npos) << yml;

  Settings settings = slapd().settings();
  settings.jabber.web_client_dir = dir() / "no-webclient";
  settings.save(slapd().config());
  r = setup({"--http-port", "15443"});
  ASSERT_EQ(r.status, 0) << r.err;
  yml = read_text(ejabberd_yml());
  EXPECT_EQ(yaml_error(ejabberd_yml()), "");
  EXPECT_NE(yml.find("      /.well-known/host-meta: mod_host_meta\n      /.well-known/host-meta.json: mod_host_meta\n"),
            std::string::npos) << yml;
  EXPECT_NE(yml.find("  mod_host_meta:\n    websocket_url: \"wss://@HOST@:15443/xmpp-websocket\"\n"
                     "    bosh_service_url: \"https://@HOST@:15443/http-bind\"\n"),
            std::string::npos) << yml;
  EXPECT_EQ(yml.find("mod_conversejs"), std::string::npos) << "not installed, not served: " << yml;
  EXPECT_NE(yml.find("The web client is not served: " + (dir() / "no-webclient" / "converse.min.js").string()),
            std::string::npos) << yml;

  const fs::path web = dir() / "webclient";
  fs::create_directories(web);
  std::ofstream(web / "converse.min.js") << "//\n";
  settings = slapd().settings();
  settings.jabber.web_client_dir = web;
  settings.save(slapd().config());
  r = setup({});
  ASSERT_EQ(r.status, 0) << r.err;
  yml = read_text(ejabberd_yml());
  EXPECT_EQ(yaml_error(ejabberd_yml()), "");
  // "/" last: ejabberd tries the handlers in order, and "/" takes every path.
  EXPECT_NE(yml.find("      /.well-known/host-meta.json: mod_host_meta\n      /: mod_conversejs\n"), std::string::npos) << yml;
  EXPECT_NE(yml.find("  mod_conversejs:\n    websocket_url: \"wss://@HOST@:15443/xmpp-websocket\"\n"), std::string::npos) << yml;
  EXPECT_NE(yml.find("    conversejs_resources: \"" + web.string() + "\"\n"), std::string::npos) << yml;
  EXPECT_NE(yml.find("    conversejs_script: \"/converse.min.js\"\n"), std::string::npos) << yml;

  r = setup({"--web-client", "off"});
  ASSERT_EQ(r.status, 0) << r.err;
  yml = read_text(ejabberd_yml());
  EXPECT_EQ(yml.find("mod_conversejs"), std::string::npos) << yml;
  EXPECT_NE(yml.find("  mod_host_meta:\n"), std::string::npos) << "host-meta stays: " << yml;
}

// --upload-max-size, --upload-quota, --upload-disk-quota, --upload-expire, --upload-rate: the settings, the
// generated ejabberd.yml's mod_http_upload on its HTTPS listener; a bad value is one error and
// nothing written.
TEST_F(SetupJabberTest, TheUploadLimitsAreSetAndEjabberdGetsTheEquivalent) {
  Result r = setup(own_dirs());
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(slapd().settings().jabber.upload_max_file_size, 10u << 20);
  EXPECT_NE(read_text(ejabberd_yml()).find("HTTP file upload is off"), std::string::npos) << "no http_port";

  r = setup({"--http-port", "5443", "--upload-max-size", "5000000", "--upload-quota", "20971520",
             "--upload-disk-quota", "0", "--upload-expire", "7", "--upload-rate", "1048576"});
  ASSERT_EQ(r.status, 0) << r.err;
  const JabberSettings j = slapd().settings().jabber;
  EXPECT_EQ(j.upload_max_file_size, 5000000u);
  EXPECT_EQ(j.upload_quota_per_user, 20971520u);
  EXPECT_EQ(j.upload_disk_quota, 0u);
  EXPECT_EQ(j.upload_expire_days, 7u);
  EXPECT_EQ(j.upload_rate_limit, 1048576u);
  EXPECT_NE(r.out.find("changed upload rate limit (bytes/s): 0 -> 1048576"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("changed uploaded files kept: 30 days -> 7 days"), std::string::npos) << r.out;
  const std::string yml = read_text(ejabberd_yml());
  EXPECT_EQ(yaml_error(ejabberd_yml()), "");
  EXPECT_NE(yml.find("      /upload: mod_http_upload\n"), std::string::npos) << yml;
  EXPECT_NE(yml.find("  mod_http_upload:\n"), std::string::npos) << yml;
  EXPECT_NE(yml.find("    max_size: 5000000\n"), std::string::npos) << yml;
  EXPECT_NE(yml.find("    max_days: 7"), std::string::npos) << yml;
  EXPECT_NE(yml.find("  upload_quota: 20\n"), std::string::npos) << yml;

  const auto before = snapshot(dir());
  const std::vector<Hostile> cases{
      {{"--upload-max-size", "0"}, "--upload-max-size 0: expected a number of bytes from 1 to 1073741824"},
      {{"--upload-quota", "-1"}, "--upload-quota -1: expected a number of bytes (0: no limit) from 0 to"},
      {{"--upload-expire", "36501"}, "--upload-expire 36501: expected a number of days (0: for ever) from 0 to 36500"},
      {{"--upload-disk-quota", "lots"}, "--upload-disk-quota", 2},
      {{"--upload-rate", "-5"}, "--upload-rate -5: expected a number of bytes per second (0: no limit) from 0 to"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.args[0] + " " + c.args[1]);
    r = setup(c.args, "other-pw\n");
    EXPECT_EQ(r.status, c.status) << r.err;
    EXPECT_NE(r.err.find(c.message), std::string::npos) << r.err;
    EXPECT_EQ(r.out, "");
    EXPECT_TRUE(snapshot(dir()) == before) << "a refused value writes nothing";
  }
}

TEST_F(SetupJabberTest, TheAdminGetsScramVerifiersWithTheIterationsAsked) {
  auto args = own_dirs();
  args.insert(args.end(), {"--scram-iterations", "8192"});
  Result r = setup(args);
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(slapd().settings().jabber.scram_iterations, 8192u);
  const auto verifiers = slapd().directory().user("admin").verifiers;
  ASSERT_EQ(verifiers.size(), scram::all_hashes().size());
  for (const auto& v : verifiers) {
    EXPECT_EQ(v.iterations, 8192u);
    EXPECT_EQ(scram::make_verifier(v.hash, "admin-pw", v.salt, v.iterations), v) << "the admin password's";
  }
  const auto before = snapshot(dir());
  r = setup({"--scram-iterations", "1000"});
  EXPECT_EQ(r.status, 3) << r.err;
  EXPECT_NE(r.err.find("--scram-iterations 1000: expected a number from 4096"), std::string::npos) << r.err;
  EXPECT_TRUE(snapshot(dir()) == before) << "a refused value writes nothing";
  r = setup({}, "admin-pw2\n");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(slapd().settings().jabber.scram_iterations, 8192u) << "kept from the last run";
  for (const auto& v : slapd().directory().user("admin").verifiers)
    EXPECT_EQ(scram::make_verifier(v.hash, "admin-pw2", v.salt, v.iterations), v) << "the new password's";
}

TEST_F(SetupJabberTest, GivenCertificateIsCheckedAgainstTheHosts) {
  const fs::path good = dir() / "good.pem";
  certificate::make_self_signed(good, {primary(), "jabber.myhost.ru"});
  Result r = setup({"--certfile", good.string(), "--hosts", "jabber.myhost.ru"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(slapd().settings().jabber.certfile, good);
  EXPECT_FALSE(fs::exists(dir() / "jabber" / "server.pem")) << "no self-signed one when a certificate is given";
  EXPECT_NE(read_text(ejabberd_yml()).find("  - \"" + good.string() + "\""), std::string::npos);

  // Adding a host the given certificate does not cover: refused, naming the host.
  r = setup({"--hosts", "jabber.myhost.ru,chat.other.org"});
  EXPECT_EQ(r.status, 3);
  EXPECT_NE(r.err.find("does not cover chat.other.org"), std::string::npos) << r.err;

  // A certificate without its key, and a key of another certificate.
  const fs::path cert_only = dir() / "cert-only.pem";
  ASSERT_EQ(run("/usr/bin/openssl", {"x509", "-in", good.string(), "-out", cert_only.string()}).status, 0);
  r = setup({"--certfile", cert_only.string()});
  EXPECT_EQ(r.status, 3);
  EXPECT_NE(r.err.find("no private key"), std::string::npos) << r.err;
  const fs::path other = dir() / "other.pem";
  certificate::make_self_signed(other, {primary()});
  const fs::path mixed = dir() / "mixed.pem";
  const std::string other_text = read_text(other);
  const std::string good_text = read_text(good);
  std::ofstream(mixed) << other_text.substr(0, other_text.find("-----BEGIN CERTIFICATE-----"))
                       << good_text.substr(good_text.find("-----BEGIN CERTIFICATE-----"));
  r = setup({"--certfile", mixed.string()});
  EXPECT_EQ(r.status, 3);
  EXPECT_NE(r.err.find("does not belong"), std::string::npos) << r.err;
  const fs::path garbage = dir() / "garbage.pem";
  std::ofstream(garbage) << "hosts: [x]\n";
  r = setup({"--certfile", garbage.string()});
  EXPECT_EQ(r.status, 3);
  EXPECT_NE(r.err.find("no private key"), std::string::npos) << r.err;

  // A given certificate that happens to be called server.pem is still the administrator's:
  // a later run checks it, and never replaces it with a self-signed one.
  const fs::path named_like_ours = dir() / "admin-certs" / "server.pem";
  fs::create_directories(named_like_ours.parent_path());
  fs::copy_file(good, named_like_ours);
  ASSERT_EQ(setup({"--certfile", named_like_ours.string(), "--hosts", "jabber.myhost.ru"}).status, 0);
  r = setup({"--hosts", "jabber.myhost.ru,chat.other.org"});
  EXPECT_EQ(r.status, 3) << r.out;
  EXPECT_EQ(slapd().settings().jabber.certfile, named_like_ours);

  // Back to a self-signed certificate with an empty --certfile.
  r = setup({"--certfile", ""});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(slapd().settings().jabber.certfile, dir() / "jabber" / "server.pem");
  EXPECT_TRUE(fs::exists(dir() / "jabber" / "server.pem"));
}

TEST_F(SetupJabberTest, LockedAdminIsUnlockedWithTheNewPassword) {
  ASSERT_EQ(setup({}).status, 0);
  ASSERT_EQ(slapd().tool("cl-usermod", {"-L", "admin", "jabber"}).status, 0);
  ASSERT_FALSE(binds(slapd(), "admin", "admin-pw"));
  const Result r = setup({}, "fresh-pw\n");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("unlocked admin@"), std::string::npos) << r.out;
  EXPECT_TRUE(binds(slapd(), "admin", "fresh-pw"));
}

TEST_F(SetupJabberTest, WithoutLdapOverTcpEjabberdIsExplained) {
  Settings s = slapd().settings();
  s.ldap.tcp_uri.clear();
  s.save(slapd().config());
  Result r = setup({"--server", "ejabberd"});
  EXPECT_EQ(r.status, 3);
  EXPECT_NE(r.err.find("--ldap-listen"), std::string::npos) << r.err;
  r = setup({});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("no ejabberd.yml: "), std::string::npos) << r.out;
  EXPECT_FALSE(fs::exists(ejabberd_yml()));
}

// `cl-setup ldap` and `cl-setup jabber` with the caller's --config and --state-dir need no
// root and write only there. As root the test runs them as nobody.
TEST(SetupJabberWithoutRoot, WritesOnlyInTheCallersDirs) {
  const TempDir tmp("nr");
  const fs::path dir = tmp.path();
  std::vector<std::string> prefix;
  if (::geteuid() == 0) {
    fs::permissions(dir, fs::perms::all);
    prefix = {"/usr/bin/setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups"};
  }
  const auto as_caller = [&](const std::vector<std::string>& args, const std::string& input = {}) {
    std::vector<std::string> argv = prefix;
    argv.push_back(tool("cl-setup").string());
    argv.push_back("--config");
    argv.push_back((dir / "ja.conf").string());
    argv.insert(argv.end(), args.begin(), args.end());
    const fs::path program = argv.front();
    return run(program, std::vector<std::string>(argv.begin() + 1, argv.end()), input, {{"HOME", dir.string()}});
  };
  const std::string tcp = "ldap://127.0.0.1:" + std::to_string(free_port()) + "/";
  Result r = as_caller({"--state-dir", (dir / "ldap").string(), "--ldap-listen", tcp, "ldap"});
  ASSERT_EQ(r.status, 0) << r.out << r.err;
  r = as_caller({"--hosts", "jabber.myhost.ru", "--history", "on", "--history-dir", (dir / "history").string(), "jabber"},
                "admin-pass\n");
  EXPECT_EQ(r.status, 0) << r.out << r.err;
  const auto files = r.out.substr(r.out.find("Files written: "));
  EXPECT_NE(files.find((dir / "ejabberd.yml").string()), std::string::npos) << r.out;
  std::istringstream names(files.substr(15, files.find('\n') - 15));
  for (std::string name; std::getline(names, name, ',');) {
    if (!name.empty() && name.front() == ' ') name.erase(0, 1);
    EXPECT_TRUE(name.starts_with(dir.string())) << name;
  }
  const Settings s = Settings::load(dir / "ja.conf");
  for (const fs::path& p : {s.jabber.data_dir, s.jabber.history_dir, s.jabber.certfile})
    EXPECT_TRUE(p.string().starts_with(dir.string())) << p;
  as_caller({"--stop", "ldap"});
}

// The Calculate manual's commands, exactly as written, with every default path
// (/etc/jabberadmin, /var/lib/jabberadmin, /var/log/jabber): run as root in a private mount
// namespace whose /etc, /var/lib and /var/log are throwaway copies, so the machine is not
// touched. Skipped where that is not possible.
TEST(SeedCommands, AsWrittenOnAFreshMachine) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root for a private mount namespace";
  const TempDir tmp("seed");
  const fs::path w = tmp.path();
  ASSERT_EQ(run("/bin/cp", {"-a", "/etc", (w / "etc").string()}).status, 0);
  fs::create_directories(w / "varlib");
  fs::create_directories(w / "varlog");
  const std::string bin = fs::path(tool("cl-setup")).parent_path().string();
  const std::string script =
      "set -e\n"
      "mount --bind " + (w / "etc").string() + " /etc\n"
      "mount --bind " + (w / "varlib").string() + " /var/lib\n"
      "mount --bind " + (w / "varlog").string() + " /var/log\n"
      "export PATH=" + bin + ":$PATH\n"
      "cd /tmp\n"
      "trap 'cl-setup --stop ldap >/dev/null 2>&1 || true' EXIT\n"
      "cl-setup ldap\n"
      "echo seed-pass | cl-setup jabber\n"
      "echo seed-pass | cl-setup --hosts jabber.myhost.ru jabber\n"
      "echo seed-pass | cl-setup --history on jabber\n"
      "test -d /var/log/jabber && echo HISTORY-DIR-OK\n"
      "test \"$(stat -c %a /var/lib/jabberadmin/jabber/server.pem)\" = 600 && echo KEY-MODE-OK\n"
      "ldapwhoami -x -H ldapi://%2Fvar%2Flib%2Fjabberadmin%2Fldap%2Fldapi"
      " -D uid=admin,ou=Users,ou=Jabber,ou=Services,dc=jabberadmin -w seed-pass\n";
  const Result probe = run("/usr/bin/unshare", {"--mount", "--propagation", "private", "/bin/true"});
  if (probe.status != 0) GTEST_SKIP() << "no private mount namespace here: " << probe.err;
  const Result r = run("/usr/bin/unshare", {"--mount", "--propagation", "private", "/bin/bash", "-c", script});
  EXPECT_EQ(r.status, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("wrote /etc/jabberadmin/jabberadmin.conf"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("created admin@"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("changed hosts: "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("changed history: off -> on"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("Certificate:   /var/lib/jabberadmin/jabber/server.pem"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("HISTORY-DIR-OK"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("KEY-MODE-OK"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("dn:uid=admin,ou=Users"), std::string::npos) << "admin binds: " << r.out << r.err;
  const std::string conf = read_text(w / "etc" / "jabberadmin" / "jabberadmin.conf");
  EXPECT_NE(conf.find("hosts = [ '" + normalize_domain(fqdn()) + "', 'jabber.myhost.ru' ]"), std::string::npos) << conf;
  EXPECT_NE(conf.find("history = true"), std::string::npos) << conf;
  EXPECT_FALSE(fs::exists("/etc/jabberadmin")) << "the real /etc is untouched";
}

TEST(RenderYaml, QuotesAndRefuses) {
  EXPECT_EQ(render::yaml_quoted("plain"), "\"plain\"");
  EXPECT_EQ(render::yaml_quoted("a\"b\\c"), "\"a\\\"b\\\\c\"");
  EXPECT_EQ(render::yaml_quoted("Отдел: {x}"), "\"Отдел: {x}\"");
  for (const std::string& bad : std::vector<std::string>{"a\nb", "a\rb", std::string("a\0b", 3), "a\tb", "\x85", "a\u2028b", "\xc2\x85",
                                "\xef\xbb\xbf"})
    EXPECT_THROW(render::yaml_quoted(bad), Error) << bad;
  EXPECT_THROW(render::check_config_text("a'b", "x"), Error);
  EXPECT_NO_THROW(render::check_config_text("/var/lib/jabber admin/Отдел", "x"));
}

TEST(RenderYaml, HostilePasswordStaysOneYamlString) {
  // The LDAP password comes from a file an administrator wrote: escaped, never interpreted.
  Settings s;
  s.ldap.uri = "ldap://127.0.0.1:3890/";
  s.ldap.base_dn = "dc=test";
  s.ldap.bind_dn = "cn=admin,dc=test";
  s.jabber.configured = true;
  s.jabber.hosts = {"example.org"};
  s.jabber.certfile = "/x/server.pem";
  const std::string hostile = "p\"w\\\n";
  EXPECT_THROW(setup::render_ejabberd(s, hostile), Error) << "a line break is refused";
  const std::string yml = setup::render_ejabberd(s, "p\"w\\: [x] #");
  EXPECT_NE(yml.find("ldap_password: \"p\\\"w\\\\: [x] #\"\n"), std::string::npos);
}

TEST(Certificate, SelfSignedCoversEveryHostOnly) {
  const TempDir tmp("cert");
  const fs::path dir = tmp.path();
  const fs::path pem = dir / "server.pem";
  certificate::make_self_signed(pem, {"example.org", "пример.рф"});
  EXPECT_EQ(mode_of(pem), 0600u);
  const auto c = certificate::inspect(pem, {"example.org", "пример.рф", "other.org", "sub.example.org"});
  EXPECT_TRUE(c.has_key && c.has_certificate && c.key_matches && c.self_signed && !c.expired);
  EXPECT_EQ(c.uncovered_hosts, (std::vector<std::string>{"other.org", "sub.example.org"}));
  EXPECT_NO_THROW(certificate::require_usable(pem, {"example.org"}));
  EXPECT_THROW(certificate::require_usable(pem, {"other.org"}), Error);
}

TEST(ListenAddress, Canonical) {
  EXPECT_EQ(setup::canonical_address("192.168.1.6"), "192.168.1.6");
  EXPECT_EQ(setup::canonical_address("0:0:0:0:0:0:0:1"), "::1");
  EXPECT_THROW(setup::canonical_address("192.168.1"), Error);
  EXPECT_THROW(setup::canonical_address("{192,168,1,6}"), Error);
  EXPECT_THROW(setup::canonical_address(""), Error);
}

}  // namespace
}  // namespace jabberadmin::test

namespace jabberadmin::test {
namespace {

TEST_F(SetupJabberTest, FoldersItOwnsGetMode0750WhateverModeTheyHad) {
  // Other local users could list who has history in a 0755 folder made beforehand.
  fs::create_directories(dir() / "history");
  fs::create_directories(dir() / "jabber");
  ::chmod((dir() / "history").c_str(), 0755);
  ::chmod((dir() / "jabber").c_str(), 0777);
  std::vector<std::string> args = own_dirs();
  args.insert(args.end(), {"--history", "on"});
  const Result r = setup(args);
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(mode_of(dir() / "history"), 0750u);
  EXPECT_EQ(mode_of(dir() / "jabber"), 0750u);
}

TEST_F(SetupJabberTest, AsRootTheServersAccountOwnsItsFoldersAndKey) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root";
  // `daemon` stands in for the package's `jabberadmin` account.
  std::vector<std::string> args = own_dirs();
  args.insert(args.end(), {"--history", "on", "jabber"});
  const Result r = run(tool("cl-setup"), args, "admin-pw\n",
                       {{"JABBERADMIN_CONFIG", slapd().config().string()}, {"JABBERADMIN_SERVER_USER", "daemon"}});
  ASSERT_EQ(r.status, 0) << r.err;
  for (const auto& path : {dir() / "history", dir() / "jabber", dir() / "jabber" / "server.pem"}) {
    struct stat st {};
    ASSERT_EQ(::stat(path.c_str(), &st), 0) << path;
    EXPECT_EQ(st.st_uid, 1u) << path;
  }
  EXPECT_EQ(mode_of(dir() / "jabber" / "server.pem"), 0600u);
}

}  // namespace
}  // namespace jabberadmin::test
