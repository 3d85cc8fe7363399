// `cl-setup ldap` as administrators run it: twice on one state dir, stop and start again,
// new listen URIs, and adopting an existing directory.
#include <gtest/gtest.h>

#include <sys/stat.h>

#include <fstream>

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

}  // namespace
}  // namespace jabberadmin::test
