// The ejabberd.yml that `cl-setup jabber` generates, proven by Debian's ejabberd and a real
// client: ejabberd runs privately (config, spool, logs, node name and cookie in a temp dir,
// loopback ports) against a private slapd, and python3-slixmpp logs in as users made with
// cl-useradd. Each check below catches one way the generated config can be wrong:
//   - group-mates under the group's name with nicknames: attribute names in the right case
//     (a wrong case gives an empty roster without any error);
//   - a user of another group is NOT in the roster: the roster filter has (uid=%u);
//   - a lock made while ejabberd runs refuses the next login at once: no auth cache;
//   - a regrouping shows at the next login: no shared-roster cache;
//   - the listeners' accept queue is 4096, not ejabberd's default 5;
//   - direct TLS and STARTTLS on the chosen ports, on the chosen address only, every host;
//   - a stanza over 65536 bytes closes the stream (policy-violation), one under it does not;
//   - cl-setup's admin account, and only it, gets the administration commands (the admin ACL);
//   - a client's vCard set (a new avatar) is refused at once, the session goes on and the
//     directory's vCard stays: vCards are read-only, as in cl-jabberd.
//   - the HTTPS listener serves XEP-0156 host-meta (XML and JSON) and the web client's page,
//     both naming the WebSocket cl-jabberd uses, the page loads Converse.js from the
//     web_client_dir (not from cdn.conversejs.org), and a login over that WebSocket works.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <pwd.h>
#include <sstream>
#include <thread>

#include "jabberadmin/encoding.hpp"
#include "jabberadmin/scram.hpp"
#include "jabberadmin/settings.hpp"
#include "slapd_fixture.hpp"

extern char** environ;

