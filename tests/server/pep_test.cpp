// XEP-0163 PEP: node configuration forms and access models (pure), the store (items, limits,
// persistence), and the module on a bare router: publish with publish-options, retrieval by
// contacts and strangers, notifications by +notify, the last item at caps time, and the
// read-only directory avatars.
#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>

#include <algorithm>
#include <map>
#include <set>

#include "caps/caps.hpp"
#include "caps/caps_hash.hpp"
#include "directory_users.hpp"
#include "fakes.hpp"
#include "no_contacts.hpp"
#include "jabberadmin/encoding.hpp"
#include "module/module.hpp"
#include "pep/directory_avatar.hpp"
#include "pep/node_config.hpp"
#include "pep/pep.hpp"
#include "pep/pep_store.hpp"
#include "router/router.hpp"
#include "stream/namespaces.hpp"
#include "temp_dir.hpp"
#include "xml/stream_parser.hpp"

namespace jabberadmin::pep {
namespace {
using test::FakeSession;

xml::Element parse(std::string_view text) { return *xml::parse_serialized(text, ns::kClient); }

xml::Element form(std::string_view fields) {
  return parse(std::string("<x xmlns='jabber:x:data' type='submit'><field var='FORM_TYPE' type='hidden'><value>"
                           "http://jabber.org/protocol/pubsub#publish-options</value></field>") +
               std::string(fields) + "</x>");
}

std::string field(std::string_view var, std::string_view value) {
  return "<field var='" + std::string(var) + "'><value>" + std::string(value) + "</value></field>";
}

TEST(PepNodeConfig, FormsConfigureAndCheckPreconditions) {
  const auto omemo = apply_form(form(field("pubsub#access_model", "open")), NodeConfig{});
  EXPECT_TRUE(omemo.error.empty());
  EXPECT_EQ(omemo.config.access, AccessModel::Open);
  EXPECT_EQ(omemo.config.max_items, 1u) << "the default stays";

  const auto bookmarks = apply_form(form(field("pubsub#access_model", "whitelist") + field("pubsub#max_items", "max") +
                                         field("pubsub#persist_items", "true") +
                                         field("pubsub#send_last_published_item", "never")),
                                    NodeConfig{});
  EXPECT_TRUE(bookmarks.error.empty()) << bookmarks.error;
  EXPECT_EQ(bookmarks.config.access, AccessModel::Whitelist);
  EXPECT_EQ(bookmarks.config.max_items, kMaxItemsPerNode);
  EXPECT_FALSE(bookmarks.config.send_last_published);

  EXPECT_NE(apply_form(form(field("pubsub#access_model", "roster")), NodeConfig{}).error, "");
  EXPECT_NE(apply_form(form(field("pubsub#max_items", "100000")), NodeConfig{}).error, "") << "above the limit";
  EXPECT_NE(apply_form(form(field("pubsub#title", "x")), NodeConfig{}).error, "") << "unknown field";

  EXPECT_EQ(unmet_precondition(form(field("pubsub#access_model", "open")), omemo.config), "");
  EXPECT_EQ(unmet_precondition(form(field("pubsub#access_model", "presence")), omemo.config), "pubsub#access_model");
  EXPECT_EQ(apply_form(config_form(bookmarks.config), NodeConfig{}).config, bookmarks.config) << "the form round-trips";
}

TEST(PepNodeConfig, AFieldWithoutAVarIsNoPreconditionMet) {
  // Found by the pep_config fuzz target: a field without a var made unmet_precondition()
  // answer "" ("every field met") and stop looking, so a publish-options asking a whitelist
  // node to be open passed once a nameless field came first.
  const NodeConfig whitelist{AccessModel::Whitelist, true, 1, true};
  const xml::Element options = form("<field><value>x</value></field>" + field("pubsub#access_model", "open"));
  EXPECT_NE(apply_form(options, NodeConfig{}).error, "");
  EXPECT_NE(unmet_precondition(options, whitelist), "");
}

TEST(PepNodeConfig, WhoMayRead) {
  NodeConfig c;
  c.access = AccessModel::Presence;
  EXPECT_EQ(access(c, true, false), Access::Allowed);
  EXPECT_EQ(access(c, false, true), Access::Allowed);
  EXPECT_EQ(access(c, false, false), Access::PresenceSubscriptionRequired);
  c.access = AccessModel::Open;
  EXPECT_EQ(access(c, false, false), Access::Allowed);
  c.access = AccessModel::Whitelist;
  EXPECT_EQ(access(c, false, true), Access::ClosedNode) << "a contact is not on the whitelist";
  EXPECT_EQ(access(c, true, false), Access::Allowed);
}

TEST(PepStore, ItemsAreKeptNewestFirstTrimmedAndSurviveReopening) {
  test::TempDir dir("pep");
  NodeConfig two;
  two.max_items = 2;
  {
    store::Database db(dir.path() / "db.sqlite");
    PepStore store(db);
    store.create("alice", "n", two);
    for (std::string id : {"a", "b", "c"}) store.publish("alice", "n", two, Item{id, parse("<x xmlns='urn:t'>" + id + "</x>")});
    store.publish("alice", "n", two, Item{"b", parse("<x xmlns='urn:t'>b2</x>")});
  }
  store::Database db(dir.path() / "db.sqlite");
  PepStore store(db);
  ASSERT_EQ(store.node("alice", "n"), two);
  const auto items = store.items("alice", "n", 10);
  ASSERT_EQ(items.size(), 2u);
  EXPECT_EQ(items[0].id, "b") << "republished: newest";
  EXPECT_EQ(items[0].payload.text(), "b2");
  EXPECT_EQ(items[1].id, "c");
  EXPECT_FALSE(store.item("alice", "n", "a")) << "trimmed to max_items";
  EXPECT_TRUE(store.retract("alice", "n", "c"));
  EXPECT_FALSE(store.retract("alice", "n", "c"));
  store.purge("alice");
  EXPECT_FALSE(store.node("alice", "n"));
  EXPECT_TRUE(store.items("alice", "n", 10).empty());
}

TEST(PepStore, TransientNodesKeepOnlyTheLastItemInMemory) {
  test::TempDir dir("pep");
  NodeConfig transient;
  transient.persist_items = false;
  {
    store::Database db(dir.path() / "db.sqlite");
    PepStore store(db);
    store.create("alice", "t", transient);
    store.publish("alice", "t", transient, Item{"1", parse("<x xmlns='urn:t'/>")});
    store.publish("alice", "t", transient, Item{"2", parse("<x xmlns='urn:t'/>")});
    ASSERT_EQ(store.items("alice", "t", 10).size(), 1u);
    EXPECT_EQ(store.items("alice", "t", 10)[0].id, "2");
  }
  store::Database db(dir.path() / "db.sqlite");
  PepStore store(db);
  EXPECT_TRUE(store.node("alice", "t"));
  EXPECT_TRUE(store.items("alice", "t", 10).empty()) << "not persisted";
}

// alice and bob are mutual contacts; carol is nobody's.
class Contacts final : public presence::Contacts {
 public:
  std::vector<Jid> subscribers(const Jid& user) const override { return others(user); }
  std::vector<Jid> subscriptions(const Jid& user) const override { return others(user); }

