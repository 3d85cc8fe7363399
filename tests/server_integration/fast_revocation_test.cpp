// FAST tokens (XEP-0484) and the real directory: the server's cache fed from a real slapd,
// the accounts changed with the real tools. A token dies at once when cl-passwd changes the
// password, when cl-usermod -L locks the account, and when cl-userdel deletes it; a change
// of something else keeps it.
#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>

#include <memory>

#include "directory/directory_cache.hpp"
#include "directory/directory_feed.hpp"
#include "fast/fast.hpp"
#include "jabberadmin/scram.hpp"
#include "module/module.hpp"
#include "slapd_fixture.hpp"
#include "store/database.hpp"

namespace jabberadmin::test {
namespace {

using namespace std::chrono_literals;

class FastRevocationTest : public SlapdTest {
 protected:
  bool run_until(const std::function<bool()>& done, std::chrono::milliseconds within) {
    const auto until = std::chrono::steady_clock::now() + within;
    while (!done() && std::chrono::steady_clock::now() < until) {
      io.restart();
      io.run_for(20ms);
    }
    return done();
  }
  void start() {
    feed = std::make_unique<directory::DirectoryFeed>(io, cache, slapd().settings());
    ASSERT_TRUE(run_until([&] { return cache.ready(); }, 5s));
    db = std::make_unique<store::Database>(slapd().state_dir().parent_path() / "fast.sqlite");
    modules = std::make_unique<module::Modules>(
        module::Services{router, stream_features, disco_features, nullptr, &cache, db.get(), io.get_executor()},
        std::vector<module::Factory>{module::make<fast::Fast>()});
    fast = modules->find<fast::Fast>();
  }
  fast::Issued issue(const std::string& account) {
    auto issued = fast->issue(account, "phone", fast::ChannelBinding::None);
    EXPECT_TRUE(issued) << account;
    return issued.value_or(fast::Issued{});
  }
  bool login(const std::string& account, const fast::Issued& issued) {
    const auto proof = scram::hmac(scram::Hash::Sha256, issued.token, "Initiator");
    return fast->login(account, "phone", fast::ChannelBinding::None, "", proof).has_value();
  }

  boost::asio::io_context io;
  directory::DirectoryCache cache;
  std::unique_ptr<directory::DirectoryFeed> feed;
  router::Router router{{"example.org"}};
  stream::StreamFeatures stream_features;
  module::DiscoFeatures disco_features;
  std::unique_ptr<store::Database> db;
  std::unique_ptr<module::Modules> modules;
  fast::Fast* fast = nullptr;
};

TEST_F(FastRevocationTest, PasswordLockAndDeletionRevokeLive) {
  for (const char* name : {"anna", "boris", "vera", "gleb"})
    ASSERT_EQ(slapd().tool("cl-useradd", {"-P", name, "jabber"}, "password-one-1\n").status, 0);
  start();
  ASSERT_FALSE(cache.find("anna")->password_stamp.empty());
  const auto anna = issue("anna"), boris = issue("boris"), vera = issue("vera"), gleb = issue("gleb");
  ASSERT_TRUE(login("anna", anna));

  // Not the password: the token stays.
  ASSERT_EQ(slapd().tool("cl-usermod", {"-c", "Anna K.", "anna", "jabber"}).status, 0);
  ASSERT_TRUE(run_until([&] { return cache.find("anna")->nickname == "Anna K."; }, 2s));
  EXPECT_TRUE(login("anna", anna));

  // cl-passwd, even to the same password (a fresh salt: another stored value).
  ASSERT_EQ(slapd().tool("cl-passwd", {"-P", "anna", "jabber"}, "password-one-1\n").status, 0);
  ASSERT_TRUE(run_until([&] { return !login("anna", anna); }, 2s));
  EXPECT_EQ(fast->issue("anna", "phone", fast::ChannelBinding::None).has_value(), true);  // a new login may

  ASSERT_EQ(slapd().tool("cl-usermod", {"-L", "boris", "jabber"}).status, 0);
  ASSERT_TRUE(run_until([&] { return !login("boris", boris); }, 2s));
  ASSERT_EQ(slapd().tool("cl-usermod", {"-U", "boris", "jabber"}).status, 0);
  ASSERT_TRUE(run_until([&] { return !cache.find("boris")->locked; }, 2s));
  EXPECT_FALSE(login("boris", boris)) << "unlocking brings no token back";

  ASSERT_EQ(slapd().tool("cl-userdel", {"vera", "jabber"}).status, 0);
  ASSERT_TRUE(run_until([&] { return cache.find("vera") == nullptr; }, 2s));
  auto left = db->prepare("SELECT count(*) FROM fast_tokens WHERE account = 'vera'");
  left.step();
  EXPECT_EQ(left.integer(0), 0);

  EXPECT_TRUE(login("gleb", gleb)) << "the others' changes leave gleb's token";
}

}  // namespace
}  // namespace jabberadmin::test
