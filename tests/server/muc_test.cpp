// XEP-0045 multi-user chat on a bare router with the presence module: the service's disco,
// creating (locked, 201) and configuring a room, joining with the presence exchange and
// status codes, groupchat, subject, private messages, leaving and a session's end, history
// with its limits, nickname conflicts and changes, persistence across a restart, and the
// affiliations and roles (kick, ban, members-only, password, moderated), and the limits.
#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>

#include <algorithm>
#include <memory>
#include <optional>
#include <set>

#include "disco/disco.hpp"
#include "fakes.hpp"
#include "router_sessions.hpp"
#include "module/module.hpp"
#include "mam/archive_store.hpp"
#include "muc/muc.hpp"
#include "muc/room_history.hpp"
#include "presence/presence.hpp"
#include "store/database.hpp"
#include "stream/namespaces.hpp"
#include "temp_dir.hpp"
#include "xml/stream_parser.hpp"

namespace jabberadmin::muc {
namespace {
using test::FakeSession;

constexpr std::string_view kRoom = "lounge@conference.example.org";

std::string condition(const xml::Element& e) {
  const xml::Element* error = e.child("error");
  return error && error->first_element() ? error->first_element()->name() : std::string();
}

std::vector<int> codes(const xml::Element& stanza) {
  std::vector<int> out;
  if (const xml::Element* x = stanza.child("x", ns::kMucUser))
    for (const xml::Element& c : x->children())
      if (c.is("status", ns::kMucUser)) out.push_back(std::stoi(c.attr_or("code")));
  return out;
}

const xml::Element* item(const xml::Element& stanza) {
  const xml::Element* x = stanza.child("x", ns::kMucUser);
  return x ? x->child("item", ns::kMucUser) : nullptr;
}

std::string body(const xml::Element& m) {
  const xml::Element* b = m.child("body", ns::kClient);
  return b ? b->text() : std::string();
}

xml::Element groupchat(std::string_view text, std::string_view to = kRoom) {
  xml::Element m("message", std::string(ns::kClient));
  m.set_attr("to", to).set_attr("type", "groupchat");
  m.add(xml::Element("body", std::string(ns::kClient))).add_text(text);
  return m;
}

class MucTest : public ::testing::Test {
 protected:
  void SetUp() override { start(); }
  void TearDown() override { stop(); }

  // A fresh router, database handle and modules: what a restarted server has.
  void start() {
    stop();
    router = std::make_unique<router::Router>(std::vector<std::string>{"example.org"});
    db = std::make_unique<store::Database>(tmp / "jabberadmin.sqlite");
    archive = with_archive ? std::make_unique<mam::ArchiveStore>(*db) : nullptr;
    options.archive = archive.get();
    modules = std::make_unique<module::Modules>(
        module::Services{*router, stream_features, disco_features, nullptr, nullptr, db.get(),
                         with_executor ? io.get_executor() : boost::asio::any_io_executor()},
        std::vector<module::Factory>{module::make<presence::Presence>(), module::make<disco::Disco>(),
                                     [this](module::Context& c) { return std::make_unique<Muc>(c, "conference", options); }});
  }
  void stop() {
    sessions.clear();
    modules.reset();
    archive.reset();
    db.reset();
    router.reset();
  }
  MucService& service() { return *modules->find<Muc>()->service(); }

  FakeSession& login(std::string_view full) { return test::log_in(*router, sessions, full); }
  void send(FakeSession& s, xml::Element e) { test::send_from(*router, s, std::move(e)); }
  void join(FakeSession& s, std::string_view nick, std::string_view room = kRoom,
            std::optional<xml::Element> history = std::nullopt, std::string_view password = {}) {
    xml::Element p("presence", std::string(ns::kClient));
    p.set_attr("to", std::string(room) + "/" + std::string(nick));
    xml::Element& x = p.add(xml::Element("x", std::string(ns::kMuc)));
    if (history) x.add(*history);
    if (!password.empty()) x.add(xml::Element("password", std::string(ns::kMuc))).add_text(password);
    send(s, p);
  }
  xml::Element iq(FakeSession& s, std::string_view type, std::string_view to, xml::Element payload) {
    xml::Element q("iq", std::string(ns::kClient));
    q.set_attr("type", type).set_attr("id", "q1").set_attr("to", to);
    q.add(std::move(payload));
    s.take();
    send(s, q);
    // The answer; other stanzas (a configuration change's status 104) may follow it.
    for (xml::Element& e : s.take())
      if (e.name() == "iq" && e.attr_or("id") == "q1") return e;
    ADD_FAILURE() << "no answer";
    return xml::Element();
  }
  // alice creates kRoom and accepts the defaults (an instant room, §10.1.2).
  FakeSession& owner_with_instant_room(std::string_view nick = "Alice") {
    FakeSession& alice = login("alice@example.org/a");
    join(alice, nick);
    alice.take();
    xml::Element query("query", std::string(ns::kMucOwner));
    query.add(xml::Element("x", std::string(ns::kDataForms))).set_attr("type", "submit");
    EXPECT_EQ(iq(alice, "set", kRoom, query).attr_or("type"), "result");
    return alice;
  }
  xml::Element admin_item(std::string_view attr, std::string_view value, std::string_view who_attr, std::string_view who) {
    xml::Element q("query", std::string(ns::kMucAdmin));
    q.add(xml::Element("item", std::string(ns::kMucAdmin))).set_attr(attr, value).set_attr(who_attr, who);
    return q;
  }
  xml::Element config(std::vector<std::pair<std::string, std::string>> fields) {
    xml::Element q("query", std::string(ns::kMucOwner));
    xml::Element& x = q.add(xml::Element("x", std::string(ns::kDataForms)));
    x.set_attr("type", "submit");
    fields.insert(fields.begin(), {"FORM_TYPE", std::string(ns::kMucRoomConfig)});
    for (const auto& [var, value] : fields)
      x.add(xml::Element("field", std::string(ns::kDataForms)))
          .set_attr("var", var)
          .add(xml::Element("value", std::string(ns::kDataForms)))
          .add_text(value);
    return q;
  }

