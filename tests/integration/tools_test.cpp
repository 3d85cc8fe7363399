// The real cl-* binaries, spawned as processes against a real slapd; results checked with
// ldapsearch (not only through the library).
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <functional>
#include <fstream>
#include <future>
#include <sstream>
#include <thread>

#include "slapd_fixture.hpp"

namespace jabberadmin::test {
namespace {
namespace fs = std::filesystem;

class ToolsTest : public SlapdTest {
 protected:
  // Runs a tool and expects an exit status; returns the result for further checks.
  Result expect(int status, const std::string& tool, const std::vector<std::string>& args,
                const std::string& input = {}) {
    Result r = slapd().tool(tool, args, input);
    EXPECT_EQ(r.status, status) << tool << " stderr: " << r.err << " stdout: " << r.out;
    return r;
  }
  std::string entry(const std::string& uid) { return slapd().ldapsearch("(uid=" + uid + ")"); }
  // cl-info's output with settings saved to a file of their own (a Jabber service set up on
  // example.org, plus what change() sets): its path for later saves, and the tool on it.
  fs::path jabber_config(const std::string& name, const std::function<void(Settings&)>& change = {}) {
    Settings s = slapd().settings();
    s.jabber.configured = true;  // else the [jabber] section is not written
    s.jabber.hosts = {"example.org"};
    if (change) change(s);
    const fs::path config = slapd().dir() / name;
    s.save(config);
    return config;
  }
  std::string info(const fs::path& config, std::vector<std::string> args) {
    args.insert(args.begin(), {"--config", config.string()});
    args.push_back("jabber");
    return run(tool("cl-info"), args).out;
  }
  // Runs a tool with the LDAP spy preloaded (support/ldap_spy.cpp): the searches and
  // modifies it asked the real slapd for, one line each.
  std::string spied(const std::string& tool, const std::vector<std::string>& args, const std::string& input = {}) {
    const fs::path log = slapd().dir() / "ldap-spy.log";
    fs::remove(log);
    const Result r = run(test::tool(tool), args, input,
                         {{"JABBERADMIN_CONFIG", slapd().config().string()}, {"LANG", "C.UTF-8"},
                          {"LD_PRELOAD", JABBERADMIN_LDAP_SPY}, {"JABBERADMIN_LDAP_SPY", log.string()},
                          // The sanitizers' runtime need not come first: the spy is preloaded before it.
                          {"ASAN_OPTIONS", "verify_asan_link_order=0:detect_leaks=0"}});
    EXPECT_EQ(r.status, 0) << tool << ": " << r.err;
    std::ifstream in(log);
    return std::string(std::istreambuf_iterator<char>(in), {});
  }
  static std::size_t count(const std::string& text, const std::string& what) {
    std::size_t n = 0;
    for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
    return n;
  }
  bool binds(const std::string& uid, const std::string& password) {
    const Result r = run("/usr/bin/ldapwhoami",
                         {"-x", "-H", slapd().tcp_uri(), "-D", "uid=" + uid + ",ou=Users,ou=Jabber,ou=Services,dc=test",
                          "-w", password});
    return r.status == 0;
  }
};

TEST_F(ToolsTest, UseraddWithPasswordFromStdinCreatesABindableAccount) {
  expect(0, "cl-groupadd", {"Тестовая группа", "jabber"});
  const Result r = expect(0, "cl-useradd", {"-p", "-c", "Гость", "-g", "Тестовая группа", "guest", "jabber"}, "secret-pw\n");
  EXPECT_NE(r.out.find("guest@"), std::string::npos);
  const std::string ldif = entry("guest");
  EXPECT_NE(ldif.find("objectClass: inetOrgPerson"), std::string::npos) << ldif;
  EXPECT_NE(ldif.find("departmentNumber:: "), std::string::npos) << "UTF-8 value, base64 in LDIF: " << ldif;
  EXPECT_EQ(ldif.find("secret"), std::string::npos);
  EXPECT_TRUE(binds("guest", "secret-pw"));
  EXPECT_FALSE(binds("guest", "secret-pw2"));
}

TEST_F(ToolsTest, UseraddPasswordStdinConventionAndNoPassword) {
  expect(0, "cl-useradd", {"-P", "u1", "jabber"}, "password-1\n");
  EXPECT_TRUE(binds("u1", "password-1"));
  expect(0, "cl-useradd", {"u2", "jabber"});
  EXPECT_EQ(entry("u2").find("userPassword"), std::string::npos) << "no password until cl-passwd";
  expect(0, "cl-passwd", {"u2", "jabber"}, "password-2\n");
  EXPECT_TRUE(binds("u2", "password-2"));
  expect(3, "cl-passwd", {"u2", "jabber"}, "\n");  // empty password refused
  expect(3, "cl-passwd", {"u2", "jabber"}, "");    // nothing on stdin
  EXPECT_TRUE(binds("u2", "password-2")) << "a refused change keeps the old password";
}

TEST_F(ToolsTest, ErrorsHaveTheirExitCodesAndOneMessage) {
  expect(0, "cl-useradd", {"guest", "jabber"});
  Result r = expect(9, "cl-useradd", {"guest", "jabber"});
  EXPECT_NE(r.err.find("already exists"), std::string::npos);
  r = expect(6, "cl-useradd", {"-g", "nope", "x", "jabber"});
  EXPECT_NE(r.err.find("no such group 'nope'"), std::string::npos);
  EXPECT_EQ(entry("x"), "") << "no half-made account";
  r = expect(3, "cl-useradd", {"a@b", "jabber"});
  EXPECT_NE(r.err.find("'@'"), std::string::npos) << r.err;
  r = expect(2, "cl-useradd", {"guest", "samba"});
  EXPECT_NE(r.err.find("supported services: jabber"), std::string::npos);
  expect(2, "cl-useradd", {"--bogus", "guest", "jabber"});
  expect(6, "cl-userdel", {"nobody", "jabber"});
  expect(6, "cl-usermod", {"-L", "nobody", "jabber"});
  expect(6, "cl-groupdel", {"nope", "jabber"});
  r = expect(3, "cl-useradd", {std::string(2000, 'x'), "jabber"});
  EXPECT_NE(r.err.find("too long"), std::string::npos);
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << "one message: " << r.err;
}

TEST_F(ToolsTest, UnreachableLdapNamesTheUri) {
  Settings s = slapd().settings();
  s.ldap.uri = "ldap://127.0.0.1:" + std::to_string(free_port()) + "/";
  const auto config = slapd().dir() / "unreachable.conf";
  s.save(config);
  const Result r = run(tool("cl-info"), {"--config", config.string(), "jabber"});
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.err.find(s.ldap.uri), std::string::npos) << r.err;
}

// cl-jabberd(8), "Group rooms": cl-info names a group's room (on the primary host) while
// group rooms are on and the group has members; with them off, no "room" at all.
TEST_F(ToolsTest, InfoNamesEachGroupsRoom) {
  const fs::path config = jabber_config("rooms.conf");
  auto info = [&](std::vector<std::string> args) { return this->info(config, std::move(args)); };
  expect(0, "cl-groupadd", {"Отдел продаж", "jabber"});
  expect(0, "cl-groupadd", {"Empty", "jabber"});
  expect(0, "cl-useradd", {"-p", "-g", "Отдел продаж", "guest", "jabber"}, "rooms-pass\n");
  EXPECT_NE(info({"--json"}).find("\"room\": \"отдел\\\\20продаж@conference.example.org\""), std::string::npos)
      << info({"--json"});
  EXPECT_NE(info({"--json", "-g", "Empty"}).find("\"room\": null"), std::string::npos);
  EXPECT_NE(info({"-g", "Отдел продаж"}).find("room: отдел\\20продаж@conference.example.org"), std::string::npos);
  jabber_config("rooms.conf", [](Settings& s) { s.jabber.group_rooms = false; });
  EXPECT_EQ(info({"--json"}).find("\"room\""), std::string::npos);
  EXPECT_EQ(info({"-g", "Отдел продаж"}).find("room:"), std::string::npos);
}

// cl-jabberd(8), "Federation": cl-info shows whether federation is on and its domain policy.
TEST_F(ToolsTest, InfoShowsTheFederationPolicy) {
  const fs::path config = jabber_config("s2s.conf");
  auto info = [&](std::vector<std::string> args) { return this->info(config, std::move(args)); };
  EXPECT_NE(info({}).find("Federation: off"), std::string::npos) << info({});
  jabber_config("s2s.conf", [](Settings& s) {
    s.jabber.s2s = true;
    s.jabber.s2s_block = {"spam.example", "bad.example"};
  });
  const std::string text = info({});
  EXPECT_NE(text.find("Federation: on, port 5269, dialback allowed"), std::string::npos) << text;
  EXPECT_NE(text.find("blocked: spam.example, bad.example"), std::string::npos) << text;
  EXPECT_EQ(text.find("only with"), std::string::npos) << text;
  EXPECT_EQ(text.find("direct TLS"), std::string::npos) << "no direct-TLS port: not mentioned";
  auto j = nlohmann::json::parse(info({"--json"}));
  EXPECT_EQ(j["federation"]["tls_port"], 0);
  EXPECT_EQ(j["federation"]["enabled"], true);
  EXPECT_EQ(j["federation"]["blocked"], nlohmann::json({"spam.example", "bad.example"}));
  EXPECT_EQ(j["federation"]["allowed"], nlohmann::json::array());
  jabber_config("s2s.conf", [](Settings& s) {
    s.jabber.s2s = true;
    s.jabber.s2s_tls_port = 5270;
  });
  EXPECT_NE(info({}).find("  direct TLS (XEP-0368): port 5270"), std::string::npos) << info({});
  j = nlohmann::json::parse(info({"--json"}));
  EXPECT_EQ(j["federation"]["tls_port"], 5270);
}

// cl-jabberd(8), "CALLS": cl-info shows whether the relay is handed out, where; never the secret.
TEST_F(ToolsTest, InfoShowsTheCallsRelay) {
  const fs::path config = jabber_config("turn.conf");
  auto info = [&](std::vector<std::string> args) { return this->info(config, std::move(args)); };
  EXPECT_NE(info({}).find("Calls: no relay (STUN/TURN off)"), std::string::npos) << info({});
  EXPECT_EQ(nlohmann::json::parse(info({"--json"}))["calls"], nlohmann::json({{"enabled", false}}));
  jabber_config("turn.conf", [](Settings& s) {
    s.jabber.turn = true;
    s.jabber.turn_host = "turn.example.org";
    s.jabber.turn_tls_port = 0;
    s.jabber.turn_allow_peers = {"192.168.1.0/24"};
  });
  const std::string text = info({});
  EXPECT_NE(text.find("Calls: STUN/TURN at turn.example.org, port 3478\n"), std::string::npos) << text;
  EXPECT_EQ(text.find("TURN over TLS"), std::string::npos) << text;
  const auto j = nlohmann::json::parse(info({"--json"}))["calls"];
  EXPECT_EQ(j["enabled"], true);
  EXPECT_EQ(j["host"], "turn.example.org");
  EXPECT_EQ(j["port"], 3478);
  EXPECT_EQ(j["tls_port"], 0);
  EXPECT_EQ(j["credential_lifetime"], 86400);
  EXPECT_EQ(j["allowed_peers"], nlohmann::json({"192.168.1.0/24"}));
  EXPECT_EQ(info({"--json"}).find("secret"), std::string::npos);
}

TEST_F(ToolsTest, LockAndUnlockKeepThePassword) {
  expect(0, "cl-useradd", {"-p", "guest", "jabber"}, "lock-pass\n");
  expect(0, "cl-usermod", {"-L", "guest", "jabber"});
  EXPECT_FALSE(binds("guest", "lock-pass"));
  EXPECT_NE(entry("guest").find("shadowExpire: 1"), std::string::npos);
  EXPECT_NE(slapd().tool("cl-info", {"--json", "guest", "jabber"}).out.find("\"locked\": true"), std::string::npos);
  expect(0, "cl-usermod", {"-U", "guest", "jabber"});
  EXPECT_TRUE(binds("guest", "lock-pass"));
  EXPECT_EQ(entry("guest").find("shadowExpire"), std::string::npos);
  expect(2, "cl-usermod", {"-L", "-U", "guest", "jabber"});
}

// cl-usermod(8), EXPIRY: -e sets or clears the date; cl-info shows it and whether it passed;
// -U takes away the lock only.
TEST_F(ToolsTest, ExpiryDatesAreSetShownAndKeptApartFromTheLock) {
  expect(0, "cl-useradd", {"-p", "guest", "jabber"}, "expiry-pass\n");
  expect(0, "cl-usermod", {"-e", "2001-02-03", "guest", "jabber"});
  EXPECT_NE(entry("guest").find("shadowExpire: 11356"), std::string::npos) << entry("guest");
  std::string info = slapd().tool("cl-info", {"--json", "guest", "jabber"}).out;
  EXPECT_NE(info.find("\"expired\": true"), std::string::npos) << info;
  EXPECT_NE(info.find("\"expires\": \"2001-02-03\""), std::string::npos) << info;
  EXPECT_NE(info.find("\"locked\": false"), std::string::npos) << info;
  EXPECT_NE(slapd().tool("cl-info", {"guest", "jabber"}).out.find("expired 2001-02-03"), std::string::npos);
  const Result still = expect(0, "cl-usermod", {"-U", "guest", "jabber"});
  EXPECT_NE(still.err.find("still expired"), std::string::npos) << still.err;
  EXPECT_NE(entry("guest").find("shadowExpire: 11356"), std::string::npos) << "-U is not an extension";
  expect(0, "cl-usermod", {"-e", "2999-01-01", "guest", "jabber"});
  info = slapd().tool("cl-info", {"--json", "guest", "jabber"}).out;
  EXPECT_NE(info.find("\"expired\": false"), std::string::npos) << info;
  EXPECT_NE(slapd().tool("cl-info", {"guest", "jabber"}).out.find("expires 2999-01-01"), std::string::npos);
  expect(0, "cl-usermod", {"-e", "", "guest", "jabber"});
  EXPECT_EQ(entry("guest").find("shadowExpire"), std::string::npos);
  EXPECT_NE(slapd().tool("cl-info", {"--json", "guest", "jabber"}).out.find("\"expires\": null"), std::string::npos);
  const Result bad = expect(3, "cl-usermod", {"-e", "2001-02-30", "guest", "jabber"});
  EXPECT_NE(bad.err.find("2001-02-30"), std::string::npos) << bad.err;
  expect(2, "cl-usermod", {"-L", "-e", "2999-01-01", "guest", "jabber"});
  // A lock replaces a date, and says so.
  expect(0, "cl-usermod", {"-e", "2999-01-01", "guest", "jabber"});
  const Result locked = expect(0, "cl-usermod", {"-L", "guest", "jabber"});
  EXPECT_NE(locked.err.find("2999-01-01"), std::string::npos) << locked.err;
  EXPECT_NE(entry("guest").find("shadowExpire: 1\n"), std::string::npos);
}

// One cl-usermod, one LDAP modify, whatever it changes (it made up to five).
TEST_F(ToolsTest, UsermodMakesOneModifyForEverythingItChanges) {
  expect(0, "cl-groupadd", {"A", "jabber"});
  expect(0, "cl-groupadd", {"B", "jabber"});
  expect(0, "cl-useradd", {"-P", "-g", "A", "guest", "jabber"}, "old-password\n");
  const std::string image = std::string(JABBERADMIN_TEST_DATA) + "/images/orientation-1.jpg";
  const std::string ops =
      spied("cl-usermod", {"-c", "Новый", "-i", image, "-g", "B", "-P", "-L", "guest", "jabber"}, "new-password\n");
  EXPECT_EQ(count(ops, "MODIFY uid=guest,"), 1u) << ops;
  // The new password's SCRAM verifiers go in that same modify, locked with the hash.
  const auto modify = ops.find("MODIFY uid=guest,");
  const std::string modify_line = ops.substr(modify, ops.find('\n', modify) - modify);
  EXPECT_NE(modify_line.find(" userPassword"), std::string::npos) << modify_line;
  EXPECT_NE(modify_line.find(" authPassword"), std::string::npos) << modify_line;
  const std::string e = entry("guest");
  EXPECT_NE(slapd().tool("cl-info", {"--json", "guest", "jabber"}).out.find("Новый"), std::string::npos);
  EXPECT_NE(e.find("departmentNumber: B"), std::string::npos) << e;
  EXPECT_NE(e.find("jpegPhoto:: "), std::string::npos);
  EXPECT_NE(e.find("shadowExpire: 1"), std::string::npos);
  EXPECT_FALSE(binds("guest", "new-password")) << "locked";
  const std::string unlocked = spied("cl-usermod", {"-U", "--no-avatar", "-e", "2999-01-01", "guest", "jabber"});
  EXPECT_EQ(count(unlocked, "MODIFY uid=guest,"), 1u) << unlocked;
  EXPECT_NE(unlocked.find(" authPassword"), std::string::npos) << "the verifiers are unlocked in it too: " << unlocked;
  EXPECT_TRUE(binds("guest", "new-password")) << "unlocked with the new password";
  EXPECT_EQ(entry("guest").find("jpegPhoto"), std::string::npos);
  EXPECT_NE(entry("guest").find("shadowExpire: 375835"), std::string::npos) << entry("guest");
}

// cl-groupmod -a needs the group's spelling and each user's group: it asks slapd for no
// member's avatar and no password hash.
TEST_F(ToolsTest, GroupmodAddReadsNoAvatarsAndNoPasswords) {
  expect(0, "cl-groupadd", {"Staff", "jabber"});
  const std::string image = std::string(JABBERADMIN_TEST_DATA) + "/images/orientation-1.jpg";
  expect(0, "cl-useradd", {"-P", "-g", "Staff", "-i", image, "member", "jabber"}, "member-password\n");
  expect(0, "cl-useradd", {"-P", "-i", image, "newbie", "jabber"}, "newbie-password\n");
  const std::string ops = spied("cl-groupmod", {"-a", "newbie", "staff", "jabber"});
  EXPECT_NE(ops.find("SEARCH "), std::string::npos) << ops;
  EXPECT_EQ(ops.find("jpegPhoto"), std::string::npos) << ops;
  EXPECT_EQ(ops.find("userPassword"), std::string::npos) << ops;
  EXPECT_EQ(ops.find(" *\n"), std::string::npos) << "no search for every attribute: " << ops;
  EXPECT_EQ(count(ops, "MODIFY uid=newbie,"), 1u) << ops;
  EXPECT_NE(entry("newbie").find("departmentNumber: Staff"), std::string::npos) << "the group's own spelling";
}

TEST_F(ToolsTest, UsermodChangesNicknameGroupAndPassword) {
  expect(0, "cl-groupadd", {"A", "jabber"});
  expect(0, "cl-groupadd", {"B", "jabber"});
  expect(0, "cl-useradd", {"-g", "A", "guest", "jabber"});
  const Result r = expect(0, "cl-usermod", {"-c", "Новый ник", "-g", "B", "-P", "guest", "jabber"}, "new-password\n");
  EXPECT_NE(r.out.find("moved from group 'A'"), std::string::npos) << r.out;
  EXPECT_NE(entry("guest").find("departmentNumber: B"), std::string::npos);
  EXPECT_TRUE(binds("guest", "new-password"));
  const Result info = slapd().tool("cl-info", {"--json", "guest", "jabber"});
  EXPECT_NE(info.out.find("Новый ник"), std::string::npos) << info.out;
  expect(6, "cl-usermod", {"-g", "C", "guest", "jabber"});
}

TEST_F(ToolsTest, GroupmodAddsMovesRemovesAndRenames) {
  expect(0, "cl-groupadd", {"My test", "jabber"});
  expect(0, "cl-groupadd", {"Other", "jabber"});
  expect(0, "cl-useradd", {"guest", "jabber"});
  expect(0, "cl-useradd", {"-g", "Other", "guest2", "jabber"});
  Result r = expect(0, "cl-groupmod", {"-a", "guest,guest2", "My test", "jabber"});
  EXPECT_NE(r.out.find("guest2 moved from group 'Other'"), std::string::npos) << r.out;
  expect(0, "cl-groupmod", {"-n", "Тестовая группа", "My test", "jabber"});
  r = slapd().tool("cl-info", {"-g", "Тестовая группа", "jabber"});
  EXPECT_NE(r.out.find("guest guest2"), std::string::npos) << r.out;
  expect(6, "cl-info", {"-g", "My test", "jabber"});
  expect(0, "cl-groupmod", {"-d", "guest", "Тестовая группа", "jabber"});
  EXPECT_EQ(entry("guest").find("departmentNumber"), std::string::npos);
  expect(10, "cl-groupmod", {"-d", "guest", "Тестовая группа", "jabber"});  // not a member
  expect(6, "cl-groupmod", {"-a", "ghost", "Тестовая группа", "jabber"});
  expect(9, "cl-groupmod", {"-n", "other", "Тестовая группа", "jabber"});  // exists, regardless of case
}

TEST_F(ToolsTest, GroupdelKeepsItsMembersWithoutAGroup) {
  expect(0, "cl-groupadd", {"R&D, Moscow", "jabber"});
  expect(0, "cl-useradd", {"-g", "R&D, Moscow", "guest", "jabber"});
  expect(9, "cl-groupadd", {"r&d, moscow", "jabber"});
  expect(0, "cl-groupdel", {"R&D, Moscow", "jabber"});
  const std::string ldif = entry("guest");
  EXPECT_NE(ldif.find("uid: guest"), std::string::npos);
  EXPECT_EQ(ldif.find("departmentNumber"), std::string::npos);
  EXPECT_EQ(slapd().ldapsearch("(objectClass=organizationalRole)"), "");
}

TEST_F(ToolsTest, HostileGroupNamesAreLiteral) {
  for (const std::string name : {"*", "a)(cn=*", "x,ou=Users", "Тест\\"}) {
    expect(0, "cl-groupadd", {name, "jabber"});
    expect(0, "cl-useradd", {"-g", name, "u" + std::to_string(name.size()), "jabber"});
  }
  const Result r = slapd().tool("cl-info", {"--json", "jabber"});
  EXPECT_EQ(r.status, 0);
  EXPECT_NE(r.out.find("\"x,ou=Users\""), std::string::npos) << r.out;
  // "*" is a group of one member, not a wildcard over everybody.
  const Result star = slapd().tool("cl-info", {"-g", "*", "jabber"});
  EXPECT_EQ(star.out, "*: u1\n");
  expect(3, "cl-groupadd", {"", "jabber"});
  expect(3, "cl-groupadd", {"line\nbreak", "jabber"});
}

TEST_F(ToolsTest, ConcurrentGroupmodAddsLoseNobody) {
  expect(0, "cl-groupadd", {"Big", "jabber"});
  std::ofstream csv(slapd().dir() / "users.csv");
  for (int i = 0; i < 40; ++i) csv << "user" << i << ",,,\n";
  csv.close();
  expect(0, "cl-useradd", {"--from", (slapd().dir() / "users.csv").string(), "jabber"});
  std::vector<std::future<int>> jobs;
  for (int job = 0; job < 8; ++job) {
    jobs.push_back(std::async(std::launch::async, [this, job] {
      std::string list;
      for (int i = job * 5; i < job * 5 + 5; ++i) list += (list.empty() ? "" : ",") + ("user" + std::to_string(i));
      return slapd().tool("cl-groupmod", {"-a", list, "Big", "jabber"}).status;
    }));
  }
  for (auto& j : jobs) EXPECT_EQ(j.get(), 0);
  const std::string ldif = slapd().ldapsearch("(departmentNumber=Big)", {"uid"});
  EXPECT_EQ(std::count(ldif.begin(), ldif.end(), '\n') / 3, 40) << ldif;
}

TEST_F(ToolsTest, FromCsvReportsBadLinesAndGoesOn) {
  expect(0, "cl-groupadd", {"Staff", "jabber"});
  const auto path = slapd().dir() / "in.csv";
  std::ofstream(path) << "login,nickname,group,password\n"
                      << "anna,\"Анна, старшая\",Staff,pw-anna-1\n"
                      << "bad@name,,,\n"
                      << "boris,Борис,NoSuchGroup,pw\n"
                      << "\"unterminated,,,\n"
                      << "vera,,,pw-vera-1\n"
                      << "anna,,,\n"
                      << "too,few\n";
  const Result r = expect(1, "cl-useradd", {"--from", path.string(), "jabber"});
  EXPECT_NE(r.out.find("created 2 accounts, 5 lines failed"), std::string::npos) << r.out;
  for (const std::string line : {":3: ", ":4: ", ":5: ", ":7: ", ":8: "})
    EXPECT_NE(r.err.find(path.string() + line), std::string::npos) << line << " in " << r.err;
  EXPECT_TRUE(binds("anna", "pw-anna-1"));
  EXPECT_TRUE(binds("vera", "pw-vera-1"));
  EXPECT_EQ(entry("boris"), "");
  EXPECT_NE(slapd().tool("cl-info", {"--json", "anna", "jabber"}).out.find("Анна, старшая"), std::string::npos);
}

TEST_F(ToolsTest, AvatarFromImageAndCorruptImageLeavesNoAccount) {
  const std::string images = std::string(JABBERADMIN_TEST_DATA) + "/images/";
  expect(0, "cl-useradd", {"-i", images + "alpha.png", "guest", "jabber"});
  const std::string ldif = slapd().ldapsearch("(uid=guest)", {"jpegPhoto"});
  EXPECT_NE(ldif.find("jpegPhoto:: /9j/"), std::string::npos) << "a JPEG (FF D8 FF): " << ldif.substr(0, 80);
  const Result r = expect(3, "cl-useradd", {"-i", images + "corrupt.png", "guest2", "jabber"});
  EXPECT_NE(r.err.find("corrupt.png"), std::string::npos) << r.err;
  EXPECT_EQ(entry("guest2"), "");
  expect(3, "cl-usermod", {"-i", images + "missing.png", "guest", "jabber"});
  expect(0, "cl-usermod", {"--no-avatar", "guest", "jabber"});
  EXPECT_EQ(slapd().ldapsearch("(uid=guest)", {"jpegPhoto"}).find("jpegPhoto"), std::string::npos);
}

TEST_F(ToolsTest, UserdelRemovesTheEntry) {
  expect(0, "cl-useradd", {"guest", "jabber"});
  expect(0, "cl-userdel", {"guest", "jabber"});
  EXPECT_EQ(entry("guest"), "");
}

TEST_F(ToolsTest, HelpAndVersion) {
  for (const std::string t : {"cl-useradd", "cl-usermod", "cl-passwd", "cl-userdel", "cl-groupadd", "cl-groupmod",
                              "cl-groupdel", "cl-info", "cl-setup"}) {
    EXPECT_EQ(slapd().tool(t, {"--help"}).status, 0) << t;
    const Result v = slapd().tool(t, {"--version"});
    EXPECT_EQ(v.status, 0) << t;
    EXPECT_NE(v.out.find("jabberadmin"), std::string::npos) << t;
  }
}

// --- Hardening: input that comes from outside (CSV files, arguments, lists) ---

// Writes a file with this mode (a CSV of passwords is 0600 unless the test says otherwise).
std::string write_file(const fs::path& path, const std::string& text, fs::perms mode = fs::perms::owner_read | fs::perms::owner_write) {
  std::ofstream(path, std::ios::binary) << text;
  fs::permissions(path, mode);
  return path.string();
}

TEST_F(ToolsTest, FromCsvDropsAByteOrderMarkAndSkipsOnlyARealHeader) {
  // Spreadsheets save "UTF-8 CSV" with a byte-order mark before the header.
  const auto bom = write_file(slapd().dir() / "bom.csv", "\xEF\xBB\xBFlogin,nickname,group,password\nanna,,,anna-pass\n");
  Result r = expect(0, "cl-useradd", {"--from", bom, "jabber"});
  EXPECT_NE(r.out.find("created 1 accounts, 0 lines failed"), std::string::npos) << r.out;
  EXPECT_EQ(entry("login"), "") << "the header is not an account";
  EXPECT_TRUE(binds("anna", "anna-pass"));
  // The header in other letter case, with spaces, is a header too.
  const auto upper = write_file(slapd().dir() / "upper.csv", "Login, Nickname, Group, Password\r\nboris,,,\r\n");
  expect(0, "cl-useradd", {"--from", upper, "jabber"});
  EXPECT_NE(entry("boris"), "");
  // Without a header, a user named "login" on the first line is a user like any other.
  const auto plain = write_file(slapd().dir() / "plain.csv", "login,Логин,,\nvera,,,\n");
  r = expect(0, "cl-useradd", {"--from", plain, "jabber"});
  EXPECT_NE(r.out.find("created 2 accounts"), std::string::npos) << r.out;
  EXPECT_NE(entry("login"), "");
}

TEST_F(ToolsTest, FromCsvWarnsWhenOthersCanReadThePasswords) {
  const auto world = fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read | fs::perms::others_read;
  const auto open = write_file(slapd().dir() / "open.csv", "anna,,,anna-pass\n", world);
  Result r = expect(0, "cl-useradd", {"--from", open, "jabber"});
  EXPECT_NE(r.err.find("warning: " + open + " holds passwords and other users can read it: chmod 600 it"),
            std::string::npos) << r.err;
  const auto closed = write_file(slapd().dir() / "closed.csv", "boris,,,boris-pass\n");
  r = expect(0, "cl-useradd", {"--from", closed, "jabber"});
  EXPECT_EQ(r.err, "");
  const auto no_passwords = write_file(slapd().dir() / "names.csv", "vera,,,\n", world);
  r = expect(0, "cl-useradd", {"--from", no_passwords, "jabber"});
  EXPECT_EQ(r.err, "") << "nothing secret in it";
}

TEST_F(ToolsTest, FromStandardInputAndDryRun) {
  Result r = expect(0, "cl-useradd", {"--from", "-", "jabber"}, "carl,,,carl-pass\n");
  EXPECT_NE(r.out.find("created 1 accounts"), std::string::npos) << r.out;
  EXPECT_TRUE(binds("carl", "carl-pass"));

  expect(0, "cl-groupadd", {"Staff", "jabber"});
  const std::string lines = "dan,Дэн,Staff,dan-pass\n"  // 1: fine
                            "bad@name,,,\n"               // 2: bad name
                            "carl,,,\n"                   // 3: exists already
                            "erin,,NoSuchGroup,\n"        // 4: no such group
                            "Dan,,,\n"                    // 5: dan again, given twice in the file
                            "fay,,,short\n"               // 6: password too short
                            "gus,,,\n";                   // 7: fine
  const auto before = slapd().ldapsearch("(objectClass=*)");
  r = expect(1, "cl-useradd", {"--dry-run", "--from", "-", "jabber"}, lines);
  EXPECT_NE(r.out.find("(standard input):1: would create dan@"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("(standard input):7: would create gus@"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("dry run: 2 accounts would be created, 5 lines failed; nothing written"), std::string::npos) << r.out;
  EXPECT_NE(r.err.find("(standard input):2: "), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("(standard input):3: user 'carl' already exists"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("(standard input):4: no such group 'NoSuchGroup'"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("(standard input):5: user 'dan' already exists"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("(standard input):6: the password has 5 characters, fewer than 8"), std::string::npos) << r.err;
  EXPECT_EQ(slapd().ldapsearch("(objectClass=*)"), before) << "a dry run writes nothing";
  expect(2, "cl-useradd", {"--dry-run", "dan", "jabber"});  // only with --from
}

TEST_F(ToolsTest, MessagesShowControlCharactersEscaped) {
  // An account name that retitles the terminal (OSC 0) when printed raw.
  const auto csv = write_file(slapd().dir() / "esc.csv", "esc\x1b]0;OWNED\x07,nick,,pw-long-enough\n");
  Result r = expect(1, "cl-useradd", {"--from", csv, "jabber"});
  EXPECT_EQ(r.err.find('\x1b'), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find('\x07'), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("esc\\x1b]0;OWNED\\x07"), std::string::npos) << r.err;
  for (const auto& [tool, args] : std::vector<std::pair<std::string, std::vector<std::string>>>{
           {"cl-useradd", {"clear\x1b[2J\x1b[H", "jabber"}},
           {"cl-passwd", {"nobody\xc2\x9b" "31m", "jabber"}},  // C1 CSI, as UTF-8
           {"cl-groupmod", {"-a", "x", "grp\x1b[31m", "jabber"}},
           {"cl-useradd", {"x", "jab\x1b[2Jber"}}}) {
    r = slapd().tool(tool, args);
    EXPECT_NE(r.status, 0) << tool;
    EXPECT_EQ(r.err.find('\x1b'), std::string::npos) << r.err;
    EXPECT_EQ(r.err.find("\xc2\x9b"), std::string::npos) << r.err;
  }
  r = slapd().tool("cl-useradd", {"clear\x1b[2J", "jabber"});
  EXPECT_NE(r.err.find("clear\\x1b[2J"), std::string::npos) << "shown escaped: " << r.err;
}

TEST_F(ToolsTest, GroupmodListsTakeEscapedCommasAndSpaces) {
  expect(0, "cl-groupadd", {"G", "jabber"});
  expect(0, "cl-useradd", {"smith,john", "jabber"});  // a comma is allowed in a JID localpart
  expect(0, "cl-useradd", {"guest", "jabber"});
  expect(0, "cl-useradd", {"guest2", "jabber"});
  expect(0, "cl-groupmod", {"-a", "smith\\,john, guest", "G", "jabber"});
  EXPECT_EQ(slapd().tool("cl-info", {"-g", "G", "jabber"}).out, "G: guest smith,john\n");
  expect(0, "cl-groupmod", {"-d", "guest ,  smith\\,john", "G", "jabber"});
  EXPECT_EQ(slapd().tool("cl-info", {"-g", "G", "jabber"}).out, "G:\n");
  expect(0, "cl-groupmod", {"-a", "guest, guest2", "G", "jabber"});
  EXPECT_EQ(slapd().tool("cl-info", {"-g", "G", "jabber"}).out, "G: guest guest2\n");
}

TEST_F(ToolsTest, ShortPasswordsAreRefusedUnlessAllowed) {
  Result r = expect(3, "cl-useradd", {"-P", "u1", "jabber"}, "1\n");
  EXPECT_NE(r.err.find("the password has 1 characters, fewer than 8 (--allow-short-password accepts it)"),
            std::string::npos) << r.err;
  EXPECT_EQ(entry("u1"), "") << "no account without its password";
  expect(3, "cl-useradd", {"-P", "u1", "jabber"}, "пароль1\n");  // 7 characters (13 bytes)
  expect(0, "cl-useradd", {"-P", "u1", "jabber"}, "пароль12\n");
  EXPECT_TRUE(binds("u1", "пароль12"));
  expect(0, "cl-useradd", {"-P", "--allow-short-password", "u2", "jabber"}, "1\n");
  EXPECT_TRUE(binds("u2", "1"));
  expect(3, "cl-passwd", {"u1", "jabber"}, "short\n");
  expect(3, "cl-usermod", {"-P", "u1", "jabber"}, "short\n");
  EXPECT_TRUE(binds("u1", "пароль12")) << "a refused change keeps the old password";
  expect(0, "cl-passwd", {"--allow-short-password", "u1", "jabber"}, "short\n");
  EXPECT_TRUE(binds("u1", "short"));
  const auto csv = write_file(slapd().dir() / "short.csv", "u3,,,abc\nu4,,,long-enough\n");
  r = expect(1, "cl-useradd", {"--from", csv, "jabber"});
  EXPECT_NE(r.err.find(csv + ":1: the password has 3 characters"), std::string::npos) << r.err;
  EXPECT_EQ(entry("u3"), "");
  const auto short_only = write_file(slapd().dir() / "short-only.csv", "u3,,,abc\n");
  expect(0, "cl-useradd", {"--allow-short-password", "--from", short_only, "jabber"});
  EXPECT_TRUE(binds("u3", "abc"));
}

TEST_F(ToolsTest, UseraddSaysTheAccountExistsBeforeAskingForAPassword) {
  expect(0, "cl-useradd", {"guest", "jabber"});
  // Nothing on stdin: were the password read first, this would be "no password given".
  Result r = expect(9, "cl-useradd", {"-P", "guest", "jabber"}, "");
  EXPECT_NE(r.err.find("user 'guest' already exists"), std::string::npos) << r.err;
  r = expect(6, "cl-useradd", {"-P", "-g", "nope", "guest3", "jabber"}, "");
  EXPECT_NE(r.err.find("no such group 'nope'"), std::string::npos) << r.err;
}

TEST_F(ToolsTest, HandEditedSettingsAreCheckedWithFileKeyAndRange) {
  const std::string base = [&] {
    std::ifstream in(slapd().config());
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
  }();
  const std::vector<std::pair<std::string, std::string>> cases{
      {"port = 99999", "[jabber] port = 99999: expected an integer from 1 to 65535"},
      {"history = 'yes'", "[jabber] history = 'yes': expected true or false (without quotes)"},
      {"max_stanza_size = 10", "[jabber] max_stanza_size = 10: expected an integer from 10240 to 16777216"},
      {"max_stanza_size = -1", "[jabber] max_stanza_size = -1: expected an integer from 10240 to 16777216"},
      {"listen = ['localhost']", "[jabber] listen = [ 'localhost' ]: expected an array of IP addresses"},
      {"server = 'prosody'", "[jabber] server = 'prosody': expected 'builtin' or 'ejabberd'"},
      {"history_dir = 'relative'", "[jabber] history_dir = 'relative': expected an absolute path"},
  };
  for (const auto& [line, message] : cases) {
    SCOPED_TRACE(line);
    const auto config = slapd().dir() / "edited.conf";
    write_file(config, base + "\n[jabber]\n" + line + "\n");
    const Result r = run(tool("cl-info"), {"--config", config.string(), "jabber"});
    EXPECT_EQ(r.status, 3) << r.err;
    EXPECT_NE(r.err.find("cl-info: " + config.string() + ": " + message), std::string::npos) << r.err;
    EXPECT_EQ(r.out, "");
  }
}

}  // namespace
}  // namespace jabberadmin::test

namespace jabberadmin::test {
namespace {

TEST_F(SlapdTest, InsufficientAccessNamesTheBindDn) {
  // A settings file that binds as an ordinary user: it may read, not write.
  ASSERT_EQ(slapd().tool("cl-useradd", {"-P", "reader", "jabber"}, "reader-pw\n").status, 0);
  Settings s = slapd().settings();
  s.ldap.uri = slapd().tcp_uri();
  s.ldap.bind_dn = "uid=reader,ou=Users,ou=Jabber,ou=Services,dc=test";
  s.ldap.bind_password_file = slapd().dir() / "reader.secret";
  write_private_file(s.ldap.bind_password_file, "reader-pw");
  const auto config = slapd().dir() / "reader.conf";
  s.save(config);
  const Result r = run(tool("cl-useradd"), {"--config", config.string(), "intruder", "jabber"});
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.err.find("Insufficient access"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find(s.ldap.bind_dn), std::string::npos) << r.err;
  EXPECT_EQ(slapd().ldapsearch("(uid=intruder)"), "");
  EXPECT_EQ(run(tool("cl-info"), {"--config", config.string(), "reader", "jabber"}).status, 0) << "reading is allowed";
}

}  // namespace
}  // namespace jabberadmin::test
