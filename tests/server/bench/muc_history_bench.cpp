// A measurement, not a test: groupchat messages to a persistent room of OCCUPANTS, through
// the router and the MUC module on a real database file (synchronous=FULL), with the room's
// history written at once (each message one commit and one disk sync, as a store without an
// executor does) and written behind (as the server runs it: one commit per batch), the io
// loop polled after each message as the server's would run. The time includes writing what
// waits at the end. Usage: muc_history_bench [MESSAGES] [OCCUPANTS]
#include <boost/asio/io_context.hpp>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "disco/disco.hpp"
#include "fakes.hpp"
#include "module/module.hpp"
#include "muc/muc.hpp"
#include "presence/presence.hpp"
#include "router/router.hpp"
#include "router_sessions.hpp"
#include "store/database.hpp"
#include "stream/namespaces.hpp"
#include "temp_dir.hpp"

using namespace jabberadmin;
using Clock = std::chrono::steady_clock;

namespace {

// An occupant's session that counts what it is sent and keeps nothing.
class CountingSession : public test::FakeSession {
 public:
  using FakeSession::FakeSession;
  std::size_t stanzas = 0;
  void deliver(const xml::Element&) override { ++stanzas; }
  void deliver_serialized(std::string) override { ++stanzas; }
};

double messages_per_second(bool behind, std::size_t messages, std::size_t occupants) {
  test::TempDir dir("muc-bench");
  boost::asio::io_context io;
  router::Router router({"example.org"});
  stream::StreamFeatures stream_features;
  module::DiscoFeatures disco_features;
  auto db = std::make_unique<store::Database>(dir / "jabberadmin.sqlite");
  muc::MucOptions options;
  options.limits.message_rate = 0;
  auto modules = std::make_unique<module::Modules>(
      module::Services{router, stream_features, disco_features, nullptr, nullptr, db.get(),
                       behind ? io.get_executor() : boost::asio::any_io_executor()},
      std::vector<module::Factory>{module::make<presence::Presence>(), module::make<disco::Disco>(),
                                   [&](module::Context& c) { return std::make_unique<muc::Muc>(c, "conference", options); }});
  muc::MucService& service = *modules->find<muc::Muc>()->service();
  muc::RoomConfig config;
  config.persistent = true;
  const Jid room = *Jid::parse("bench@conference.example.org");
  service.create_room(room, config, {{"user0@example.org", muc::Affiliation::Owner}});
  std::vector<std::unique_ptr<CountingSession>> sessions;
  for (std::size_t i = 0; i < occupants; ++i) {
    auto& s = *sessions.emplace_back(std::make_unique<CountingSession>(*Jid::parse("user" + std::to_string(i) + "@example.org/r")));
    s.host = &router;
    router.bind(s);
    xml::Element join("presence", std::string(ns::kClient));
    join.set_attr("to", room.bare() + "/user" + std::to_string(i)).set_attr("from", s.jid().full());
    join.add(xml::Element("x", std::string(ns::kMuc)));
    router.on_stanza(s, std::move(join));
  }
  const auto start = Clock::now();
  for (std::size_t i = 0; i < messages; ++i) {
    xml::Element m("message", std::string(ns::kClient));
    m.set_attr("to", room.bare()).set_attr("type", "groupchat").set_attr("from", sessions[0]->jid().full());
    m.add(xml::Element("body", std::string(ns::kClient))).add_text("message " + std::to_string(i));
    router.on_stanza(*sessions[0], std::move(m));
    io.poll();
  }
  modules.reset();  // writes what waits
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  sessions.clear();
  return static_cast<double>(messages) / seconds;
}

}  // namespace

int main(int argc, char** argv) {
  const std::size_t messages = argc > 1 ? std::strtoul(argv[1], nullptr, 10) : 2000;
  const std::size_t occupants = argc > 2 ? std::strtoul(argv[2], nullptr, 10) : 50;
  std::printf("%zu messages to a persistent room of %zu occupants\n", messages, occupants);
  std::printf("history written at once: %10.0f messages/s\n", messages_per_second(false, messages, occupants));
  std::printf("history written behind:  %10.0f messages/s\n", messages_per_second(true, messages, occupants));
}
