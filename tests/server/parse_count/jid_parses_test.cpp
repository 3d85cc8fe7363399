// How often the server prepares a JID (Jid::parse: stringprep and IDNA, the dearest part of
// routing) while it handles a client's stanzas. The linker sends every call from the server's
// code through the counter below (-Wl,--wrap, see CMakeLists.txt), so the figures are the
// real ones of the code as built. Issue 13: a roster IQ's addresses were parsed three or
// four times; the router now parses a client stanza's addresses once, when it enters, and
// hands the handlers the parsed view (stream::Stanza).
#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>

#include <cstdio>
#include <memory>
#include <optional>
#include <string_view>

#include "directory_users.hpp"
#include "fakes.hpp"
#include "presence/presence.hpp"
#include "roster/roster_module.hpp"
#include "router/router.hpp"
#include "store/database.hpp"
#include "temp_dir.hpp"

namespace {
int parses = 0;
}  // namespace

// The real Jid::parse, and the counting one every call from outside jid.cpp reaches.
std::optional<jabberadmin::Jid> real_jid_parse(std::string_view text) __asm__(
    "__real__ZN11jabberadmin3Jid5parseESt17basic_string_viewIcSt11char_traitsIcEE");
std::optional<jabberadmin::Jid> counting_jid_parse(std::string_view text) __asm__(
    "__wrap__ZN11jabberadmin3Jid5parseESt17basic_string_viewIcSt11char_traitsIcEE");
std::optional<jabberadmin::Jid> counting_jid_parse(std::string_view text) {
  ++parses;
  return real_jid_parse(text);
}

namespace jabberadmin::roster {
namespace {

using test::FakeSession;

class JidParses : public ::testing::Test {
 protected:
  test::TempDir tmp_{"parses"};
  JidParses() {
    db = std::make_unique<store::Database>(tmp_ / "db.sqlite");
    for (const char* name : {"anna", "boris", "vera"}) directory.put(test::make_user(name, "Staff", name));
    directory.refreshed();
    rosters = std::make_unique<RosterModule>(router, directory, *db);
    presence = std::make_unique<presence::Presence>(router, rosters->contacts());
    rosters->start(*presence, io.get_executor(), RosterDirectoryOptions{{"example.org"}});
    rosters->follow(directory);
    rosters->live().flush();
  }
  ~JidParses() override { rosters.reset(); }

  FakeSession& bind(std::string_view full) {
    auto& s = *sessions.emplace_back(std::make_unique<FakeSession>(*Jid::parse(full)));
    router.bind(s);
    return s;
  }
  // A stanza as the stream hands it over: 'from' stamped.
  void send(FakeSession& s, xml::Element e) {
    e.set_attr("from", s.jid().full());
    router.on_stanza(s, std::move(e));
  }
  static xml::Element roster_get() {
    xml::Element iq("iq", "jabber:client");
    iq.set_attr("type", "get");
    iq.set_attr("id", "r1");
    iq.add(xml::Element("query", "jabber:iq:roster"));
    return iq;
  }
  // The calls f makes, printed for the record.
  int count(const char* what, const std::function<void()>& f) {
    const int before = parses;
    f();
    const int n = parses - before;
    std::printf("Jid::parse calls, %s: %d\n", what, n);
    return n;
  }

  boost::asio::io_context io;
  router::Router router{{"example.org"}};
  std::unique_ptr<store::Database> db;
  directory::DirectoryCache directory;
  std::unique_ptr<RosterModule> rosters;
  std::unique_ptr<presence::Presence> presence;
  std::vector<std::unique_ptr<FakeSession>> sessions;
};

TEST_F(JidParses, TheCounterSeesTheServersCalls) {
  EXPECT_EQ(count("one call", [] { (void)Jid::parse("anna@example.org"); }), 1);
}

TEST_F(JidParses, ARosterGetAndALogin) {
  auto& b = bind("boris@example.org/b");
  send(b, xml::Element("presence", "jabber:client"));
  auto& v = bind("vera@example.org/v");
  send(v, xml::Element("presence", "jabber:client"));
  auto& a = bind("anna@example.org/a");
  const int get = count("a roster get", [&] { send(a, roster_get()); });
  const int presence = count("initial presence, two group-mates online",
                             [&] { send(a, xml::Element("presence", "jabber:client")); });
  std::printf("Jid::parse calls, roster get and initial presence: %d\n", get + presence);
  ASSERT_FALSE(a.received.empty());
  // A stanza's addresses are parsed once, when it enters: a roster get has no 'to' and its
  // 'from' is the session's own JID; initial presence has neither to parse.
  EXPECT_EQ(get, 0);
  EXPECT_EQ(presence, 0);
}

TEST_F(JidParses, ARosterGetToTheOwnBareJid) {
  auto& a = bind("anna@example.org/a");
  send(a, xml::Element("presence", "jabber:client"));
  // Some clients address their roster get to their own bare JID: the 'to' is parsed once.
  const int get = count("a roster get with to='anna@example.org'", [&] {
    xml::Element iq = roster_get();
    iq.set_attr("to", "anna@example.org");
    send(a, iq);
  });
  EXPECT_EQ(get, 1);
}

TEST_F(JidParses, ARosterSetAndAMessage) {
  auto& a = bind("anna@example.org/a");
  send(a, xml::Element("presence", "jabber:client"));
  auto& b = bind("boris@example.org/b");
  send(b, xml::Element("presence", "jabber:client"));
  const int set = count("a roster set", [&] {
    xml::Element iq = roster_get();
    iq.set_attr("type", "set");
    iq.children()[0].add(xml::Element("item", "jabber:iq:roster")).set_attr("jid", "carl@example.org");
    send(a, iq);
  });
  const int message = count("a chat message to a bare JID", [&] {
    xml::Element m("message", "jabber:client");
    m.set_attr("to", "boris@example.org");
    m.set_attr("type", "chat");
    m.add(xml::Element("body", "jabber:client")).add_text("hi");
    send(a, m);
  });
  // The item's JID is text from outside (one parse); the message's 'to' is parsed once.
  EXPECT_EQ(set, 1);
  EXPECT_EQ(message, 1);
}

}  // namespace
}  // namespace jabberadmin::roster