 private:
  static std::vector<Jid> others(const Jid& user) {
    if (user.local == "alice") return {Jid{"bob", user.domain, {}}};
    if (user.local == "bob") return {Jid{"alice", user.domain, {}}};
    return {};
  }
};

constexpr std::string_view kDevices = "eu.siacs.conversations.axolotl.devicelist";

class PepModuleTest : public ::testing::Test {
 protected:
  test::TempDir dir{"pep"};
  store::Database db{dir.path() / "db.sqlite"};
  directory::DirectoryCache cache;
  router::Router router{{"example.org"}};
  stream::StreamFeatures stream_features;
  module::DiscoFeatures disco_features;
  Contacts contacts;
  boost::asio::io_context io;
  std::unique_ptr<module::Modules> modules;
  std::map<std::string, std::unique_ptr<FakeSession>> sessions;
  int next = 0;

  void SetUp() override {
    for (std::string name : {"alice", "bob", "carol"}) cache.put(test::make_user(name, name == "carol" ? "other" : "staff"));
    User alice = *cache.find("alice");
    alice.photo = std::string("\xff\xd8\xff\xe0photo", 9);
    cache.put(alice);
    cache.refreshed();
    start();
  }
  PepLimits limits;
  void start() {
    modules.reset();
    modules = std::make_unique<module::Modules>(
        module::Services{router, stream_features, disco_features, nullptr, &cache, &db, io.get_executor()},
        std::vector<module::Factory>{module::make<caps::EntityCaps>(), [this](module::Context& c) {
                                       return std::make_unique<Pep>(c, c.require<caps::EntityCaps>(), contacts, limits);
                                     }});
  }
  // A resource online whose caps name these +notify features (answered at once).
  FakeSession& online(const std::string& full, std::vector<std::string> notify) {
    auto& s = *(sessions[full] = std::make_unique<FakeSession>(*Jid::parse(full)));
    s.host = &router;
    router.bind(s);
    xml::Element query("query", std::string(ns::kDiscoInfo));
    query.add(xml::Element("identity", std::string(ns::kDiscoInfo))).set_attr("category", "client").set_attr("type", "pc");
    for (const std::string& n : notify)
      query.add(xml::Element("feature", std::string(ns::kDiscoInfo))).set_attr("var", n + "+notify");
    xml::Element p("presence", std::string(ns::kClient));
    const std::string ver = *caps::ver(query, "sha-1");
    p.add(xml::Element("c", std::string(ns::kCaps))).set_attr("hash", "sha-1").set_attr("node", "urn:t").set_attr("ver", ver);
    router.set_presence(s.jid(), true, 0, &p);
    for (const xml::Element& asked : s.take()) {
      if (asked.name() != "iq") continue;
      xml::Element result("iq", std::string(ns::kClient));
      result.set_attr("type", "result").set_attr("id", asked.attr_or("id")).set_attr("to", "example.org").set_attr("from", full);
      result.add(query);
      router.on_stanza(s, result);
    }
    return s;
  }
  xml::Element iq(FakeSession& from, std::string_view type, std::string_view to, std::string_view payload) {
    xml::Element i("iq", std::string(ns::kClient));
    i.set_attr("type", type).set_attr("id", "q" + std::to_string(++next)).set_attr("from", from.jid().full());
    if (!to.empty()) i.set_attr("to", to);
    i.add(parse(payload));
    router.on_stanza(from, i);
    const auto got = from.take();
    for (const xml::Element& e : got)
      if (e.name() == "iq" && e.attr_or("id") == i.attr_or("id")) return e;
    ADD_FAILURE() << "no answer";
    return {};
  }
  static std::string condition(const xml::Element& reply) {
    const xml::Element* error = reply.child("error");
    return error && error->first_element() ? error->first_element()->name() : std::string();
  }
  static std::string publish(std::string_view node, std::string_view id, std::string_view options = {}) {
    std::string s = "<pubsub xmlns='http://jabber.org/protocol/pubsub'><publish node='" + std::string(node) +
                    "'><item id='" + std::string(id) + "'><list xmlns='eu.siacs.conversations.axolotl'><device id='" +
                    std::string(id) + "'/></list></item></publish>";
    if (!options.empty()) s += "<publish-options>" + xml::serialize(form(options)) + "</publish-options>";
    return s + "</pubsub>";
  }
  static std::string items(std::string_view node) {
    return "<pubsub xmlns='http://jabber.org/protocol/pubsub'><items node='" + std::string(node) + "'/></pubsub>";
  }
  static std::vector<xml::Element> events(FakeSession& s) {
    std::vector<xml::Element> out;
    for (const xml::Element& m : s.take())
      if (m.name() == "message" && m.child("event", ns::kPubsubEvent)) out.push_back(m);
    return out;
  }
};

TEST_F(PepModuleTest, OpenDevicelistReachesContactsWithNotifyAndStrangersMayFetch) {
  auto& alice = online("alice@example.org/a", {});
  auto& bob = online("bob@example.org/b", {std::string(kDevices)});
  auto& bob2 = online("bob@example.org/quiet", {});
  auto& carol = online("carol@example.org/c", {std::string(kDevices)});
  const auto published = iq(alice, "set", "", publish(kDevices, "current", field("pubsub#access_model", "open")));
  EXPECT_EQ(published.attr_or("type"), "result") << xml::serialize(published);
  const auto got = events(bob);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].attr_or("from"), "alice@example.org");
  EXPECT_EQ(got[0].attr_or("type"), "headline");
  EXPECT_TRUE(events(bob2).empty()) << "no +notify, no event";
  EXPECT_TRUE(events(carol).empty()) << "not a contact: no event, even with +notify";

