// FAST (XEP-0484): the HT-SHA-256 mechanisms against vectors computed with Python's hmac
// module; the token store's slots, expiry, mechanism binding and revocation; the module's
// revocation when the directory says the password changed, or the account was locked or
// deleted, and its rotation past half a token's life.
#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>

#include <memory>
#include <utility>

#include "directory/directory_cache.hpp"
#include "directory_users.hpp"
#include "fakes.hpp"
#include "fast/fast.hpp"
#include "fast/token_mechanism.hpp"
#include "fast/hashed_token.hpp"
#include "fast/token_store.hpp"
#include "jabberadmin/encoding.hpp"
#include "jabberadmin/scram.hpp"
#include "module/module.hpp"
#include "store/database.hpp"
#include "temp_dir.hpp"

namespace jabberadmin::fast {
namespace {
using namespace std::chrono_literals;

// 68 characters: longer than SHA-256's block, as the server's tokens are.
constexpr std::string_view kToken = "WXZzciBwYmFmdmZnZiBqdmd1IGp2eXFhcmZmIGZhc3QgdG9rZW4gZm9yIGEgdGVzdCEh";

std::string cb32() {
  std::string cb;
  for (int i = 0; i < 32; ++i) cb += static_cast<char>(i);
  return cb;
}

// What a client computes: the token itself as the HMAC key (xmpp.js, Conversations).
std::string client_proof(std::string_view token, std::string_view cb_data = {}) {
  return scram::hmac(scram::Hash::Sha256, token, std::string("Initiator") + std::string(cb_data));
}

// python3: hmac.new(t, b'Initiator' + cb, hashlib.sha256).hexdigest(), and the same with
// hashlib.sha256(t).digest() as the key (RFC 2104 §2: the same value).
TEST(HashedToken, ProofsMatchPythonsHmac) {
  const auto key = token_key(kToken);
  EXPECT_EQ(encoding::hex(key), "1200d873a487d595b662ad2c7fb020ab16f83a9acb593f9bcf4335e7df46a376");
  EXPECT_EQ(encoding::hex(initiator_proof(key, "")),
            "d70ae5633f0532663f912bb3f3bea34f843d87a6a48c5ad3bf1e05b86c8ccea2");
  EXPECT_EQ(encoding::hex(responder_proof(key, "")),
            "e3c4eaa93f6672377c71fbfb4f9f8a061cecd22983ff41bf4787dcf06496af23");
  EXPECT_EQ(encoding::hex(initiator_proof(key, cb32())),
            "e4a81a286e153a9cd3d0415d7f456dbc1ecfca6fd0f627f803d503f9bb4179b5");
  // The client keys with the token, the server with its hash: the same proof.
  EXPECT_TRUE(proof_matches(key, "", client_proof(kToken)));
  EXPECT_TRUE(proof_matches(key, cb32(), client_proof(kToken, cb32())));
  EXPECT_FALSE(proof_matches(key, "", client_proof(kToken, cb32())));  // other channel binding
  EXPECT_FALSE(proof_matches(key, "", client_proof(std::string(kToken) + "x")));
  EXPECT_FALSE(proof_matches(key, "", ""));
}

TEST(HashedToken, RefusesShortTokensAndBadResponses) {
  EXPECT_THROW(token_key(std::string(64, 'a')), std::invalid_argument);
  EXPECT_NO_THROW(token_key(std::string(65, 'a')));

  const auto proof = client_proof(kToken);
  const auto parsed = parse_initial_response(std::string("alice\0", 6) + proof);
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->authcid, "alice");
  EXPECT_EQ(parsed->proof, proof);
  EXPECT_FALSE(parse_initial_response("alice"));                      // no NUL
  EXPECT_FALSE(parse_initial_response(std::string("\0", 1) + proof));  // no authcid
  EXPECT_FALSE(parse_initial_response(std::string("alice\0", 6) + proof.substr(1)));  // short proof
}

TEST(HashedToken, MechanismNames) {
  EXPECT_EQ(mechanism_named("HT-SHA-256-NONE"), ChannelBinding::None);
  EXPECT_EQ(mechanism_named("HT-SHA-256-ENDP"), ChannelBinding::Endpoint);
  EXPECT_EQ(mechanism_named("HT-SHA-256-EXPR"), ChannelBinding::Exporter);
  EXPECT_FALSE(mechanism_named("HT-SHA-256-UNIQ"));
  EXPECT_FALSE(mechanism_named("HT-SHA-3-512-NONE"));
  EXPECT_FALSE(mechanism_named("ht-sha-256-none"));
}

class TokenStoreTest : public ::testing::Test {
 protected:
  test::TempDir tmp{"fast-store"};
  store::Database db{tmp / "jabberadmin.sqlite"};
  TokenStore tokens{db};
  Clock::time_point now = Clock::time_point(std::chrono::seconds(1'800'000'000));
  TokenUse alice{"alice", "phone-1", ChannelBinding::None, "stamp-1"};

  bool accepts(const TokenUse& use, const Issued& issued, Clock::time_point at) {
    return tokens.accept(use, "", client_proof(issued.token), at).has_value();
  }
};

TEST_F(TokenStoreTest, IssuedTokensAreRandomLongAndNotStored) {
  const auto a = tokens.issue(alice, now + 1h);
  const auto b = tokens.issue(alice, now + 1h);
  EXPECT_EQ(a.token.size(), 68u);
  EXPECT_NE(a.token, b.token);
  auto rows = db.prepare("SELECT key FROM fast_tokens");
  while (rows.step()) EXPECT_EQ(rows.text(0).find(a.token), std::string::npos);
}

TEST_F(TokenStoreTest, AcceptsOnlyItsClientMechanismCredentialsAndLifetime) {
  const auto issued = tokens.issue(alice, now + 1h);
  auto other_client = alice;
  other_client.client = "laptop";
  auto other_mechanism = alice;
  other_mechanism.mechanism = ChannelBinding::Endpoint;
  auto other_password = alice;
  other_password.credentials = "stamp-2";
  auto other_account = alice;
  other_account.account = "bob";
  EXPECT_FALSE(accepts(other_client, issued, now));
  EXPECT_FALSE(accepts(other_mechanism, issued, now));
  EXPECT_FALSE(accepts(other_password, issued, now));
  EXPECT_FALSE(accepts(other_account, issued, now));
  EXPECT_FALSE(accepts(alice, issued, now + 1h));  // expired on the second
  EXPECT_FALSE(tokens.accept(alice, "", client_proof(issued.token + "x"), now));
  const auto accepted = tokens.accept(alice, "", client_proof(issued.token), now);
  ASSERT_TRUE(accepted);
  EXPECT_EQ(accepted->key, token_key(issued.token));
  EXPECT_EQ(accepted->expires, now + 1h);
}

TEST_F(TokenStoreTest, ChannelBindingIsPartOfTheProof) {
  auto endp = alice;
  endp.mechanism = ChannelBinding::Endpoint;
  const auto issued = tokens.issue(endp, now + 1h);
  EXPECT_FALSE(tokens.accept(endp, cb32(), client_proof(issued.token), now));
  EXPECT_TRUE(tokens.accept(endp, cb32(), client_proof(issued.token, cb32()), now));
}

// XEP-0484 §5 and §7: the old token works until the new one is used; then it is gone.
TEST_F(TokenStoreTest, RotationKeepsTheOldTokenUntilTheNewOneIsUsed) {
  const auto first = tokens.issue(alice, now + 1h);
  EXPECT_TRUE(accepts(alice, first, now));  // "new" becomes "current"
  const auto second = tokens.issue(alice, now + 2h);
  EXPECT_TRUE(accepts(alice, first, now));  // the client missed the second
  EXPECT_TRUE(accepts(alice, second, now));
  EXPECT_FALSE(accepts(alice, first, now));
  EXPECT_TRUE(accepts(alice, second, now));
  // A third issued and never used replaces no working token, only an unused one.
  const auto third = tokens.issue(alice, now + 3h);
  const auto fourth = tokens.issue(alice, now + 3h);
  EXPECT_FALSE(accepts(alice, third, now));
  EXPECT_TRUE(accepts(alice, second, now));
  EXPECT_TRUE(accepts(alice, fourth, now));
}

// The store's statements are the database's kept ones, compiled once for its life. A login
// with the current token only reads; a token's first use moves it from "new" to "current"
// with one statement (UPDATE OR REPLACE drops the old "current" in the same step).
TEST_F(TokenStoreTest, LoginsRunKeptStatementsAndTheFirstUseWritesOnce) {
  const auto uses = [&] {
    std::uint64_t reads = 0, writes = 0;
    for (const auto& [sql, n] : db.statement_uses()) {
      if (sql.find("fast_tokens") == std::string::npos) continue;
      (sql.starts_with("SELECT") ? reads : writes) += n;
    }
    return std::pair{reads, writes};
  };
  const auto issued = tokens.issue(alice, now + 1h);
  const auto before_first = uses();
  ASSERT_TRUE(accepts(alice, issued, now));
  const auto after_first = uses();
  EXPECT_EQ(after_first.first - before_first.first, 1u);
  EXPECT_EQ(after_first.second - before_first.second, 1u);
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(accepts(alice, issued, now));
  const auto after_more = uses();
  EXPECT_EQ(after_more.first - after_first.first, 3u);
  EXPECT_EQ(after_more.second, after_first.second);
}

TEST_F(TokenStoreTest, InvalidateRevokeAndPurge) {
  auto laptop = alice;
  laptop.client = "laptop";
  auto bob = alice;
  bob.account = "bob";
  const auto a1 = tokens.issue(alice, now + 1h);
  const auto a2 = tokens.issue(laptop, now + 1h);
  const auto b1 = tokens.issue(bob, now + 1min);
  EXPECT_EQ(tokens.accounts(), (std::vector<std::string>{"alice", "bob"}));
  tokens.invalidate("alice", "phone-1");
  EXPECT_FALSE(accepts(alice, a1, now));
  EXPECT_TRUE(accepts(laptop, a2, now));
  EXPECT_EQ(tokens.purge(now + 1min), 1u);
  EXPECT_EQ(tokens.accounts(), (std::vector<std::string>{"alice"}));
  EXPECT_EQ(tokens.revoke("alice"), 1u);
  EXPECT_FALSE(accepts(laptop, a2, now));
  EXPECT_TRUE(tokens.accounts().empty());
  (void)b1;
}

class FastModuleTest : public ::testing::Test {
 protected:
  void SetUp() override {
    User alice = test::make_user("alice", std::nullopt);
    alice.password_stamp = encoding::sha256("{CRYPT}$6$one");
    alice.uuid = "uuid-1";
    directory.put(alice);
    directory.refreshed();
    start();
  }
  void start() {
    FastOptions options{.lifetime = 14 * 24h, .now = [this] { return now; }};
    modules = std::make_unique<module::Modules>(
        module::Services{router, stream_features, disco_features, nullptr, &directory, &db, io.get_executor()},
        std::vector<module::Factory>{
            [options](module::Context& c) { return std::make_unique<Fast>(c, options); }});
    fast = modules->find<Fast>();
  }
  bool login(const Issued& issued) {
    return fast->login("alice", "phone-1", ChannelBinding::None, "", client_proof(issued.token)).has_value();
  }
  Issued issue() {
    auto issued = fast->issue("alice", "phone-1", ChannelBinding::None);
    EXPECT_TRUE(issued);
    return issued.value_or(Issued{});
  }

  boost::asio::io_context io;
  test::TempDir tmp{"fast-module"};
  store::Database db{tmp / "jabberadmin.sqlite"};
  router::Router router{{"example.org"}};
  stream::StreamFeatures stream_features;
  module::DiscoFeatures disco_features;
  directory::DirectoryCache directory;
  Clock::time_point now = Clock::time_point(std::chrono::seconds(1'800'000'000));
  std::unique_ptr<module::Modules> modules;
  Fast* fast = nullptr;
};

TEST_F(FastModuleTest, LogsInAndAnswersWithTheResponderProof) {
  const auto issued = issue();
  EXPECT_EQ(issued.expires, now + 14 * 24h);
  const auto done = fast->login("alice", "phone-1", ChannelBinding::None, "", client_proof(issued.token));
  ASSERT_TRUE(done);
  EXPECT_EQ(done->responder, scram::hmac(scram::Hash::Sha256, issued.token, "Responder"));
  EXPECT_FALSE(done->rotated);
  EXPECT_FALSE(fast->issue("nobody", "phone-1", ChannelBinding::None));
  EXPECT_FALSE(fast->issue("alice", "", ChannelBinding::None));  // no client id, no token
}

TEST_F(FastModuleTest, RotatesPastHalfItsLife) {
  const auto first = issue();
  now += 8 * 24h;
  const auto done = fast->login("alice", "phone-1", ChannelBinding::None, "", client_proof(first.token));
  ASSERT_TRUE(done);
  ASSERT_TRUE(done->rotated);
  EXPECT_EQ(done->rotated->expires, now + 14 * 24h);
  // The client missed the new one: the old one still works and brings another, which
  // replaces the unused one (XEP-0484 §5).
  const auto again = fast->login("alice", "phone-1", ChannelBinding::None, "", client_proof(first.token));
  ASSERT_TRUE(again && again->rotated);
  EXPECT_FALSE(login(*done->rotated));
  EXPECT_TRUE(login(*again->rotated));
  EXPECT_FALSE(login(first));  // gone once the new one is used
}

TEST_F(FastModuleTest, APasswordChangeRevokesTheTokens) {
  const auto issued = issue();
  test::change_user(directory, "alice", [](User& u) { u.password_stamp = encoding::sha256("{CRYPT}$6$two"); });
  EXPECT_TRUE(fast->issue("alice", "laptop", ChannelBinding::None));  // a new login may have one
  EXPECT_FALSE(login(issued));
  auto left = db.prepare("SELECT count(*) FROM fast_tokens WHERE client = 'phone-1'");
  left.step();
  EXPECT_EQ(left.integer(0), 0);  // removed at once, not only refused
}

// Where the server may not read userPassword (its own directory), a password change shows
// as new SCRAM verifiers (a fresh salt each time).
TEST_F(FastModuleTest, NewScramVerifiersRevokeTheTokens) {
  const auto issued = issue();
  test::change_user(directory, "alice", [](User& u) {
    u.verifiers.push_back(scram::make_verifier(scram::Hash::Sha256, "pencil", "0123456789abcdef", 4096));
  });
  EXPECT_FALSE(login(issued));
}

TEST_F(FastModuleTest, AnOtherChangeKeepsThem) {
  const auto issued = issue();
  test::change_user(directory, "alice", [](User& u) { u.nickname = "Alice A."; });
  EXPECT_TRUE(login(issued));
}

TEST_F(FastModuleTest, ALockRevokesAndRefuses) {
  const auto issued = issue();
  test::change_user(directory, "alice", [](User& u) { u.locked = true; });
  EXPECT_FALSE(login(issued));
  EXPECT_FALSE(fast->issue("alice", "phone-1", ChannelBinding::None));
  test::change_user(directory, "alice", [](User& u) { u.locked = false; });
  EXPECT_FALSE(login(issued));  // unlocking brings no token back
}

TEST_F(FastModuleTest, DeletionAndRecreationRevoke) {
  const auto issued = issue();
  directory.erase("alice");
  User again = test::make_user("alice", std::nullopt);
  again.password_stamp = encoding::sha256("{CRYPT}$6$one");  // even with the same password
  again.uuid = "uuid-2";
  directory.put(again);
  EXPECT_FALSE(login(issued));
}

// Changed while the server was down: no event, but the stamp no longer matches.
TEST_F(FastModuleTest, AChangeMissedByTheWatchStillRefuses) {
  const auto issued = issue();
  auto cached = *directory.find("alice");
  modules.reset();
  cached.password_stamp = encoding::sha256("{CRYPT}$6$two");
  directory.put(cached);
  start();
  auto kept = db.prepare("SELECT count(*) FROM fast_tokens");
  kept.step();
  EXPECT_EQ(kept.integer(0), 1);  // nobody revoked it: the stamp is what refuses it
  EXPECT_FALSE(login(issued));
}

TEST_F(FastModuleTest, AccountRemovalPurges) {
  issue();
  EXPECT_EQ(modules->account_data().known(), (std::set<std::string>{"alice@example.org"}));
  EXPECT_EQ(modules->account_data().removed({"alice@example.org"}), 1u);
  EXPECT_TRUE(modules->account_data().known().empty());
}

TEST_F(FastModuleTest, LifetimeZeroIssuesNone) {
  modules.reset();
  modules = std::make_unique<module::Modules>(
      module::Services{router, stream_features, disco_features, nullptr, &directory, &db, io.get_executor()},
      std::vector<module::Factory>{[](module::Context& c) { return std::make_unique<Fast>(c, FastOptions{.lifetime = 0s}); }});
  EXPECT_FALSE(modules->find<Fast>()->issue("alice", "phone-1", ChannelBinding::None));
}

// The HT mechanisms as SASL mechanisms: what the SASL2 framing runs.
class TokenMechanismTest : public FastModuleTest {
 protected:
  std::optional<stream::sasl::Verdict> run(stream::sasl::Mechanism& mechanism) {
    std::optional<stream::sasl::Verdict> verdict;
    mechanism.verify([&](stream::sasl::Verdict v) { verdict = std::move(v); });
    EXPECT_FALSE(verdict) << "the verdict comes later, never inside verify()";
    io.run();
    io.restart();
    return verdict;
  }
  std::string message(const Issued& issued, std::string_view cb = {}) {
    return "alice" + std::string(1, '\0') + client_proof(issued.token, cb);
  }
  test::FakeTransport transport;
};

TEST_F(TokenMechanismTest, ChecksTheTokenAndAnswersWithTheResponder) {
  const auto issued = issue();
  auto mechanism = TokenMechanism::on(*fast, io.get_executor(), ChannelBinding::None, "phone-1", transport);
  ASSERT_EQ(mechanism->step(message(issued)).kind, stream::sasl::Step::Kind::Check);
  EXPECT_EQ(mechanism->username(), "alice");
  const auto verdict = run(*mechanism);
  ASSERT_TRUE(verdict);
  EXPECT_EQ(verdict->result, stream::AuthResult::Success);
  EXPECT_EQ(verdict->additional, scram::hmac(scram::Hash::Sha256, issued.token, "Responder"));
  EXPECT_EQ(mechanism->step(message(issued)).kind, stream::sasl::Step::Kind::Failure);  // one message only
}

TEST_F(TokenMechanismTest, RefusesAnotherClientOrAWrongToken) {
  const auto issued = issue();
  auto laptop = TokenMechanism::on(*fast, io.get_executor(), ChannelBinding::None, "laptop", transport);
  ASSERT_EQ(laptop->step(message(issued)).kind, stream::sasl::Step::Kind::Check);
  EXPECT_EQ(run(*laptop)->result, stream::AuthResult::NotAuthorized);
  auto garbled = TokenMechanism::on(*fast, io.get_executor(), ChannelBinding::None, "phone-1", transport);
  EXPECT_EQ(garbled->step("alice").kind, stream::sasl::Step::Kind::Failure);
}

TEST_F(TokenMechanismTest, ChannelBindingComesFromTheTransport) {
  const auto endp = fast->issue("alice", "phone-1", ChannelBinding::Endpoint);
  ASSERT_TRUE(endp);
  // No TLS binding on this transport: refused before any check, as a negotiation failure.
  auto without = TokenMechanism::on(*fast, io.get_executor(), ChannelBinding::Endpoint, "phone-1", transport);
  const auto step = without->step(message(*endp, cb32()));
  EXPECT_EQ(step.kind, stream::sasl::Step::Kind::Failure);
  EXPECT_TRUE(step.negotiation);
  transport.bindings["tls-server-end-point"] = cb32();
  auto with = TokenMechanism::on(*fast, io.get_executor(), ChannelBinding::Endpoint, "phone-1", transport);
  ASSERT_EQ(with->step(message(*endp, cb32())).kind, stream::sasl::Step::Kind::Check);
  EXPECT_EQ(run(*with)->result, stream::AuthResult::Success);
}

TEST_F(TokenMechanismTest, HandsOnTheRotatedToken) {
  const auto issued = issue();
  now += 8 * 24h;
  auto mechanism = TokenMechanism::on(*fast, io.get_executor(), ChannelBinding::None, "phone-1", transport);
  std::optional<Issued> rotated;
  mechanism->on_rotated([&](const Issued& next) { rotated = next; });
  ASSERT_EQ(mechanism->step(message(issued)).kind, stream::sasl::Step::Kind::Check);
  EXPECT_EQ(run(*mechanism)->result, stream::AuthResult::Success);
  ASSERT_TRUE(rotated);
  EXPECT_TRUE(login(*rotated));
}

}  // namespace
}  // namespace jabberadmin::fast
