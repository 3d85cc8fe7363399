// XEP-0411 bookmarks conversion towards XEP-0402: the pure conversion, and the module on a
// bare router with PEP and private storage: private storage:bookmarks reaches the PEP node
// (new, changed, gone; only the owner hears), PEP changes reach the private copy (which
// keeps <url/>s and what XEP-0402 cannot hold), nothing loops, the copy at start, the
// whitelist rule, and bad input.
#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>

#include <algorithm>
#include <map>

#include "bookmarks/bookmarks.hpp"
#include "bookmarks/conversion.hpp"
#include "caps/caps.hpp"
#include "caps/caps_hash.hpp"
#include "directory_users.hpp"
#include "fakes.hpp"
#include "module/module.hpp"
#include "pep/pep.hpp"
#include "private/private_storage.hpp"
#include "router/router.hpp"
#include "stream/namespaces.hpp"
#include "temp_dir.hpp"
#include "xml/stream_parser.hpp"

namespace jabberadmin::bookmarks {
namespace {
using test::FakeSession;

xml::Element parse(std::string_view text) { return *xml::parse_serialized(text, ns::kClient); }
std::string str(const xml::Element& e) { return xml::serialize(e, ns::kClient); }

constexpr std::string_view kOrchard =
    "<conference xmlns='storage:bookmarks' jid='Orchard@Conference.example.org' name='The Orchard' autojoin='1'>"
    "<nick>JC</nick><password>pw</password><state xmlns='urn:client:state' minimized='true'/></conference>";

TEST(BookmarksConversion, LegacyConferencesBecomeXep0402ItemsAndBack) {
  const xml::Element storage = parse(
      "<storage xmlns='storage:bookmarks'>" + std::string(kOrchard) +
      "<conference jid='play@conference.example.org'/>"
      "<conference name='no jid'/><conference jid='bad@@jid'/><conference jid='room@conf.example.org/nick'/>"
      "<conference jid='orchard@conference.example.org' name='a second one'/>"
      "<url name='site' url='https://example.org/'/></storage>");
  const auto rooms = from_storage(storage);
  ASSERT_EQ(rooms.size(), 2u) << "no jid, an invalid or a full JID, a duplicate: left out";
  EXPECT_EQ(rooms[0].jid, "orchard@conference.example.org") << "normalised";
  EXPECT_EQ(str(rooms[0].conference),
            "<conference xmlns='urn:xmpp:bookmarks:1' name='The Orchard' autojoin='true'><nick>JC</nick>"
            "<password>pw</password><extensions><state xmlns='urn:client:state' minimized='true'/></extensions>"
            "</conference>");
  EXPECT_EQ(str(rooms[1].conference), "<conference xmlns='urn:xmpp:bookmarks:1'/>");

  // And back: the extensions become the legacy conference's children again.
  EXPECT_EQ(str(legacy_conference(rooms[0])),
            "<conference xmlns='storage:bookmarks' jid='orchard@conference.example.org' name='The Orchard' "
            "autojoin='true'><nick>JC</nick><password>pw</password><state xmlns='urn:client:state' minimized='true'/>"
            "</conference>");
  EXPECT_EQ(from_storage(merge(nullptr, rooms)).size(), 2u);
  EXPECT_EQ(str(from_storage(merge(nullptr, rooms))[0].conference), str(rooms[0].conference)) << "round trip";

  // merge keeps what XEP-0402 cannot hold, and replaces the rooms.
  const xml::Element merged = merge(&storage, {rooms[1]});
  std::vector<std::string> kept;
  for (const xml::Element& e : merged.children()) kept.push_back(e.name() + ":" + e.attr_or("jid", e.attr_or("name")));
  EXPECT_EQ(kept, (std::vector<std::string>{"conference:no jid", "conference:bad@@jid", "conference:room@conf.example.org/nick",
                                             "url:site", "conference:play@conference.example.org"}));

  // Another spelling of the same room is no change.
  const auto spelled = from_item("play@conference.example.org",
                                 parse("<conference xmlns='urn:xmpp:bookmarks:1' autojoin='false'><extensions/></conference>"));
  ASSERT_TRUE(spelled);
  EXPECT_EQ(canonical(*spelled), str(rooms[1].conference));
  EXPECT_FALSE(from_item("bad@@jid", rooms[1].conference));
  EXPECT_FALSE(from_item("room@conf.example.org", parse("<x xmlns='urn:other'/>")));
}

// alice and bob are mutual contacts.
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

const std::string kNode(ns::kBookmarks);

std::string publish_options() {
  std::string form =
      "<x xmlns='jabber:x:data' type='submit'><field var='FORM_TYPE' type='hidden'>"
      "<value>http://jabber.org/protocol/pubsub#publish-options</value></field>";
  for (auto [var, value] : {std::pair{"persist_items", "true"}, {"max_items", "max"}, {"send_last_published_item", "never"},
                            {"access_model", "whitelist"}})
    form += "<field var='pubsub#" + std::string(var) + "'><value>" + value + "</value></field>";
  return "<publish-options>" + form + "</x></publish-options>";
}

class BookmarksTest : public ::testing::Test {
 protected:
  test::TempDir dir{"bookmarks"};
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
    for (std::string name : {"alice", "bob"}) cache.put(test::make_user(name, "staff"));
    cache.refreshed();
    start();
  }
  void start(bool with_bookmarks = true, std::size_t private_limit = private_storage::PrivateStorage::kDefaultLimit) {
    sessions.clear();
    modules.reset();
    std::vector<module::Factory> list{
        [private_limit](module::Context& c) { return std::make_unique<private_storage::PrivateStorage>(c, private_limit); },
        module::make<caps::EntityCaps>(),
        [this](module::Context& c) { return std::make_unique<pep::Pep>(c, c.require<caps::EntityCaps>(), contacts); }};
    if (with_bookmarks) list.push_back(module::make<Bookmarks>());
    modules = std::make_unique<module::Modules>(
        module::Services{router, stream_features, disco_features, nullptr, &cache, &db, io.get_executor()}, std::move(list));
  }
  // A resource online whose caps name these +notify features (answered at once).
  FakeSession& online(const std::string& full, bool notify) {
    auto& s = *(sessions[full] = std::make_unique<FakeSession>(*Jid::parse(full)));
    s.host = &router;
    router.bind(s);
    xml::Element query("query", std::string(ns::kDiscoInfo));
    query.add(xml::Element("identity", std::string(ns::kDiscoInfo))).set_attr("category", "client").set_attr("type", "pc");
    if (notify) query.add(xml::Element("feature", std::string(ns::kDiscoInfo))).set_attr("var", kNode + "+notify");
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
  xml::Element iq(FakeSession& from, std::string_view type, std::string_view payload) {
    xml::Element i("iq", std::string(ns::kClient));
    i.set_attr("type", type).set_attr("id", "q" + std::to_string(++next)).set_attr("from", from.jid().full());
    i.add(parse(payload));
    router.on_stanza(from, i);
    for (const xml::Element& e : from.take())
      if (e.name() == "iq" && e.attr_or("id") == i.attr_or("id")) return e;
    ADD_FAILURE() << "no answer";
    return {};
  }
  xml::Element store_private(FakeSession& from, std::string_view storage) {
    return iq(from, "set", "<query xmlns='jabber:iq:private'>" + std::string(storage) + "</query>");
  }
  xml::Element private_copy(FakeSession& from) {
    const auto r = iq(from, "get", "<query xmlns='jabber:iq:private'><storage xmlns='storage:bookmarks'/></query>");
    EXPECT_EQ(r.attr_or("type"), "result") << str(r);
    const xml::Element* q = r.child("query", ns::kPrivate);
    return q && q->first_element() ? *q->first_element() : xml::Element{};
  }
  // The node's items, id -> payload.
  std::map<std::string, std::string> items(FakeSession& from) {
    const auto r = iq(from, "get", "<pubsub xmlns='http://jabber.org/protocol/pubsub'><items node='" + kNode + "'/></pubsub>");
    std::map<std::string, std::string> out;
    if (r.attr_or("type") != "result") return out;
    for (const xml::Element& i : r.child("pubsub")->child("items")->children())
      if (i.is_element()) out[i.attr_or("id")] = i.first_element() ? str(*i.first_element()) : "";
    return out;
  }
  xml::Element publish(FakeSession& from, std::string_view id, std::string_view conference, bool options = true) {
    return iq(from, "set",
              "<pubsub xmlns='http://jabber.org/protocol/pubsub'><publish node='" + kNode + "'><item id='" + std::string(id) +
                  "'>" + std::string(conference) + "</item></publish>" + (options ? publish_options() : "") + "</pubsub>");
  }
  // The events a resource got: "+id" published, "-id" retracted.
  static std::vector<std::string> events(FakeSession& s) {
    std::vector<std::string> out;
    for (const xml::Element& m : s.take())
      if (const xml::Element* e = m.child("event", ns::kPubsubEvent))
        for (const xml::Element& i : e->child("items")->children())
          if (i.is_element()) out.push_back((i.name() == "item" ? "+" : "-") + i.attr_or("id"));
    std::sort(out.begin(), out.end());
    return out;
  }
  pep::Pep& pep() { return *modules->find<pep::Pep>(); }
};

TEST_F(BookmarksTest, PrivateBookmarksReachTheOwnersPepNodeAndOnlyTheOwner) {
  auto& legacy = online("alice@example.org/mcabber", false);
  auto& modern = online("alice@example.org/phone", true);
  auto& bob = online("bob@example.org/b", true);
  const std::string storage = "<storage xmlns='storage:bookmarks'>" + std::string(kOrchard) +
                              "<conference jid='play@conference.example.org' name='Play'/>"
                              "<url name='site' url='https://example.org/'/></storage>";
  ASSERT_EQ(store_private(legacy, storage).attr_or("type"), "result");
  EXPECT_EQ(events(modern), (std::vector<std::string>{"+orchard@conference.example.org", "+play@conference.example.org"}));
  EXPECT_TRUE(events(bob).empty()) << "a contact hears nothing of the owner's bookmarks";
  const auto got = items(modern);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got.at("play@conference.example.org"), "<conference xmlns='urn:xmpp:bookmarks:1' name='Play'/>");
  EXPECT_NE(got.at("orchard@conference.example.org").find("<nick>JC</nick>"), std::string::npos);
  EXPECT_EQ(pep().node_config("alice", kNode), Bookmarks::node_config()) << "created as XEP-0402 asks: whitelist";
  EXPECT_EQ(iq(bob, "get", "<pubsub xmlns='http://jabber.org/protocol/pubsub'><items node='" + kNode + "'/></pubsub>")
                .attr_or("type"),
            "error");
  EXPECT_EQ(str(private_copy(legacy)), str(parse(storage))) << "the private copy is as stored: the conversion did not echo";

