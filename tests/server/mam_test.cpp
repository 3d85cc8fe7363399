// XEP-0313 message archive: the store (order, paging, filters, pruning, removal), the query
// parser's checks on what a client sends, and the archive through the router: both copies
// of a message, the recipient's stanza-id, forged ids removed, preferences, and queries.
#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>

#include <filesystem>
#include <set>

#include "fakes.hpp"
#include "mam/archive_query.hpp"
#include "mam/archive_store.hpp"
#include "mam/message_archive.hpp"
#include "router/router.hpp"
#include "store/database.hpp"
#include "stream/namespaces.hpp"
#include "temp_dir.hpp"
#include "util/utc_time.hpp"
#include "xml/element.hpp"
#include "xml/stream_parser.hpp"

namespace jabberadmin::mam {
namespace {
using namespace std::chrono_literals;
using test::FakeSession;

Jid jid(std::string_view s) { return *Jid::parse(s); }
const TimePoint kT0 = std::chrono::sys_days{std::chrono::year{2024} / 5 / 1} + 12h;

xml::Element parse(std::string_view text) {
  auto e = xml::parse_serialized(text, ns::kClient);
  EXPECT_TRUE(e.has_value()) << text;
  return e ? *e : xml::Element();
}

// ---- util::parse_xmpp_datetime ------------------------------------------------------------

TEST(XmppDatetime, ReadsWhatXep0082Allows) {
  EXPECT_EQ(util::parse_xmpp_datetime("2024-05-01T12:00:00Z"), kT0);
  EXPECT_EQ(util::parse_xmpp_datetime("2024-05-01T14:00:00+02:00"), kT0);
  EXPECT_EQ(util::parse_xmpp_datetime("2024-05-01T11:30:00-00:30"), kT0);
  EXPECT_EQ(util::parse_xmpp_datetime("2024-05-01T12:00:00.250Z"), kT0 + 250ms);
  EXPECT_EQ(util::parse_xmpp_datetime("2024-05-01T12:00:00.123456789Z"), kT0 + 123456us);
  EXPECT_EQ(util::parse_xmpp_datetime(util::xmpp_datetime(kT0 + 5ms)), kT0 + 5ms) << "reads its own";
  EXPECT_EQ(util::parse_xmpp_datetime("9999-12-31T23:59:59Z"), TimePoint::max()) << "beyond the clock: its end";
  EXPECT_EQ(util::parse_xmpp_datetime("0001-01-01T00:00:00Z"), TimePoint::min());
}

TEST(XmppDatetime, RefusesAnythingElse) {
  for (std::string_view bad :
       {"", "yesterday", "2024-05-01", "2024-05-01T12:00:00", "2024-13-01T12:00:00Z", "2024-02-30T12:00:00Z",
        "2024-05-01T24:00:00Z", "2024-05-01T12:60:00Z", "2024-05-01T12:00:00.Z", "2024-05-01T12:00:00Zjunk",
        "2024-05-01T12:00:00+2:00", "+024-05-01T12:00:00Z", "2024-05-01 12:00:00Z", "9999999999-01-01T00:00:00Z"})
    EXPECT_FALSE(util::parse_xmpp_datetime(bad)) << bad;
}

// ---- parse_query ---------------------------------------------------------------------------

std::variant<ArchiveQuery, QueryError> query(std::string_view inner) {
  return parse_query(parse("<query xmlns='urn:xmpp:mam:2' queryid='q'>" + std::string(inner) + "</query>"));
}
std::string form(std::string_view fields) {
  return "<x xmlns='jabber:x:data' type='submit'><field var='FORM_TYPE' type='hidden'><value>urn:xmpp:mam:2</value>"
         "</field>" + std::string(fields) + "</x>";
}
std::string error_of(const std::variant<ArchiveQuery, QueryError>& r) {
  return std::holds_alternative<QueryError>(r) ? std::get<QueryError>(r).condition : "";
}

TEST(ArchiveQueryParse, ReadsTheFormAndPaging) {
  const auto r = query(form("<field var='with'><value>Bob@Example.org/Desk</value></field>"
                            "<field var='start'><value>2024-05-01T12:00:00Z</value></field>"
                            "<field var='end'><value>2024-05-02T12:00:00Z</value></field>"
                            "<field var='after-id'><value>abc</value></field>") +
                       "<set xmlns='http://jabber.org/protocol/rsm'><max>10</max><before/></set>");
  ASSERT_EQ(error_of(r), "");
  const auto& q = std::get<ArchiveQuery>(r);
  EXPECT_EQ(q.queryid, "q");
  EXPECT_EQ(q.with->full(), "bob@example.org/Desk");
  EXPECT_EQ(q.start, kT0);
  EXPECT_EQ(q.end, kT0 + 24h);
  EXPECT_EQ(q.after_id, "abc");
  EXPECT_EQ(q.max, 10u);
  EXPECT_EQ(q.before, "") << "an empty <before/>: the last page";
  EXPECT_FALSE(q.after);
}

TEST(ArchiveQueryParse, DefaultsAndTheServerMaximum) {
  EXPECT_EQ(std::get<ArchiveQuery>(query("")).max, kDefaultPage);
  EXPECT_EQ(std::get<ArchiveQuery>(query("<set xmlns='http://jabber.org/protocol/rsm'><max>100000</max></set>")).max,
            kMaxPage);
}

TEST(ArchiveQueryParse, HostileInputIsRefusedWithTheRightCondition) {
  EXPECT_EQ(error_of(query(form("<field var='start'><value>not a date</value></field>"))), "bad-request");
  EXPECT_EQ(error_of(query(form("<field var='end'><value>2024-05-01T25:00:00Z</value></field>"))), "bad-request");
  EXPECT_EQ(error_of(query(form("<field var='with'><value>@@</value></field>"))), "bad-request");
  EXPECT_EQ(error_of(query(form("<field var='colour'><value>red</value></field>"))), "bad-request");
  EXPECT_EQ(error_of(query(form("<field var='start'><value>2024-05-02T00:00:00Z</value></field>"
                                "<field var='end'><value>2024-05-01T00:00:00Z</value></field>"))),
            "bad-request");
  EXPECT_EQ(error_of(query("<x xmlns='jabber:x:data' type='submit'><field var='FORM_TYPE'><value>urn:other</value>"
                           "</field></x>")),
            "bad-request");
  for (std::string_view max : {"-1", "ten", "", "99999999999999999999999", "1e3", " 5"})
    EXPECT_EQ(error_of(query("<set xmlns='http://jabber.org/protocol/rsm'><max>" + std::string(max) + "</max></set>")),
              "bad-request")
        << max;
  EXPECT_EQ(error_of(query("<set xmlns='http://jabber.org/protocol/rsm'><after/></set>")), "bad-request");
  EXPECT_EQ(error_of(query("<set xmlns='http://jabber.org/protocol/rsm'><after>a</after><before>b</before></set>")),
            "bad-request");
  EXPECT_EQ(error_of(query("<set xmlns='http://jabber.org/protocol/rsm'><after>" + std::string(5000, 'x') +
                           "</after></set>")),
            "item-not-found");
}

// ---- ArchiveStore --------------------------------------------------------------------------

class ArchiveStoreTest : public ::testing::Test {
 protected:
  jabberadmin::test::TempDir tmp_{"mam"};
  store::Database db{tmp_.path() / "jabberadmin.sqlite"};
  ArchiveStore archive{db};

