// XEP-0049 private XML storage: a round trip (also across a restart), the empty answer, the
// refusals the XEP names (no element, reserved namespaces, another's storage), the
// per-account limit, the observers, and the reads and writes of another module (the
// bookmarks conversion, XEP-0411), which keep the limit and do not echo to the observers.
#include <gtest/gtest.h>

#include <memory>
#include <optional>

#include "fakes.hpp"
#include "module/module.hpp"
#include "offline/offline_store.hpp"
#include "private/private_storage.hpp"
#include "store/database.hpp"
#include "stream/namespaces.hpp"
#include "temp_dir.hpp"

namespace jabberadmin::private_storage {
namespace {
using test::FakeSession;

std::string condition(const xml::Element& e) {
  const xml::Element* error = e.child("error");
  return error && error->first_element() ? error->first_element()->name() : std::string();
}

xml::Element element(std::string name, std::string xmlns, std::string_view text = {}) {
  xml::Element e(std::move(name), std::move(xmlns));
  if (!text.empty()) e.add_text(text);
  return e;
}

xml::Element bookmarks(std::string_view room) {
  xml::Element storage("storage", "storage:bookmarks");
  storage.add(xml::Element("conference", "storage:bookmarks")).set_attr("jid", room).set_attr("autojoin", "true");
  return storage;
}

class PrivateStorageTest : public ::testing::Test {
 protected:
  void SetUp() override { start(PrivateStorage::kDefaultLimit); }
  void TearDown() override { stop(); }
  // A fresh router, database handle and module: what a restarted server has.
  void start(std::size_t limit) {
    stop();
    router = std::make_unique<router::Router>(std::vector<std::string>{"example.org"});
    db = std::make_unique<store::Database>(tmp / "jabberadmin.sqlite");
    modules = std::make_unique<module::Modules>(
        module::Services{*router, stream_features, disco_features, nullptr, nullptr, db.get()},
        std::vector<module::Factory>{[limit](module::Context& c) { return std::make_unique<PrivateStorage>(c, limit); }});
    alice = std::make_unique<FakeSession>(*Jid::parse("alice@example.org/home"));
    alice->host = router.get();
    router->bind(*alice);
  }
  void stop() {
    alice.reset();
    modules.reset();
    db.reset();
    router.reset();
  }
  PrivateStorage& storage() { return *modules->find<PrivateStorage>(); }

  // alice sends an IQ of type with a jabber:iq:private query holding children; the reply.
  xml::Element ask(std::string_view type, std::vector<xml::Element> children, std::optional<std::string> to = {}) {
    xml::Element iq("iq", std::string(ns::kClient));
    iq.set_attr("type", type).set_attr("id", "p1").set_attr("from", "alice@example.org/home");  // what C2s stamps
    if (to) iq.set_attr("to", *to);
    xml::Element& query = iq.add(xml::Element("query", std::string(ns::kPrivate)));
    for (auto& c : children) query.add(std::move(c));
    router->on_stanza(*alice, iq);
    EXPECT_EQ(alice->received.size(), 1u);
    return alice->received.empty() ? xml::Element{} : alice->take().back();
  }
  // What a get of (name, xmlns) answers inside its query.
  xml::Element stored(std::string name, std::string xmlns) {
    const xml::Element r = ask("get", {element(std::move(name), std::move(xmlns))});
    EXPECT_EQ(r.attr_or("type"), "result") << xml::serialize(r);
    const xml::Element* q = r.child("query", ns::kPrivate);
    return q && q->first_element() ? *q->first_element() : xml::Element{};
  }