  const auto fetched = iq(carol, "get", "alice@example.org", items(kDevices));
  ASSERT_EQ(fetched.attr_or("type"), "result") << xml::serialize(fetched);
  EXPECT_EQ(fetched.child("pubsub")->child("items")->child("item")->attr_or("id"), "current");

  // The same again with other publish-options: the precondition is not met.
  const auto conflict = iq(alice, "set", "", publish(kDevices, "current", field("pubsub#access_model", "presence")));
  EXPECT_EQ(condition(conflict), "conflict");
  EXPECT_NE(conflict.child("error")->child("precondition-not-met", ns::kPubsubErrors), nullptr);
}

TEST_F(PepModuleTest, PresenceModelIsForContactsAndWhitelistForTheOwner) {
  auto& alice = online("alice@example.org/a", {});
  auto& bob = online("bob@example.org/b", {});
  auto& carol = online("carol@example.org/c", {});
  ASSERT_EQ(iq(alice, "set", "", publish("urn:xmpp:mood", "1")).attr_or("type"), "result");
  EXPECT_EQ(iq(bob, "get", "alice@example.org", items("urn:xmpp:mood")).attr_or("type"), "result");
  const auto refused = iq(carol, "get", "alice@example.org", items("urn:xmpp:mood"));
  EXPECT_EQ(condition(refused), "not-authorized");
  EXPECT_NE(refused.child("error")->child("presence-subscription-required", ns::kPubsubErrors), nullptr);

  ASSERT_EQ(iq(alice, "set", "", publish("urn:xmpp:bookmarks:1", "room@conf", field("pubsub#access_model", "whitelist") +
                                                                                    field("pubsub#max_items", "max")))
                .attr_or("type"),
            "result");
  EXPECT_EQ(condition(iq(bob, "get", "alice@example.org", items("urn:xmpp:bookmarks:1"))), "not-allowed");
  EXPECT_EQ(iq(alice, "get", "", items("urn:xmpp:bookmarks:1")).attr_or("type"), "result");
  EXPECT_EQ(condition(iq(bob, "set", "alice@example.org", publish("urn:xmpp:mood", "2"))), "forbidden");
}