  // n messages in alice's archive, one a minute from kT0, alternately with bob and carol.
  std::vector<std::string> fill(int n) {
    std::vector<std::string> ids;
    for (int i = 0; i < n; ++i) {
      const std::string id = "id" + std::to_string(i);
      archive.append("alice@example.org", {id, kT0 + std::chrono::minutes(i),
                                           i % 2 ? "carol@example.org/pc" : "bob@example.org/desk",
                                           i % 3 ? Direction::Incoming : Direction::Outgoing,
                                           "<message xmlns='jabber:client'><body>" + std::to_string(i) + "</body></message>"});
      ids.push_back(id);
    }
    return ids;
  }
  std::vector<std::string> ids(const Page& page) {
    std::vector<std::string> out;
    for (const auto& m : page.items) out.push_back(m.id);
    return out;
  }
};

TEST_F(ArchiveStoreTest, PagesForwardAndFromTheEnd) {
  const auto all = fill(25);
  Selection s{.owner = "alice@example.org", .max = 10};
  Page first = archive.select(s);
  EXPECT_EQ(ids(first), std::vector<std::string>(all.begin(), all.begin() + 10));
  EXPECT_FALSE(first.complete);
  s.after = archive.position("alice@example.org", first.items.back().id);
  Page second = archive.select(s);
  EXPECT_EQ(ids(second), std::vector<std::string>(all.begin() + 10, all.begin() + 20));
  s.after = archive.position("alice@example.org", second.items.back().id);
  Page third = archive.select(s);
  EXPECT_EQ(ids(third), std::vector<std::string>(all.begin() + 20, all.end()));
  EXPECT_TRUE(third.complete);

  Selection last{.owner = "alice@example.org", .max = 10, .from_the_end = true};
  Page end = archive.select(last);
  EXPECT_EQ(ids(end), std::vector<std::string>(all.begin() + 15, all.end())) << "oldest first, the last ten";
  EXPECT_FALSE(end.complete);
  last.before = archive.position("alice@example.org", "id5");
  Page start = archive.select(last);
  EXPECT_EQ(ids(start), std::vector<std::string>(all.begin(), all.begin() + 5));
  EXPECT_TRUE(start.complete) << "the first of the archive is in it";
}

TEST_F(ArchiveStoreTest, FiltersByWithAndTime) {
  fill(20);
  Selection s{.owner = "alice@example.org", .with_bare = "carol@example.org", .max = 100};
  EXPECT_EQ(archive.select(s).items.size(), 10u);
  s.with_resource = "pc";
  EXPECT_EQ(archive.select(s).items.size(), 10u);
  s.with_resource = "phone";
  EXPECT_EQ(archive.select(s).items.size(), 0u);
  Selection t{.owner = "alice@example.org", .start = kT0 + 5min, .end = kT0 + 9min, .max = 100};
  EXPECT_EQ(ids(archive.select(t)), (std::vector<std::string>{"id5", "id6", "id7", "id8", "id9"}));
  Selection other{.owner = "bob@example.org", .max = 100};
  EXPECT_TRUE(archive.select(other).items.empty()) << "an archive is its owner's";
  EXPECT_FALSE(archive.position("bob@example.org", "id1")) << "ids are per owner";
}

// Written behind: one transaction per batch, not a database sync per message. Rows the
// database holds, counted past the store (whose reads write what waits first).
TEST_F(ArchiveStoreTest, WrittenBehindInBatchesAndNeverMissedByAQuery) {
  const auto rows = [&] {
    auto st = db.prepare("SELECT count(*) FROM mam_archive");
    st.step();
    return st.integer(0);
  };
  const auto message = [](int i) {
    return ArchivedMessage{"w" + std::to_string(i), kT0, "bob@example.org", Direction::Incoming, "<m/>"};
  };
  boost::asio::io_context io;  // before the stores: a timer must not outlive its io_context
  ArchiveStore behind(db);
  behind.write_behind(io.get_executor());
  behind.append("alice@example.org", message(0));
  EXPECT_EQ(rows(), 0) << "waits for its batch";
  io.run_for(ArchiveStore::kWriteDelay * 5);
  EXPECT_EQ(rows(), 1) << "written within the delay";
  behind.append("alice@example.org", message(1));
  EXPECT_EQ(behind.count("alice@example.org"), 2u) << "a read writes what waits first";
  EXPECT_EQ(rows(), 2);
  for (int i = 2; i < 2 + static_cast<int>(ArchiveStore::kWriteBatch); ++i) behind.append("alice@example.org", message(i));
  EXPECT_EQ(rows(), 2 + static_cast<std::int64_t>(ArchiveStore::kWriteBatch)) << "a full batch goes at once";
  {
    ArchiveStore other(db);
    other.write_behind(io.get_executor());
    other.append("bob@example.org", message(9999));
  }
  EXPECT_EQ(rows(), 3 + static_cast<std::int64_t>(ArchiveStore::kWriteBatch)) << "what waits is written at the end";
  io.run_for(ArchiveStore::kWriteDelay * 5);  // the destroyed store's timer fires harmlessly
}

TEST_F(ArchiveStoreTest, SameStampKeepsTheOrderOfArrival) {
  for (int i = 0; i < 5; ++i)
    archive.append("alice@example.org", {"s" + std::to_string(i), kT0, "bob@example.org", Direction::Incoming, "<m/>"});
  Selection s{.owner = "alice@example.org", .max = 2};
  s.after = archive.position("alice@example.org", "s1");
  EXPECT_EQ(ids(archive.select(s)), (std::vector<std::string>{"s2", "s3"}));
}

TEST_F(ArchiveStoreTest, PruneRemovesOnlyWhatIsOlderAndRemovalTakesAnOwnersAll) {
  fill(30);
  archive.set_preferences("alice@example.org", {.default_policy = Policy::Never, .never = {"x@example.org"}});
  EXPECT_EQ(archive.prune(kT0 + 10min, 4), 4u) << "a batch at a time";
  EXPECT_EQ(archive.prune(kT0 + 10min, 100), 6u);
  EXPECT_EQ(archive.prune(kT0 + 10min, 100), 0u);
  EXPECT_EQ(archive.count("alice@example.org"), 20u);
  EXPECT_EQ(archive.owners(), std::vector<std::string>{"alice@example.org"});
  EXPECT_EQ(archive.preferences("alice@example.org")->never, std::vector<std::string>{"x@example.org"});
  EXPECT_EQ(archive.remove_owners({"alice@example.org"}), 21u) << "20 messages and the preferences";
  EXPECT_TRUE(archive.owners().empty());
  EXPECT_FALSE(archive.preferences("alice@example.org"));
}

// The page query reads the index in order: no sort of the owner's whole archive.
TEST_F(ArchiveStoreTest, PageQueriesUseAnIndexAndSortNothing) {
  fill(3);
  for (std::string_view with : {"", "bob@example.org"})
    for (std::string_view order : {"", " DESC"}) {
      const std::string sql =
          "EXPLAIN QUERY PLAN SELECT id FROM mam_archive WHERE owner = 'a'" +
          std::string(with.empty() ? "" : " AND with_bare = 'b'") +
          " AND stamp BETWEEN 1 AND 2 AND (stamp, seq) > (1, 1) AND (stamp, seq) < (2, 2) ORDER BY stamp" +
          std::string(order) + ", seq" + std::string(order) + " LIMIT 51";
      auto st = db.prepare(sql);
      std::string plan;
      while (st.step()) plan += st.text(3) + "; ";
      EXPECT_NE(plan.find("USING INDEX"), std::string::npos) << plan;
      EXPECT_EQ(plan.find("TEMP B-TREE"), std::string::npos) << plan;
    }
}

// ---- MessageArchive through the router ------------------------------------------------------

class MessageArchiveTest : public ::testing::Test {
 protected:
  jabberadmin::test::TempDir tmp_{"mam"};
  store::Database db{tmp_.path() / "jabberadmin.sqlite"};
  router::Router routing{{"example.org"}};
  std::set<std::string> accounts{"alice@example.org", "bob@example.org"};
  std::set<std::string> roster;  // "user contact"
  TimePoint now = kT0;
  std::vector<std::unique_ptr<FakeSession>> sessions;
  std::unique_ptr<MessageArchive> archive;
  std::vector<xml::Element> offline;
  util::Registration offline_hook = routing.on_undeliverable_message([this](const stream::Stanza& m) {
    offline.push_back(m.element());
  });

