// Group rooms: the sync between the directory's groups and the MUC service's rooms, on a
// bare router with the presence and MUC modules, a directory cache the test fills and a
// database that survives a restart: rooms made at reconcile, members following the group
// live (321 for who leaves it), rooms of emptied groups destroyed, users' own rooms left alone.
#include <gtest/gtest.h>

#include <algorithm>
#include <memory>

#include "directory/directory_cache.hpp"
#include "directory_users.hpp"
#include "disco/disco.hpp"
#include "fakes.hpp"
#include "router_sessions.hpp"
#include "group_rooms/group_room_store.hpp"
#include "group_rooms/group_room_sync.hpp"
#include "module/module.hpp"
#include "muc/muc.hpp"
#include "presence/presence.hpp"
#include "store/database.hpp"
#include "stream/namespaces.hpp"
#include "temp_dir.hpp"

namespace jabberadmin::group_rooms {
namespace {
using test::FakeSession;
using test::make_user;

constexpr std::string_view kSales = "sales@conference.example.org";

std::string error_condition(const xml::Element& e) {
  const xml::Element* error = e.child("error");
  return error && error->first_element() ? error->first_element()->name() : std::string();
}

bool has_code(const xml::Element& stanza, std::string_view code) {
  if (const xml::Element* x = stanza.child("x", ns::kMucUser))
    for (const xml::Element& c : x->children())
      if (c.is("status", ns::kMucUser) && c.attr_or("code") == code) return true;
  return false;
}

class GroupRoomsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    directory.put(make_user("anna", "Sales"));
    directory.put(make_user("boris", "Sales"));
    directory.put(make_user("vera", "Отдел продаж"));
    directory.put(make_user("loner", std::nullopt));
    directory.refreshed();
    start();
  }
  void TearDown() override { stop(); }

  // What a (re)started server has: the MUC module (persistent rooms reloaded) and the sync.
  void start() {
    stop();
    router = std::make_unique<router::Router>(std::vector<std::string>{"example.org"});
    db = std::make_unique<store::Database>(tmp / "jabberadmin.sqlite");
    modules = std::make_unique<module::Modules>(
        module::Services{*router, stream_features, disco_features, nullptr, nullptr, db.get()},
        std::vector<module::Factory>{module::make<presence::Presence>(), module::make<disco::Disco>(),
                                     [](module::Context& c) { return std::make_unique<muc::Muc>(c, "conference", muc::MucOptions{}); }});
    store = std::make_unique<GroupRoomStore>(*db);
    sync = std::make_unique<GroupRoomSync>(
        service(), directory, *store,
        MembershipObserver{.joined = [this](const std::string& name, const Jid& room,
                                            const std::string& group) { events.push_back("+" + name + " " + room.bare() + " " + group); },
                           .left = [this](const std::string& name, const Jid& room) { events.push_back("-" + name + " " + room.bare()); }});
  }
  void stop() {
    sessions.clear();
    sync.reset();
    store.reset();
    modules.reset();
    db.reset();
    router.reset();
  }
  muc::MucService& service() { return *modules->find<muc::Muc>()->service(); }
  muc::Room* room(std::string_view jid) { return service().find(*Jid::parse(jid)); }
  // A directory change as the feed reports it, applied as the module's settle timer would.
  void change(const std::string& name, const std::function<void(User&)>& edit) {
    User before = test::change_user(directory, name, edit);
    if (sync->changed({before, *directory.find(name)})) sync->flush();
  }

  FakeSession& login(std::string_view full) { return test::log_in(*router, sessions, full); }
  void send(FakeSession& s, xml::Element e) { test::send_from(*router, s, std::move(e)); }
  // The presence the room sends back to the joining user about itself (or its error).
  xml::Element join(FakeSession& s, std::string_view nick, std::string_view to = kSales) {
    xml::Element p("presence", std::string(ns::kClient));
    p.set_attr("to", std::string(to) + "/" + std::string(nick));
    p.add(xml::Element("x", std::string(ns::kMuc)));
    send(s, p);
    for (xml::Element& e : s.take())
      if (e.name() == "presence" && e.attr_or("from") == std::string(to) + "/" + std::string(nick)) return e;
    ADD_FAILURE() << "no answer to the join";
    return xml::Element();
  }

