// SCRAM verifiers (authPassword, RFC 5803) as the tools write them to a real slapd: beside
// userPassword in the same modify, checked against the password as a client would prove it,
// locked and unlocked with the account, readable by the server's service identity only, and
// left out without a failure in a directory whose schema lacks authPassword.
#include <gtest/gtest.h>

#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <thread>
#include <fstream>
#include <functional>
#include <iterator>
#include <sstream>

#include "jabberadmin/directory_connection.hpp"
#include "jabberadmin/error.hpp"
#include "jabberadmin/ldap.hpp"
#include "jabberadmin/ldap_setup.hpp"
#include "jabberadmin/scram.hpp"
#include "jabberadmin/slapd_paths.hpp"
#include "slapd_fixture.hpp"
#include "temp_dir.hpp"

namespace jabberadmin::test {
namespace {

using Op = ldap::Modification::Op;

const std::string kAuth = "n=guest,r=abc,r=abcdef,s=c2FsdA==,i=4096,c=biws,r=abcdef";

// What a client proves with the password: true when the verifier accepts it.
bool accepts(const scram::Verifier& v, const std::string& password) {
  const auto prepared = scram::saslprep(password);
  if (!prepared) return false;
  const std::string salted = scram::salted_password(v.hash, *prepared, v.salt, v.iterations);
  return scram::proof_matches(v, kAuth, scram::client_proof(v.hash, salted, kAuth));
}

class ScramVerifiersTest : public SlapdTest {
 protected:
  // The authPassword values as stored, read as the manager.
  std::vector<std::string> stored(const std::string& name) {
    Directory directory = slapd().directory();
    const auto entry = directory.connection().read(directory.user_dn(name), {"authPassword", "objectClass"});
    if (!entry || !entry->has("authPassword")) return {};
    auto values = entry->attributes.at("authPassword");
    std::sort(values.begin(), values.end());
    return values;
  }
  std::vector<scram::Verifier> verifiers(const std::string& name) { return slapd().directory().user(name).verifiers; }
  // Every hash has one verifier, and each accepts password.
  void expect_verifiers_of(const std::string& name, const std::string& password) {
    const auto found = verifiers(name);
    ASSERT_EQ(found.size(), scram::all_hashes().size()) << name;
    for (const auto& v : found) {
      EXPECT_TRUE(accepts(v, password)) << name << " " << scram::mechanism_name(v.hash);
      EXPECT_EQ(v.iterations, scram::kDefaultIterations);
    }
  }
  std::string service_dn() { return "cn=cl-jabberd,ou=Services," + slapd().base_dn(); }
};

TEST_F(ScramVerifiersTest, UseraddWritesAVerifierPerHashThatChecksAgainstThePassword) {
  const Result r = slapd().tool("cl-useradd", {"-P", "guest", "jabber"}, "Пароль-ёлка\n");  // Cyrillic
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.err, "") << "no notice: this directory has authPassword";
  expect_verifiers_of("guest", "Пароль-ёлка");
  for (const auto& v : verifiers("guest")) EXPECT_FALSE(accepts(v, "Пароль-елка")) << "another password fails";
  EXPECT_NE(slapd().ldapsearch("(uid=guest)", {"objectClass"}).find("objectClass: authPasswordObject"), std::string::npos);
  // Each with its own salt.
  const auto found = verifiers("guest");
  EXPECT_NE(found[0].salt, found[1].salt);
  EXPECT_NE(found[1].salt, found[2].salt);
  // No password, no verifier.
  ASSERT_EQ(slapd().tool("cl-useradd", {"nopass", "jabber"}).status, 0);
  EXPECT_TRUE(stored("nopass").empty());
}

TEST_F(ScramVerifiersTest, PasswdReplacesEveryVerifier) {
  ASSERT_EQ(slapd().tool("cl-useradd", {"-P", "guest", "jabber"}, "old-password\n").status, 0);
  const auto before = stored("guest");
  Result r = slapd().tool("cl-passwd", {"-P", "guest", "jabber"}, "new-password\n");
  ASSERT_EQ(r.status, 0) << r.err;
  const auto after = stored("guest");
  ASSERT_EQ(after.size(), 3u);
  for (const auto& value : after) EXPECT_EQ(std::count(before.begin(), before.end(), value), 0) << "no old one left";
  expect_verifiers_of("guest", "new-password");
  for (const auto& v : verifiers("guest")) EXPECT_FALSE(accepts(v, "old-password"));
  // cl-usermod -p is the same path.
  r = slapd().tool("cl-usermod", {"-P", "guest", "jabber"}, "third-password\n");
  ASSERT_EQ(r.status, 0) << r.err;
  expect_verifiers_of("guest", "third-password");
}

TEST_F(ScramVerifiersTest, PasswdGivesAnAccountMadeBeforeScramItsVerifiers) {
  // An account as older versions made it: inetOrgPerson with userPassword only.
  Directory directory = slapd().directory();
  directory.connection().add(directory.user_dn("old"), {{"objectClass", {"inetOrgPerson", "shadowAccount"}},
                                                        {"uid", {"old"}},
                                                        {"cn", {"old"}},
                                                        {"sn", {"old"}},
                                                        {"userPassword", {password::hash("old-password")}}});
  EXPECT_TRUE(verifiers("old").empty());
  const Result r = slapd().tool("cl-passwd", {"-P", "old", "jabber"}, "new-password\n");
  ASSERT_EQ(r.status, 0) << r.err;
  expect_verifiers_of("old", "new-password");
}

TEST_F(ScramVerifiersTest, LockMakesEveryVerifierUnusableAndUnlockGivesTheSameOnesBack) {
  ASSERT_EQ(slapd().tool("cl-useradd", {"-P", "guest", "jabber"}, "guest-password\n").status, 0);
  const auto before = stored("guest");
  ASSERT_EQ(before.size(), 3u);
  Result r = slapd().tool("cl-usermod", {"-L", "guest", "jabber"});
  ASSERT_EQ(r.status, 0) << r.err;
  const auto locked = stored("guest");
  ASSERT_EQ(locked.size(), 3u);
  for (const auto& value : locked) EXPECT_FALSE(scram::parse_auth_password(value)) << value;
  EXPECT_TRUE(verifiers("guest").empty());
  // A new password while locked: new verifiers, locked as well.
  r = slapd().tool("cl-passwd", {"-P", "guest", "jabber"}, "newer-password\n");
  ASSERT_EQ(r.status, 0) << r.err;
  for (const auto& value : stored("guest")) EXPECT_FALSE(scram::parse_auth_password(value)) << value;
  const auto locked_new = stored("guest");
  r = slapd().tool("cl-usermod", {"-U", "guest", "jabber"});
  ASSERT_EQ(r.status, 0) << r.err;
  expect_verifiers_of("guest", "newer-password");
  // Lock and unlock once more: the very same values come back.
  const auto unlocked = stored("guest");
  ASSERT_EQ(slapd().tool("cl-usermod", {"-L", "guest", "jabber"}).status, 0);
  EXPECT_EQ(stored("guest"), locked_new);
  ASSERT_EQ(slapd().tool("cl-usermod", {"-U", "guest", "jabber"}).status, 0);
  EXPECT_EQ(stored("guest"), unlocked);
}

TEST_F(ScramVerifiersTest, CsvImportWritesVerifiers) {
  const auto csv = slapd().dir() / "users.csv";
  write_private_file(csv, "login,nickname,group,password\nann,Ann,,ann-password\nбоб,Боб,,пароль-боба\nnopw,,,\n");
  const Result r = slapd().tool("cl-useradd", {"--from", csv.string(), "jabber"});
  ASSERT_EQ(r.status, 0) << r.out << r.err;
  expect_verifiers_of("ann", "ann-password");
  expect_verifiers_of("боб", "пароль-боба");
  EXPECT_TRUE(stored("nopw").empty());
}

TEST_F(ScramVerifiersTest, APasswordSaslprepRefusesWritesNothing) {
  Result r = slapd().tool("cl-useradd", {"-P", "guest", "jabber"}, "bad\x07password\n");
  EXPECT_EQ(r.status, exit_code(ErrorKind::InvalidArgument)) << r.err;
  EXPECT_NE(r.err.find("SASLprep"), std::string::npos) << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << "one message: " << r.err;
  EXPECT_FALSE(slapd().directory().find_user("guest")) << "no account made";

  ASSERT_EQ(slapd().tool("cl-useradd", {"-P", "guest", "jabber"}, "good-password\n").status, 0);
  const std::string ldif = slapd().ldapsearch("(uid=guest)", {"userPassword", "authPassword"});
  for (const std::string tool : {"cl-passwd", "cl-usermod"}) {
    r = slapd().tool(tool, {"-P", "guest", "jabber"}, "tab\tpassword\n");
    EXPECT_EQ(r.status, exit_code(ErrorKind::InvalidArgument)) << tool << ": " << r.err;
    EXPECT_NE(r.err.find("SASLprep"), std::string::npos) << r.err;
    EXPECT_EQ(slapd().ldapsearch("(uid=guest)", {"userPassword", "authPassword"}), ldif) << tool << ": nothing written";
  }
  // In a CSV import, the line fails and the others go on.
  const auto csv = slapd().dir() / "users.csv";
  write_private_file(csv, "ann,,,ann\x01password\nbob,,,bob-password\n");
  r = slapd().tool("cl-useradd", {"--from", csv.string(), "jabber"});
  EXPECT_NE(r.err.find(":1: the password has characters SASLprep"), std::string::npos) << r.err;
  EXPECT_FALSE(slapd().directory().find_user("ann"));
  expect_verifiers_of("bob", "bob-password");
}

TEST_F(ScramVerifiersTest, IterationsComeFromTheSettings) {
  std::ofstream(slapd().config(), std::ios::app) << "\n[jabber]\nscram_iterations = 5000\n";
  ASSERT_EQ(slapd().tool("cl-useradd", {"-P", "guest", "jabber"}, "guest-password\n").status, 0);
  const auto found = verifiers("guest");
  ASSERT_EQ(found.size(), 3u);
  for (const auto& v : found) {
    EXPECT_EQ(v.iterations, 5000u);
    EXPECT_TRUE(accepts(v, "guest-password"));
  }
}

// The ACL of templates/slapd.conf.in: only the server's service identity reads verifiers,
// and nobody but the manager writes them.
TEST_F(ScramVerifiersTest, OnlyTheServiceIdentityReadsVerifiersAndNobodyWritesThem) {
  ASSERT_EQ(slapd().tool("cl-useradd", {"-P", "guest", "jabber"}, "guest-password\n").status, 0);
  ASSERT_EQ(slapd().tool("cl-useradd", {"-P", "other", "jabber"}, "other-password\n").status, 0);
  const std::string guest = slapd().directory().user_dn("guest"), other = slapd().directory().user_dn("other");

  // The service identity, as the server binds.
  ldap::Connection service = connect(as_service(slapd().settings()).ldap);
  auto entry = service.read(guest, {"authPassword"});
  ASSERT_TRUE(entry);
  EXPECT_EQ(entry->attributes.count("authPassword") ? entry->attributes.at("authPassword").size() : 0u, 3u);
  Directory as_server(std::move(service), slapd().base_dn(), "localhost");
  EXPECT_EQ(as_server.user("guest").verifiers.size(), 3u) << "what the server reads logs in";
  const auto code_of = [](const std::function<void()>& operation) {
    try {
      operation();
    } catch (const ldap::LdapError& e) {
      return e.code();
    }
    return 0;
  };
  EXPECT_EQ(code_of([&] { as_server.connection().modify(guest, {{Op::Replace, "authPassword", {"SCRAM-SHA-1$x"}}}); }),
            ldap::kInsufficientAccess);
  EXPECT_EQ(code_of([&] { as_server.connection().modify(guest, {{Op::Delete, "authPassword", {}}}); }),
            ldap::kInsufficientAccess);

  // Entries a presence filter on authPassword finds under the users (none visible: none).
  const auto found_by_filter = [&](const ldap::Connection& c) -> std::size_t {
    try {
      return c.search(as_server.users_dn(), ldap::Scope::Subtree, "(authPassword=*)", {"uid"}).size();
    } catch (const ldap::LdapError& e) {
      if (e.code() == ldap::kNoSuchObject) return 0;
      throw;
    }
  };
  EXPECT_EQ(found_by_filter(as_server.connection()), 2u);

  // A user, bound as itself: neither its own verifiers nor another's.
  ldap::Connection user = ldap::Connection::open({.uri = slapd().tcp_uri()});
  ASSERT_TRUE(user.check_password(guest, "guest-password"));
  for (const auto& dn : {guest, other}) {
    entry = user.read(dn, {"authPassword", "uid"});
    ASSERT_TRUE(entry) << dn;
    EXPECT_TRUE(entry->has("uid")) << dn << ": the rest stays readable";
    EXPECT_FALSE(entry->has("authPassword")) << dn;
  }
  EXPECT_EQ(found_by_filter(user), 0u) << "not even by a filter";
  EXPECT_EQ(code_of([&] { user.modify(guest, {{Op::Replace, "authPassword", {"SCRAM-SHA-1$x"}}}); }),
            ldap::kInsufficientAccess);

  // Anonymous: nothing.
  ldap::Connection anonymous = ldap::Connection::open({.uri = slapd().tcp_uri()});
  EXPECT_EQ(code_of([&] { entry = anonymous.read(guest, {"authPassword"}); }), 0);
  EXPECT_FALSE(entry && entry->has("authPassword"));
  EXPECT_EQ(found_by_filter(anonymous), 0u);
  EXPECT_EQ(stored("guest").size(), 3u) << "nothing changed";
}

// cl-jabberd's scram_upgrade_on_plain: after a PLAIN login the service identity gives an
// account made before SCRAM its verifiers. The ACL lets it add authPassword values and the
// class that allows them, nothing else; a user may not add its own.
TEST_F(ScramVerifiersTest, TheServiceAddsTheFirstVerifiersOfAnOldAccountAndNothingElse) {
  Directory directory = slapd().directory();
  for (const std::string name : {"old", "older", "locked"})
    directory.connection().add(directory.user_dn(name), {{"objectClass", {"inetOrgPerson", "shadowAccount"}},
                                                         {"uid", {name}},
                                                         {"cn", {name}},
                                                         {"sn", {name}},
                                                         {"userPassword", {password::hash(name + "-password")}}});
  ASSERT_EQ(slapd().tool("cl-usermod", {"-L", "locked", "jabber"}).status, 0);
  Directory as_server(connect(as_service(slapd().settings()).ldap), slapd().base_dn(), "localhost");
  const auto code_of = [](const std::function<void()>& operation) {
    try {
      operation();
    } catch (const ldap::LdapError& e) {
      return e.code();
    }
    return 0;
  };

  EXPECT_TRUE(as_server.add_first_verifiers("old", "old-password"));
  expect_verifiers_of("old", "old-password");
  const auto written = stored("old");
  EXPECT_FALSE(as_server.add_first_verifiers("old", "another-password")) << "it has verifiers now";
  EXPECT_EQ(stored("old"), written);
  EXPECT_FALSE(as_server.add_first_verifiers("locked", "locked-password")) << "the lock asserted against";
  EXPECT_TRUE(stored("locked").empty());

  // Add only: the service replaces and deletes nothing, and writes no other attribute or class.
  const std::string old = directory.user_dn("old"), older = directory.user_dn("older");
  EXPECT_EQ(code_of([&] { as_server.connection().modify(old, {{Op::Delete, "authPassword", {}}}); }),
            ldap::kInsufficientAccess);
  EXPECT_EQ(code_of([&] { as_server.connection().modify(old, {{Op::Replace, "cn", {"renamed"}}}); }),
            ldap::kInsufficientAccess);
  EXPECT_EQ(code_of([&] { as_server.connection().modify(older, {{Op::Add, "objectClass", {"posixAccount"}}}); }),
            ldap::kInsufficientAccess);
  EXPECT_EQ(code_of([&] { as_server.connection().modify(older, {{Op::Add, "userPassword", {"{CRYPT}x"}}}); }),
            ldap::kInsufficientAccess);
  EXPECT_EQ(stored("old"), written);

  // A user, bound as itself, adds neither verifiers nor their class to its own entry, and
  // still reads its classes, authPasswordObject among them.
  ldap::Connection user = ldap::Connection::open({.uri = slapd().tcp_uri()});
  ASSERT_TRUE(user.check_password(older, "older-password"));
  const std::string forged = scram::format_auth_password(scram::make_verifier(scram::Hash::Sha256, "x", "salt", 4096));
  EXPECT_EQ(code_of([&] {
              user.modify(older, {{Op::Add, "objectClass", {"authPasswordObject"}}, {Op::Add, "authPassword", {forged}}});
            }),
            ldap::kInsufficientAccess);
  EXPECT_TRUE(stored("older").empty());
  ASSERT_TRUE(user.check_password(old, "old-password"));
  const auto classes = user.read(old, {"objectClass"});
  ASSERT_TRUE(classes && classes->has("objectClass"));
  const auto& values = classes->attributes.at("objectClass");
  EXPECT_NE(std::find(values.begin(), values.end(), "authPasswordObject"), values.end());
}

// A directory whose schema has no authPassword, as an adopted one may be: the private
// slapd.conf without templates/authpassword.schema.
class WithoutScramSchemaTest : public ScramVerifiersTest {
 protected:
  void SetUp() override {
    ScramVerifiersTest::SetUp();
    const LdapSettings ldap = slapd().settings().ldap;
    setup::stop_private_ldap(ldap);
    const auto conf = slapd().state_dir() / "slapd.conf";
    std::ifstream in(conf);
    std::string text((std::istreambuf_iterator<char>(in)), {}), kept;
    std::istringstream lines(text);
    bool in_rule = false;
    for (std::string line; std::getline(lines, line);) {
      if (line.find("authpassword.schema") != std::string::npos) continue;
      if (line.starts_with("access to attrs=authPassword") ||
          line.starts_with("access to attrs=objectClass val=authPasswordObject"))
        in_rule = true;
      else if (!line.starts_with("  ")) in_rule = false;
      if (!in_rule) kept += line + "\n";
    }
    ASSERT_NE(kept, text);
    std::ofstream(conf) << kept;
    setup::start_private_ldap(ldap);
  }
};

TEST_F(WithoutScramSchemaTest, ToolsStoreOnlyTheHashWithOneNoticeAndNoFailure) {
  ASSERT_EQ(slapd().ldapsearch("(objectClass=*)", {"authPassword"}).find("authPassword"), std::string::npos);
  Result r = slapd().tool("cl-useradd", {"-P", "guest", "jabber"}, "guest-password\n");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.err.find("no authPassword"), std::string::npos) << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << "one notice: " << r.err;
  const User guest = slapd().directory().user("guest");
  EXPECT_TRUE(guest.has_password);
  EXPECT_TRUE(guest.verifiers.empty());
  ldap::Connection bind = ldap::Connection::open({.uri = slapd().tcp_uri()});
  EXPECT_TRUE(bind.check_password(guest.dn, "guest-password")) << "PLAIN still logs in";