  void SetUp() override { start(Policy::Always); }
  void start(Policy policy) {
    archive.reset();
    archive = std::make_unique<MessageArchive>(
        routing, db,
        MamOptions{.exists = [this](const Jid& bare) { return accounts.contains(bare.bare()); },
                   .in_roster = [this](const Jid& u, const Jid& c) { return roster.contains(u.bare() + " " + c.bare()); },
                   .default_policy = policy,
                   .now = [this] { return now; }});
  }
  FakeSession& online(std::string_view full) {
    auto& s = *sessions.emplace_back(std::make_unique<FakeSession>(jid(full)));
    s.host = &routing;
    routing.bind(s);
    routing.set_presence(s.jid(), true, 0);
    return s;
  }
  void send(FakeSession& from, std::string_view to, std::string_view body, std::string_view extra = {}) {
    auto m = parse("<message xmlns='jabber:client' type='chat' to='" + std::string(to) + "'><body>" + std::string(body) +
                   "</body>" + std::string(extra) + "</message>");
    m.set_attr("from", from.jid().full());
    routing.on_stanza(from, m);
    now += 1s;
  }
  void iq(FakeSession& from, std::string_view xml) {
    auto e = parse(xml);
    e.set_attr("from", from.jid().full());
    routing.on_stanza(from, e);
  }
  std::size_t archived(std::string_view owner) { return archive->store().count(owner); }
};

TEST_F(MessageArchiveTest, BothSidesArchiveAndTheRecipientGetsTheStanzaId) {
  auto& alice = online("alice@example.org/a");
  auto& bob = online("bob@example.org/b");
  send(alice, "bob@example.org", "hello");
  EXPECT_EQ(archived("alice@example.org"), 1u);
  EXPECT_EQ(archived("bob@example.org"), 1u);
  ASSERT_EQ(bob.received.size(), 1u);
  const xml::Element* sid = bob.received[0].child("stanza-id", ns::kStanzaId);
  ASSERT_NE(sid, nullptr);
  EXPECT_EQ(sid->attr_or("by"), "bob@example.org");
  EXPECT_EQ(sid->attr_or("id").size(), 16u);
  EXPECT_TRUE(archive->store().position("bob@example.org", sid->attr_or("id"))) << "the id is the archive's";
  EXPECT_TRUE(alice.received.empty());
}

TEST_F(MessageArchiveTest, WhatTheSenderSentCarriesItsArchiveIdForItsOtherClients) {
  auto& alice = online("alice@example.org/a");
  auto& bob = online("bob@example.org/b");
  std::vector<xml::Element> observed;  // what carbons copies to alice's other clients
  const auto observer = routing.on_client_message([&](const stream::Stanza& m) { observed.push_back(m.element()); });
  send(alice, "bob@example.org", "hello",
       "<stanza-id xmlns='urn:xmpp:sid:0' id='forged' by='alice@example.org'/>");
  ASSERT_EQ(observed.size(), 1u);
  std::vector<std::string> ids;
  for (const auto& c : observed[0].children())
    if (c.is("stanza-id", ns::kStanzaId)) ids.push_back(c.attr_or("by") + " " + c.attr_or("id"));
  ASSERT_EQ(ids.size(), 1u) << "the forged one removed";
  ASSERT_TRUE(ids[0].starts_with("alice@example.org "));
  const std::string id = ids[0].substr(std::string("alice@example.org ").size());
  EXPECT_NE(id, "forged");
  EXPECT_TRUE(archive->store().position("alice@example.org", id)) << "the id is alice's archive's";
  ASSERT_EQ(bob.received.size(), 1u);
  std::vector<std::string> delivered;
  for (const auto& c : bob.received[0].children())
    if (c.is("stanza-id", ns::kStanzaId)) delivered.push_back(c.attr_or("by"));
  EXPECT_EQ(delivered, std::vector<std::string>{"bob@example.org"}) << "bob sees his own id alone";
}

TEST_F(MessageArchiveTest, OfflineMessagesAreArchivedAndStoredWithTheirId) {
  auto& alice = online("alice@example.org/a");
  send(alice, "bob@example.org", "while you were out");
  ASSERT_EQ(offline.size(), 1u);
  const xml::Element* sid = offline[0].child("stanza-id", ns::kStanzaId);
  ASSERT_NE(sid, nullptr);
  EXPECT_TRUE(archive->store().position("bob@example.org", sid->attr_or("id")));
}

TEST_F(MessageArchiveTest, AForgedStanzaIdIsRemovedAndOthersKept) {
  auto& alice = online("alice@example.org/a");
  auto& bob = online("bob@example.org/b");
  send(alice, "bob@example.org", "trust me",
       "<stanza-id xmlns='urn:xmpp:sid:0' id='forged' by='bob@example.org'/>"
       "<stanza-id xmlns='urn:xmpp:sid:0' id='forged2' by='alice@example.org'/>"
       "<stanza-id xmlns='urn:xmpp:sid:0' id='theirs' by='room@elsewhere.net'/>");
  ASSERT_EQ(bob.received.size(), 1u);
  std::vector<std::string> seen;
  for (const auto& c : bob.received[0].children())
    if (c.is("stanza-id", ns::kStanzaId)) seen.push_back(c.attr_or("id") + "@" + c.attr_or("by"));
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[0], "theirs@room@elsewhere.net");
  EXPECT_NE(seen[1].find("@bob@example.org"), std::string::npos);
  EXPECT_EQ(seen[1].find("forged"), std::string::npos);
}

TEST_F(MessageArchiveTest, AMessageRoutedAgainKeepsItsIdAndIsArchivedOnce) {
  auto& alice = online("alice@example.org/a");
  auto& bob = online("bob@example.org/b");
  send(alice, "bob@example.org", "once");
  ASSERT_EQ(bob.received.size(), 1u);
  const std::string id = bob.received[0].child("stanza-id", ns::kStanzaId)->attr_or("id");
  routing.deliver(bob.received[0]);  // what stream management does with an unacknowledged one
  ASSERT_EQ(bob.received.size(), 2u);
  EXPECT_EQ(bob.received[1].child("stanza-id", ns::kStanzaId)->attr_or("id"), id);
  EXPECT_EQ(archived("bob@example.org"), 1u);
}

TEST_F(MessageArchiveTest, WhatIsNotArchived) {
  auto& alice = online("alice@example.org/a");
  online("bob@example.org/b");
  send(alice, "bob@example.org", "secret", "<no-store xmlns='urn:xmpp:hints'/>");
  send(alice, "bob@example.org", "secret", "<no-permanent-store xmlns='urn:xmpp:hints'/>");
  send(alice, "nobody@example.org", "to no account");
  auto state = parse("<message xmlns='jabber:client' type='chat' to='bob@example.org'>"
                     "<active xmlns='http://jabber.org/protocol/chatstates'/></message>");
  state.set_attr("from", "alice@example.org/a");
  routing.on_stanza(alice, state);
  auto headline = parse("<message xmlns='jabber:client' type='headline' to='bob@example.org'><body>x</body></message>");
  headline.set_attr("from", "alice@example.org/a");
  routing.on_stanza(alice, headline);
  EXPECT_EQ(archived("alice@example.org"), 0u);
  EXPECT_EQ(archived("bob@example.org"), 0u);
}

TEST_F(MessageArchiveTest, PreferencesDecideForEachSide) {
  auto& alice = online("alice@example.org/a");
  auto& bob = online("bob@example.org/b");
  iq(bob, "<iq type='set' id='p1'><prefs xmlns='urn:xmpp:mam:2' default='never'>"
          "<always><jid>carol@example.org</jid></always></prefs></iq>");
  ASSERT_EQ(bob.received.size(), 1u);
  EXPECT_EQ(bob.received[0].attr_or("type"), "result");
  EXPECT_EQ(bob.received[0].child("prefs", ns::kMam)->attr_or("default"), "never");
  send(alice, "bob@example.org", "kept by alice only");
  EXPECT_EQ(archived("alice@example.org"), 1u);
  EXPECT_EQ(archived("bob@example.org"), 0u);

  start(Policy::Always);  // a restart: the preferences were stored
  send(alice, "bob@example.org", "still");
  EXPECT_EQ(archived("bob@example.org"), 0u);

  start(Policy::Roster);
  send(bob, "alice@example.org", "alice has roster default, bob is no contact");
  EXPECT_EQ(archived("alice@example.org"), 2u);
  iq(alice, "<iq type='set' id='p2'><prefs xmlns='urn:xmpp:mam:2' default='roster'/></iq>");
  send(bob, "alice@example.org", "not a contact");
  EXPECT_EQ(archived("alice@example.org"), 2u);
  roster.insert("alice@example.org bob@example.org");
  send(bob, "alice@example.org", "a contact");
  EXPECT_EQ(archived("alice@example.org"), 3u);
  bob.received.clear();
  iq(bob, "<iq type='set' id='p3'><prefs xmlns='urn:xmpp:mam:2' default='sometimes'/></iq>");
  ASSERT_EQ(bob.received.size(), 1u);
  EXPECT_EQ(bob.received[0].attr_or("type"), "error");
}

TEST_F(MessageArchiveTest, QueriesPageTheOwnArchiveAndRefuseAnothers) {
  auto& alice = online("alice@example.org/a");
  auto& bob = online("bob@example.org/b");
  for (int i = 0; i < 12; ++i) send(alice, "bob@example.org", "m" + std::to_string(i));
  bob.received.clear();
  iq(bob, "<iq type='set' id='q1'><query xmlns='urn:xmpp:mam:2' queryid='x'>"
          "<set xmlns='http://jabber.org/protocol/rsm'><max>5</max></set></query></iq>");
  ASSERT_EQ(bob.received.size(), 6u);
  const xml::Element* result = bob.received[0].child("result", ns::kMam);
  ASSERT_NE(result, nullptr);
  EXPECT_EQ(result->attr_or("queryid"), "x");
  EXPECT_EQ(bob.received[0].attr_or("from"), "bob@example.org");
  const xml::Element* forwarded = result->child("forwarded", ns::kForward);
  ASSERT_NE(forwarded, nullptr);
  const std::string bytes = xml::serialize(*forwarded);
  EXPECT_NE(bytes.find("<message xmlns='jabber:client'"), std::string::npos) << bytes;
  EXPECT_NE(bytes.find("<body>m0</body>"), std::string::npos) << bytes;
  EXPECT_NE(bytes.find("stamp='2024-05-01T12:00:00.000Z'"), std::string::npos) << bytes;
  const xml::Element& fin_iq = bob.received[5];
  EXPECT_EQ(fin_iq.attr_or("type"), "result");
  const xml::Element* fin = fin_iq.child("fin", ns::kMam);
  ASSERT_NE(fin, nullptr);
  EXPECT_EQ(fin->attr_or("complete"), "false");
  EXPECT_EQ(fin->child("set", ns::kRsm)->child("first", ns::kRsm)->text(), result->attr_or("id"));

  const std::string last = fin->child("set", ns::kRsm)->child("last", ns::kRsm)->text();
  bob.received.clear();
  iq(bob, "<iq type='set' id='q2'><query xmlns='urn:xmpp:mam:2'><set xmlns='http://jabber.org/protocol/rsm'>"
          "<max>100</max><after>" + last + "</after></set></query></iq>");
  ASSERT_EQ(bob.received.size(), 8u);
  EXPECT_EQ(bob.received[7].child("fin", ns::kMam)->attr_or("complete"), "true");

  for (std::string_view bad : {"<after>nonsense</after>", "<before>nonsense</before>"}) {
    bob.received.clear();
    iq(bob, "<iq type='set' id='q3'><query xmlns='urn:xmpp:mam:2'><set xmlns='http://jabber.org/protocol/rsm'>" +
                std::string(bad) + "</set></query></iq>");
    ASSERT_EQ(bob.received.size(), 1u);
    EXPECT_NE(xml::serialize(bob.received[0]).find("item-not-found"), std::string::npos);
  }
  alice.received.clear();
  iq(alice, "<iq type='set' id='q4' to='bob@example.org'><query xmlns='urn:xmpp:mam:2'/></iq>");
  ASSERT_EQ(alice.received.size(), 1u);
  EXPECT_NE(xml::serialize(alice.received[0]).find("forbidden"), std::string::npos);
  EXPECT_EQ(bob.received.size(), 1u) << "bob's archive went nowhere";

  bob.received.clear();
  iq(bob, "<iq type='get' id='f'><query xmlns='urn:xmpp:mam:2'/></iq>");
  ASSERT_EQ(bob.received.size(), 1u);
  EXPECT_NE(xml::serialize(bob.received[0]).find("var='after-id'"), std::string::npos);
}

// A deleted account's archive and preferences go with it (module::AccountData).
TEST_F(MessageArchiveTest, TheKeeperListsAndRemovesArchives) {
  auto& alice = online("alice@example.org/a");
  online("bob@example.org/b");
  send(alice, "bob@example.org", "hello");
  iq(alice, "<iq type='set' id='p'><prefs xmlns='urn:xmpp:mam:2' default='never'/></iq>");
  const auto keeper = archive->keeper();
  std::set<std::string> known;
  keeper.known(known);
  EXPECT_EQ(known, (std::set<std::string>{"alice@example.org", "bob@example.org"}));
  EXPECT_EQ(keeper.remove({"alice@example.org"}), 2u) << "one message and the preferences";
  known.clear();
  keeper.known(known);
  EXPECT_EQ(known, std::set<std::string>{"bob@example.org"});
  send(alice, "bob@example.org", "archived again: the preferences went too");
  EXPECT_EQ(archived("alice@example.org"), 1u);
}

// Retention: what is older than the period goes at once, in batches, and nothing newer.
TEST_F(MessageArchiveTest, PruningRemovesWhatIsOlderThanTheRetention) {
  for (int i = 0; i < 2500; ++i)
    archive->store().append("alice@example.org", {"old" + std::to_string(i), kT0 - std::chrono::hours(72), "bob@example.org",
                                                  Direction::Incoming, "<m/>"});
  archive->store().append("alice@example.org", {"new", kT0 - std::chrono::hours(1), "bob@example.org",
                                                Direction::Incoming, "<m/>"});
  now = kT0;
  boost::asio::io_context io;
  archive->schedule_pruning(io.get_executor(), std::chrono::days(1));
  io.run_for(std::chrono::milliseconds(500));
  EXPECT_EQ(archived("alice@example.org"), 1u);
  EXPECT_TRUE(archive->store().position("alice@example.org", "new"));
  archive.reset();  // its timer cancelled: nothing runs on a gone archive
  io.run_for(std::chrono::milliseconds(20));
}

// The settings refuse more than kMaxMamRetentionDays, but schedule_pruning takes any days:
// one longer than the clock reaches back keeps what a century would, and its cutoff must not
// overflow the clock's nanoseconds.
TEST_F(MessageArchiveTest, ARetentionLongerThanTheClockReachesKeepsEverything) {
  archive->store().append("alice@example.org", {"old", kT0 - std::chrono::hours(24 * 365 * 40), "bob@example.org",
                                                Direction::Incoming, "<m/>"});
  now = kT0;
  boost::asio::io_context io;
  archive->schedule_pruning(io.get_executor(), std::chrono::days(std::int64_t{1} << 40));
  io.run_for(std::chrono::milliseconds(200));
  EXPECT_EQ(archived("alice@example.org"), 1u);
  archive.reset();
  io.run_for(std::chrono::milliseconds(20));
}

}  // namespace
}  // namespace jabberadmin::mam