  test::TempDir tmp{"muc"};
  boost::asio::io_context io;  // before the modules: their timers must not outlive it
  bool with_executor = false;  // as the server runs them (timers, writes behind)
  MucOptions options;
  stream::StreamFeatures stream_features;
  module::DiscoFeatures disco_features;
  std::unique_ptr<router::Router> router;
  std::unique_ptr<store::Database> db;
  bool with_archive = false;  // the server's mam setting
  std::unique_ptr<mam::ArchiveStore> archive;
  std::unique_ptr<module::Modules> modules;
  std::vector<std::unique_ptr<FakeSession>> sessions;
};

TEST_F(MucTest, TheHostListsTheServiceWhichIsAConferenceService) {
  FakeSession& alice = login("alice@example.org/a");
  const xml::Element items = iq(alice, "get", "example.org", xml::Element("query", std::string(ns::kDiscoItems)));
  ASSERT_NE(items.child("query"), nullptr);
  const xml::Element* listed = items.child("query")->child("item", ns::kDiscoItems);
  ASSERT_NE(listed, nullptr);
  EXPECT_EQ(listed->attr_or("jid"), "conference.example.org");

  const xml::Element info = iq(alice, "get", "conference.example.org", xml::Element("query", std::string(ns::kDiscoInfo)));
  ASSERT_NE(info.child("query"), nullptr) << "answered by the service, not bounced";
  const xml::Element* identity = info.child("query")->child("identity", ns::kDiscoInfo);
  ASSERT_NE(identity, nullptr);
  EXPECT_EQ(identity->attr_or("category"), "conference");
  EXPECT_EQ(identity->attr_or("type"), "text");
  bool muc = false;
  for (const xml::Element& f : info.child("query")->children()) muc |= f.attr_or("var") == ns::kMuc;
  EXPECT_TRUE(muc);
  EXPECT_FALSE(router->serves("conference.example.org")) << "no login host";
}

TEST_F(MucTest, JoiningANewRoomCreatesItLockedUntilItsOwnerAcceptsTheDefaults) {
  FakeSession& alice = login("alice@example.org/a");
  FakeSession& bob = login("bob@example.org/b");
  join(alice, "Alice");
  auto got = alice.take();
  ASSERT_EQ(got.size(), 2u) << "self-presence and the (empty) subject";
  EXPECT_EQ(got[0].attr_or("from"), std::string(kRoom) + "/Alice");
  EXPECT_EQ(codes(got[0]), (std::vector<int>{110, 201, 100}));
  EXPECT_EQ(item(got[0])->attr_or("affiliation"), "owner");
  EXPECT_EQ(item(got[0])->attr_or("role"), "moderator");
  ASSERT_NE(got[1].child("subject", ns::kClient), nullptr);

  join(bob, "Bob");
  got = bob.take();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(condition(got[0]), "item-not-found") << "locked (§10.1.1)";

  xml::Element query("query", std::string(ns::kMucOwner));
  query.add(xml::Element("x", std::string(ns::kDataForms))).set_attr("type", "submit");
  EXPECT_EQ(iq(alice, "set", kRoom, query).attr_or("type"), "result");
  join(bob, "Bob");
  got = bob.take();
  ASSERT_EQ(got.size(), 3u) << "Alice's presence, Bob's own, the subject";
  EXPECT_EQ(got[0].attr_or("from"), std::string(kRoom) + "/Alice");
  EXPECT_EQ(item(got[0])->attr_or("jid"), "alice@example.org/a") << "non-anonymous by default";
  EXPECT_EQ(codes(got[1]), (std::vector<int>{110, 100}));
  EXPECT_EQ(item(got[1])->attr_or("role"), "participant");
  got = alice.take();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].attr_or("from"), std::string(kRoom) + "/Bob");
}

TEST_F(MucTest, GroupchatIsReflectedToEveryOccupantAndStrangersAreRefused) {
  FakeSession& alice = owner_with_instant_room();
  FakeSession& bob = login("bob@example.org/b");
  FakeSession& eve = login("eve@example.org/e");
  join(bob, "Bob");
  alice.take(), bob.take();
  send(bob, groupchat("hello"));
  for (FakeSession* s : {&alice, &bob}) {
    auto got = s->take();
    ASSERT_EQ(got.size(), 1u);
    EXPECT_EQ(got[0].attr_or("from"), std::string(kRoom) + "/Bob");
    EXPECT_EQ(got[0].attr_or("to"), s->jid().full());
    EXPECT_EQ(body(got[0]), "hello");
  }
  send(eve, groupchat("let me in"));
  auto got = eve.take();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(condition(got[0]), "not-acceptable");
  EXPECT_TRUE(alice.take().empty());
}

TEST_F(MucTest, ATakenNicknameIsAConflict) {
  FakeSession& alice = owner_with_instant_room();
  FakeSession& bob = login("bob@example.org/b");
  join(bob, "Alice");
  auto got = bob.take();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(condition(got[0]), "conflict");
  EXPECT_TRUE(alice.take().empty());
}

TEST_F(MucTest, AnOversizedNicknameIsNotAcceptableAndCreatesNoRoom) {
  FakeSession& alice = login("alice@example.org/a");
  join(alice, std::string(200, 'n'));
  auto got = alice.take();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(condition(got[0]), "not-acceptable");
  EXPECT_EQ(service().room_count(), 0u);
}

TEST_F(MucTest, LeavingAndASessionsEndAreSeenByTheOthers) {
  FakeSession& alice = owner_with_instant_room();
  FakeSession& bob = login("bob@example.org/b");
  FakeSession& carol = login("carol@example.org/c");
  join(bob, "Bob");
  join(carol, "Carol");
  alice.take(), bob.take(), carol.take();

  xml::Element leave("presence", std::string(ns::kClient));
  leave.set_attr("to", std::string(kRoom) + "/Bob").set_attr("type", "unavailable");
  send(bob, leave);
  auto got = bob.take();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].attr_or("type"), "unavailable");
  EXPECT_EQ(codes(got[0]), (std::vector<int>{110, 100}));
  got = alice.take();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].attr_or("from"), std::string(kRoom) + "/Bob");
  EXPECT_EQ(item(got[0])->attr_or("role"), "none");

  router->unbind(carol);  // gone without a word
  got = alice.take();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].attr_or("from"), std::string(kRoom) + "/Carol");
  EXPECT_EQ(got[0].attr_or("type"), "unavailable");
}

TEST_F(MucTest, ATemporaryRoomGoesWhenItsLastOccupantLeaves) {
  FakeSession& alice = owner_with_instant_room();
  EXPECT_EQ(service().room_count(), 1u);
  router->unbind(alice);
  EXPECT_EQ(service().room_count(), 0u);
}

