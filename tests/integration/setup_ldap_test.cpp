// `cl-setup ldap` as administrators run it: twice on one state dir, stop and start again,
// new listen URIs, and adopting an existing directory.
#include <gtest/gtest.h>

#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <functional>
#include <iterator>
#include <map>
#include <sstream>

#include "jabberadmin/ldap.hpp"

#include "jabberadmin/directory_connection.hpp"
#include "slapd_fixture.hpp"

namespace jabberadmin::test {
namespace {

class SetupLdapTest : public SlapdTest {
 protected:
  Result setup(const std::vector<std::string>& args) {
    std::vector<std::string> all{"--state-dir", slapd().state_dir().string()};
    all.insert(all.end(), args.begin(), args.end());
    all.push_back("ldap");
    return slapd().tool("cl-setup", all);
  }
};

TEST_F(SetupLdapTest, RunningItTwiceKeepsEverything) {
  ASSERT_EQ(slapd().tool("cl-useradd", {"-P", "guest", "jabber"}, "guest-pass\n").status, 0);
  const Result again = setup({});
  EXPECT_EQ(again.status, 0) << again.err;
  EXPECT_NE(again.out.find("already set up"), std::string::npos) << again.out;
  EXPECT_NE(again.out.find("already running"), std::string::npos) << again.out;
  EXPECT_NE(slapd().ldapsearch("(uid=guest)").find("uid: guest"), std::string::npos);
  const auto mode = std::filesystem::status(slapd().state_dir() / "manager.secret").permissions();
  EXPECT_EQ(mode & (std::filesystem::perms::group_all | std::filesystem::perms::others_all),
            std::filesystem::perms::none);
}

TEST_F(SetupLdapTest, StopThenStartAgainAfterAReboot) {
  ASSERT_EQ(slapd().tool("cl-useradd", {"guest", "jabber"}).status, 0);
  Result r = slapd().tool("cl-setup", {"--stop", "ldap"});
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("stopped"), std::string::npos);
  r = slapd().tool("cl-info", {"jabber"});
  EXPECT_EQ(r.status, 1) << "slapd is down";
  EXPECT_NE(r.err.find("ldapi://"), std::string::npos) << r.err;
  r = setup({});
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("started slapd"), std::string::npos) << r.out;
  EXPECT_NE(slapd().tool("cl-info", {"guest", "jabber"}).out.find("guest"), std::string::npos);
}

TEST_F(SetupLdapTest, NewListenUriRestartsOnIt) {
  const std::string uri = "ldap://127.0.0.1:" + std::to_string(free_port()) + "/";
  const Result r = setup({"--ldap-listen", uri});
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("now also listens on " + uri), std::string::npos) << r.out;
  const Result who = run("/usr/bin/ldapwhoami", {"-x", "-H", uri, "-D", "cn=admin,dc=test", "-y",
                                                 (slapd().state_dir() / "manager.secret").string()});
  EXPECT_EQ(who.status, 0) << who.err;
  EXPECT_EQ(setup({"--ldap-listen", "not a uri"}).status, 3);
}