namespace jabberadmin::test {
namespace {
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;
using nlohmann::json;

constexpr const char* kGroup = "Отдел продаж";
constexpr const char* kOtherGroup = "Other group";
constexpr const char* kExtraHost = "jabber.myhost.ru";
constexpr const char* kScriptMarker = "/* the web client dir's converse.min.js */";

std::string read_text(const fs::path& path) {
  std::ifstream in(path);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

bool port_open(int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  const bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  ::close(fd);
  return ok;
}

// Kills the ejabberd process group if the test process dies of an assertion or a crash:
// the destructor would not run, and ejabberd must not outlive the test.
pid_t g_ejabberd_group = 0;
void kill_group_and_die(int sig) {
  if (g_ejabberd_group > 0) ::kill(-g_ejabberd_group, SIGKILL);
  ::signal(sig, SIG_DFL);
  ::raise(sig);
}

// Debian's ejabberd in the foreground, in its own process group so that every process it
// starts is stopped with it, also when a test fails.
class Ejabberd {
 public:
  Ejabberd(const fs::path& run_dir, const fs::path& config, int port, int dist_port) : dir_(run_dir) {
    fs::create_directories(dir_ / "spool");
    fs::create_directories(dir_ / "logs");
    std::ofstream(dir_ / "ejabberdctl.cfg")
        << "ERL_DIST_PORT=" << dist_port << "\n"
        << "ERL_OPTIONS=\"-setcookie jabberadmin-test-" << ::getpid()
        << " -kernel inet_dist_use_interface {127,0,0,1}\"\n"
        << "EJABBERD_BYPASS_WARNINGS=true\n";
    std::ofstream(dir_ / "inetrc") << "";
    std::vector<std::string> args;
    fs::path ctl = "/usr/sbin/ejabberdctl";
    if (::geteuid() == 0) {
      // As root, ejabberdctl would `su` to the ejabberd user (resetting limits); setpriv
      // keeps them. The run dir must then belong to that user.
      const passwd* pw = ::getpwnam("ejabberd");
      if (pw == nullptr) throw std::runtime_error("no ejabberd user: is ejabberd installed?");
      for (const auto& entry : fs::recursive_directory_iterator(dir_))
        if (::chown(entry.path().c_str(), pw->pw_uid, pw->pw_gid) != 0) throw std::runtime_error("chown");
      if (::chown(dir_.c_str(), pw->pw_uid, pw->pw_gid) != 0) throw std::runtime_error("chown");
      args = {"/usr/bin/setpriv", "--reuid=ejabberd", "--regid=ejabberd", "--init-groups", ctl.string()};
    } else {
      // Any other user: ejabberdctl insists on root or the ejabberd user, so run a copy that
      // runs as whoever calls it.
      std::string script = read_text(ctl);
      const auto at = script.find("\nINSTALLUSER=ejabberd");
      if (at != std::string::npos) script.replace(at, 21, "\nINSTALLUSER=");
      ctl = dir_ / "ejabberdctl";
      std::ofstream(ctl) << script;
      fs::permissions(ctl, fs::perms::owner_all);
      args = {ctl.string()};
    }
    for (const std::string& a : std::vector<std::string>{"--config-dir", dir_.string(), "--ctl-config", (dir_ / "ejabberdctl.cfg").string(),
                                "--config", config.string(), "--logs", (dir_ / "logs").string(), "--spool",
                                (dir_ / "spool").string(), "--node", "jtest" + std::to_string(::getpid()) + "@localhost",
                                "foreground"})
      args.push_back(a);
    // timeout(1) signals its whole process group: ejabberd never outlives the test by long.
    args.insert(args.begin(), {"/usr/bin/timeout", "-k", "5", "300"});
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    std::vector<std::string> env_storage{"HOME=" + dir_.string(), "LANG=C.UTF-8", "PATH=/usr/sbin:/usr/bin:/sbin:/bin"};
    std::vector<char*> envp;
    for (auto& e : env_storage) envp.push_back(e.data());
    envp.push_back(nullptr);

    posix_spawnattr_t attr;
    posix_spawnattr_init(&attr);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP);
    posix_spawnattr_setpgroup(&attr, 0);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&actions, 1, (dir_ / "console.log").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_adddup2(&actions, 1, 2);
    posix_spawn_file_actions_addchdir_np(&actions, dir_.c_str());
    const auto started = Clock::now();
    const int rc = posix_spawn(&pid_, argv[0], &actions, &attr, argv.data(), envp.data());
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attr);
    if (rc != 0) throw std::runtime_error("cannot run ejabberdctl: " + std::string(std::strerror(rc)));
    g_ejabberd_group = pid_;
    for (const int sig : {SIGABRT, SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGINT, SIGTERM}) ::signal(sig, kill_group_and_die);

    // Bounded wait for the client port; an early exit is reported with ejabberd's own words.
    while (!port_open(port)) {
      int status = 0;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = 0;
        throw std::runtime_error("ejabberd exited while starting:\n" + log_tail());
      }
      if (Clock::now() - started > std::chrono::seconds(40)) {
        stop();
        throw std::runtime_error("ejabberd did not listen on port " + std::to_string(port) + " within 40 s:\n" + log_tail());
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    startup_ = std::chrono::duration<double>(Clock::now() - started).count();
  }
  ~Ejabberd() { stop(); }
  Ejabberd(const Ejabberd&) = delete;
  Ejabberd& operator=(const Ejabberd&) = delete;

  double startup_seconds() const { return startup_; }

  // Bytes ejabberd has logged so far (a handler in a loop shows as a fast-growing log).
  std::uintmax_t log_bytes() const {
    std::error_code ec;
    std::uintmax_t total = 0;
    for (const auto& e : fs::recursive_directory_iterator(dir_ / "logs", ec))
      if (e.is_regular_file(ec)) total += e.file_size(ec);
    return total + fs::file_size(dir_ / "console.log", ec);
  }
  std::string log_tail() const {
    std::string text = read_text(dir_ / "console.log") + read_text(dir_ / "logs" / "ejabberd.log");
    return text.size() > 6000 ? text.substr(text.size() - 6000) : text;
  }

  void stop() {
    if (pid_ <= 0) return;
    ::kill(-pid_, SIGTERM);
    for (int i = 0; i < 100; ++i) {
      int status = 0;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    ::kill(-pid_, SIGKILL);  // whatever is left of the group (beam, erl_child_setup)
    int status = 0;
    ::waitpid(pid_, &status, WNOHANG);
    pid_ = 0;
    g_ejabberd_group = 0;
  }

 private:
  fs::path dir_;
  pid_t pid_ = 0;
  double startup_ = 0;
};

// j[k1][k2]..., or null when any key is missing (nlohmann's const [] asserts instead).
json get(const json& j, std::initializer_list<std::string> path) {
  const json* at = &j;
  for (const auto& key : path) {
    if (!at->is_object() || !at->contains(key)) return nullptr;
    at = &(*at)[key];
  }
  return *at;
}

// What the slixmpp client saw.
struct Login {
  int status = -1;  // 0 ok, 3 authentication refused, 4 timeout, 2 other
  json result;
  std::string err;
  double seconds = 0;
};

struct Server {
  std::unique_ptr<Slapd> slapd;
  std::unique_ptr<Ejabberd> ejabberd;
  std::string host;
  int port = 0, tls_port = 0, http_port = 0, turn_port = 0;
  std::string setup_output;
};

class EjabberdTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    try {
      start();
    } catch (const std::exception& e) {
      setup_error_ = e.what();
    }
  }
  static void TearDownTestSuite() {
    server_.ejabberd.reset();
    server_.slapd.reset();
  }
  void SetUp() override {
    if (!setup_error_.empty()) FAIL() << setup_error_;
  }