TEST_F(MucTest, ALateJoinerGetsTheHistoryWithDelayThenTheSubject) {
  FakeSession& alice = owner_with_instant_room();
  xml::Element subject("message", std::string(ns::kClient));
  subject.set_attr("to", kRoom).set_attr("type", "groupchat");
  subject.add(xml::Element("subject", std::string(ns::kClient))).add_text("Plans");
  send(alice, subject);
  for (int i = 1; i <= 3; ++i) send(alice, groupchat("m" + std::to_string(i)));
  FakeSession& bob = login("bob@example.org/b");
  join(bob, "Bob");
  auto got = bob.take();
  ASSERT_EQ(got.size(), 6u) << "Alice, self, 3 history, subject";
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(body(got[2 + i]), "m" + std::to_string(i + 1));
    const xml::Element* delay = got[2 + i].child("delay", ns::kDelay);
    ASSERT_NE(delay, nullptr);
    EXPECT_EQ(delay->attr_or("from"), kRoom);
    EXPECT_FALSE(delay->attr_or("stamp").empty());
  }
  EXPECT_EQ(got[5].child("subject", ns::kClient)->text(), "Plans");
  EXPECT_EQ(got[5].attr_or("from"), std::string(kRoom) + "/Alice");

  FakeSession& carol = login("carol@example.org/c");
  xml::Element history("history", std::string(ns::kMuc));
  history.set_attr("maxstanzas", "1");
  join(carol, "Carol", kRoom, history);
  got = carol.take();
  ASSERT_EQ(got.size(), 5u) << "Alice, Bob, self, 1 history, subject";
  EXPECT_EQ(body(got[3]), "m3");

  FakeSession& dave = login("dave@example.org/d");
  history = xml::Element("history", std::string(ns::kMuc));
  history.set_attr("maxchars", "0");
  join(dave, "Dave", kRoom, history);
  EXPECT_EQ(dave.take().size(), 5u) << "3 presences, self, subject, no history";
}

TEST_F(MucTest, APersistentRoomKeepsItsLastHistoryAcrossARestartATemporaryOneNothing) {
  options.limits.history_size = 3;
  start();
  FakeSession& alice = owner_with_instant_room();
  for (int i = 1; i <= 2; ++i) send(alice, groupchat("before " + std::to_string(i)));  // temporary: not stored
  const auto stored = [this] {
    auto q = db->prepare("SELECT COUNT(*) FROM muc_history");
    q.step();
    return q.integer(0);
  };
  EXPECT_EQ(stored(), 0);
  EXPECT_EQ(iq(alice, "set", kRoom, config({{"muc#roomconfig_persistentroom", "1"}})).attr_or("type"), "result");
  for (int i = 1; i <= 5; ++i) send(alice, groupchat("m" + std::to_string(i)));
  EXPECT_EQ(stored(), 3) << "bounded by muc_history_size";
  start();
  FakeSession& bob = login("bob@example.org/b");
  join(bob, "Bob");
  auto got = bob.take();
  ASSERT_EQ(got.size(), 5u) << "self, 3 history, subject";
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(body(got[1 + i]), "m" + std::to_string(i + 3));
    EXPECT_EQ(got[1 + i].attr_or("from"), std::string(kRoom) + "/Alice");
    const xml::Element* delay = got[1 + i].child("delay", ns::kDelay);
    ASSERT_NE(delay, nullptr);
    EXPECT_EQ(delay->attr_or("from"), kRoom);
  }
  // Made temporary again: its stored history goes with its row.
  FakeSession& alice2 = login("alice@example.org/a2");
  join(alice2, "Alice");
  EXPECT_EQ(iq(alice2, "set", kRoom, config({{"muc#roomconfig_persistentroom", "0"}})).attr_or("type"), "result");
  EXPECT_EQ(stored(), 0);
}

// The server's store writes a room's history behind: no disk sync per message on the io
// thread, one transaction for what came within the delay; written before the room is read
// back or removed, and at the end.
TEST_F(MucTest, APersistentRoomsHistoryIsWrittenBehindAndNothingIsLost) {
  options.limits.history_size = 3;
  with_executor = true;
  start();
  const auto stored = [this] {
    auto q = db->prepare("SELECT COUNT(*) FROM muc_history");
    q.step();
    return q.integer(0);
  };
  FakeSession& alice = owner_with_instant_room();
  EXPECT_EQ(iq(alice, "set", kRoom, config({{"muc#roomconfig_persistentroom", "1"}})).attr_or("type"), "result");
  for (int i = 1; i <= 5; ++i) send(alice, groupchat("m" + std::to_string(i)));
  EXPECT_EQ(stored(), 0) << "waits for its batch";
  io.run_for(std::chrono::milliseconds(100));  // store::kWriteDelay is 20 ms
  EXPECT_EQ(stored(), 3) << "written within the delay, bounded by muc_history_size";
  for (int i = 6; i <= 7; ++i) send(alice, groupchat("m" + std::to_string(i)));
  start();  // a restart: what waited is written as the store goes, and read back
  FakeSession& bob = login("bob@example.org/b");
  join(bob, "Bob");
  auto got = bob.take();
  ASSERT_EQ(got.size(), 5u) << "self, 3 history, subject";
  for (int i = 0; i < 3; ++i) EXPECT_EQ(body(got[1 + i]), "m" + std::to_string(i + 5));
  // Made temporary with a message waiting: the room's rows go, and none comes back after.
  send(bob, groupchat("m8"));
  FakeSession& alice2 = login("alice@example.org/a2");
  join(alice2, "Alice");
  EXPECT_EQ(iq(alice2, "set", kRoom, config({{"muc#roomconfig_persistentroom", "0"}})).attr_or("type"), "result");
  io.restart();
  io.run_for(std::chrono::milliseconds(100));
  EXPECT_EQ(stored(), 0);
}

// XEP-0421: the room's <occupant-id/> (one, the room's) on what it sends of an occupant.
std::vector<std::string> occupant_ids(const xml::Element& stanza) {
  std::vector<std::string> ids;
  for (const xml::Element& c : stanza.children())
    if (c.is("occupant-id", ns::kOccupantId)) ids.push_back(c.attr_or("id"));
  return ids;
}