  r = slapd().tool("cl-passwd", {"-P", "guest", "jabber"}, "new-password\n");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.err.find("no authPassword"), std::string::npos) << r.err;
  EXPECT_TRUE(bind.check_password(guest.dn, "new-password"));
  ASSERT_EQ(slapd().tool("cl-usermod", {"-L", "guest", "jabber"}).status, 0);
  EXPECT_FALSE(bind.check_password(guest.dn, "new-password"));
  ASSERT_EQ(slapd().tool("cl-usermod", {"-U", "guest", "jabber"}).status, 0);
  EXPECT_TRUE(bind.check_password(guest.dn, "new-password"));

  const auto csv = slapd().dir() / "users.csv";
  write_private_file(csv, "ann,,,ann-password\nbob,,,bob-password\n");
  r = slapd().tool("cl-useradd", {"--from", csv.string(), "jabber"});
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << "one notice for the whole file: " << r.err;
  EXPECT_TRUE(bind.check_password(slapd().directory().user_dn("bob"), "bob-password"));
  // SASLprep is checked all the same: the password could never get a verifier.
  r = slapd().tool("cl-passwd", {"-P", "guest", "jabber"}, "bad\x07password\n");
  EXPECT_EQ(r.status, exit_code(ErrorKind::InvalidArgument)) << r.err;

  // cl-setup jabber makes the admin account all the same, with a warning among its steps.
  r = slapd().tool("cl-setup", {"--state-dir", (slapd().dir() / "jabber").string(), "--history-dir",
                                (slapd().dir() / "history").string(), "jabber"},
                   "admin-password\n");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.err.find("warning: the directory's schema has no authPassword"), std::string::npos) << r.err;
  EXPECT_TRUE(bind.check_password(slapd().directory().user_dn("admin"), "admin-password"));
  EXPECT_TRUE(slapd().directory().user("admin").verifiers.empty());
}