TEST_F(PepModuleTest, LastItemWhenCapsBecomeKnownRetractAndDelete) {
  auto& alice = online("alice@example.org/a", {});
  ASSERT_EQ(iq(alice, "set", "", publish("urn:xmpp:tune", "t1")).attr_or("type"), "result");
  auto& bob = online("bob@example.org/b", {"urn:xmpp:tune"});
  const auto last = events(bob);
  ASSERT_EQ(last.size(), 1u) << "the last published item at caps time";
  EXPECT_EQ(last[0].child("event")->child("items")->child("item")->attr_or("id"), "t1");

  EXPECT_EQ(iq(alice, "set", "",
               "<pubsub xmlns='http://jabber.org/protocol/pubsub'><retract node='urn:xmpp:tune' notify='true'>"
               "<item id='t1'/></retract></pubsub>")
                .attr_or("type"),
            "result");
  const auto retracted = events(bob);
  ASSERT_EQ(retracted.size(), 1u);
  EXPECT_NE(retracted[0].child("event")->child("items")->child("retract"), nullptr);
  EXPECT_EQ(iq(alice, "set", "",
               "<pubsub xmlns='http://jabber.org/protocol/pubsub#owner'><delete node='urn:xmpp:tune'/></pubsub>")
                .attr_or("type"),
            "result");
  ASSERT_EQ(events(bob).size(), 1u) << "delete notification";
  EXPECT_EQ(condition(iq(bob, "get", "alice@example.org", items("urn:xmpp:tune"))), "item-not-found");
}