TEST_F(MucTest, OccupantIdsAreTheRoomsStablePerUserAndRevealNoJid) {
  FakeSession& alice = owner_with_instant_room();
  xml::Element info = iq(alice, "get", kRoom, xml::Element("query", std::string(ns::kDiscoInfo)));
  bool advertised = false;
  for (const xml::Element& f : info.child("query")->children())
    advertised = advertised || f.attr_or("var") == ns::kOccupantId;
  EXPECT_TRUE(advertised);
  // A semi-anonymous room: the id must not give the JID away.
  EXPECT_EQ(iq(alice, "set", kRoom, config({{"muc#roomconfig_whois", "moderators"}})).attr_or("type"), "result");
  FakeSession& bob = login("bob@example.org/b");
  xml::Element p("presence", std::string(ns::kClient));
  p.set_attr("to", std::string(kRoom) + "/Bob");
  p.add(xml::Element("x", std::string(ns::kMuc)));
  p.add(xml::Element("occupant-id", std::string(ns::kOccupantId))).set_attr("id", "forged");
  alice.take();
  send(bob, p);
  auto seen = alice.take();
  ASSERT_EQ(seen.size(), 1u);
  const auto bob_ids = occupant_ids(seen[0]);
  ASSERT_EQ(bob_ids.size(), 1u) << "the room's, not the client's";
  const std::string id = bob_ids[0];
  EXPECT_NE(id, "forged");
  EXPECT_EQ(id.find("bob"), std::string::npos);
  EXPECT_EQ(id.size(), 44u) << "base64 of 32 bytes";
  bob.take();
  xml::Element m = groupchat("hi");
  m.add(xml::Element("occupant-id", std::string(ns::kOccupantId))).set_attr("id", "forged");
  send(bob, m);
  seen = alice.take();
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(occupant_ids(seen[0]), std::vector<std::string>{id});
  // Alice's is another; Bob's is the same from another resource and nickname, and after a restart.
  const auto own = bob.take();
  ASSERT_FALSE(own.empty());
  send(alice, groupchat("hello"));
  seen = bob.take();
  ASSERT_EQ(seen.size(), 1u);
  ASSERT_EQ(occupant_ids(seen[0]).size(), 1u);
  EXPECT_NE(occupant_ids(seen[0])[0], id);
  start();
  FakeSession& owner = owner_with_instant_room();
  FakeSession& bob2 = login("bob@example.org/other");
  join(bob2, "Robert");
  seen = owner.take();
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(occupant_ids(seen[0]), std::vector<std::string>{id});
}

// XEP-0307: the service names a room nobody has, and one nobody can guess.
TEST_F(MucTest, TheServiceGivesAFreshUnguessableRoomName) {
  FakeSession& alice = owner_with_instant_room();
  const xml::Element info = iq(alice, "get", "conference.example.org", xml::Element("query", std::string(ns::kDiscoInfo)));
  bool advertised = false;
  for (const xml::Element& f : info.child("query")->children())
    advertised = advertised || f.attr_or("var") == ns::kMucUnique;
  EXPECT_TRUE(advertised);
  std::set<std::string> names;
  for (int i = 0; i < 3; ++i) {
    const xml::Element answer = iq(alice, "get", "conference.example.org", xml::Element("unique", std::string(ns::kMucUnique)));
    ASSERT_EQ(answer.attr_or("type"), "result");
    const xml::Element* unique = answer.child("unique", ns::kMucUnique);
    ASSERT_NE(unique, nullptr);
    const std::string name = unique->text();
    EXPECT_GE(name.size(), 26u) << "at least 128 random bits";
    const auto room = Jid::parse(name + "@conference.example.org");
    ASSERT_TRUE(room.has_value()) << name;
    EXPECT_EQ(room->local, name) << "a localpart as it is, already normalised";
    EXPECT_EQ(service().find(*room), nullptr);
    names.insert(name);
  }
  EXPECT_EQ(names.size(), 3u);
  xml::Element set_unique = iq(alice, "set", "conference.example.org", xml::Element("unique", std::string(ns::kMucUnique)));
  EXPECT_EQ(set_unique.attr_or("type"), "error");
}

TEST(RoomHistory, LimitsKeepTheLatestAndTheBoundDropsTheOldest) {
  RoomHistory history(3);
  const auto t0 = std::chrono::system_clock::time_point(std::chrono::seconds(1'800'000'000));
  for (int i = 0; i < 5; ++i) {
    xml::Element m("message", std::string(ns::kClient));
    m.add(xml::Element("body", std::string(ns::kClient))).add_text("m" + std::to_string(i));
    history.add(m, t0 + std::chrono::minutes(i));
  }
  EXPECT_EQ(history.size(), 3u);
  EXPECT_EQ(history.replay({}, "r@c").size(), 3u);
  EXPECT_EQ(history.replay({.max_stanzas = 2}, "r@c").size(), 2u);
  EXPECT_EQ(history.replay({.since = t0 + std::chrono::minutes(4)}, "r@c").size(), 1u);
  // since= is XEP-0082 DateTime, offsets allowed; anything else is a bad request.
  auto since_of = [&](std::string_view text) {
    xml::Element h("history", std::string(ns::kMuc));
    h.set_attr("since", text);
    return parse_history_request(&h, t0);
  };
  const auto since = since_of("2027-01-15T10:00:00+02:00");
  ASSERT_TRUE(since && since->since);
  EXPECT_EQ(*since->since, std::chrono::sys_days(std::chrono::year(2027) / 1 / 15) + std::chrono::hours(8));
  EXPECT_FALSE(since_of("2027-13-15T08:00:00Z"));
  EXPECT_FALSE(since_of("yesterday"));
  xml::Element bad("history", std::string(ns::kMuc));
  bad.set_attr("maxstanzas", "-1");
  EXPECT_FALSE(parse_history_request(&bad, t0));
}

TEST_F(MucTest, PrivateMessagesGoToTheOccupantFromTheSendersRoomNick) {
  FakeSession& alice = owner_with_instant_room();
  FakeSession& bob = login("bob@example.org/b");
  join(bob, "Bob");
  alice.take(), bob.take();
  xml::Element pm = groupchat("psst", std::string(kRoom) + "/Bob");
  pm.set_attr("type", "chat");
  send(alice, pm);
  auto got = bob.take();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].attr_or("from"), std::string(kRoom) + "/Alice");
  EXPECT_NE(got[0].child("x", ns::kMucUser), nullptr);
  pm.set_attr("to", std::string(kRoom) + "/Nobody");
  send(alice, pm);
  got = alice.take();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(condition(got[0]), "item-not-found");
}

TEST_F(MucTest, ANicknameChangeIsAnUnavailableWith303ThenTheNewPresence) {
  FakeSession& alice = owner_with_instant_room();
  FakeSession& bob = login("bob@example.org/b");
  join(bob, "Bob");
  alice.take(), bob.take();
  join(bob, "Robert");
  auto got = alice.take();
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].attr_or("type"), "unavailable");
  EXPECT_EQ(codes(got[0]), std::vector<int>{303});
  EXPECT_EQ(item(got[0])->attr_or("nick"), "Robert");
  EXPECT_EQ(got[1].attr_or("from"), std::string(kRoom) + "/Robert");
}

