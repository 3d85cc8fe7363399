// SCRAM against the live directory cache: the verifier of the hash asked; nothing for an
// unknown, locked, expired account or one without that hash; a change counts at once. And
// a whole SCRAM-SHA-256 login through C2s with the server's own mechanism list.
#include <gtest/gtest.h>

#include "app/sasl.hpp"
#include "auth/scram_accounts.hpp"
#include "directory_users.hpp"
#include "fakes.hpp"
#include "jabberadmin/encoding.hpp"
#include "stream/c2s.hpp"
#include "temp_dir.hpp"

namespace jabberadmin::auth {
namespace {
using State = ScramAccount::State;

User with_verifier(const std::string& name, std::string_view password) {
  User u = test::make_user(name, std::nullopt);
  u.verifiers.push_back(scram::make_verifier(scram::Hash::Sha256, password, "0123456789abcdef", 4096));
  return u;
}

TEST(ScramAccounts, OnlyAnEnabledAccountWithAVerifierOfTheHashIsFound) {
  directory::DirectoryCache cache;
  EXPECT_EQ(scram_account(cache, "alice", scram::Hash::Sha256).state, State::Unavailable) << "before the first refresh";
  cache.put(with_verifier("alice", "secret"));
  User locked = with_verifier("carol", "secret");
  locked.locked = true;
  cache.put(locked);
  User expired = with_verifier("erin", "secret");
  expired.expires = 1000;  // a day in 1972
  cache.put(expired);
  cache.put(test::make_user("dave", std::nullopt));  // no verifiers
  cache.refreshed();
  const ScramAccount alice = scram_account(cache, "alice", scram::Hash::Sha256);
  EXPECT_EQ(alice.state, State::Found);
  EXPECT_EQ(alice.verifier, cache.find("alice")->verifiers.front());
  EXPECT_EQ(scram_account(cache, "alice", scram::Hash::Sha1).state, State::Absent);
  EXPECT_EQ(scram_account(cache, "carol", scram::Hash::Sha256).state, State::Absent);
  EXPECT_EQ(scram_account(cache, "erin", scram::Hash::Sha256).state, State::Absent);
  EXPECT_EQ(scram_account(cache, "dave", scram::Hash::Sha256).state, State::Absent);
  EXPECT_EQ(scram_account(cache, "nobody", scram::Hash::Sha256).state, State::Absent);
  test::change_user(cache, "alice", [](User& u) { u.locked = true; });
  EXPECT_EQ(scram_account(cache, "alice", scram::Hash::Sha256).state, State::Absent) << "a lock counts at once";
}

TEST(ScramAccounts, TheSecretIsMadeOnceAndKeptPrivate) {
  test::TempDir tmp{"scram-secret"};
  const std::string secret = scram_secret(tmp / "scram-secret");
  EXPECT_EQ(secret.size(), 64u);
  EXPECT_EQ(scram_secret(tmp / "scram-secret"), secret);
  EXPECT_EQ(std::filesystem::status(tmp / "scram-secret").permissions() & std::filesystem::perms::all,
            std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
}

struct Host : stream::SessionHost {
  bool serves(std::string_view d) const override { return d == "example.org"; }
  void bind(stream::Session&) override {}
  void on_stanza(stream::Session&, xml::Element) override {}
  void unbind(stream::Session&) override {}
  bool on_nonza(stream::Session&, const xml::Element&) override { return false; }
  std::size_t other_resources(const Jid&) const override { return 0; }
};

class ScramC2sTest : public ::testing::Test {
 protected:
  boost::asio::io_context io;
  test::FakeAuthenticator authenticator{io};
  directory::DirectoryCache cache;
  Host host;
  stream::FailureLimiter address_failures{10, std::chrono::minutes(1)};
  stream::FailureLimiter account_failures{5, std::chrono::minutes(1)};
  stream::AccountRates rates;
  stream::sasl::Mechanisms mechanisms =
      app::sasl_mechanisms(app::SaslSetup{io.get_executor(), authenticator, cache, "secret", {}});
  std::shared_ptr<test::FakeTransport> transport = std::make_shared<test::FakeTransport>();
  std::shared_ptr<stream::C2s> c2s;

  void SetUp() override {
    cache.put(with_verifier("alice", "secret"));
    cache.refreshed();
    transport->is_secure = true;
    stream::C2sContext context{authenticator, host, address_failures, account_failures, rates, {}};
    context.mechanisms = &mechanisms;
    c2s = std::make_shared<stream::C2s>(io.get_executor(), transport, context, stream::C2sConfig{}, std::nullopt);
    c2s->start();
  }
  void TearDown() override { c2s->on_closed(); }
  std::string exchange(std::string_view in) {
    c2s->on_data(in);
    io.restart();
    while (io.poll() > 0) {
    }
    return transport->take();
  }
  static std::string element_text(const std::string& out, std::string_view name) {
    const auto open = out.find("<" + std::string(name));
    const auto start = out.find('>', open) + 1;
    return out.substr(start, out.find('<', start) - start);
  }
  // A SCRAM-SHA-256 login as the client would do it; returns the server's last answer.
  std::string login(std::string_view user, std::string_view password) {
    const std::string bare = "n=" + std::string(user) + ",r=clientnonce";
    const std::string challenge = exchange("<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='SCRAM-SHA-256'>" +
                                           encoding::base64_encode("n,," + bare) + "</auth>");
    if (challenge.find("<challenge") == std::string::npos) return challenge;
    const std::string server_first = *encoding::base64_decode(element_text(challenge, "challenge"));
    const auto attribute = [&](char key) {
      const auto at = server_first.find(std::string(1, key) + "=") + 2;
      return server_first.substr(at, server_first.find(',', at) - at);
    };
    const std::string without_proof = "c=biws,r=" + attribute('r');
    const std::string salted = scram::salted_password(scram::Hash::Sha256, password,
                                                      *encoding::base64_decode(attribute('s')), 4096);
    const std::string proof =
        scram::client_proof(scram::Hash::Sha256, salted, bare + "," + server_first + "," + without_proof);
    return exchange("<response xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>" +
                    encoding::base64_encode(without_proof + ",p=" + encoding::base64_encode(proof)) + "</response>");
  }
};

TEST_F(ScramC2sTest, OffersScramStrongestFirstThenPlain) {
  const std::string out = exchange(
      "<?xml version='1.0'?><stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' "
      "to='example.org' version='1.0'>");
  EXPECT_NE(out.find("<mechanism>SCRAM-SHA-512</mechanism><mechanism>SCRAM-SHA-256</mechanism>"
                     "<mechanism>SCRAM-SHA-1</mechanism><mechanism>PLAIN</mechanism></mechanisms>"),
            std::string::npos)
      << out;
  const std::string success = login("alice", "secret");
  EXPECT_NE(success.find("<success"), std::string::npos) << success;
  EXPECT_TRUE(c2s->authenticated());
  EXPECT_EQ(authenticator.calls, 0) << "SCRAM never binds to the directory";
}

TEST_F(ScramC2sTest, WrongPasswordAndUnknownUserLookAlikeAndCount) {
  exchange(
      "<?xml version='1.0'?><stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' "
      "to='example.org' version='1.0'>");
  const std::string wrong = login("alice", "wrong");
  const std::string unknown = login("nobody", "wrong");
  EXPECT_NE(wrong.find("<not-authorized/>"), std::string::npos) << wrong;
  EXPECT_EQ(wrong, unknown);
  EXPECT_EQ(address_failures.count("192.0.2.1"), 2u);
  EXPECT_EQ(account_failures.count("alice"), 1u);
  EXPECT_EQ(account_failures.count("nobody"), 1u);
}

}  // namespace
}  // namespace jabberadmin::auth