  test::TempDir tmp{"group_rooms"};
  directory::DirectoryCache directory;
  stream::StreamFeatures stream_features;
  module::DiscoFeatures disco_features;
  std::unique_ptr<router::Router> router;
  std::unique_ptr<store::Database> db;
  std::unique_ptr<module::Modules> modules;
  std::unique_ptr<GroupRoomStore> store;
  std::unique_ptr<GroupRoomSync> sync;
  std::vector<std::unique_ptr<FakeSession>> sessions;
  std::vector<std::string> events;  // what the membership observer (the bookmarks) heard
};

TEST_F(GroupRoomsTest, ReconcileMakesAPersistentMembersOnlyRoomPerGroup) {
  sync->reconcile();
  muc::Room* sales = room(kSales);
  ASSERT_TRUE(sales);
  EXPECT_EQ(sales->config().name, "Sales");
  EXPECT_TRUE(sales->config().persistent);
  EXPECT_TRUE(sales->config().members_only);
  EXPECT_FALSE(sales->locked());
  EXPECT_EQ(sales->affiliations(), (std::map<std::string, muc::Affiliation>{{"anna@example.org", muc::Affiliation::Member},
                                                                            {"boris@example.org", muc::Affiliation::Member}}));
  // XEP-0106 escaping, then the localpart normalised.
  muc::Room* sales_ru = service().find(Jid{"отдел\\20продаж", "conference.example.org", {}});
  ASSERT_TRUE(sales_ru);
  EXPECT_EQ(sales_ru->config().name, "Отдел продаж");
  EXPECT_EQ(sales_ru->affiliation(Jid{"vera", "example.org", {}}), muc::Affiliation::Member);
  EXPECT_EQ(service().room_count(), 2u);
}

TEST_F(GroupRoomsTest, MembersFollowTheGroupLive) {
  sync->reconcile();
  FakeSession& anna = login("anna@example.org/a");
  FakeSession& loner = login("loner@example.org/l");
  EXPECT_FALSE(join(anna, "Anna").child("error"));
  EXPECT_EQ(error_condition(join(loner, "Loner")), "registration-required");

  change("loner", [](User& u) { u.group = "Sales"; });
  EXPECT_FALSE(join(loner, "Loner").child("error"));

  anna.take();
  change("anna", [](User& u) { u.group = "Отдел продаж"; });
  bool removed = false;
  for (const xml::Element& e : anna.take())
    if (e.attr_or("from") == std::string(kSales) + "/Anna" && e.attr_or("type") == "unavailable") removed = has_code(e, "321");
  EXPECT_TRUE(removed) << "anna left Sales: out of its room with 321";
  EXPECT_EQ(room(kSales)->affiliation(Jid{"anna", "example.org", {}}), muc::Affiliation::None);
  EXPECT_EQ(service().find(Jid{"отдел\\20продаж", "conference.example.org", {}})->affiliation(Jid{"anna", "example.org", {}}),
            muc::Affiliation::Member);

  // Deleted from the directory: the same.
  User before = *directory.find("loner");
  directory.erase("loner");
  if (sync->changed({before, std::nullopt})) sync->flush();
  EXPECT_EQ(room(kSales)->affiliation(Jid{"loner", "example.org", {}}), muc::Affiliation::None);
  EXPECT_FALSE(room(kSales)->has_occupant(loner.jid()));
}