TEST_F(SetupLdapTest, AdoptsAnExistingDirectoryAndCreatesOnlyTheSubtree) {
  // Another organisation's tree in the same slapd stands for "an existing directory".
  const std::string ldif = "dn: ou=Corp,dc=test\nobjectClass: organizationalUnit\nou: Corp\n";
  const auto secret = (slapd().state_dir() / "manager.secret").string();
  ASSERT_EQ(run("/usr/bin/ldapadd", {"-x", "-H", slapd().tcp_uri(), "-D", "cn=admin,dc=test", "-y", secret}, ldif).status, 0);
  const auto config = (slapd().dir() / "adopted.conf").string();
  const std::vector<std::string> adopt{"--config", config, "--ldap-uri", slapd().tcp_uri(), "--base-dn", "ou=Corp,dc=test",
                                       "--bind-dn", "cn=admin,dc=test", "--bind-password-file", secret, "ldap"};
  Result r = run(tool("cl-setup"), adopt);
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("created ou=Users,ou=Jabber,ou=Services,ou=Corp,dc=test"), std::string::npos) << r.out;
  r = run(tool("cl-setup"), adopt);
  EXPECT_EQ(r.status, 0);
  EXPECT_NE(r.out.find("already exists"), std::string::npos) << r.out;
  r = run(tool("cl-useradd"), {"--config", config, "corpuser", "jabber"});
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_NE(slapd().ldapsearch("(uid=corpuser)").find("ou=Corp,dc=test"), std::string::npos);

  // A wrong password names the bind DN and the URI; a readable secret file is refused.
  const auto wrong = slapd().dir() / "wrong.secret";
  std::ofstream(wrong) << "nope";
  ::chmod(wrong.c_str(), 0600);
  std::vector<std::string> bad = adopt;
  bad[9] = wrong.string();
  r = run(tool("cl-setup"), bad);
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.err.find("cn=admin,dc=test"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find(slapd().tcp_uri()), std::string::npos) << r.err;
  ::chmod(wrong.c_str(), 0644);
  r = run(tool("cl-setup"), bad);
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.err.find("chmod 600"), std::string::npos) << r.err;
  // A base that does not exist is named.
  bad = adopt;
  bad[5] = "ou=Nowhere,dc=test";
  r = run(tool("cl-setup"), bad);
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.err.find("ou=Nowhere,dc=test does not exist"), std::string::npos) << r.err;
}

// The server's read-only identity, bound as the settings say (its password file).
ldap::Connection service_connection(const Slapd& slapd) {
  const Settings service = as_service(slapd.settings());
  EXPECT_EQ(service.ldap.bind_dn, "cn=cl-jabberd,ou=Services,dc=test");
  return connect(service.ldap);
}

int ldap_code(const std::function<void()>& operation) {
  try {
    operation();
  } catch (const ldap::LdapError& e) {
    return e.code();
  }
  return 0;
}

TEST_F(SetupLdapTest, ServiceIdentityReadsEverythingButPasswordsAndWritesNothing) {
  ASSERT_EQ(slapd().tool("cl-groupadd", {"Staff", "jabber"}).status, 0);
  ASSERT_EQ(slapd().tool("cl-useradd", {"-P", "-g", "Staff", "-c", "Guest", "guest", "jabber"}, "guest-password\n").status, 0);
  ASSERT_EQ(slapd().tool("cl-usermod", {"-L", "guest", "jabber"}).status, 0);
  const Settings settings = slapd().settings();
  EXPECT_EQ(settings.ldap.service_dn, "cn=cl-jabberd,ou=Services,dc=test");
  EXPECT_EQ(std::filesystem::status(settings.ldap.service_password_file).permissions() &
                (std::filesystem::perms::group_all | std::filesystem::perms::others_all),
            std::filesystem::perms::none);

  auto conn = service_connection(slapd());
  Directory directory(std::move(conn), "dc=test", "localhost");
  const std::string dn = directory.user_dn("guest");
  const auto entry = directory.connection().read(dn, {"*", "+"});
  ASSERT_TRUE(entry);
  EXPECT_EQ(entry->first("uid"), "guest");
  EXPECT_EQ(entry->first("cn"), "Guest");
  EXPECT_EQ(entry->first("departmentNumber"), "Staff");
  EXPECT_EQ(entry->first("shadowExpire"), "1");
  EXPECT_TRUE(entry->has("entryCSN"));
  EXPECT_FALSE(entry->has("userPassword")) << "the server never sees password hashes";
  EXPECT_TRUE(directory.find_user("guest")->locked) << "the lock still shows through shadowExpire";
  EXPECT_EQ(directory.find_user("guest")->uuid, entry->first("entryUUID").value_or("?"))
      << "the server tells a re-created account apart by its entryUUID";
  EXPECT_EQ(directory.groups().size(), 1u);
  EXPECT_EQ(directory.connection().search("dc=test", ldap::Scope::Subtree, "(userPassword=*)").size(), 0u);

  // No write of any kind.
  using Op = ldap::Modification::Op;
  auto& c = directory.connection();
  EXPECT_EQ(ldap_code([&] { c.modify(dn, {{Op::Replace, "cn", {"Evil"}}}); }), ldap::kInsufficientAccess);
  EXPECT_EQ(ldap_code([&] { c.modify(dn, {{Op::Replace, "userPassword", {"clear"}}}); }), ldap::kInsufficientAccess);
  EXPECT_EQ(ldap_code([&] { c.modify(dn, {{Op::Delete, "shadowExpire", {}}}); }), ldap::kInsufficientAccess);
  EXPECT_EQ(ldap_code([&] { c.remove(dn); }), ldap::kInsufficientAccess);
  EXPECT_EQ(ldap_code([&] {
              c.add("uid=evil," + directory.users_dn(),
                    {{"objectClass", {"inetOrgPerson"}}, {"uid", {"evil"}}, {"cn", {"evil"}}, {"sn", {"evil"}}});
            }),
            ldap::kInsufficientAccess);
  EXPECT_EQ(ldap_code([&] { c.modify("cn=cl-jabberd,ou=Services,dc=test", {{Op::Replace, "userPassword", {"x"}}}); }),
            ldap::kInsufficientAccess);
  EXPECT_NE(slapd().ldapsearch("(uid=guest)", {"cn"}).find("cn: Guest"), std::string::npos) << "nothing changed";
}

