// Offline messages through the router on a real SQLite file: what is stored, what is
// refused and how, delivery in order with XEP-0203 stamps at the next availability, and
// that nothing leaves the store before it was handed to a session.
#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <functional>
#include <set>

#include "fakes.hpp"
#include "no_contacts.hpp"
#include "offline/offline_messages.hpp"
#include "presence/presence.hpp"
#include "router/router.hpp"
#include "store/database.hpp"
#include "stream/namespaces.hpp"
#include "temp_dir.hpp"
#include "xml/element.hpp"

namespace jabberadmin::offline {
namespace {
using test::FakeSession;
namespace fs = std::filesystem;
using namespace std::chrono_literals;

Jid jid(std::string_view s) { return *Jid::parse(s); }

std::string error_condition(const xml::Element& e) {
  const xml::Element* error = e.child("error");
  if (error == nullptr || error->first_element() == nullptr) return {};
  return error->first_element()->name();
}
std::string error_text(const xml::Element& e) {
  const xml::Element* error = e.child("error");
  const xml::Element* text = error ? error->child("text") : nullptr;
  return text ? text->text() : std::string{};
}
std::string body_of(const xml::Element& m) {
  const xml::Element* b = m.child("body");
  return b ? b->text() : std::string{};
}

// A session whose stream ends while offline messages are being handed to it.
class FragileSession : public FakeSession {
 public:
  using FakeSession::FakeSession;
  std::size_t breaks_after = 1;
  void deliver(const xml::Element& stanza) override {
    FakeSession::deliver(stanza);
    if (received.size() == breaks_after && host) host->unbind(*this);
  }
};

class OfflineTest : public ::testing::Test {
 protected:
  jabberadmin::test::TempDir tmp_{"offline"};  // first, so removed after all that uses it
  void SetUp() override { open(1000); }
  void TearDown() override {
    sessions.clear();
    offline.reset();
    db.reset();
  }
  // A fresh router, database handle and module, as a restarted server has.
  void open(std::size_t limit) {
    offline.reset();
    db.reset();
    sessions.clear();
    routing = std::make_unique<router::Router>(std::vector<std::string>{"example.org"});
    db = std::make_unique<store::Database>(dir_ / "jabberadmin.sqlite");
    OfflineOptions options{.limit_per_user = limit, .now = [this] { return now; }};
    offline = std::make_unique<OfflineMessages>(
        *routing, *db, [this](const Jid& bare) { return accounts.contains(bare.bare()); }, options);
  }
  FakeSession& bind(std::string_view full) {
    auto& s = *sessions.emplace_back(std::make_unique<FakeSession>(jid(full)));
    s.host = routing.get();
    routing->bind(s);
    return s;
  }
  void online(const FakeSession& s, int priority = 0) { routing->set_presence(s.jid(), true, priority); }
  void send(FakeSession& from, std::string_view to, std::string_view body, std::string_view type = "chat") {
    xml::Element m("message", std::string(ns::kClient));
    m.set_attr("from", from.jid().full());
    m.set_attr("to", to);
    m.set_attr("type", type);
    m.set_attr("id", "m" + std::to_string(++sent_));
    if (!body.empty()) m.add(xml::Element("body", std::string(ns::kClient))).add_text(body);
    routing->on_stanza(from, m);
  }
  std::size_t stored(std::string_view user) {
    OfflineStore s(*db, 1000);
    return s.count(user);
  }