  static void tool_ok(const std::string& name, const std::vector<std::string>& args, const std::string& input = {}) {
    const Result r = server_.slapd->tool(name, args, input);
    if (r.status != 0) throw std::runtime_error(name + " failed (" + std::to_string(r.status) + "): " + r.err);
  }

  static void start() {
    server_.slapd = std::make_unique<Slapd>();
    Slapd& slapd = *server_.slapd;
    tool_ok("cl-groupadd", {kGroup, "jabber"});
    tool_ok("cl-groupadd", {kOtherGroup, "jabber"});
    tool_ok("cl-useradd", {"-p", "-c", "Алиса", "-g", kGroup, "alice", "jabber"}, "pw-alice\n");
    tool_ok("cl-useradd", {"-p", "-c", "Борис", "-g", kGroup, "bob", "jabber"}, "pw-bob-1\n");
    tool_ok("cl-useradd", {"-p", "-c", "Carol", "-g", kOtherGroup, "carol", "jabber"}, "pw-carol\n");
    tool_ok("cl-useradd", {"-p", "-c", "Dave", "dave", "jabber"}, "pw-dave-1\n");
    tool_ok("cl-useradd", {"-p", "-c", "Erin", "-g", kOtherGroup, "erin", "jabber"}, "pw-erin-1\n");
    tool_ok("cl-useradd", {"-p", "-c", "Фёдор", "frank", "jabber"}, "pw-frank\n");
    tool_ok("cl-usermod", {"-i", std::string(JABBERADMIN_TEST_DATA) + "/images/photo.jpg", "bob", "jabber"});

    // A stand-in for the packaged Converse.js: the generated config serves these files.
    const fs::path web = slapd.dir() / "webclient";
    fs::create_directories(web / "locales");
    std::ofstream(web / "converse.min.js") << kScriptMarker << "\n";
    std::ofstream(web / "converse.min.css") << "body {}\n";
    std::ofstream(web / "locales" / "de-LC_MESSAGES-converse-po.js") << "// de\n";

    server_.port = free_port();
    server_.tls_port = free_port();
    server_.http_port = free_port();
    server_.turn_port = free_port();
    const auto cl_setup = [&] {
      return slapd.tool("cl-setup",
                        {"--server", "ejabberd", "--hosts", kExtraHost, "--listen", "127.0.0.1", "--port",
                         std::to_string(server_.port), "--tls-port", std::to_string(server_.tls_port), "--http-port",
                         std::to_string(server_.http_port), "--turn", "on", "--turn-host", "127.0.0.1",
                         "--turn-port", std::to_string(server_.turn_port), "--turn-tls-port", "0",
                         "--state-dir", (slapd.dir() / "jabber").string(),
                         "--history-dir", (slapd.dir() / "history").string(), "--history", "on", "jabber"},
                        "pw-admin\n");
    };
    Result setup = cl_setup();
    if (setup.status != 0) throw std::runtime_error("cl-setup jabber failed: " + setup.err);
    // web_client_dir has no option: set in the settings cl-setup wrote, then run again.
    Settings settings = slapd.settings();
    settings.jabber.web_client_dir = web;
    settings.save(slapd.config());
    setup = cl_setup();
    if (setup.status != 0) throw std::runtime_error("cl-setup jabber (again) failed: " + setup.err);
    server_.setup_output = setup.out;
    server_.host = slapd.settings().jabber.hosts.at(0);
    // ejabberd (its own user when we are root) must reach the config beside the settings.
    fs::permissions(slapd.dir(), fs::perms::owner_all | fs::perms::group_exec | fs::perms::others_exec);
    server_.ejabberd = std::make_unique<Ejabberd>(slapd.dir() / "ejabberd-run", slapd.dir() / "ejabberd.yml",
                                                  server_.port, free_port());
    std::cout << "[ measured ] ejabberd listening " << server_.ejabberd->startup_seconds() << " s after start\n";
  }

