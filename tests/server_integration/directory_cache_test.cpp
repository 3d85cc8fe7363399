// The server's directory cache fed from a real slapd (DirectoryFeed), changed with the real
// tools: it fills from the first refresh and follows every change, with observers told
// what changed.
#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>

#include "directory/directory_cache.hpp"
#include "directory/directory_feed.hpp"
#include "slapd_fixture.hpp"

namespace jabberadmin::test {
namespace {

using namespace std::chrono_literals;

class DirectoryCacheTest : public SlapdTest {
 protected:
  // Runs the loop until done() holds or the time is up.
  bool run_until(boost::asio::io_context& io, const std::function<bool()>& done, std::chrono::milliseconds within) {
    const auto until = std::chrono::steady_clock::now() + within;
    while (!done() && std::chrono::steady_clock::now() < until) {
      io.restart();
      io.run_for(20ms);
    }
    return done();
  }
};

TEST_F(DirectoryCacheTest, FillsThenFollowsTheTools) {
  ASSERT_EQ(slapd().tool("cl-groupadd", {"Staff", "jabber"}).status, 0);
  ASSERT_EQ(slapd().tool("cl-useradd", {"-g", "Staff", "anna", "jabber"}).status, 0);
  ASSERT_EQ(slapd().tool("cl-useradd", {"-g", "Staff", "boris", "jabber"}).status, 0);
  boost::asio::io_context io;
  directory::DirectoryCache cache;
  std::vector<directory::UserChange> changes;
  const auto observing = cache.observe([&](const directory::UserChange& c) { changes.push_back(c); });
  directory::DirectoryFeed feed(io, cache, slapd().settings());

  ASSERT_TRUE(run_until(io, [&] { return cache.ready(); }, 5s));
  EXPECT_TRUE(changes.empty()) << "the first refresh is state, not changes";
  ASSERT_EQ(cache.members("Staff").size(), 2u);
  EXPECT_EQ(cache.members("Staff")[0]->name, "anna");

  ASSERT_EQ(slapd().tool("cl-groupmod", {"-n", "Персонал", "Staff", "jabber"}).status, 0);
  ASSERT_TRUE(run_until(io, [&] { return cache.members("Персонал").size() == 2; }, 2s));
  EXPECT_TRUE(cache.members("Staff").empty());
  ASSERT_EQ(changes.size(), 2u);
  EXPECT_EQ(changes[0].before->group, "Staff");
  EXPECT_EQ(changes[0].after->group, "Персонал");

  changes.clear();
  ASSERT_EQ(slapd().tool("cl-usermod", {"-L", "boris", "jabber"}).status, 0);
  ASSERT_TRUE(run_until(io, [&] { return cache.find("boris") && cache.find("boris")->locked; }, 2s));
  ASSERT_EQ(slapd().tool("cl-userdel", {"anna", "jabber"}).status, 0);
  ASSERT_TRUE(run_until(io, [&] { return cache.find("anna") == nullptr; }, 2s));
  EXPECT_EQ(cache.members("Персонал").size(), 1u);
  ASSERT_EQ(changes.size(), 2u);
  EXPECT_FALSE(changes[1].after) << "a deletion";
  EXPECT_EQ(changes[1].before->name, "anna");
}

TEST_F(DirectoryCacheTest, SurvivesASlapdRestartAndFollowsChangesAfterIt) {
  ASSERT_EQ(slapd().tool("cl-useradd", {"anna", "jabber"}).status, 0);
  ASSERT_EQ(slapd().tool("cl-useradd", {"boris", "jabber"}).status, 0);
  boost::asio::io_context io;
  WatchOptions options;
  options.retry_interval = 200ms;
  directory::DirectoryCache cache;
  directory::DirectoryFeed feed(io, cache, slapd().settings(), options);
  ASSERT_TRUE(run_until(io, [&] { return cache.ready() && cache.size() == 2; }, 5s));
  // slapd goes away and comes back: the watch reconnects (a fresh refresh) and keeps following.
  ASSERT_EQ(slapd().tool("cl-setup", {"--stop", "ldap"}).status, 0);
  ASSERT_EQ(slapd().tool("cl-setup", {"--state-dir", slapd().state_dir().string(), "ldap"}).status, 0);
  ASSERT_EQ(slapd().tool("cl-userdel", {"boris", "jabber"}).status, 0);
  ASSERT_TRUE(run_until(io, [&] { return cache.find("boris") == nullptr; }, 5s));
  EXPECT_NE(cache.find("anna"), nullptr);
}

}  // namespace
}  // namespace jabberadmin::test