TEST_F(GroupRoomsTest, AnEmptiedGroupLosesItsRoomAndAUsersOwnRoomIsLeftAlone) {
  sync->reconcile();
  change("vera", [](User& u) { u.group = std::nullopt; });
  EXPECT_FALSE(service().find(Jid{"отдел\\20продаж", "conference.example.org", {}}));
  EXPECT_TRUE(store->load().count("sales@conference.example.org"));
  EXPECT_FALSE(store->load().count("отдел\\20продаж@conference.example.org"));

  // A user made "lab" before the group existed: the group gets no room, the user's stays as it is.
  muc::RoomConfig own;
  own.persistent = true;
  service().create_room(*Jid::parse("lab@conference.example.org"), own,
                        {{"loner@example.org", muc::Affiliation::Owner}});
  change("vera", [](User& u) { u.group = "Lab"; });
  muc::Room* lab = room("lab@conference.example.org");
  ASSERT_TRUE(lab);
  EXPECT_EQ(lab->affiliation(Jid{"loner", "example.org", {}}), muc::Affiliation::Owner);
  EXPECT_EQ(lab->affiliation(Jid{"vera", "example.org", {}}), muc::Affiliation::None);
  change("vera", [](User& u) { u.group = std::nullopt; });
  EXPECT_TRUE(room("lab@conference.example.org")) << "never destroyed: not a group room";
}

TEST_F(GroupRoomsTest, ARestartSetsRightWhatChangedWhileTheServerWasDown) {
  sync->reconcile();
  // While the server is down: boris leaves Sales, Отдел продаж empties, Support appears.
  sessions.clear();
  sync.reset();
  test::change_user(directory, "boris", [](User& u) { u.group = "Support"; });
  test::change_user(directory, "vera", [](User& u) { u.group = std::nullopt; });
  start();
  ASSERT_TRUE(room(kSales)) << "persistent: reloaded by the MUC module";
  sync->reconcile();
  EXPECT_EQ(room(kSales)->affiliations(),
            (std::map<std::string, muc::Affiliation>{{"anna@example.org", muc::Affiliation::Member}}));
  EXPECT_FALSE(service().find(Jid{"отдел\\20продаж", "conference.example.org", {}}));
  ASSERT_TRUE(room("support@conference.example.org"));
  EXPECT_EQ(service().room_count(), 2u);
}

TEST_F(GroupRoomsTest, ACaseOnlyRenameKeepsTheRoom) {
  sync->reconcile();
  FakeSession& boris = login("boris@example.org/b");
  EXPECT_FALSE(join(boris, "Boris").child("error"));
  change("anna", [](User& u) { u.group = "sales"; });  // cl-groupmod -n sales Sales moves one member...
  EXPECT_TRUE(room(kSales));
  change("boris", [](User& u) { u.group = "sales"; });  // ...then the last
  ASSERT_TRUE(room(kSales)) << "the same localpart: passed to the new name";
  EXPECT_TRUE(room(kSales)->has_occupant(boris.jid())) << "not destroyed and made again";
  EXPECT_EQ(store->load().at("sales@conference.example.org"), "sales");
  EXPECT_EQ(room(kSales)->affiliations().size(), 2u);
}

// The bookmarks follow changes of membership only: a restart publishes none again.
TEST_F(GroupRoomsTest, TheMembershipObserverHearsOfChangesOnly) {
  sync->reconcile();
  std::sort(events.begin(), events.end());
  EXPECT_EQ(events, (std::vector<std::string>{"+anna sales@conference.example.org Sales",
                                              "+boris sales@conference.example.org Sales",
                                              "+vera отдел\\20продаж@conference.example.org Отдел продаж"}));
  events.clear();
  change("anna", [](User& u) { u.group = "Отдел продаж"; });
  EXPECT_EQ(events, (std::vector<std::string>{"-anna sales@conference.example.org",
                                              "+anna отдел\\20продаж@conference.example.org Отдел продаж"}));
  events.clear();
  start();
  sync->reconcile();
  EXPECT_TRUE(events.empty());
  change("boris", [](User& u) { u.group = std::nullopt; });  // Sales empties: its room goes
  EXPECT_EQ(events, (std::vector<std::string>{"-boris sales@conference.example.org"}));
}

}  // namespace
}  // namespace jabberadmin::group_rooms