  test::TempDir tmp{"private"};
  stream::StreamFeatures stream_features;
  module::DiscoFeatures disco_features;
  std::unique_ptr<router::Router> router;
  std::unique_ptr<store::Database> db;
  std::unique_ptr<module::Modules> modules;
  std::unique_ptr<FakeSession> alice;
};

TEST_F(PrivateStorageTest, StoredElementsComeBackAlsoAfterARestart) {
  EXPECT_EQ(ask("set", {bookmarks("room@conference.example.org")}).attr_or("type"), "result");
  EXPECT_EQ(stored("storage", "storage:bookmarks"), bookmarks("room@conference.example.org"));
  start(PrivateStorage::kDefaultLimit);
  EXPECT_EQ(stored("storage", "storage:bookmarks"), bookmarks("room@conference.example.org"));
  // A set replaces what was kept under the same name and namespace; others stay.
  EXPECT_EQ(ask("set", {bookmarks("other@conference.example.org"), element("notes", "storage:rosternotes", "n")})
                .attr_or("type"),
            "result");
  EXPECT_EQ(stored("storage", "storage:bookmarks"), bookmarks("other@conference.example.org"));
  EXPECT_EQ(stored("notes", "storage:rosternotes"), element("notes", "storage:rosternotes", "n"));
  // Own bare JID as 'to' is the same account.
  EXPECT_EQ(ask("get", {element("notes", "storage:rosternotes")}, "alice@example.org").attr_or("type"), "result");
}

TEST_F(PrivateStorageTest, NothingStoredAnswersTheEmptyElement) {
  EXPECT_EQ(stored("storage", "storage:bookmarks"), element("storage", "storage:bookmarks"));
  // The key is the name and the namespace together.
  ASSERT_EQ(ask("set", {element("prefs", "x:prefs", "1")}).attr_or("type"), "result");
  EXPECT_EQ(stored("other", "x:prefs"), element("other", "x:prefs"));
}

TEST_F(PrivateStorageTest, RefusalsTheXepNames) {
  EXPECT_EQ(condition(ask("get", {})), "not-acceptable") << "no element";
  EXPECT_EQ(condition(ask("set", {})), "not-acceptable");
  for (const char* reserved : {"jabber:client", "jabber:server", "jabber:iq:private", "jabber:iq:roster", "vcard-temp",
                               "http://jabber.org/protocol/disco#info"}) {
    EXPECT_EQ(condition(ask("set", {element("x", reserved)})), "not-acceptable") << reserved;
    EXPECT_EQ(condition(ask("get", {element("x", reserved)})), "not-acceptable") << reserved;
  }
  // A good element next to a reserved one: nothing of the set is kept.
  EXPECT_EQ(condition(ask("set", {element("prefs", "x:prefs", "1"), element("x", "jabber:client")})), "not-acceptable");
  EXPECT_EQ(stored("prefs", "x:prefs"), element("prefs", "x:prefs"));
  EXPECT_EQ(condition(ask("get", {element("a", "x:a"), element("b", "x:b")})), "bad-request") << "one per get";
  // Another account's storage.
  EXPECT_EQ(condition(ask("get", {element("storage", "storage:bookmarks")}, "bob@example.org")), "forbidden");
  EXPECT_EQ(condition(ask("set", {bookmarks("r@c.example.org")}, "bob@example.org")), "forbidden");
}

TEST_F(PrivateStorageTest, ThePerAccountLimitRefusesAndKeepsWhatWasThere) {
  start(310);
  const std::string half(100, 'a');
  ASSERT_EQ(ask("set", {element("one", "x:big", half)}).attr_or("type"), "result");
  // Replacing counts the new size only.
  ASSERT_EQ(ask("set", {element("one", "x:big", half)}).attr_or("type"), "result");
  ASSERT_EQ(ask("set", {element("two", "x:big", half)}).attr_or("type"), "result");
  const xml::Element refused = ask("set", {element("three", "x:big", half)});
  EXPECT_EQ(condition(refused), "policy-violation");
  EXPECT_NE(xml::serialize(refused).find("at most 310 bytes"), std::string::npos) << xml::serialize(refused);
  EXPECT_EQ(stored("three", "x:big"), element("three", "x:big"));
  EXPECT_EQ(stored("one", "x:big"), element("one", "x:big", half));
  // Smaller again fits.
  EXPECT_EQ(ask("set", {element("one", "x:big", "s")}).attr_or("type"), "result");
  EXPECT_EQ(ask("set", {element("three", "x:big", half)}).attr_or("type"), "result");
}

TEST_F(PrivateStorageTest, ObserversHearCommittedElementsOfTheirNamespace) {
  std::vector<std::pair<std::string, xml::Element>> heard;
  util::Registration hook = storage().on_stored("storage:bookmarks", [&](const Jid& account, const xml::Element& e) {
    heard.emplace_back(account.full(), e);
  });
  ASSERT_EQ(ask("set", {element("prefs", "x:prefs", "1")}).attr_or("type"), "result");
  EXPECT_TRUE(heard.empty());
  ASSERT_EQ(ask("set", {bookmarks("room@conference.example.org")}).attr_or("type"), "result");
  ASSERT_EQ(heard.size(), 1u);
  EXPECT_EQ(heard[0].first, "alice@example.org");
  EXPECT_EQ(heard[0].second, bookmarks("room@conference.example.org"));
  hook.reset();
  ASSERT_EQ(ask("set", {bookmarks("room@conference.example.org")}).attr_or("type"), "result");
  EXPECT_EQ(heard.size(), 1u) << "unregistered";
}

TEST_F(PrivateStorageTest, AnotherModulesWritesKeepTheLimitAndAreNotHeard) {
  int heard = 0;
  util::Registration hook = storage().on_stored("storage:bookmarks", [&](const Jid&, const xml::Element&) { ++heard; });
  const Jid account = *Jid::parse("alice@example.org");
  EXPECT_FALSE(storage().stored(account, "storage", "storage:bookmarks"));
  EXPECT_TRUE(storage().store(account, bookmarks("room@conference.example.org")));
  EXPECT_EQ(heard, 0) << "a module's own write is not echoed";
  EXPECT_EQ(storage().stored(account, "storage", "storage:bookmarks"), bookmarks("room@conference.example.org"));
  EXPECT_EQ(stored("storage", "storage:bookmarks"), bookmarks("room@conference.example.org")) << "the client reads it";
  EXPECT_EQ(storage().accounts_with("storage", "storage:bookmarks"), std::vector<std::string>{"alice@example.org"});
  EXPECT_TRUE(storage().accounts_with("storage", "other:ns").empty());
  EXPECT_FALSE(storage().store(account, bookmarks(std::string(PrivateStorage::kDefaultLimit, 'r') + "@example.org")));
  EXPECT_EQ(storage().stored(account, "storage", "storage:bookmarks"), bookmarks("room@conference.example.org"))
      << "over the limit: nothing changed";
}

TEST_F(PrivateStorageTest, ADeletedAccountLeavesNothing) {
  ASSERT_EQ(ask("set", {bookmarks("room@conference.example.org")}).attr_or("type"), "result");
  EXPECT_TRUE(modules->account_data().known().contains("alice@example.org")) << "swept at start if the directory lost it";
  EXPECT_EQ(modules->account_data().removed({"alice@example.org"}), 1u);
  EXPECT_FALSE(modules->account_data().known().contains("alice@example.org"));
  EXPECT_EQ(stored("storage", "storage:bookmarks"), element("storage", "storage:bookmarks"));
}

TEST_F(PrivateStorageTest, AdvertisedForAccounts) {
  const auto features = disco_features.of(router::IqTarget::Account);
  EXPECT_NE(std::find(features.begin(), features.end(), "jabber:iq:private"), features.end());
}

}  // namespace
}  // namespace jabberadmin::private_storage