TEST_F(MucTest, APersistentRoomKeepsItsConfigurationAffiliationsAndSubjectAcrossARestart) {
  FakeSession& alice = owner_with_instant_room();
  EXPECT_EQ(iq(alice, "set", kRoom,
               config({{"muc#roomconfig_persistentroom", "1"},
                       {"muc#roomconfig_roomname", "The Lounge"},
                       {"muc#roomconfig_membersonly", "1"}}))
                .attr_or("type"),
            "result");
  EXPECT_EQ(iq(alice, "set", kRoom, admin_item("affiliation", "member", "jid", "bob@example.org")).attr_or("type"), "result");
  start();
  ASSERT_EQ(service().room_count(), 1u);
  Room* room = service().find(*Jid::parse(kRoom));
  ASSERT_NE(room, nullptr);
  EXPECT_EQ(room->config().name, "The Lounge");
  EXPECT_TRUE(room->config().members_only);
  EXPECT_FALSE(room->locked());
  EXPECT_EQ(room->affiliation(*Jid::parse("alice@example.org")), Affiliation::Owner);
  EXPECT_EQ(room->affiliation(*Jid::parse("bob@example.org")), Affiliation::Member);
  FakeSession& bob = login("bob@example.org/b");
  join(bob, "Bob");
  EXPECT_EQ(bob.take().size(), 2u) << "a member enters the empty persistent room";
  FakeSession& eve = login("eve@example.org/e");
  join(eve, "Eve");
  auto got = eve.take();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(condition(got[0]), "registration-required");
}

TEST_F(MucTest, AModeratorKicksWith307AndAnOwnerBansWith301) {
  FakeSession& alice = owner_with_instant_room();
  FakeSession& bob = login("bob@example.org/b");
  join(bob, "Bob");
  alice.take(), bob.take();
  xml::Element kick = admin_item("role", "none", "nick", "Bob");
  EXPECT_EQ(iq(alice, "set", kRoom, kick).attr_or("type"), "result");
  auto got = bob.take();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].attr_or("type"), "unavailable");
  EXPECT_EQ(codes(got[0]), (std::vector<int>{110, 307, 100}));
  ASSERT_NE(item(got[0])->child("actor", ns::kMucUser), nullptr);

  join(bob, "Bob");
  bob.take();
  EXPECT_EQ(iq(alice, "set", kRoom, admin_item("affiliation", "outcast", "jid", "bob@example.org")).attr_or("type"), "result");
  got = bob.take();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(codes(got[0]), (std::vector<int>{110, 301, 100}));
  join(bob, "Bob");
  got = bob.take();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(condition(got[0]), "forbidden");

  // A participant may not kick; nobody may kick an owner.
  FakeSession& carol = login("carol@example.org/c");
  join(carol, "Carol");
  EXPECT_EQ(condition(iq(carol, "set", kRoom, admin_item("role", "none", "nick", "Alice"))), "forbidden");
  xml::Element outcasts("query", std::string(ns::kMucAdmin));
  outcasts.add(xml::Element("item", std::string(ns::kMucAdmin))).set_attr("affiliation", "outcast");
  const xml::Element list = iq(alice, "get", kRoom, outcasts);
  ASSERT_NE(list.child("query"), nullptr);
  ASSERT_NE(list.child("query")->child("item", ns::kMucAdmin), nullptr);
  EXPECT_EQ(list.child("query")->child("item", ns::kMucAdmin)->attr_or("jid"), "bob@example.org");
}

TEST_F(MucTest, APasswordProtectedRoomWantsItsPassword) {
  FakeSession& alice = owner_with_instant_room();
  EXPECT_EQ(iq(alice, "set", kRoom,
               config({{"muc#roomconfig_passwordprotectedroom", "1"}, {"muc#roomconfig_roomsecret", "s3cret"}}))
                .attr_or("type"),
            "result");
  EXPECT_EQ(service().find(*Jid::parse(kRoom))->config().secret_hash.find("s3cret"), std::string::npos)
      << "never kept in clear";
  FakeSession& bob = login("bob@example.org/b");
  join(bob, "Bob");
  auto got = bob.take();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(condition(got[0]), "not-authorized");
  join(bob, "Bob", kRoom, std::nullopt, "wrong");
  EXPECT_EQ(condition(bob.take().at(0)), "not-authorized");
  join(bob, "Bob", kRoom, std::nullopt, "s3cret");
  EXPECT_EQ(bob.take().size(), 3u);
}

TEST_F(MucTest, InAModeratedRoomVisitorsHaveNoVoiceUntilGivenIt) {
  FakeSession& alice = owner_with_instant_room();
  EXPECT_EQ(iq(alice, "set", kRoom, config({{"muc#roomconfig_moderatedroom", "1"}})).attr_or("type"), "result");
  FakeSession& bob = login("bob@example.org/b");
  join(bob, "Bob");
  auto got = bob.take();
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(item(got[1])->attr_or("role"), "visitor");
  send(bob, groupchat("may I?"));
  got = bob.take();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(condition(got[0]), "forbidden");
  EXPECT_EQ(iq(alice, "set", kRoom, admin_item("role", "participant", "nick", "Bob")).attr_or("type"), "result");
  bob.take();
  send(bob, groupchat("thanks"));
  got = bob.take();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(body(got[0]), "thanks");
}

TEST_F(MucTest, LimitsOnRoomsPerUserOccupantsAndMessageRate) {
  options.max_rooms_per_user = 1;
  options.limits.max_occupants = 2;
  options.limits.message_rate = 1;
  options.limits.message_burst = 2;
  start();
  FakeSession& alice = owner_with_instant_room();
  join(alice, "Alice", "second@conference.example.org");
  EXPECT_EQ(condition(alice.take().at(0)), "not-allowed");
  FakeSession& bob = login("bob@example.org/b");
  FakeSession& carol = login("carol@example.org/c");
  join(bob, "Bob");
  join(carol, "Carol");
  EXPECT_EQ(condition(carol.take().at(0)), "service-unavailable");
  bob.take();
  send(bob, groupchat("1"));
  send(bob, groupchat("2"));
  send(bob, groupchat("3"));
  auto got = bob.take();
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(condition(got[2]), "resource-constraint");
}