TEST_F(PepModuleTest, ObserversHearWhatClientsAndModulesChangeAndNotAConversionsOwnWrites) {
  auto& alice = online("alice@example.org/a", {});
  auto& other = online("alice@example.org/b", {"urn:t:n"});
  Pep& pep = *modules->find<Pep>();
  std::vector<std::string> heard;
  util::Registration hook = pep.on_changed("urn:t:n", [&](const Jid& account) { heard.push_back(account.bare()); });
  ASSERT_EQ(iq(alice, "set", "", publish("urn:t:n", "1")).attr_or("type"), "result");
  ASSERT_EQ(iq(alice, "set", "", publish("urn:t:other", "1")).attr_or("type"), "result");
  EXPECT_EQ(heard, std::vector<std::string>{"alice@example.org"}) << "its node only";
  events(other);

  // A module's publish and retraction for the account: notified and heard as a client's.
  EXPECT_EQ(pep.publish_item("alice", "urn:t:n", NodeConfig{}, Item{"2", parse("<x xmlns='urn:t'/>")}), "");
  EXPECT_EQ(pep.node_contents("alice", "urn:t:n").front().id, "2");
  EXPECT_TRUE(pep.retract_item("alice", "urn:t:n", "2"));
  EXPECT_FALSE(pep.retract_item("alice", "urn:t:n", "2"));
  EXPECT_EQ(events(other).size(), 2u);
  EXPECT_EQ(heard, (std::vector<std::string>{"alice@example.org", "alice@example.org", "alice@example.org"}))
      << "a retraction of nothing is no change";
  // A conversion's own writes (Echo::No): notified, not heard, so it does not echo back.
  EXPECT_EQ(pep.publish_item("alice", "urn:t:n", NodeConfig{}, Item{"2", parse("<x xmlns='urn:t'/>")}, Pep::Echo::No), "");
  EXPECT_TRUE(pep.retract_item("alice", "urn:t:n", "2", Pep::Echo::No));
  EXPECT_EQ(events(other).size(), 2u);
  EXPECT_EQ(heard.size(), 3u);
  EXPECT_NE(pep.publish_item("alice", "urn:t:n", NodeConfig{},
                             Item{"big", parse("<x xmlns='urn:t'>" + std::string(limits.item_bytes, 'x') + "</x>")}),
            "")
      << "within the account's limits";
  EXPECT_EQ(pep.publish_item("alice", "urn:t:new", NodeConfig{.access = AccessModel::Whitelist}, Item{"1", parse("<x xmlns='urn:t'/>")}),
            "");
  EXPECT_EQ(pep.node_config("alice", "urn:t:new")->access, AccessModel::Whitelist) << "created as asked";

  // A client's retraction (even without notify), purge and delete are heard.
  ASSERT_EQ(iq(alice, "set", "", publish("urn:t:n", "3")).attr_or("type"), "result");
  ASSERT_EQ(iq(alice, "set", "",
               "<pubsub xmlns='http://jabber.org/protocol/pubsub'><retract node='urn:t:n'><item id='3'/></retract></pubsub>")
                .attr_or("type"),
            "result");
  ASSERT_EQ(iq(alice, "set", "", "<pubsub xmlns='http://jabber.org/protocol/pubsub#owner'><purge node='urn:t:n'/></pubsub>")
                .attr_or("type"),
            "result");
  ASSERT_EQ(iq(alice, "set", "", "<pubsub xmlns='http://jabber.org/protocol/pubsub#owner'><delete node='urn:t:n'/></pubsub>")
                .attr_or("type"),
            "result");
  EXPECT_EQ(heard.size(), 7u);
}

