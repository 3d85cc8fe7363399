// Issue 12 item 20: cl-jabberd without a [jabber] section created its database before it
// refused to start. The settings are checked before anything touches the disk.
#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>

#include <filesystem>

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

}  // namespace
}  // namespace jabberadmin::app