TEST_F(SetupLdapTest, ServiceIdentitySeesMoreThanSlapdsDefaultSizeLimit) {
  std::vector<NewUser> users;
  for (int i = 0; i < 520; ++i) users.push_back({.name = "u" + std::to_string(i)});
  for (const auto& error : slapd().directory().add_users(users)) ASSERT_FALSE(error) << error->what();
  Directory directory(service_connection(slapd()), "dc=test", "localhost");
  EXPECT_EQ(directory.users().size(), 520u);
}

TEST_F(SetupLdapTest, RootIsTheManagerOverTheSocketWithoutAPassword) {
  const Result who = run("/usr/bin/ldapwhoami", {"-Q", "-Y", "EXTERNAL", "-H", slapd().settings().ldap.uri});
  EXPECT_EQ(who.status, 0) << who.err;
  EXPECT_EQ(who.out, "dn:cn=admin,dc=test\n");
}

// ldapmodify over TCP, bound as dn with password.
Result ldapmodify_as(const Slapd& slapd, const std::string& dn, const std::string& password, const std::string& ldif) {
  const auto file = slapd.dir() / "bind.pw";
  write_private_file(file, password);
  return run("/usr/bin/ldapmodify", {"-x", "-H", slapd.tcp_uri(), "-D", dn, "-y", file.string()}, ldif);
}

Result whoami(const Slapd& slapd, const std::string& dn, const std::string& password) {
  const auto file = slapd.dir() / "bind.pw";
  write_private_file(file, password);
  return run("/usr/bin/ldapwhoami", {"-x", "-H", slapd.tcp_uri(), "-D", dn, "-y", file.string()});
}

TEST_F(SetupLdapTest, UsersCannotWriteTheirOwnPassword) {
  ASSERT_EQ(slapd().tool("cl-useradd", {"-P", "guest", "jabber"}, "guest-password\n").status, 0);
  const std::string dn = slapd().directory().user_dn("guest");
  const Result r = ldapmodify_as(slapd(), dn, "guest-password",
                                 "dn: " + dn + "\nchangetype: modify\nreplace: userPassword\nuserPassword: plain\n");
  EXPECT_EQ(r.status, ldap::kInsufficientAccess) << r.out << r.err;
  EXPECT_EQ(whoami(slapd(), dn, "plain").status, ldap::kInvalidCredentials);
  EXPECT_EQ(whoami(slapd(), dn, "guest-password").status, 0);
}

TEST_F(SetupLdapTest, LockWorksWhateverThePasswordValueHolds) {
  ASSERT_EQ(slapd().tool("cl-useradd", {"-P", "guest", "jabber"}, "guest-password\n").status, 0);
  const std::string dn = slapd().directory().user_dn("guest");
  const std::string manager = "cn=admin,dc=test";
  for (const std::string value : {"plain", "{CLEARTEXT}plain"}) {
    // A clear-text value, as a user could once write it over TCP.
    Result r = ldapmodify_as(slapd(), manager, slapd().manager_password(),
                             "dn: " + dn + "\nchangetype: modify\nreplace: userPassword\nuserPassword: " + value + "\n");
    ASSERT_EQ(r.status, 0) << r.err;
    if (value != "plain" && whoami(slapd(), dn, "plain").status != 0) continue;  // a scheme this slapd lacks
    ASSERT_EQ(whoami(slapd(), dn, "plain").status, 0) << value;
    r = slapd().tool("cl-usermod", {"-L", "guest", "jabber"});
    EXPECT_EQ(r.status, 0) << value << ": " << r.err;
    EXPECT_EQ(whoami(slapd(), dn, "plain").status, ldap::kInvalidCredentials) << value << " is locked";
    EXPECT_TRUE(slapd().directory().user("guest").locked);
    r = slapd().tool("cl-usermod", {"-U", "guest", "jabber"});
    EXPECT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(whoami(slapd(), dn, "plain").status, 0) << value << ": unlock gives the same password back";
  }
}