TEST_F(PepModuleTest, ItemsSurviveARestartOfTheModules) {
  auto& alice = online("alice@example.org/a", {});
  ASSERT_EQ(iq(alice, "set", "", publish(kDevices, "current", field("pubsub#access_model", "open"))).attr_or("type"), "result");
  start();
  const auto fetched = iq(alice, "get", "", items(kDevices));
  ASSERT_EQ(fetched.attr_or("type"), "result");
  EXPECT_NE(fetched.child("pubsub")->child("items")->child("item"), nullptr);
}

TEST_F(PepModuleTest, DirectoryAvatarIsServedReadOnlyAndChangesAreNotified) {
  auto& alice = online("alice@example.org/a", {});
  auto& bob = online("bob@example.org/b", {std::string(ns::kAvatarMetadata)});
  const auto last = events(bob);
  ASSERT_EQ(last.size(), 1u) << "alice's avatar metadata when bob's interests are known";
  const std::string id = encoding::hex(encoding::sha1(cache.find("alice")->photo));
  EXPECT_EQ(last[0].child("event")->child("items")->child("item")->attr_or("id"), id);

  auto& carol = online("carol@example.org/c", {});
  const auto data = iq(carol, "get", "alice@example.org", items(ns::kAvatarData));
  ASSERT_EQ(data.attr_or("type"), "result");
  EXPECT_EQ(data.child("pubsub")->child("items")->child("item")->child("data")->text(),
            encoding::base64_encode(cache.find("alice")->photo));

  const auto refused = iq(alice, "set", "", publish(ns::kAvatarMetadata, id));
  EXPECT_EQ(condition(refused), "not-allowed");
  EXPECT_EQ(refused.child("error")->child("text")->text(), kAvatarReadOnly);

  test::change_user(cache, "alice", [](User& u) { u.photo.clear(); });
  const auto removed = events(bob);
  ASSERT_EQ(removed.size(), 1u) << "the avatar removal is notified";
  const xml::Element* metadata = removed[0].child("event")->child("items")->child("item")->first_element();
  ASSERT_NE(metadata, nullptr);
  EXPECT_EQ(metadata->element_count(), 0u) << "an empty <metadata/>";
}

TEST_F(PepModuleTest, LimitsPerAccountAreClearErrors) {
  limits = PepLimits{.nodes = 2, .item_bytes = 200, .items = 3, .bytes = 100000};
  start();
  auto& alice = online("alice@example.org/a", {});
  const std::string max = field("pubsub#max_items", "10");
  ASSERT_EQ(iq(alice, "set", "", publish("n1", "1", max)).attr_or("type"), "result");
  ASSERT_EQ(iq(alice, "set", "", publish("n2", "1", max)).attr_or("type"), "result");
  const auto third_node = iq(alice, "set", "", publish("n3", "1"));
  EXPECT_EQ(condition(third_node), "policy-violation");
  EXPECT_EQ(third_node.child("error")->child("text")->text(), "An account may have at most 2 nodes");

  ASSERT_EQ(iq(alice, "set", "", publish("n1", "2")).attr_or("type"), "result");
  const auto full = iq(alice, "set", "", publish("n2", "2"));
  EXPECT_EQ(condition(full), "resource-constraint") << "a fourth item";
  EXPECT_EQ(iq(alice, "set", "", publish("n2", "1")).attr_or("type"), "result") << "replacing an item is fine";

  const std::string big = "<pubsub xmlns='http://jabber.org/protocol/pubsub'><publish node='n1'><item id='big'><x xmlns='urn:t'>" +
                          std::string(300, 'a') + "</x></item></publish></pubsub>";
  const auto too_big = iq(alice, "set", "", big);
  EXPECT_EQ(condition(too_big), "not-acceptable");
  EXPECT_NE(too_big.child("error")->child("payload-too-big", ns::kPubsubErrors), nullptr);
}