TEST_F(MucTest, HostileAddressesGetTheirErrorsAndNoRoom) {
  FakeSession& alice = login("alice@example.org/a");
  // LDAP and JID metacharacters that a localpart may hold: just a name here.
  join(alice, "Alice", "a*(b)\\5c=c@conference.example.org");
  auto got = alice.take();
  ASSERT_FALSE(got.empty());
  EXPECT_EQ(codes(got[0]), (std::vector<int>{110, 201, 100}));
  // A presence to the room without a nickname, and one with a malformed address.
  xml::Element bare("presence", std::string(ns::kClient));
  bare.set_attr("to", "other@conference.example.org");
  send(alice, bare);
  EXPECT_EQ(condition(alice.take().at(0)), "jid-malformed");
  xml::Element bad("presence", std::string(ns::kClient));
  bad.set_attr("to", "x@@conference.example.org/nick");
  send(alice, bad);
  got = alice.take();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(condition(got[0]), "jid-malformed");
  EXPECT_EQ(service().room_count(), 1u);
  // A message to a room that does not exist.
  send(alice, groupchat("anyone?", "ghost@conference.example.org"));
  EXPECT_EQ(condition(alice.take().at(0)), "item-not-found");
}

TEST_F(MucTest, TheServiceListsPublicRoomsAndARoomDescribesItself) {
  FakeSession& alice = owner_with_instant_room();
  join(alice, "Alice", "hidden@conference.example.org");
  alice.take();
  EXPECT_EQ(iq(alice, "set", "hidden@conference.example.org", config({{"muc#roomconfig_publicroom", "0"}})).attr_or("type"),
            "result");
  const xml::Element items = iq(alice, "get", "conference.example.org", xml::Element("query", std::string(ns::kDiscoItems)));
  ASSERT_NE(items.child("query"), nullptr);
  std::vector<std::string> listed;
  for (const xml::Element& i : items.child("query")->children()) listed.push_back(i.attr_or("jid"));
  EXPECT_EQ(listed, std::vector<std::string>{std::string(kRoom)});
  const xml::Element info = iq(alice, "get", kRoom, xml::Element("query", std::string(ns::kDiscoInfo)));
  ASSERT_NE(info.child("query"), nullptr);
  std::vector<std::string> features;
  for (const xml::Element& f : info.child("query")->children())
    if (f.name() == "feature") features.push_back(f.attr_or("var"));
  for (const char* expected : {"http://jabber.org/protocol/muc", "muc_temporary", "muc_public", "muc_open",
                               "muc_unmoderated", "muc_unsecured", "muc_nonanonymous"})
    EXPECT_NE(std::find(features.begin(), features.end(), expected), features.end()) << expected;
}

TEST_F(MucTest, AMediatedInvitationReachesTheInviteeFromTheRoom) {
  FakeSession& alice = owner_with_instant_room();
  FakeSession& carol = login("carol@example.org/c");
  xml::Element m("message", std::string(ns::kClient));
  m.set_attr("to", kRoom);
  xml::Element& invite = m.add(xml::Element("x", std::string(ns::kMucUser))).add(xml::Element("invite", std::string(ns::kMucUser)));
  invite.set_attr("to", "carol@example.org");
  invite.add(xml::Element("reason", std::string(ns::kMucUser))).add_text("Join us");
  send(alice, m);
  auto got = carol.take();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].attr_or("from"), kRoom);
  const xml::Element* received = got[0].child("x", ns::kMucUser)->child("invite", ns::kMucUser);
  ASSERT_NE(received, nullptr);
  EXPECT_EQ(received->attr_or("from"), "alice@example.org");
  EXPECT_EQ(received->child("reason", ns::kMucUser)->text(), "Join us");
}

TEST_F(MucTest, AnOwnerDestroysTheRoomAndEveryoneIsToldWhy) {
  FakeSession& alice = owner_with_instant_room();
  EXPECT_EQ(iq(alice, "set", kRoom, config({{"muc#roomconfig_persistentroom", "1"}})).attr_or("type"), "result");
  FakeSession& bob = login("bob@example.org/b");
  join(bob, "Bob");
  bob.take();
  EXPECT_EQ(condition(iq(bob, "set", kRoom, [] {
              xml::Element q("query", std::string(ns::kMucOwner));
              q.add(xml::Element("destroy", std::string(ns::kMucOwner)));
              return q;
            }())),
            "forbidden")
      << "only owners";
  xml::Element query("query", std::string(ns::kMucOwner));
  query.add(xml::Element("destroy", std::string(ns::kMucOwner)))
      .add(xml::Element("reason", std::string(ns::kMucOwner)))
      .add_text("Moved");
  EXPECT_EQ(iq(alice, "set", kRoom, query).attr_or("type"), "result");
  auto got = bob.take();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].attr_or("type"), "unavailable");
  const xml::Element* destroyed = got[0].child("x", ns::kMucUser)->child("destroy", ns::kMucUser);
  ASSERT_NE(destroyed, nullptr);
  EXPECT_EQ(destroyed->child("reason", ns::kMucUser)->text(), "Moved");
  EXPECT_EQ(service().room_count(), 0u);
  start();
  EXPECT_EQ(service().room_count(), 0u) << "gone from the database too";
}

TEST_F(MucTest, CodeCreatesAPersistentMembersOnlyRoomAndSetsAffiliationsLive) {
  RoomConfig c;
  c.persistent = true;
  c.members_only = true;
  c.name = "Sales";
  Room& room = service().create_room(*Jid::parse("sales@conference.example.org"), c,
                                     {{"alice@example.org", Affiliation::Member}});
  FakeSession& alice = login("alice@example.org/a");
  FakeSession& bob = login("bob@example.org/b");
  join(alice, "Alice", "sales@conference.example.org");
  EXPECT_EQ(alice.take().size(), 2u);
  join(bob, "Bob", "sales@conference.example.org");
  EXPECT_EQ(condition(bob.take().at(0)), "registration-required");
  room.set_affiliation(*Jid::parse("bob@example.org"), Affiliation::Member);
  join(bob, "Bob", "sales@conference.example.org");
  EXPECT_EQ(bob.take().size(), 3u);
  alice.take();
  room.set_affiliation(*Jid::parse("bob@example.org"), Affiliation::None);
  auto got = bob.take();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(codes(got[0]), (std::vector<int>{110, 321, 100}));
  start();
  EXPECT_NE(service().find(*Jid::parse("sales@conference.example.org")), nullptr) << "stored";
}

// ---- The room's XEP-0313 archive (with the server's mam on) ----