  static Login login(const std::string& jid, const std::string& password, const std::vector<std::string>& extra = {}) {
    std::vector<std::string> args{std::string(JABBERADMIN_EJABBERD_TEST_DIR) + "/xmpp_login.py", jid, "-",
                                  "127.0.0.1", std::to_string(server_.port), "--timeout", "20"};
    args.insert(args.end(), extra.begin(), extra.end());
    const auto started = Clock::now();
    const Result r = run("/usr/bin/python3", args, password + "\n", {{"LANG", "C.UTF-8"}});
    Login out;
    out.seconds = std::chrono::duration<double>(Clock::now() - started).count();
    out.status = r.status;
    out.err = r.err;
    try {
      out.result = json::parse(r.out);
    } catch (const std::exception&) {
      out.result = json{{"unparsed", r.out}};
    }
    return out;
  }

  // What ejabberd's HTTPS listener answers, from web_check.py: {"path": {status, type, cors, body}}.
  static json web_get(const std::vector<std::string>& paths, const std::string& host) {
    std::vector<std::string> args{std::string(JABBERADMIN_EJABBERD_TEST_DIR) + "/web_check.py", "get",
                                  std::to_string(server_.http_port), host};
    args.insert(args.end(), paths.begin(), paths.end());
    const Result r = run("/usr/bin/python3", args);
    if (r.status != 0) return json{{"failed", r.err}};
    return json::parse(r.out);
  }

  static std::string jid(const std::string& user, const std::string& host = {}) {
    return user + "@" + (host.empty() ? server_.host : host);
  }
  static std::string diagnostics(const Login& l) {
    return l.result.dump() + "\n" + l.err + "\n--- ejabberd log ---\n" + server_.ejabberd->log_tail();
  }