TEST_F(SetupLdapTest, ReRunRewritesAnOlderSlapdConfAndKeepsDataAndSecrets) {
  ASSERT_EQ(slapd().tool("cl-useradd", {"-P", "guest", "jabber"}, "guest-password\n").status, 0);
  // slapd.conf as an older version wrote it: users could write their own password.
  const auto conf = slapd().state_dir() / "slapd.conf";
  std::ifstream in(conf);
  std::string text((std::istreambuf_iterator<char>(in)), {});
  const auto at = text.find("  by anonymous auth\n");
  ASSERT_NE(at, std::string::npos);
  text.insert(at, "  by self write\n");
  std::ofstream(conf) << text;
  const Result r = setup({});
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("updated " + conf.string()), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("stopped slapd"), std::string::npos) << r.out;
  std::ifstream again(conf);
  EXPECT_EQ(std::string((std::istreambuf_iterator<char>(again)), {}).find("self write"), std::string::npos);
  const std::string dn = slapd().directory().user_dn("guest");
  EXPECT_EQ(whoami(slapd(), dn, "guest-password").status, 0) << "the data stays";
  EXPECT_EQ(whoami(slapd(), "cn=admin,dc=test", slapd().manager_password()).status, 0) << "the manager's password too";
  EXPECT_EQ(ldapmodify_as(slapd(), dn, "guest-password", "dn: " + dn + "\nchangetype: modify\nreplace: userPassword\nuserPassword: x\n").status,
            ldap::kInsufficientAccess);
  EXPECT_EQ(setup({}).out.find("updated"), std::string::npos) << "a second re-run changes nothing";
}

TEST_F(SetupLdapTest, ReRunWithoutStateDirKeepsTheRecordedDirectory) {
  ASSERT_EQ(slapd().tool("cl-useradd", {"guest", "jabber"}).status, 0);
  const Settings before = slapd().settings();
  // The seed's command as written, and the hint `cl-setup jabber` gives: no --state-dir.
  Result r = slapd().tool("cl-setup", {"ldap"});
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("already set up in " + slapd().state_dir().string()), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("/var/lib/jabberadmin"), std::string::npos) << r.out;
  r = slapd().tool("cl-setup", {"--ldap-listen", slapd().tcp_uri(), "ldap"});
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(slapd().settings().ldap.uri, before.ldap.uri);
  EXPECT_EQ(slapd().settings().ldap.state_dir, before.ldap.state_dir);
  EXPECT_NE(slapd().tool("cl-info", {"guest", "jabber"}).out.find("guest"), std::string::npos);

  // Another --state-dir is refused without --repoint: nothing made, the settings unchanged.
  const auto other = slapd().dir() / "other";
  r = slapd().tool("cl-setup", {"--state-dir", other.string(), "ldap"});
  EXPECT_EQ(r.status, 3) << r.out;
  EXPECT_NE(r.err.find("--repoint"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find(slapd().state_dir().string()), std::string::npos) << r.err;
  EXPECT_FALSE(std::filesystem::exists(other));
  EXPECT_EQ(slapd().settings().ldap.uri, before.ldap.uri);
}

