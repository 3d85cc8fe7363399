// XEP-0012 last activity: the server's uptime; an account's last logout (seconds and the
// status it left with), 0 while connected, kept across a restart; forbidden to those who
// do not see the account's presence; an unknown account.
#include <gtest/gtest.h>

#include <memory>
#include <set>

#include "fakes.hpp"
#include "last/last_activity.hpp"
#include "offline/offline_store.hpp"
#include "module/module.hpp"
#include "presence/presence.hpp"
#include "store/database.hpp"
#include "stream/namespaces.hpp"
#include "temp_dir.hpp"

namespace jabberadmin::last {
namespace {
using namespace std::chrono_literals;
using test::FakeSession;

std::string condition(const xml::Element& e) {
  const xml::Element* error = e.child("error");
  return error && error->first_element() ? error->first_element()->name() : std::string();
}

class LastActivityTest : public ::testing::Test {
 protected:
  void SetUp() override { start(); }
  void TearDown() override { stop(); }
  void start() {
    stop();
    router = std::make_unique<router::Router>(std::vector<std::string>{"example.org"});
    db = std::make_unique<store::Database>(tmp / "jabberadmin.sqlite");
    LastOptions options{
        .exists = [this](const Jid& bare) { return accounts.contains(bare.local); },
        .may_see = [this](const Jid& user, const Jid& asker) { return seen_by.contains({user.bare(), asker.bare()}); },
        .now = [this] { return now; },
    };
    modules = std::make_unique<module::Modules>(
        module::Services{*router, stream_features, disco_features, nullptr, nullptr, db.get()},
        std::vector<module::Factory>{module::make<presence::Presence>(), [options](module::Context& c) {
                                       return std::make_unique<LastActivity>(c, c.require<presence::Presence>(), options);
                                     }});
  }
  void stop() {
    modules.reset();
    sessions.clear();
    db.reset();
    router.reset();
  }
  FakeSession& login(std::string_view full) {
    auto& s = *sessions.emplace_back(std::make_unique<FakeSession>(*Jid::parse(full)));
    s.host = router.get();
    router->bind(s);
    xml::Element presence("presence", std::string(ns::kClient));
    presence.set_attr("from", s.jid().full());
    router->on_stanza(s, presence);
    s.take();
    return s;
  }
  void logout(FakeSession& s, std::string_view status) {
    xml::Element p("presence", std::string(ns::kClient));
    p.set_attr("type", "unavailable").set_attr("from", s.jid().full());
    if (!status.empty()) p.add(xml::Element("status", std::string(ns::kClient))).add_text(status);
    router->on_stanza(s, p);
    router->unbind(s);
  }
  xml::Element ask(FakeSession& from, std::optional<std::string> to, std::string_view type = "get") {
    xml::Element iq("iq", std::string(ns::kClient));
    iq.set_attr("type", type).set_attr("id", "l1").set_attr("from", from.jid().full());  // what C2s stamps
    if (to) iq.set_attr("to", *to);
    iq.add(xml::Element("query", std::string(ns::kLast)));
    from.take();
    router->on_stanza(from, iq);
    auto got = from.take();
    EXPECT_EQ(got.size(), 1u);
    return got.empty() ? xml::Element{} : got.back();
  }
  // A request that is to reach another client: the sender gets nothing back (yet).
  void from_client_to(FakeSession& from, std::string_view to) {
    xml::Element iq("iq", std::string(ns::kClient));
    iq.set_attr("type", "get").set_attr("id", "l2").set_attr("from", from.jid().full()).set_attr("to", to);
    iq.add(xml::Element("query", std::string(ns::kLast)));
    from.take();
    router->on_stanza(from, iq);
    EXPECT_TRUE(from.take().empty()) << "no answer from the server";
  }
  static std::string seconds(const xml::Element& r) {
    const xml::Element* q = r.child("query", ns::kLast);
    return q ? q->attr_or("seconds", "none") : "no query: " + xml::serialize(r);
  }