class MucArchiveTest : public MucTest {
 protected:
  void SetUp() override {
    with_archive = true;
    start();
  }
  // The stanza-ids 'by' the room in a message.
  static std::vector<std::string> room_ids(const xml::Element& m) {
    std::vector<std::string> ids;
    for (const xml::Element& c : m.children())
      if (c.is("stanza-id", ns::kStanzaId) && c.attr_or("by") == kRoom) ids.push_back(c.attr_or("id"));
    return ids;
  }
  struct Answer {
    std::vector<xml::Element> results;  // the <message/>s
    xml::Element iq;                    // the result with <fin/>, or the error
  };
  Answer mam_query(FakeSession& s, std::string_view room = kRoom, std::size_t max = 0, std::string_view after = {}) {
    xml::Element q("iq", std::string(ns::kClient));
    q.set_attr("type", "set").set_attr("id", "m1").set_attr("to", room);
    xml::Element& query = q.add(xml::Element("query", std::string(ns::kMam)));
    query.set_attr("queryid", "f1");
    if (max > 0) {
      xml::Element& set = query.add(xml::Element("set", std::string(ns::kRsm)));
      set.add(xml::Element("max", std::string(ns::kRsm))).add_text(std::to_string(max));
      if (!after.empty()) set.add(xml::Element("after", std::string(ns::kRsm))).add_text(after);
    }
    s.take();
    send(s, q);
    Answer a;
    for (xml::Element& e : s.take()) {
      if (e.name() == "iq" && e.attr_or("id") == "m1") a.iq = std::move(e);
      // The archived stanza is embedded as raw bytes: read back as a client would.
      else if (e.name() == "message") a.results.push_back(xml::parse_serialized(xml::serialize(e), ns::kClient).value());
    }
    return a;
  }
  static const xml::Element* forwarded_message(const xml::Element& result) {
    const xml::Element* r = result.child("result", ns::kMam);
    const xml::Element* f = r ? r->child("forwarded", ns::kForward) : nullptr;
    return f ? f->child("message", ns::kClient) : nullptr;
  }
  static std::vector<std::string> mam_features(const xml::Element& info) {
    std::vector<std::string> found;
    for (const xml::Element& f : info.child("query")->children())
      if (f.name() == "feature" && f.attr_or("var") == ns::kMam) found.push_back(f.attr_or("var"));
    return found;
  }
};

TEST_F(MucArchiveTest, EveryCopyOfAGroupchatMessageCarriesTheRoomsOneStanzaIdAndTheArchiveHoldsIt) {
  FakeSession& alice = owner_with_instant_room();
  FakeSession& bob = login("bob@example.org/b");
  join(bob, "Bob");
  alice.take(), bob.take();
  xml::Element forged = groupchat("hello");
  forged.add(xml::Element("stanza-id", std::string(ns::kStanzaId))).set_attr("id", "forged").set_attr("by", kRoom);
  send(bob, forged);
  const auto a = alice.take(), b = bob.take();
  ASSERT_EQ(a.size(), 1u);
  ASSERT_EQ(b.size(), 1u);
  ASSERT_EQ(room_ids(a[0]).size(), 1u) << "the client's id is gone, the room's is there";
  EXPECT_NE(room_ids(a[0])[0], "forged");
  EXPECT_EQ(room_ids(a[0]), room_ids(b[0])) << "one id for every occupant's copy";
  EXPECT_EQ(archive->count(kRoom), 1u);
  EXPECT_TRUE(archive->position(kRoom, room_ids(a[0])[0]).has_value()) << "the id is the archive's";

  // Neither a subject change nor a private message is archived.
  xml::Element subject("message", std::string(ns::kClient));
  subject.set_attr("to", kRoom).set_attr("type", "groupchat");
  subject.add(xml::Element("subject", std::string(ns::kClient))).add_text("Topic");
  send(alice, subject);
  xml::Element pm("message", std::string(ns::kClient));
  pm.set_attr("to", std::string(kRoom) + "/Alice").set_attr("type", "chat");
  pm.add(xml::Element("body", std::string(ns::kClient))).add_text("psst");
  send(bob, pm);
  EXPECT_EQ(archive->count(kRoom), 1u);
  const auto got = alice.take();
  ASSERT_FALSE(got.empty());
  for (const xml::Element& m : got) EXPECT_TRUE(room_ids(m).empty()) << xml::serialize(m);
}

TEST_F(MucArchiveTest, ALateJoinerPagesThroughTheRoomsArchiveFromTheRoom) {
  FakeSession& alice = owner_with_instant_room();
  std::vector<std::string> live;
  for (const char* text : {"one", "two", "three"}) {
    send(alice, groupchat(text));
    live.push_back(room_ids(alice.take().at(0)).at(0));
  }
  FakeSession& carol = login("carol@example.org/c");
  join(carol, "Carol");
  carol.take();
  Answer first = mam_query(carol, kRoom, 2);
  ASSERT_EQ(first.iq.attr_or("type"), "result") << xml::serialize(first.iq);
  ASSERT_EQ(first.results.size(), 2u);
  for (std::size_t i = 0; i < 2; ++i) {
    const xml::Element& r = first.results[i];
    EXPECT_EQ(r.attr_or("from"), kRoom);
    EXPECT_EQ(r.attr_or("to"), "carol@example.org/c");
    EXPECT_EQ(r.child("result", ns::kMam)->attr_or("queryid"), "f1");
    EXPECT_EQ(r.child("result", ns::kMam)->attr_or("id"), live[i]);
    const xml::Element* m = forwarded_message(r);
    ASSERT_NE(m, nullptr);
    EXPECT_EQ(m->attr_or("from"), std::string(kRoom) + "/Alice");
    EXPECT_EQ(m->attr_or("type"), "groupchat");
  }
  EXPECT_EQ(body(*forwarded_message(first.results[1])), "two");
  const xml::Element* fin = first.iq.child("fin", ns::kMam);
  ASSERT_NE(fin, nullptr);
  EXPECT_EQ(fin->attr_or("complete"), "false");
  Answer second = mam_query(carol, kRoom, 2, live[1]);
  ASSERT_EQ(second.results.size(), 1u);
  EXPECT_EQ(second.results[0].child("result", ns::kMam)->attr_or("id"), live[2]);
  EXPECT_EQ(second.iq.child("fin", ns::kMam)->attr_or("complete"), "true");
}

TEST_F(MucArchiveTest, OnlyOccupantsAndMembersReadTheArchive) {
  FakeSession& alice = owner_with_instant_room();  // an open room: its occupants, not passers-by
  FakeSession& eve = login("eve@example.org/e");
  EXPECT_EQ(condition(mam_query(eve).iq), "forbidden");

  RoomConfig c;
  c.persistent = true;
  c.members_only = true;
  const Jid sales = *Jid::parse("sales@conference.example.org");
  Room& room = service().create_room(sales, c, {{"alice@example.org", Affiliation::Member}});
  join(alice, "Alice", sales.bare());
  alice.take();
  send(alice, groupchat("members only", sales.bare()));
  EXPECT_EQ(mam_query(alice, sales.bare()).results.size(), 1u) << "an occupant";
  const Answer refused = mam_query(eve, sales.bare());
  EXPECT_TRUE(refused.results.empty());
  EXPECT_EQ(condition(refused.iq), "forbidden");
  room.set_affiliation(Jid::split_normalized("eve@example.org"), Affiliation::Member);
  EXPECT_EQ(mam_query(eve, sales.bare()).results.size(), 1u) << "a member who is not in the room";
  room.set_affiliation(Jid::split_normalized("eve@example.org"), Affiliation::Outcast);
  EXPECT_EQ(condition(mam_query(eve, sales.bare()).iq), "forbidden");
}