  // One room changed, one gone: one publish and one retraction, nothing for the unchanged.
  ASSERT_EQ(store_private(legacy, "<storage xmlns='storage:bookmarks'><conference jid='play@conference.example.org' "
                                  "name='Play' autojoin='true'/><url name='site' url='https://example.org/'/></storage>")
                .attr_or("type"),
            "result");
  EXPECT_EQ(events(modern), (std::vector<std::string>{"+play@conference.example.org", "-orchard@conference.example.org"}));
  ASSERT_EQ(store_private(legacy, "<storage xmlns='storage:bookmarks'><conference jid='play@conference.example.org' "
                                  "name='Play' autojoin='1'/></storage>")
                .attr_or("type"),
            "result");
  EXPECT_TRUE(events(modern).empty()) << "the same room in another spelling, and a url gone: no notification";
}

TEST_F(BookmarksTest, PepChangesRewriteThePrivateCopyKeepingWhatXep0402CannotHold) {
  auto& legacy = online("alice@example.org/mcabber", false);
  auto& modern = online("alice@example.org/phone", true);
  auto& tablet = online("alice@example.org/tablet", true);  // another XEP-0402 client, listening
  ASSERT_EQ(store_private(legacy, "<storage xmlns='storage:bookmarks'><url name='site' url='https://example.org/'/>"
                                  "<conference name='no jid'/><conference jid='a@conference.example.org'/></storage>")
                .attr_or("type"),
            "result");
  events(tablet);

  const auto published = publish(modern, "b@conference.example.org",
                                 "<conference xmlns='urn:xmpp:bookmarks:1' name='B' autojoin='true'><nick>al</nick>"
                                 "<extensions><x xmlns='urn:ext'/></extensions></conference>");
  ASSERT_EQ(published.attr_or("type"), "result") << str(published);
  EXPECT_EQ(events(tablet), (std::vector<std::string>{"+b@conference.example.org"})) << "the publish alone, no echo";
  EXPECT_EQ(str(private_copy(legacy)),
            "<storage xmlns='storage:bookmarks'><url name='site' url='https://example.org/'/><conference name='no jid'/>"
            "<conference jid='a@conference.example.org' autojoin='false'/>"
            "<conference jid='b@conference.example.org' name='B' autojoin='true'><nick>al</nick><x xmlns='urn:ext'/>"
            "</conference></storage>");

  ASSERT_EQ(iq(modern, "set",
               "<pubsub xmlns='http://jabber.org/protocol/pubsub'><retract node='" + kNode +
                   "' notify='true'><item id='a@conference.example.org'/></retract></pubsub>")
                .attr_or("type"),
            "result");
  EXPECT_EQ(events(tablet), (std::vector<std::string>{"-a@conference.example.org"}));
  const auto after = private_copy(legacy);
  EXPECT_EQ(after.element_count(), 3u) << str(after);
  EXPECT_EQ(str(after).find("a@conference"), std::string::npos);

  ASSERT_EQ(iq(modern, "set", "<pubsub xmlns='http://jabber.org/protocol/pubsub#owner'><delete node='" + kNode + "'/></pubsub>")
                .attr_or("type"),
            "result");
  EXPECT_EQ(str(private_copy(legacy)),
            "<storage xmlns='storage:bookmarks'><url name='site' url='https://example.org/'/><conference name='no jid'/>"
            "</storage>")
      << "the node deleted: no rooms left";
}

TEST_F(BookmarksTest, AnotherModulesPepWritesReachThePrivateCopy) {
  auto& legacy = online("alice@example.org/mcabber", false);
  auto& modern = online("alice@example.org/phone", true);
  ASSERT_EQ(store_private(legacy, "<storage xmlns='storage:bookmarks'><url name='site' url='https://example.org/'/></storage>")
                .attr_or("type"),
            "result");
  // What the group rooms do for a member: publish an autojoin bookmark on the account's behalf.
  xml::Element conference("conference", kNode);
  conference.set_attr("name", "Staff").set_attr("autojoin", "true");
  conference.add(xml::Element("nick", kNode)).add_text("Alice");
  ASSERT_EQ(pep().publish_item("alice", kNode, Bookmarks::node_config(), pep::Item{"staff@conference.example.org", conference}),
            "");
  EXPECT_EQ(events(modern), (std::vector<std::string>{"+staff@conference.example.org"})) << "notified once, no echo";
  EXPECT_EQ(str(private_copy(legacy)),
            "<storage xmlns='storage:bookmarks'><url name='site' url='https://example.org/'/>"
            "<conference jid='staff@conference.example.org' name='Staff' autojoin='true'><nick>Alice</nick></conference>"
            "</storage>");

  EXPECT_TRUE(pep().retract_item("alice", kNode, "staff@conference.example.org"));
  EXPECT_EQ(events(modern), (std::vector<std::string>{"-staff@conference.example.org"}));
  EXPECT_EQ(str(private_copy(legacy)),
            "<storage xmlns='storage:bookmarks'><url name='site' url='https://example.org/'/></storage>")
      << "the retraction too";
}

TEST_F(BookmarksTest, PrivateBookmarksKeptBeforeTheModuleReachPepAtStart) {
  start(false);
  auto& legacy = online("alice@example.org/mcabber", false);
  ASSERT_EQ(store_private(legacy, "<storage xmlns='storage:bookmarks'><conference jid='old@conference.example.org'/></storage>")
                .attr_or("type"),
            "result");
  EXPECT_FALSE(pep().node_config("alice", kNode));
  start();
  auto& modern = online("alice@example.org/phone", true);
  EXPECT_EQ(items(modern).size(), 1u);
  EXPECT_EQ(items(modern).begin()->first, "old@conference.example.org");
}

TEST_F(BookmarksTest, AdvertisedOnTheAccount) {
  const auto features = disco_features.of(router::IqTarget::Account);
  for (std::string_view f : {ns::kBookmarksConversion, ns::kBookmarksCompat})
    EXPECT_NE(std::find(features.begin(), features.end(), f), features.end()) << f;
}

TEST_F(BookmarksTest, ANodeOthersMayReadGetsNoPrivateBookmarks) {
  auto& modern = online("alice@example.org/phone", true);
  auto& legacy = online("alice@example.org/mcabber", false);
  // A client made the node with the default access model (presence): contacts could read it.
  ASSERT_EQ(publish(modern, "mine@conference.example.org", "<conference xmlns='urn:xmpp:bookmarks:1'/>", false).attr_or("type"),
            "result");
  events(modern);
  ASSERT_EQ(store_private(legacy, "<storage xmlns='storage:bookmarks'><conference jid='secret@conference.example.org'/>"
                                  "</storage>")
                .attr_or("type"),
            "result");
  EXPECT_TRUE(events(modern).empty());
  EXPECT_EQ(items(modern).count("secret@conference.example.org"), 0u) << "XEP-0411 §3: only a node for the owner alone";
}

TEST_F(BookmarksTest, MalformedAndHugeBookmarksAreStoredOrRefusedAsBeforeWithoutGarbageInPep) {
  auto& legacy = online("alice@example.org/mcabber", false);
  auto& modern = online("alice@example.org/phone", true);
  const std::string bad =
      "<storage xmlns='storage:bookmarks'><conference/><conference jid=''/><conference jid='@@'/>"
      "<conference jid='a@b@c'/><conference jid='room@conference.example.org/res'/>"
      "<conference jid='good@conference.example.org'><nick/></conference><conference><nick>x</nick></conference>"
      "<junk xmlns='urn:junk'/></storage>";
  ASSERT_EQ(store_private(legacy, bad).attr_or("type"), "result") << "stored as private storage stores anything";
  EXPECT_EQ(str(private_copy(legacy)), str(parse(bad)));
  EXPECT_EQ(events(modern), (std::vector<std::string>{"+good@conference.example.org"})) << "only the valid room";

  // More rooms than a node holds: stored privately, nothing half-copied.
  std::string many = "<storage xmlns='storage:bookmarks'>";
  for (std::size_t i = 0; i <= pep::kMaxItemsPerNode; ++i) many += "<conference jid='r" + std::to_string(i) + "@c.example.org'/>";
  many += "</storage>";
  ASSERT_EQ(store_private(legacy, many).attr_or("type"), "result");
  EXPECT_TRUE(events(modern).empty());
  EXPECT_EQ(items(modern).size(), 1u) << "the node as it was";
  EXPECT_TRUE(str(private_copy(legacy)) == str(parse(many))) << "stored as sent";

  // A room too big for a PEP item: the others still follow, the private copy keeps it.
  const std::string big = "<storage xmlns='storage:bookmarks'><conference jid='big@conference.example.org' name='" +
                          std::string(100 * 1024, 'x') + "'/><conference jid='small@conference.example.org'/></storage>";
  ASSERT_EQ(store_private(legacy, big).attr_or("type"), "result");
  EXPECT_EQ(events(modern), (std::vector<std::string>{"+small@conference.example.org", "-good@conference.example.org"}));
  EXPECT_TRUE(str(private_copy(legacy)) == str(parse(big))) << "stored as sent";

  // Over the private limit: refused as before, nothing converted.
  std::string huge = "<storage xmlns='storage:bookmarks'><conference jid='big@conference.example.org' name='" +
                     std::string(private_storage::PrivateStorage::kDefaultLimit, 'x') + "'/></storage>";
  const auto refused = store_private(legacy, huge);
  EXPECT_EQ(refused.attr_or("type"), "error");
  EXPECT_EQ(refused.child("error")->first_element()->name(), "policy-violation");
  EXPECT_TRUE(events(modern).empty());

  // A PEP item that is no XEP-0402 conference leaves the private copy without it (and
  // without the room PEP refused: the private copy follows the node).
  ASSERT_EQ(publish(modern, "odd@conference.example.org", "<x xmlns='urn:not-a-bookmark'/>").attr_or("type"), "result");
  EXPECT_EQ(str(private_copy(legacy)),
            "<storage xmlns='storage:bookmarks'><conference jid='small@conference.example.org' autojoin='false'/>"
            "</storage>")
      << "rewritten from the node's one valid room";
}

}  // namespace
}  // namespace jabberadmin::bookmarks