// The roster tells an account's removal (live, swept at start, re-created) through
// module::AccountData; PEP answers for its nodes.
TEST(PepAccounts, ARemovedAccountsNodesGo) {
  test::TempDir dir("pep");
  store::Database db(dir.path() / "db.sqlite");
  {
    PepStore store(db);
    for (std::string account : {"alice", "ghost"}) {
      store.create(account, "n", NodeConfig{});
      store.publish(account, "n", NodeConfig{}, Item{"1", parse("<x xmlns='urn:t'/>")});
    }
  }
  directory::DirectoryCache cache;
  router::Router router{{"example.org"}};
  stream::StreamFeatures stream_features;
  module::DiscoFeatures disco_features;
  boost::asio::io_context io;
  test::NoContacts contacts;
  module::Modules modules(module::Services{router, stream_features, disco_features, nullptr, &cache, &db, io.get_executor()},
                          {module::make<caps::EntityCaps>(), [&](module::Context& c) {
                             return std::make_unique<Pep>(c, c.require<caps::EntityCaps>(), contacts);
                           }});
  PepStore store(db);
  EXPECT_EQ(store.accounts(), (std::vector<std::string>{"alice", "ghost"}));
  EXPECT_TRUE(modules.account_data().known().contains("ghost@example.org")) << "the sweep at start sees it";
  EXPECT_EQ(modules.account_data().removed({"ghost@example.org"}), 2u) << "its node and its item";
  EXPECT_EQ(store.accounts(), std::vector<std::string>{"alice"});
  EXPECT_EQ(store.items("alice", "n", 10).size(), 1u);
}

TEST_F(PepModuleTest, DiscoSaysPepIdentityAndFeatures) {
  const auto identities = disco_features.identities(router::IqTarget::Account);
  EXPECT_EQ(identities, (std::vector<std::pair<std::string, std::string>>{{"pubsub", "pep"}}));
  const auto features = disco_features.of(router::IqTarget::Account);
  EXPECT_TRUE(std::find(features.begin(), features.end(), "http://jabber.org/protocol/pubsub#publish-options") != features.end());

  auto& alice = online("alice@example.org/a", {});
  ASSERT_EQ(iq(alice, "set", "", publish("urn:xmpp:mood", "1")).attr_or("type"), "result");
  const auto nodes_for = [&](std::string_view from) {
    xml::Element query("iq", std::string(ns::kClient));
    query.set_attr("type", "get").set_attr("from", from).set_attr("to", "alice@example.org");
    query.add(xml::Element("query", std::string(ns::kDiscoItems)));
    std::vector<std::string> nodes;
    for (const xml::Element& item : disco_features.items(router::IqTarget::Account, query)) nodes.push_back(item.attr_or("node"));
    std::sort(nodes.begin(), nodes.end());
    return nodes;
  };
  EXPECT_EQ(nodes_for("bob@example.org/b"),
            (std::vector<std::string>{"urn:xmpp:avatar:data", "urn:xmpp:avatar:metadata", "urn:xmpp:mood"}));
  EXPECT_EQ(nodes_for("carol@example.org/c"), (std::vector<std::string>{"urn:xmpp:avatar:data", "urn:xmpp:avatar:metadata"}))
      << "a presence-model node is not shown to a stranger";
}

}  // namespace
}  // namespace jabberadmin::pep