  const fs::path dir_ = tmp_.path();
  std::unique_ptr<router::Router> routing;
  std::set<std::string> accounts{"alice@example.org", "bob@example.org", "борис@example.org"};
  std::chrono::system_clock::time_point now = std::chrono::sys_days{std::chrono::year{2024} / 5 / 1} + 12h + 34min +
                                              56s + 789ms;
  std::unique_ptr<store::Database> db;
  std::unique_ptr<OfflineMessages> offline;
  std::vector<std::unique_ptr<FakeSession>> sessions;
  int sent_ = 0;
};

// The user's own presence broadcast comes first (its echo to the resource that sent it),
// and only then the stored messages: the hand-over waits until the presence is handled.
TEST_F(OfflineTest, StoredMessagesFollowTheUsersOwnPresenceBroadcast) {
  const test::NoContacts nobody;
  const presence::Presence presence(*routing, nobody);
  auto& alice = bind("alice@example.org/a");
  send(alice, "bob@example.org", "while you were away");
  auto& bob = bind("bob@example.org/phone");
  xml::Element initial("presence", std::string(ns::kClient));
  initial.set_attr("from", bob.jid().full());
  routing->on_stanza(bob, initial);
  ASSERT_EQ(bob.received.size(), 2u);
  EXPECT_EQ(bob.received[0].name(), "presence") << "the broadcast first";
  EXPECT_EQ(bob.received[0].attr_or("from"), "bob@example.org/phone");
  EXPECT_EQ(body_of(bob.received[1]), "while you were away");
}

TEST_F(OfflineTest, MessageToAnOfflineUserIsKeptAndArrivesInOrderWithDelayStamps) {
  auto& alice = bind("alice@example.org/a");
  send(alice, "bob@example.org", "first");
  now += 1s;
  send(alice, "bob@example.org/gone", "second: to a resource that is not there");
  now += 1s;
  send(alice, "bob@example.org", "third\nline");
  EXPECT_TRUE(alice.received.empty()) << "stored: no error to the sender";
  EXPECT_EQ(stored("bob@example.org"), 3u);

  auto& bob = bind("bob@example.org/phone");
  EXPECT_TRUE(bob.received.empty()) << "binding a resource is not presence";
  online(bob);
  ASSERT_EQ(bob.received.size(), 3u);
  EXPECT_EQ(body_of(bob.received[0]), "first");
  EXPECT_EQ(body_of(bob.received[1]), "second: to a resource that is not there");
  EXPECT_EQ(body_of(bob.received[2]), "third\nline");
  const xml::Element& m = bob.received[0];
  EXPECT_EQ(m.attr_or("from"), "alice@example.org/a");
  EXPECT_EQ(m.attr_or("type"), "chat");
  EXPECT_EQ(m.attr_or("id"), "m1");
  const xml::Element* delay = m.child("delay", "urn:xmpp:delay");
  ASSERT_NE(delay, nullptr);
  EXPECT_EQ(delay->attr_or("from"), "example.org");
  EXPECT_EQ(delay->attr_or("stamp"), "2024-05-01T12:34:56.789Z");
  EXPECT_EQ(delay->text(), "Offline Storage");
  EXPECT_EQ(bob.received[2].child("delay", "urn:xmpp:delay")->attr_or("stamp"), "2024-05-01T12:34:58.789Z");
  EXPECT_EQ(stored("bob@example.org"), 0u) << "forgotten once handed over";

  auto& tablet = bind("bob@example.org/tablet");
  online(tablet);
  EXPECT_TRUE(tablet.received.empty()) << "delivered once, not to every resource";
}

TEST_F(OfflineTest, StoredMessagesSurviveTheServerGoingAway) {
  auto& alice = bind("alice@example.org/a");
  send(alice, "борис@example.org", "привет");
  open(1000);  // a new database handle and module: what a restart does
  auto& boris = bind("борис@example.org/дом");
  online(boris);
  ASSERT_EQ(boris.received.size(), 1u);
  EXPECT_EQ(body_of(boris.received[0]), "привет");
}

TEST_F(OfflineTest, OverTheLimitTheSenderIsToldAndNothingIsDropped) {
  open(2);
  auto& alice = bind("alice@example.org/a");
  send(alice, "bob@example.org", "1");
  send(alice, "bob@example.org", "2");
  EXPECT_TRUE(alice.received.empty());
  send(alice, "bob@example.org", "3");
  ASSERT_EQ(alice.received.size(), 1u);
  const xml::Element& error = alice.received[0];
  EXPECT_EQ(error.attr_or("type"), "error");
  EXPECT_EQ(error.attr_or("id"), "m3");
  EXPECT_EQ(error.attr_or("from"), "bob@example.org");
  EXPECT_EQ(error_condition(error), "service-unavailable");
  EXPECT_NE(error_text(error).find("full"), std::string::npos) << error_text(error);
  EXPECT_EQ(stored("bob@example.org"), 2u);

  auto& bob = bind("bob@example.org/b");
  online(bob);
  ASSERT_EQ(bob.received.size(), 2u) << "the two kept ones arrive";
  alice.take();
  send(alice, "bob@example.org", "now online");
  EXPECT_TRUE(alice.received.empty());
}

TEST_F(OfflineTest, UnknownUserGetsServiceUnavailableAndNothingIsStored) {
  auto& alice = bind("alice@example.org/a");
  send(alice, "nobody@example.org", "hello?");
  ASSERT_EQ(alice.received.size(), 1u);
  EXPECT_EQ(error_condition(alice.received[0]), "service-unavailable");
  EXPECT_EQ(stored("nobody@example.org"), 0u);
}

TEST_F(OfflineTest, OnlyNormalAndChatWithContentAreStored) {
  auto& alice = bind("alice@example.org/a");
  send(alice, "bob@example.org", "", "chat");  // a chat state: no body
  EXPECT_TRUE(alice.received.empty()) << "silently dropped (XEP-0085)";
  send(alice, "bob@example.org", "news", "headline");
  EXPECT_TRUE(alice.received.empty()) << "headline to nobody: dropped (RFC 6121 §8.5.2.2.1)";
  send(alice, "bob@example.org", "room talk", "groupchat");
  ASSERT_EQ(alice.received.size(), 1u);
  EXPECT_EQ(error_condition(alice.take()[0]), "service-unavailable");
  send(alice, "bob@example.org", "oops", "error");
  EXPECT_TRUE(alice.received.empty()) << "errors are never answered";
  EXPECT_EQ(stored("bob@example.org"), 0u);

  send(alice, "bob@example.org", "a normal message", "normal");
  EXPECT_EQ(stored("bob@example.org"), 1u);

  xml::Element no_store("message", std::string(ns::kClient));
  no_store.set_attr("from", "alice@example.org/a");
  no_store.set_attr("to", "bob@example.org");
  no_store.add(xml::Element("body", std::string(ns::kClient))).add_text("ephemeral");
  no_store.add(xml::Element("no-store", "urn:xmpp:hints"));
  routing->on_stanza(alice, no_store);
  ASSERT_EQ(alice.received.size(), 1u);
  EXPECT_EQ(error_condition(alice.received[0]), "service-unavailable") << "refused, not silently lost";
  EXPECT_EQ(stored("bob@example.org"), 1u);
}

TEST_F(OfflineTest, NegativePriorityKeepsThemStoredUntilRaised) {
  auto& alice = bind("alice@example.org/a");
  auto& bob = bind("bob@example.org/bot");
  online(bob, -1);
  send(alice, "bob@example.org", "for a human");
  EXPECT_TRUE(bob.received.empty());
  EXPECT_EQ(stored("bob@example.org"), 1u);
  online(bob, 1);
  ASSERT_EQ(bob.received.size(), 1u);
  EXPECT_EQ(stored("bob@example.org"), 0u);
}

TEST_F(OfflineTest, WhatWasNotHandedToASessionStaysStored) {
  auto& alice = bind("alice@example.org/a");
  for (const char* body : {"1", "2", "3"}) send(alice, "bob@example.org", body);
  auto& fragile = *sessions.emplace_back(std::make_unique<FragileSession>(jid("bob@example.org/flaky")));
  fragile.host = routing.get();
  routing->bind(fragile);
  online(fragile);
  ASSERT_EQ(fragile.received.size(), 1u) << "the stream ended after the first";
  EXPECT_EQ(stored("bob@example.org"), 3u) << "an unconfirmed batch is kept whole";
  auto& bob = bind("bob@example.org/desk");
  online(bob);
  ASSERT_EQ(bob.received.size(), 3u) << "a duplicate rather than a loss";
  EXPECT_EQ(body_of(bob.received[0]), "1");
  EXPECT_EQ(body_of(bob.received[2]), "3");
  EXPECT_EQ(stored("bob@example.org"), 0u);
}

// With a `later` (the server's timer), batches are paced and each is forgotten only at the
// next tick, when the session has survived it.
class PacedOfflineTest : public OfflineTest {
 protected:
  void SetUp() override {
    OfflineTest::SetUp();
    routing.reset();
    offline.reset();
    db.reset();
    sessions.clear();
    routing = std::make_unique<router::Router>(std::vector<std::string>{"example.org"});
    db = std::make_unique<store::Database>(dir_ / "jabberadmin.sqlite");
    OfflineOptions options{.limit_per_user = 1000, .batch_bytes = 1, .now = [this] { return now; }};
    // A registration gone cancels its tick, as the server's timer does.
    options.later = [this](std::function<void()> f) {
      auto cancelled = std::make_shared<bool>(false);
      ticks.push_back([f = std::move(f), cancelled] {
        if (!*cancelled) f();
      });
      return util::Registration([cancelled] { *cancelled = true; });
    };
    offline = std::make_unique<OfflineMessages>(
        *routing, *db, [this](const Jid& bare) { return accounts.contains(bare.bare()); }, options);
  }
  void tick() {
    ASSERT_FALSE(ticks.empty());
    auto f = std::move(ticks.front());
    ticks.erase(ticks.begin());
    f();
  }
  std::vector<std::function<void()>> ticks;
};

TEST_F(PacedOfflineTest, OneBatchPerTickEachForgottenOnlyAtTheNext) {
  auto& alice = bind("alice@example.org/a");
  for (const char* body : {"1", "2", "3"}) send(alice, "bob@example.org", body);
  auto& bob = bind("bob@example.org/b");
  online(bob);
  ASSERT_EQ(bob.received.size(), 1u) << "batch_bytes 1: one message a batch";
  EXPECT_EQ(stored("bob@example.org"), 3u) << "not forgotten while the stream may still drop it";
  auto& tablet = bind("bob@example.org/tablet");
  online(tablet);
  EXPECT_TRUE(tablet.received.empty()) << "one resource is being given them: no duplicates";
  tick();
  ASSERT_EQ(bob.received.size(), 2u);
  EXPECT_EQ(stored("bob@example.org"), 2u);
  tick();
  ASSERT_EQ(bob.received.size(), 3u);
  EXPECT_EQ(stored("bob@example.org"), 0u) << "the last batch is forgotten at once";
  EXPECT_TRUE(ticks.empty());
  EXPECT_EQ(body_of(bob.received[2]), "3");
}

TEST_F(PacedOfflineTest, ASessionGoneBetweenTicksKeepsItsLastBatch) {
  auto& alice = bind("alice@example.org/a");
  for (const char* body : {"1", "2", "3"}) send(alice, "bob@example.org", body);
  auto& bob = bind("bob@example.org/b");
  online(bob);
  tick();  // "1" confirmed, "2" handed over
  routing->unbind(bob);
  tick();  // gone: "2" is not confirmed
  EXPECT_TRUE(ticks.empty());
  EXPECT_EQ(stored("bob@example.org"), 2u);
  auto& again = bind("bob@example.org/b");
  online(again);
  tick();
  EXPECT_TRUE(ticks.empty());
  EXPECT_EQ(stored("bob@example.org"), 0u);
  ASSERT_EQ(again.received.size(), 2u);
  EXPECT_EQ(body_of(again.received[0]), "2");
  EXPECT_EQ(body_of(again.received[1]), "3");
}

TEST_F(PacedOfflineTest, NoTickRunsAfterTheModuleIsGone) {
  auto& alice = bind("alice@example.org/a");
  for (const char* body : {"1", "2"}) send(alice, "bob@example.org", body);
  auto& bob = bind("bob@example.org/b");
  online(bob);
  offline.reset();
  tick();  // must not touch the destroyed module
  EXPECT_EQ(bob.received.size(), 1u);
}

TEST_F(OfflineTest, WorthStoringFollowsContentAndHints) {
  xml::Element m("message", std::string(ns::kClient));
  EXPECT_FALSE(worth_storing(m));
  xml::Element with_store = m;
  with_store.add(xml::Element("store", "urn:xmpp:hints"));
  EXPECT_TRUE(worth_storing(with_store));
  xml::Element subject = m;
  subject.add(xml::Element("subject", std::string(ns::kClient))).add_text("s");
  EXPECT_TRUE(worth_storing(subject));
  subject.add(xml::Element("no-permanent-store", "urn:xmpp:hints"));
  EXPECT_FALSE(worth_storing(subject));
}

}  // namespace
}  // namespace jabberadmin::offline

namespace jabberadmin::offline {
namespace {
TEST(OfflineStoreSlice, PendingAfterAnIdReadsABoundedSliceInOrder) {
  const jabberadmin::test::TempDir dir("offline-slice");
  {
    store::Database db(dir / "jabberadmin.sqlite");
    OfflineStore offline(db, 100);
    const auto now = std::chrono::system_clock::now();
    for (int i = 0; i < 5; ++i) ASSERT_TRUE(offline.store("u@h", "<message>" + std::to_string(i) + "</message>", now));
    ASSERT_TRUE(offline.store("other@h", "<message>x</message>", now));
    const auto all = offline.pending("u@h");
    const auto slice = offline.pending("u@h", all[1].id, 2);
    ASSERT_EQ(slice.size(), 2u);
    EXPECT_EQ(slice[0].stanza, "<message>2</message>");
    EXPECT_EQ(slice[1].stanza, "<message>3</message>");
    EXPECT_EQ(offline.pending("u@h", all[4].id, 10).size(), 0u);
    EXPECT_EQ(offline.pending("u@h", 0, 100).size(), 5u) << "other users' rows are not in it";
  }
}
}  // namespace
}  // namespace jabberadmin::offline