  test::TempDir tmp{"last"};
  std::chrono::system_clock::time_point now{std::chrono::seconds(1'700'000'000)};
  std::set<std::string> accounts{"alice", "bob", "carol"};
  std::set<std::pair<std::string, std::string>> seen_by{{"bob@example.org", "alice@example.org"}};
  stream::StreamFeatures stream_features;
  module::DiscoFeatures disco_features;
  std::unique_ptr<router::Router> router;
  std::unique_ptr<store::Database> db;
  std::unique_ptr<module::Modules> modules;
  std::vector<std::unique_ptr<FakeSession>> sessions;
};

// XEP-0012 §3: a request to a client goes through only from those who may see the user's
// presence (and the user's own resources); others are answered <forbidden/> by the server.
TEST_F(LastActivityTest, ARequestToAClientGoesOnlyFromThoseWhoSeeItsPresence) {
  FakeSession& alice = login("alice@example.org/a");
  FakeSession& bob = login("bob@example.org/b");
  FakeSession& carol = login("carol@example.org/c");
  EXPECT_EQ(condition(ask(carol, "bob@example.org/b")), "forbidden") << "carol does not see bob";
  EXPECT_TRUE(bob.take().empty()) << "nothing reached bob's client";
  from_client_to(alice, "bob@example.org/b");
  auto got = bob.take();
  ASSERT_EQ(got.size(), 1u) << "alice sees bob: her request reaches his client";
  EXPECT_NE(got[0].child("query", ns::kLast), nullptr);
  FakeSession& bob_phone = login("bob@example.org/phone");
  bob.take();  // the phone's presence
  from_client_to(bob_phone, "bob@example.org/b");
  EXPECT_EQ(bob.take().size(), 1u) << "his own resources may ask";
}

TEST_F(LastActivityTest, TheServerTellsItsUptime) {
  FakeSession& alice = login("alice@example.org/a");
  now += 125s;
  const xml::Element r = ask(alice, "example.org");
  EXPECT_EQ(r.attr_or("type"), "result");
  EXPECT_EQ(seconds(r), "125");
  EXPECT_EQ(r.child("query", ns::kLast)->text(), "");
  EXPECT_EQ(condition(ask(alice, "example.org", "set")), "not-allowed");
  for (auto target : {router::IqTarget::Server, router::IqTarget::Account}) {
    const auto f = disco_features.of(target);
    EXPECT_NE(std::find(f.begin(), f.end(), "jabber:iq:last"), f.end());
  }
}

TEST_F(LastActivityTest, ALogoutWithItsStatusIsKeptAcrossARestart) {
  FakeSession& alice = login("alice@example.org/a");
  FakeSession& bob = login("bob@example.org/phone");
  login("bob@example.org/desk");
  EXPECT_EQ(seconds(ask(alice, "bob@example.org")), "0") << "online";
  logout(bob, "Heading Home");
  EXPECT_EQ(seconds(ask(alice, "bob@example.org")), "0") << "one resource left is still online";
  now += 10s;
  logout(*sessions[2], "Gone for good");
  now += 903s;
  xml::Element r = ask(alice, "bob@example.org");
  EXPECT_EQ(seconds(r), "903");
  EXPECT_EQ(r.child("query", ns::kLast)->text(), "Gone for good");

  start();  // a restart
  FakeSession& again = login("alice@example.org/a");
  now += 7s;
  r = ask(again, "bob@example.org");
  EXPECT_EQ(seconds(r), "910");
  EXPECT_EQ(r.child("query", ns::kLast)->text(), "Gone for good");
}

TEST_F(LastActivityTest, LeavingWithoutAWordAndAServerStopAreLogoutsToo) {
  FakeSession& alice = login("alice@example.org/a");
  FakeSession& bob = login("bob@example.org/b");
  router->unbind(bob);  // the connection dropped
  now += 5s;
  xml::Element r = ask(alice, "bob@example.org");
  EXPECT_EQ(seconds(r), "5");
  EXPECT_EQ(r.child("query", ns::kLast)->text(), "");

  login("bob@example.org/b2");
  now += 60s;
  start();  // the module stops with bob still online
  FakeSession& again = login("alice@example.org/a");
  now += 2s;
  EXPECT_EQ(seconds(ask(again, "bob@example.org")), "2");
}

TEST_F(LastActivityTest, OnlyTheAccountAndWhoSeesItsPresence) {
  FakeSession& alice = login("alice@example.org/a");
  FakeSession& bob = login("bob@example.org/b");
  logout(login("carol@example.org/c"), "bye");
  // alice does not see carol's presence, nor bob alice's.
  EXPECT_EQ(condition(ask(alice, "carol@example.org")), "forbidden");
  EXPECT_EQ(condition(ask(bob, "alice@example.org")), "forbidden");
  // Strangers are not told which accounts exist.
  EXPECT_EQ(condition(ask(bob, "nobody@example.org")), "forbidden");
  // One's own account, with or without 'to': online.
  EXPECT_EQ(seconds(ask(alice, std::nullopt)), "0");
  EXPECT_EQ(seconds(ask(alice, "alice@example.org")), "0");
  // A contact whose account is gone.
  seen_by.insert({"nobody@example.org", "alice@example.org"});
  EXPECT_EQ(condition(ask(alice, "nobody@example.org")), "service-unavailable");
  // Never logged out.
  seen_by.insert({"carol@example.org", "alice@example.org"});
  accounts.insert("dave");
  seen_by.insert({"dave@example.org", "alice@example.org"});
  EXPECT_EQ(condition(ask(alice, "dave@example.org")), "item-not-found");
  EXPECT_EQ(ask(alice, "carol@example.org").child("query", ns::kLast)->text(), "bye");
}

}  // namespace
}  // namespace jabberadmin::last

namespace jabberadmin::last {
namespace {

TEST_F(LastActivityTest, ADeletedAccountsLogoutGoesWithIt) {
  FakeSession& alice = login("alice@example.org/a");
  logout(login("bob@example.org/b"), "bye");
  seen_by.insert({"bob@example.org", "alice@example.org"});
  EXPECT_TRUE(modules->account_data().known().contains("bob@example.org")) << "swept at start if the directory lost it";
  EXPECT_EQ(modules->account_data().removed({"bob@example.org"}), 1u);
  EXPECT_EQ(condition(ask(alice, "bob@example.org")), "item-not-found");
}

}  // namespace
}  // namespace jabberadmin::last

namespace jabberadmin::last {
namespace {

// XEP-0133's get-user-lastlogin: the newest bind of the account's sessions, whether one is
// still online or not, and after the last one went, the one kept with the logout (to the
// second: SQLite keeps seconds), across a restart.
TEST_F(LastActivityTest, TheLastLoginIsTheNewestBindAndOutlivesTheLogoutAndARestart) {
  const Jid bob = *Jid::parse("bob@example.org");
  EXPECT_FALSE(modules->find<LastActivity>()->last_login(bob)) << "never logged in";
  FakeSession& a = login("bob@example.org/a");
  FakeSession& b = login("bob@example.org/b");
  const auto since_a = router->find(a.jid())->since;
  const auto since_b = router->find(b.jid())->since;
  ASSERT_GE(since_b, since_a);
  EXPECT_EQ(modules->find<LastActivity>()->last_login(bob), since_b);
  logout(b, "");
  EXPECT_EQ(modules->find<LastActivity>()->last_login(bob), since_b) << "b logged in last, though it went";
  logout(a, "");
  const auto seconds = std::chrono::floor<std::chrono::seconds>(since_b);
  EXPECT_EQ(modules->find<LastActivity>()->last_login(bob), seconds);
  start();
  EXPECT_EQ(modules->find<LastActivity>()->last_login(bob), seconds) << "kept across a restart";
  EXPECT_FALSE(modules->find<LastActivity>()->last_login(*Jid::parse("carol@example.org")));
}

}  // namespace
}  // namespace jabberadmin::last