TEST_F(MucArchiveTest, TheRoomAdvertisesItsArchiveAndAnOwnerMayTurnItOff) {
  FakeSession& alice = owner_with_instant_room();
  EXPECT_EQ(mam_features(iq(alice, "get", kRoom, xml::Element("query", std::string(ns::kDiscoInfo)))).size(), 1u);
  EXPECT_EQ(iq(alice, "set", kRoom,
               config({{"muc#roomconfig_enablearchiving", "0"}, {"muc#roomconfig_persistentroom", "1"}}))
                .attr_or("type"),
            "result");
  EXPECT_TRUE(mam_features(iq(alice, "get", kRoom, xml::Element("query", std::string(ns::kDiscoInfo)))).empty());
  alice.take();
  send(alice, groupchat("off the record"));
  EXPECT_TRUE(room_ids(alice.take().at(0)).empty());
  EXPECT_EQ(archive->count(kRoom), 0u);
  EXPECT_EQ(condition(mam_query(alice).iq), "service-unavailable");
  start();
  EXPECT_FALSE(service().find(Jid::split_normalized(kRoom))->archiving()) << "the choice is stored";
}

TEST_F(MucArchiveTest, ARoomThatGoesTakesItsArchiveWithIt) {
  FakeSession& alice = owner_with_instant_room();
  send(alice, groupchat("soon gone"));
  EXPECT_EQ(archive->count(kRoom), 1u);
  xml::Element query("query", std::string(ns::kMucOwner));
  query.add(xml::Element("destroy", std::string(ns::kMucOwner)));
  EXPECT_EQ(iq(alice, "set", kRoom, query).attr_or("type"), "result");
  EXPECT_EQ(archive->count(kRoom), 0u) << "destroyed";

  // A temporary room again, left by its last occupant.
  join(alice, "Alice");
  xml::Element instant("query", std::string(ns::kMucOwner));
  instant.add(xml::Element("x", std::string(ns::kDataForms))).set_attr("type", "submit");
  EXPECT_EQ(iq(alice, "set", kRoom, instant).attr_or("type"), "result");
  send(alice, groupchat("temporary"));
  EXPECT_EQ(archive->count(kRoom), 1u);
  xml::Element leave("presence", std::string(ns::kClient));
  leave.set_attr("to", std::string(kRoom) + "/Alice").set_attr("type", "unavailable");
  send(alice, leave);
  EXPECT_EQ(service().room_count(), 0u);
  EXPECT_EQ(archive->count(kRoom), 0u);
}

TEST_F(MucTest, WithTheServersMamOffNoRoomArchivesOrAdvertisesIt) {
  FakeSession& alice = owner_with_instant_room();
  const xml::Element info = iq(alice, "get", kRoom, xml::Element("query", std::string(ns::kDiscoInfo)));
  for (const xml::Element& f : info.child("query")->children()) EXPECT_NE(f.attr_or("var"), ns::kMam);
  alice.take();
  send(alice, groupchat("hello"));
  const auto got = alice.take();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].child("stanza-id", ns::kStanzaId), nullptr);
  xml::Element q("query", std::string(ns::kMam));
  EXPECT_EQ(condition(iq(alice, "set", kRoom, q)), "service-unavailable");
}


// ---- What a persistent room writes to the store ----

// Every row written to (inserted into, updated in or deleted from) muc_affiliation since
// the call, counted by temporary triggers on this connection.
class AffiliationWrites {
 public:
  explicit AffiliationWrites(store::Database& db) : db_(db) {
    db_.execute("CREATE TEMP TABLE affiliation_writes(n INTEGER NOT NULL); INSERT INTO affiliation_writes VALUES (0);");
    for (std::string_view event : {"INSERT", "UPDATE", "DELETE"})
      db_.execute("CREATE TEMP TRIGGER count_affiliation_" + std::string(event) + " AFTER " + std::string(event) +
                  " ON main.muc_affiliation BEGIN UPDATE affiliation_writes SET n = n + 1; END;");
  }
  std::int64_t count() {
    auto q = db_.prepare("SELECT n FROM affiliation_writes");
    q.step();
    return q.integer(0);
  }

 private:
  store::Database& db_;
};

TEST_F(MucTest, AnAffiliationChangeWritesOneRowHoweverLargeTheRoom) {
  RoomConfig c;
  c.persistent = true;
  c.members_only = true;
  const Jid jid = *Jid::parse("staff@conference.example.org");
  Room& room = service().create_room(jid, c, {{"owner@example.org", Affiliation::Owner}});
  AffiliationWrites writes(*db);
  constexpr int kMembers = 1000;
  for (int i = 0; i < kMembers; ++i)
    room.set_affiliation(*Jid::parse("user" + std::to_string(i) + "@example.org"), Affiliation::Member);
  EXPECT_EQ(writes.count(), kMembers) << "one row per member added, not the whole list each time";
  const std::int64_t before = writes.count();
  room.set_affiliation(*Jid::parse("user500@example.org"), Affiliation::Admin);
  room.set_affiliation(*Jid::parse("user7@example.org"), Affiliation::None);
  EXPECT_EQ(writes.count() - before, 2);
  // A configuration change writes the room's row, no affiliation.
  FakeSession& owner = login("owner@example.org/o");
  join(owner, "Owner", "staff@conference.example.org");
  const std::int64_t before_config = writes.count();
  EXPECT_EQ(iq(owner, "set", "staff@conference.example.org", config({{"muc#roomconfig_roomname", "Staff"}})).attr_or("type"),
            "result");
  EXPECT_EQ(writes.count(), before_config);
  const auto live = room.affiliations();
  start();
  Room* restored = service().find(jid);
  ASSERT_NE(restored, nullptr);
  EXPECT_EQ(restored->affiliations(), live);
  EXPECT_EQ(restored->affiliations().size(), std::size_t{kMembers}) << "the owner and the members, user7 gone";
  EXPECT_EQ(restored->affiliation(*Jid::parse("user500@example.org")), Affiliation::Admin);
  EXPECT_EQ(restored->config().name, "Staff");
}

}  // namespace
}  // namespace jabberadmin::muc
