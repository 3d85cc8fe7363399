// A measurement, not a test: one account's archive of 1,000,000 messages (and 100,000 of
// ten other accounts between them) in a temporary database, then "the last 50 messages"
// asked 200 times, as a client asks when it opens a conversation: through the store alone,
// through the whole IQ (parse, position lookups, results serialized as a stream would),
// and the same page with a 'with' filter and before an id deep in the archive.
// Prints p50 and p99 of each. Usage: mam_query_bench [MESSAGES] [QUERIES]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include "fakes.hpp"
#include "mam/message_archive.hpp"
#include "router/router.hpp"
#include "store/database.hpp"
#include "temp_dir.hpp"
#include "xml/element.hpp"
#include "xml/stream_parser.hpp"

using namespace jabberadmin;
using Clock = std::chrono::steady_clock;

namespace {
// A session that serializes what it is given, as a stream would, and keeps nothing.
class SerializingSession : public test::FakeSession {
 public:
  using FakeSession::FakeSession;
  std::size_t bytes = 0, stanzas = 0;
  void deliver(const xml::Element& stanza) override {
    bytes += xml::serialize(stanza, "jabber:client").size();
    ++stanzas;
  }
};

void report(const char* what, std::vector<double> micros) {
  std::sort(micros.begin(), micros.end());
  const auto at = [&](double q) { return micros[std::min(micros.size() - 1, static_cast<std::size_t>(q * micros.size()))]; };
  std::printf("%-52s p50 %8.3f ms   p99 %8.3f ms   max %8.3f ms\n", what, at(0.50) / 1000, at(0.99) / 1000,
              micros.back() / 1000);
}

double time_us(const std::function<void()>& f) {
  const auto start = Clock::now();
  f();
  return std::chrono::duration<double, std::micro>(Clock::now() - start).count();
}
}  // namespace

int main(int argc, char** argv) {
  const std::size_t messages = argc > 1 ? std::strtoul(argv[1], nullptr, 10) : 1000000;
  const std::size_t queries = argc > 2 ? std::strtoul(argv[2], nullptr, 10) : 200;
  test::TempDir dir("mam-bench");
  store::Database db(dir.path() / "jabberadmin.sqlite");
  router::Router routing({"example.org"});
  mam::MessageArchive archive(routing, db, {.exists = [](const Jid&) { return true; }});

  const auto filled = Clock::now();
  const auto t0 = std::chrono::system_clock::now() - std::chrono::hours(24 * 365);
  std::vector<std::string> ids;
  ids.reserve(messages);
  {
    store::Transaction transaction(db);
    std::mt19937 random(42);
    for (std::size_t i = 0; i < messages + messages / 10; ++i) {
      const bool ours = i % 11 != 10;
      const std::string owner = ours ? "alice@example.org" : "user" + std::to_string(i % 10) + "@example.org";
      const std::string with = "contact" + std::to_string(random() % 50) + "@example.org/res";
      const std::string id = "id" + std::to_string(i);
      const std::string stanza = "<message xmlns='jabber:client' from='" + with + "' to='" + owner +
                                 "/phone' type='chat' id='m" + std::to_string(i) +
                                 "'><body>Message number " + std::to_string(i) + ", a line of ordinary length.</body></message>";
      archive.store().append(owner, {id, t0 + std::chrono::seconds(i) / 4, with,
                                     i % 2 ? mam::Direction::Incoming : mam::Direction::Outgoing, stanza});
      if (ours) ids.push_back(id);
    }
    transaction.commit();
  }
  std::printf("filled %zu messages for alice (+%zu of others) in %.1f s\n", ids.size(), messages / 10,
              std::chrono::duration<double>(Clock::now() - filled).count());

  std::vector<double> store_last, iq_last, iq_with, iq_before;
  mam::Selection last50{.owner = "alice@example.org", .max = 50, .from_the_end = true};
  SerializingSession alice(*Jid::parse("alice@example.org/desk"));
  alice.host = &routing;
  routing.bind(alice);
  const auto iq = [&](const std::string& inner) {
    auto e = xml::parse_serialized("<iq xmlns='jabber:client' type='set' id='q'><query xmlns='urn:xmpp:mam:2' queryid='b'>" +
                                       inner + "</query></iq>",
                                   "jabber:client");
    e->set_attr("from", "alice@example.org/desk");
    return *e;
  };
  const xml::Element last_iq = iq("<set xmlns='http://jabber.org/protocol/rsm'><max>50</max><before/></set>");
  const xml::Element with_iq =
      iq("<x xmlns='jabber:x:data' type='submit'><field var='FORM_TYPE' type='hidden'><value>urn:xmpp:mam:2</value>"
         "</field><field var='with'><value>contact7@example.org</value></field></x>"
         "<set xmlns='http://jabber.org/protocol/rsm'><max>50</max><before/></set>");
  std::mt19937 pick(7);
  for (std::size_t i = 0; i < queries; ++i) {
    std::size_t got = 0;
    store_last.push_back(time_us([&] { got = archive.store().select(last50).items.size(); }));
    if (got != 50) return std::fprintf(stderr, "expected 50, got %zu\n", got), 1;
    alice.stanzas = 0;
    iq_last.push_back(time_us([&] { routing.on_stanza(alice, last_iq); }));
    if (alice.stanzas != 51) return std::fprintf(stderr, "expected 51 stanzas, got %zu\n", alice.stanzas), 1;
    iq_with.push_back(time_us([&] { routing.on_stanza(alice, with_iq); }));
    const xml::Element before_iq = iq("<set xmlns='http://jabber.org/protocol/rsm'><max>50</max><before>" +
                                      ids[ids.size() / 10 + pick() % (ids.size() / 2)] + "</before></set>");
    iq_before.push_back(time_us([&] { routing.on_stanza(alice, before_iq); }));
  }
  report("store: last 50 of alice's archive", store_last);
  report("IQ: last 50 (<before/>), 51 stanzas serialized", iq_last);
  report("IQ: last 50 with one contact of 50", iq_with);
  report("IQ: 50 before a random id deep in the archive", iq_before);
  routing.unbind(alice);
  return 0;
}