// The LDIF for a directory configured through cn=config, loaded as cl-setup(8) says
// (ldapadd -Y EXTERNAL over ldapi as root): afterwards the tools find authPassword.
TEST(AuthPasswordLdif, LoadsIntoACnConfigSlapdAsTheManualSays) {
  if (::geteuid() != 0) GTEST_SKIP() << "SASL EXTERNAL as root";
  const TempDir dir("cnconfig");
  const auto paths = setup::find_slapd_paths();
  const auto conf = dir.path() / "slapd.conf", config_dir = dir.path() / "slapd.d", pidfile = dir.path() / "slapd.pid";
  std::filesystem::create_directory(config_dir);
  std::ofstream(conf) << "include " << (paths.schema_dir / "core.schema").string() << "\npidfile " << pidfile.string()
                      << "\ndatabase config\nrootdn \"gidNumber=0+uidNumber=0,cn=peercred,cn=external,cn=auth\"\n";
  Result r = run(paths.slapd, {"-Tt", "-f", conf.string(), "-F", config_dir.string()});
  ASSERT_EQ(r.status, 0) << r.err;
  const std::string uri = setup::ldapi_uri(dir.path() / "ldapi");
  r = run(paths.slapd, {"-F", config_dir.string(), "-h", uri});
  ASSERT_EQ(r.status, 0) << r.err;
  pid_t pid = 0;
  for (int i = 0; i < 100 && !(std::ifstream(pidfile) >> pid); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  ASSERT_GT(pid, 0);
  struct Stop {  // also when an assertion ends the test
    pid_t pid;
    ~Stop() {
      ::kill(pid, SIGTERM);
      for (int i = 0; i < 100 && ::kill(pid, 0) == 0; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  } stop{pid};
  // slapd writes its pid file before it answers on ldapi: wait until it does (a loaded CI
  // machine once connected in between).
  for (int i = 0; i < 100; ++i) {
    try {
      ldap::Connection::open({.uri = uri});
      break;
    } catch (const std::exception&) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  }
  const auto schema_has_scram = [&] {
    return Directory(ldap::Connection::open({.uri = uri}), "dc=test", "localhost").scram_iterations().has_value();
  };
  EXPECT_FALSE(schema_has_scram()) << "not before";
  r = run("/usr/bin/ldapadd", {"-Q", "-Y", "EXTERNAL", "-H", uri, "-f",
                               std::string(JABBERADMIN_SOURCE_DIR) + "/templates/authpassword.ldif"});
  EXPECT_EQ(r.status, 0) << r.out << r.err;
  EXPECT_TRUE(schema_has_scram()) << "after";
}

}  // namespace
}  // namespace jabberadmin::test