TEST_F(SetupLdapTest, StopLeavesAForeignPidAlone) {
  ASSERT_EQ(slapd().tool("cl-setup", {"--stop", "ldap"}).status, 0);
  const pid_t sleeper = ::fork();
  if (sleeper == 0) {
    ::execl("/bin/sleep", "sleep", "30", static_cast<char*>(nullptr));
    ::_exit(127);
  }
  std::ofstream(slapd().state_dir() / "slapd.pid") << sleeper << "\n";
  const Result r = slapd().tool("cl-setup", {"--stop", "ldap"});
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("another process"), std::string::npos) << r.out;
  int status = 0;
  EXPECT_EQ(::waitpid(sleeper, &status, WNOHANG), 0) << "the other process still runs";
  ::kill(sleeper, SIGKILL);
  ::waitpid(sleeper, &status, 0);
}

TEST_F(SetupLdapTest, WarnsWhenTheDirectoryListensBeyondLoopback) {
  const std::string uri = "ldap://0.0.0.0:" + std::to_string(free_port()) + "/";
  const Result r = setup({"--ldap-listen", uri});
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.err.find("warning: " + uri + " exposes the directory to the network"), std::string::npos) << r.err;
  EXPECT_EQ(setup({"--ldap-listen", slapd().tcp_uri()}).err.find("warning"), std::string::npos);
}

// As root with the daemons' system accounts present (stood in for by `nobody` and `daemon`):
// slapd runs as its own account, root is the manager and the server's account the service
// identity over the socket, each without a password.
TEST_F(SetupLdapTest, SlapdRunsAsItsOwnAccountAndTheServerAccountIsTheService) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root";
  // slapd, once it is `nobody`, must reach its state dir through the test's (0700) temp dir.
  ::chmod(slapd().dir().c_str(), 0711);
  const auto state = slapd().dir() / "own";
  const auto config = slapd().dir() / "own.conf";
  const std::map<std::string, std::string> env{
      {"JABBERADMIN_CONFIG", config.string()}, {"JABBERADMIN_LDAP_USER", "nobody"}, {"JABBERADMIN_SERVER_USER", "daemon"}};
  Result r = run(tool("cl-setup"), {"--state-dir", state.string(), "--base-dn", "dc=own", "ldap"}, {}, env);
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("started slapd as nobody"), std::string::npos) << r.out;
  std::ifstream pid_file(state / "slapd.pid");
  pid_t pid = 0;
  ASSERT_TRUE(pid_file >> pid);
  std::ifstream status_file("/proc/" + std::to_string(pid) + "/status");
  std::string line, uid_line;
  while (std::getline(status_file, line))
    if (line.starts_with("Uid:")) uid_line = line;
  std::istringstream uids(uid_line.substr(4));
  unsigned real = 0, effective = 0;
  uids >> real >> effective;
  EXPECT_EQ(effective, 65534u) << uid_line;
  struct stat st {};
  ASSERT_EQ(::stat((state / "data").c_str(), &st), 0);
  EXPECT_EQ(st.st_uid, 65534u);
  ASSERT_EQ(::stat((state / "service.secret").c_str(), &st), 0);
  EXPECT_EQ(st.st_uid, 1u) << "the server's account reads its own secret";
  EXPECT_EQ(st.st_mode & 077, 0u);
  ASSERT_EQ(::stat((state / "manager.secret").c_str(), &st), 0);
  EXPECT_EQ(st.st_uid, 0u);

  const std::string uri = Settings::load(config).ldap.uri;
  r = run("/usr/bin/ldapwhoami", {"-Q", "-Y", "EXTERNAL", "-H", uri});
  EXPECT_EQ(r.out, "dn:cn=admin,dc=own\n") << r.err;
  r = run("/usr/bin/setpriv", {"--reuid=daemon", "--regid=daemon", "--clear-groups", "/usr/bin/ldapwhoami", "-Q", "-Y",
                               "EXTERNAL", "-H", uri});
  EXPECT_EQ(r.out, "dn:cn=cl-jabberd,ou=services,dc=own\n") << r.err;
  // The tools, as root, still manage it; re-running keeps it all.
  EXPECT_EQ(run(tool("cl-useradd"), {"guest", "jabber"}, {}, env).status, 0);
  r = run(tool("cl-setup"), {"ldap"}, {}, env);
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("already running"), std::string::npos) << r.out;
  r = run(tool("cl-setup"), {"--stop", "ldap"}, {}, env);
  EXPECT_NE(r.out.find("stopped"), std::string::npos) << r.out << r.err;
}

}  // namespace
}  // namespace jabberadmin::test
