// Issue 12 item 20: cl-jabberd without a [jabber] section created its database before it
// refused to start. The settings are checked before anything touches the disk.
#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include "app/server.hpp"
#include "jabberadmin/error.hpp"
#include "temp_dir.hpp"

namespace jabberadmin::app {
namespace {

Settings unconfigured(const std::filesystem::path& data_dir) {
  Settings s;
  s.ldap.uri = "ldapi://%2Fnonexistent";
  s.ldap.base_dn = "dc=test";
  s.jabber.data_dir = data_dir;  // what an unconfigured server would use instead of /var/lib/jabberadmin
  return s;
}

TEST(ServerSettings, NoJabberSectionIsRefusedBeforeTheDatabaseIsCreated) {
  test::TempDir tmp{"server-settings"};
  boost::asio::io_context io;
  try {
    Server server(io, unconfigured(tmp.path()), Options{});
    FAIL() << "an unconfigured server started";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("[jabber]"), std::string::npos) << e.what();
  }
  EXPECT_FALSE(std::filesystem::exists(tmp.path() / "jabberadmin.sqlite"));
}

TEST(ServerSettings, NoCertificateIsRefusedBeforeTheDatabaseIsCreated) {
  test::TempDir tmp{"server-settings"};
  boost::asio::io_context io;
  Settings s = unconfigured(tmp.path());
  s.jabber.configured = true;
  EXPECT_THROW(Server(io, s, Options{}), Error);
  EXPECT_FALSE(std::filesystem::exists(tmp.path() / "jabberadmin.sqlite"));
}

// The limits are [jabber] keys (jabberadmin.conf(5)): read when present, written back only
// when they differ from the default.
TEST(ServerSettings, LimitKeysAreReadAndOnlyChosenOnesWrittenBack) {
  test::TempDir tmp{"server-settings"};
  {
    std::ofstream f(tmp / "a.conf");
    f << "[ldap]\nuri = 'ldapi://x'\nbase_dn = 'dc=test'\n[jabber]\nstanza_rate = 5\nmax_roster_items = 7\n";
  }
  Settings s = Settings::load(tmp / "a.conf");
  EXPECT_EQ(s.jabber.stanza_rate, 5u);
  EXPECT_EQ(s.jabber.max_roster_items, 7u);
  EXPECT_EQ(s.jabber.byte_rate, JabberSettings{}.byte_rate);
  s.save(tmp / "b.conf");
  std::ifstream in(tmp / "b.conf");
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_NE(text.find("stanza_rate = 5"), std::string::npos) << text;
  EXPECT_NE(text.find("max_roster_items = 7"), std::string::npos) << text;
  EXPECT_EQ(text.find("byte_rate"), std::string::npos) << text;
  EXPECT_EQ(Settings::load(tmp / "b.conf").jabber.stanza_rate, 5u);
}

}  // namespace
}  // namespace jabberadmin::app

namespace jabberadmin::app {
namespace {

// The SASL allow list (issue 15): read, written back, and a name the server lacks refused
// with the key named.
TEST(ServerSettings, SaslMechanismsAllowList) {
  test::TempDir tmp{"server-settings"};
  {
    std::ofstream f(tmp / "a.conf");
    f << "[ldap]\nuri = 'ldapi://x'\nbase_dn = 'dc=test'\n[jabber]\nsasl_mechanisms = ['SCRAM-SHA-256', 'PLAIN']\n";
  }
  Settings s = Settings::load(tmp / "a.conf");
  EXPECT_EQ(s.jabber.sasl_mechanisms, (std::vector<std::string>{"SCRAM-SHA-256", "PLAIN"}));
  s.save(tmp / "b.conf");
  EXPECT_EQ(Settings::load(tmp / "b.conf").jabber.sasl_mechanisms, s.jabber.sasl_mechanisms);
  {
    std::ofstream f(tmp / "c.conf");
    f << "[ldap]\nuri = 'ldapi://x'\nbase_dn = 'dc=test'\n[jabber]\nsasl_mechanisms = ['DIGEST-MD5']\n";
  }
  try {
    Settings::load(tmp / "c.conf");
    FAIL() << "an unknown mechanism was accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("sasl_mechanisms"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace jabberadmin::app