  static Server server_;
  static std::string setup_error_;
};

Server EjabberdTest::server_;
std::string EjabberdTest::setup_error_;

TEST_F(EjabberdTest, RosterShowsGroupMatesUnderTheGroupNameWithNicknames) {
  const Login l = login(jid("alice"), "pw-alice", {"--vcard", jid("bob")});
  ASSERT_EQ(l.status, 0) << diagnostics(l);
  const json roster = get(l.result, {"roster"});
  ASSERT_TRUE(roster.contains(jid("bob"))) << "empty roster: attribute names in the wrong case? " << diagnostics(l);
  EXPECT_EQ(get(roster, {jid("bob"), "name"}), "Борис");
  EXPECT_EQ(get(roster, {jid("bob"), "groups"}), json::array({kGroup}));
  EXPECT_EQ(get(roster, {jid("bob"), "subscription"}), "both");
  EXPECT_FALSE(roster.contains(jid("alice"))) << "a user is not its own contact";
  // Another group's members and users without a group must not show: without (uid=%u) in
  // the roster filter every user would see every group.
  EXPECT_FALSE(roster.contains(jid("carol"))) << diagnostics(l);
  EXPECT_FALSE(roster.contains(jid("erin"))) << diagnostics(l);
  EXPECT_FALSE(roster.contains(jid("dave"))) << diagnostics(l);
  // vCard from LDAP: nickname and the JPEG avatar.
  const json card = get(l.result, {"vcards", jid("bob")});
  EXPECT_EQ(get(card, {"fn"}), "Борис") << diagnostics(l);
  EXPECT_EQ(get(card, {"photo_type"}), "image/jpeg");
  EXPECT_GT(get(card, {"photo_bytes"}).is_number() ? get(card, {"photo_bytes"}).get<int>() : 0, 100);
}

TEST_F(EjabberdTest, OtherGroupSeesOnlyItsOwnMembers) {
  const Login l = login(jid("carol"), "pw-carol");
  ASSERT_EQ(l.status, 0) << diagnostics(l);
  const json roster = get(l.result, {"roster"});
  EXPECT_TRUE(roster.contains(jid("erin"))) << diagnostics(l);
  EXPECT_EQ(get(roster, {jid("erin"), "groups"}), json::array({kOtherGroup}));
  EXPECT_FALSE(roster.contains(jid("alice"))) << diagnostics(l);
  EXPECT_FALSE(roster.contains(jid("bob"))) << diagnostics(l);
}

TEST_F(EjabberdTest, EveryServedHostAndBothPorts) {
  const Login extra = login(jid("alice", kExtraHost), "pw-alice");
  ASSERT_EQ(extra.status, 0) << diagnostics(extra);
  EXPECT_TRUE(get(extra.result, {"roster", jid("bob", kExtraHost)}).is_object()) << "group-mates on the host logged in to";
  // Direct TLS on the TLS port.
  std::vector<std::string> args{std::string(JABBERADMIN_EJABBERD_TEST_DIR) + "/xmpp_login.py", jid("bob"), "-",
                                "127.0.0.1", std::to_string(server_.tls_port), "--direct-tls"};
  const Result direct = run("/usr/bin/python3", args, "pw-bob-1\n");
  EXPECT_EQ(direct.status, 0) << direct.out << direct.err;
}

TEST_F(EjabberdTest, AdminAccountIsTheServersAdministrator) {
  // The admin ACL: cl-setup's admin account sees the server's administration commands
  // (XEP-0133), an ordinary user none.
  const Login admin = login(jid("admin"), "pw-admin", {"--commands"});
  ASSERT_EQ(admin.status, 0) << "cl-setup's admin account logs in: " << diagnostics(admin);
  const json commands = get(admin.result, {"commands"});
  std::cout << "[ measured ] admin commands: " << commands.dump() << "\n";
  const auto has_admin_command = [](const json& list) {
    if (!list.is_array()) return false;
    for (const auto& node : list)
      if (node.get<std::string>().starts_with("http://jabber.org/protocol/admin#")) return true;
    return false;
  };
  EXPECT_TRUE(has_admin_command(commands)) << diagnostics(admin);
  const Login user = login(jid("alice"), "pw-alice", {"--commands"});
  ASSERT_EQ(user.status, 0) << diagnostics(user);
  EXPECT_FALSE(has_admin_command(get(user.result, {"commands"}))) << diagnostics(user);
}

// mod_stun_disco as cl-setup --turn on generates it: ejabberd hands out the same relay with
// credentials made from the same secret as cl-jabberd's (coturn's REST form), so switching
// servers keeps calls working against the same coturn.
TEST_F(EjabberdTest, StunDiscoHandsOutTheRelayWithTheSharedSecret) {
  const Login user = login(jid("alice"), "pw-alice", {"--extdisco"});
  ASSERT_EQ(user.status, 0) << diagnostics(user);
  const json services = get(user.result, {"extdisco"});
  ASSERT_TRUE(services.is_array()) << diagnostics(user);
  std::cout << "[ measured ] ejabberd's XEP-0215 answer: " << services.dump() << "\n";
  const std::string secret = read_secret_file(turn_secret_path(server_.slapd->settings().jabber));
  std::vector<std::string> kinds;
  for (const auto& s : services) {
    kinds.push_back(s.value("type", "") + "/" + s.value("transport", ""));
    EXPECT_EQ(s.value("host", ""), "127.0.0.1");
    EXPECT_EQ(s.value("port", ""), std::to_string(server_.turn_port));
    if (s.value("type", "") != "turn") continue;
    const std::string username = s.value("username", "");
    EXPECT_NE(username.find(':'), std::string::npos) << username;
    EXPECT_EQ(s.value("password", ""), encoding::base64_encode(scram::hmac(scram::Hash::Sha1, secret, username)))
        << "coturn would accept it";
  }
  EXPECT_EQ(kinds, (std::vector<std::string>{"stun/udp", "turn/udp", "turn/tcp"})) << services.dump();
}

TEST_F(EjabberdTest, ListenersUseTheGivenAddressAndALargeBacklog) {
  // ss shows a listener's backlog in Send-Q; ejabberd's default would be 5.
  const Result ss = run("/usr/bin/ss", {"-Hltn", "sport = :" + std::to_string(server_.port)});
  ASSERT_EQ(ss.status, 0) << ss.err;
  EXPECT_NE(ss.out.find("127.0.0.1:" + std::to_string(server_.port)), std::string::npos) << ss.out;
  std::istringstream fields(ss.out);
  std::string state, recv_q, send_q;
  fields >> state >> recv_q >> send_q;
  EXPECT_EQ(state, "LISTEN") << ss.out;
  EXPECT_EQ(send_q, "4096") << ss.out;
  EXPECT_EQ(ss.out.find("0.0.0.0:" + std::to_string(server_.port)), std::string::npos) << "only the given address";
}

TEST_F(EjabberdTest, StanzaSizeLimitIs64KiB) {
  // Under the limit the stream lives on; over it ejabberd closes it with policy-violation.
  const Login small = login(jid("dave"), "pw-dave-1", {"--send-bytes", "60000"});
  ASSERT_EQ(small.status, 0) << diagnostics(small);
  EXPECT_EQ(get(small.result, {"alive_after_send"}), true) << diagnostics(small);
  const Login big = login(jid("dave"), "pw-dave-1", {"--send-bytes", "70000"});
  ASSERT_EQ(big.status, 0) << diagnostics(big);
  EXPECT_EQ(get(big.result, {"alive_after_send"}), false) << diagnostics(big);
  EXPECT_EQ(get(big.result, {"stream_error"}), "policy-violation") << diagnostics(big);
}

// The generated mod_muc and mod_mam: a room on conference.<host> is made by joining it, a
// groupchat message comes back, and both the room's archive and the account's answer.
TEST_F(EjabberdTest, GroupChatAndItsArchiveWork) {
  const std::string room = "staff@conference." + server_.host;
  const Login l = login(jid("alice"), "pw-alice", {"--muc", room});
  ASSERT_EQ(l.status, 0) << diagnostics(l);
  EXPECT_EQ(get(l.result, {"muc_joined"}), true) << diagnostics(l);
  EXPECT_EQ(get(l.result, {"muc_reflected"}), true) << diagnostics(l);
  EXPECT_EQ(get(l.result, {"room_archive"}), json::array({"hello room"})) << "the room keeps its archive: " << diagnostics(l);
  EXPECT_TRUE(get(l.result, {"own_archive"}).is_number()) << "the account's archive answers: " << diagnostics(l);
}

TEST_F(EjabberdTest, WrongPasswordIsRefused) {
  const Login l = login(jid("alice"), "not-her-password");
  EXPECT_EQ(l.status, 3) << diagnostics(l);
  const Login empty_group = login(jid("dave"), "pw-dave-1");
  EXPECT_EQ(empty_group.status, 0) << "a user without a group logs in: " << diagnostics(empty_group);
}

TEST_F(EjabberdTest, LockWhileRunningRefusesTheNextLoginAtOnce) {
  // A successful login first: with ejabberd's default auth cache this one would be
  // remembered for an hour and the locked user could go on logging in.
  const Login before = login(jid("erin"), "pw-erin-1");
  ASSERT_EQ(before.status, 0) << diagnostics(before);
  tool_ok("cl-usermod", {"-L", "erin", "jabber"});
  const auto locked_at = Clock::now();
  Login after;
  double refused_after = -1;
  while (Clock::now() - locked_at < std::chrono::seconds(10)) {
    after = login(jid("erin"), "pw-erin-1");
    if (after.status == 3) {
      refused_after = std::chrono::duration<double>(Clock::now() - locked_at).count();
      break;
    }
  }
  ASSERT_GE(refused_after, 0) << "a locked user could still log in: " << diagnostics(after);
  EXPECT_LT(refused_after, 5.0);
  std::cout << "[ measured ] lock -> login refused after " << refused_after << " s\n";
  tool_ok("cl-usermod", {"-U", "erin", "jabber"});
  const Login unlocked = login(jid("erin"), "pw-erin-1");
  EXPECT_EQ(unlocked.status, 0) << diagnostics(unlocked);
}

TEST_F(EjabberdTest, RegroupingShowsAtTheNextLogin) {
  const Login before = login(jid("alice"), "pw-alice");
  ASSERT_EQ(before.status, 0) << diagnostics(before);
  ASSERT_TRUE(get(before.result, {"roster", jid("frank")}).is_null());
  tool_ok("cl-usermod", {"-g", kGroup, "frank", "jabber"});
  const Login after = login(jid("alice"), "pw-alice");
  ASSERT_EQ(after.status, 0) << diagnostics(after);
  ASSERT_TRUE(get(after.result, {"roster", jid("frank")}).is_object()) << "shared roster cached? " << diagnostics(after);
  EXPECT_EQ(get(after.result, {"roster", jid("frank"), "name"}), "Фёдор");
  EXPECT_EQ(get(after.result, {"roster", jid("frank"), "groups"}), json::array({kGroup}));
  // And out again.
  tool_ok("cl-groupmod", {"-d", "frank", kGroup, "jabber"});
  const Login removed = login(jid("alice"), "pw-alice");
  ASSERT_EQ(removed.status, 0) << diagnostics(removed);
  EXPECT_TRUE(get(removed.result, {"roster", jid("frank")}).is_null()) << diagnostics(removed);
}

TEST_F(EjabberdTest, VcardSetIsRefusedAndTheSessionGoesOn) {
  const auto log_before = server_.ejabberd->log_bytes();
  const Login l = login(jid("frank"), "pw-frank", {"--set-vcard", "--timeout", "40"});
  const auto logged = server_.ejabberd->log_bytes() - log_before;
  ASSERT_EQ(l.status, 0) << diagnostics(l);
  EXPECT_EQ(get(l.result, {"vcard_set"}), "not-acceptable") << "refused, not a false success: " << diagnostics(l);
  EXPECT_EQ(get(l.result, {"nickname_after_set"}), "Фёдор") << "the directory's vCard stays: " << diagnostics(l);
  EXPECT_LT(l.seconds, 15) << diagnostics(l);
  EXPECT_LT(logged, 1u << 20) << "ejabberd logged " << logged << " bytes for one vCard set";
  std::cout << "[ measured ] vCard set refused in " << l.seconds << " s (whole login), " << logged << " log bytes\n";
}

// cl-jabberd serves host-meta and the web client on its HTTPS listener; the generated config
// must make ejabberd do the same: the same WebSocket URL in both, a web client page that loads
// Converse.js from web_client_dir, and a login over that WebSocket.
TEST_F(EjabberdTest, HostMetaAndWebClientNameTheWebSocket) {
  for (const std::string& host : {server_.host, std::string(kExtraHost)}) {
    const std::string base = host + ":" + std::to_string(server_.http_port);
    const std::string websocket = "wss://" + base + "/xmpp-websocket", bosh = "https://" + base + "/http-bind";
    const json got = web_get({"/.well-known/host-meta", "/.well-known/host-meta.json", "/", "/converse.min.js",
                              "/locales/de-LC_MESSAGES-converse-po.js", "/no-such-file"},
                             host);
    const std::string why = got.dump(1) + "\n--- ejabberd log ---\n" + server_.ejabberd->log_tail();
    const json xrd = get(got, {"/.well-known/host-meta"});
    ASSERT_EQ(get(xrd, {"status"}), 200) << why;
    EXPECT_EQ(get(xrd, {"type"}), "application/xrd+xml") << why;
    EXPECT_EQ(get(xrd, {"cors"}), "*") << "web clients on other origins read it: " << why;
    const std::string xrd_body = get(xrd, {"body"}).get<std::string>();
    EXPECT_NE(xrd_body.find("rel='urn:xmpp:alt-connections:websocket' href='" + websocket + "'"), std::string::npos) << why;
    EXPECT_NE(xrd_body.find("rel='urn:xmpp:alt-connections:xbosh' href='" + bosh + "'"), std::string::npos) << why;

    const json js = get(got, {"/.well-known/host-meta.json"});
    ASSERT_EQ(get(js, {"status"}), 200) << why;
    EXPECT_EQ(get(js, {"type"}), "application/json") << why;
    std::map<std::string, std::string> links;
    const json discovered = json::parse(get(js, {"body"}).get<std::string>());
    for (const auto& link : discovered.at("links"))
      links[link.at("rel").get<std::string>()] = link.at("href").get<std::string>();
    EXPECT_EQ(links["urn:xmpp:alt-connections:websocket"], websocket) << why;
    EXPECT_EQ(links["urn:xmpp:alt-connections:xbosh"], bosh) << why;

    const json page = get(got, {"/"});
    ASSERT_EQ(get(page, {"status"}), 200) << why;
    const std::string html = get(page, {"body"}).get<std::string>();
    EXPECT_NE(html.find("\"websocket_url\":\"" + websocket + "\""), std::string::npos) << why;
    EXPECT_NE(html.find("\"default_domain\":\"" + host + "\""), std::string::npos) << why;
    EXPECT_NE(html.find("\"allow_registration\":false"), std::string::npos) << "LDAP accounts: " << why;
    EXPECT_NE(html.find("\"show_images_inline\":false"), std::string::npos) << why;
    EXPECT_NE(html.find("src='/converse.min.js'"), std::string::npos) << why;
    EXPECT_NE(html.find("href='/converse.min.css'"), std::string::npos) << why;
    EXPECT_EQ(html.find("cdn.conversejs.org"), std::string::npos) << "nothing from another host: " << why;
    const json script = get(got, {"/converse.min.js"});
    EXPECT_EQ(get(script, {"status"}), 200) << why;
    EXPECT_NE(get(script, {"body"}).get<std::string>().find(kScriptMarker), std::string::npos) << "web_client_dir's file: " << why;
    EXPECT_EQ(get(got, {"/locales/de-LC_MESSAGES-converse-po.js", "status"}), 200) << "lazily loaded locales: " << why;
    EXPECT_EQ(get(got, {"/no-such-file", "status"}), 404) << why;
  }
  // The WebSocket the page and host-meta name takes a login (SASL PLAIN, checked by slapd).
  const Result ws = run("/usr/bin/python3",
                        {std::string(JABBERADMIN_EJABBERD_TEST_DIR) + "/web_check.py", "ws-login",
                         std::to_string(server_.http_port), server_.host, "alice", "/xmpp-websocket"},
                        "pw-alice\n");
  ASSERT_EQ(ws.status, 0) << ws.err;
  const json login = json::parse(ws.out);
  EXPECT_EQ(get(login, {"authenticated"}), true) << ws.out << server_.ejabberd->log_tail();
  EXPECT_TRUE(get(login, {"bound_jid"}).get<std::string>().starts_with(jid("alice") + "/")) << ws.out;
  const Result wrong = run("/usr/bin/python3",
                           {std::string(JABBERADMIN_EJABBERD_TEST_DIR) + "/web_check.py", "ws-login",
                            std::to_string(server_.http_port), server_.host, "alice", "/xmpp-websocket"},
                           "not-her-password\n");
  EXPECT_EQ(get(json::parse(wrong.out), {"authenticated"}), false) << wrong.out;
}

}  // namespace
}  // namespace jabberadmin::test
