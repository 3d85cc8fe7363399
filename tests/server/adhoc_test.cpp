// XEP-0050 / XEP-0133: the administration commands, for the admins only, with their forms,
// the sessionid of a two-stage command, and refusals of bad input.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <map>

#include "adhoc/adhoc.hpp"
#include "disco/disco.hpp"
#include "fakes.hpp"
#include "module/module.hpp"
#include "stream/namespaces.hpp"

namespace jabberadmin::adhoc {
namespace {
using test::FakeSession;
constexpr std::string_view kData = "jabber:x:data";
const std::string kNode = std::string(kAdmin) + "#";

struct World {
  // The last logins the last-activity module would tell (absent: none recorded).
  std::map<std::string, std::chrono::system_clock::time_point> logins;
  bool with_last_login = true;
  router::Router router{{"example.org", "other.org"}};
  stream::StreamFeatures stream_features;
  module::DiscoFeatures disco_features;
  module::Modules modules{module::Services{router, stream_features, disco_features},
                          {module::make<disco::Disco>(), [this](module::Context& c) {
                             LastLogin last_login;
                             if (with_last_login)
                               last_login = [this](const Jid& bare) -> std::optional<std::chrono::system_clock::time_point> {
                                 const auto it = logins.find(bare.bare());
                                 if (it == logins.end()) return std::nullopt;
                                 return it->second;
                               };
                             return std::make_unique<Adhoc>(
                                 c, std::vector<std::string>{"root@example.org", "boss@other.org"}, last_login);
                           }}};
  FakeSession root{*Jid::parse("root@example.org/r")};
  FakeSession alice{*Jid::parse("alice@example.org/a")};
  FakeSession alice2{*Jid::parse("alice@example.org/b")};
  FakeSession bob{*Jid::parse("bob@example.org/b")};
  FakeSession boss{*Jid::parse("boss@other.org/x")};
  explicit World(bool last_login = true) : with_last_login(last_login) {
    for (FakeSession* s : {&root, &alice, &alice2, &bob, &boss}) {
      s->host = &router;
      router.bind(*s);
    }
    router.set_presence(alice.jid(), true, 0);
  }
  // Sends a command IQ from session and returns the one answer.
  xml::Element run(FakeSession& from, std::string_view node, std::string_view action = "execute",
                   std::string_view sessionid = {}, std::optional<xml::Element> form = {}) {
    xml::Element iq("iq", std::string(ns::kClient));
    iq.set_attr("type", "set").set_attr("id", "c1").set_attr("to", from.jid().domain).set_attr("from", from.jid().full());
    xml::Element& c = iq.add(xml::Element("command", std::string(kCommands)));
    c.set_attr("node", node).set_attr("action", action);
    if (!sessionid.empty()) c.set_attr("sessionid", sessionid);
    if (form) c.add(std::move(*form));
    from.received.clear();
    router.on_stanza(from, iq);
    // The answer; an announcement may reach the admin too (an online user of the host).
    const auto answers = std::count_if(from.received.begin(), from.received.end(),
                                       [](const xml::Element& e) { return e.name() == "iq"; });
    EXPECT_EQ(answers, 1);
    for (const auto& e : from.received)
      if (e.name() == "iq") return e;
    return xml::Element();
  }
};

xml::Element submit(std::string_view var, const std::vector<std::string>& values) {
  xml::Element x("x", std::string(kData));
  x.set_attr("type", "submit");
  xml::Element& f = x.add(xml::Element("field", std::string(kData)));
  f.set_attr("var", var);
  for (const auto& v : values) f.add(xml::Element("value", std::string(kData))).add_text(v);
  return x;
}

std::vector<std::string> field_values(const xml::Element& reply, std::string_view var) {
  std::vector<std::string> out;
  const xml::Element* c = reply.child("command", kCommands);
  if (!c) return out;
  const xml::Element* x = c->child("x", kData);
  if (!x) return out;
  for (const auto& f : x->children())
    if (f.name() == "field" && f.attr_or("var") == var)
      for (const auto& v : f.children())
        if (v.name() == "value") out.push_back(v.text());
  return out;
}

// XEP-0050 §4.6's specific condition of an error reply (bad-sessionid, ...), or "".
std::string specific(const xml::Element& reply) {
  const xml::Element* e = reply.child("error", ns::kClient);
  if (!e) return "";
  for (const auto& c : e->children())
    if (!c.is_text() && c.xmlns() == kCommands) return c.name();
  return "";
}

std::string condition(const xml::Element& reply) {
  const xml::Element* e = reply.child("error", ns::kClient);
  if (!e) return "";
  for (const auto& c : e->children())
    if (!c.is_text() && c.name() != "text") return c.name() + "/" + e->attr_or("type");
  return "";
}

TEST(Adhoc, AdvertisedAndListedToAdminsOnly) {
  World w;
  const auto features = w.disco_features.of(router::IqTarget::Server);
  EXPECT_NE(std::find(features.begin(), features.end(), std::string(kCommands)), features.end());
  auto items = [&](FakeSession& s) {
    xml::Element iq("iq", std::string(ns::kClient));
    iq.set_attr("type", "get").set_attr("id", "d").set_attr("to", "example.org").set_attr("from", s.jid().full());
    iq.add(xml::Element("query", std::string(ns::kDiscoItems))).set_attr("node", kCommands);
    s.received.clear();
    w.router.on_stanza(s, iq);
    EXPECT_EQ(s.received.size(), 1u);
    return s.received.back();
  };
  const xml::Element admin = items(w.root);
  ASSERT_EQ(admin.attr_or("type"), "result");
  EXPECT_EQ(admin.child("query", ns::kDiscoItems)->attr_or("node"), kCommands);
  EXPECT_EQ(admin.child("query", ns::kDiscoItems)->children().size(), 7u);
  const xml::Element user = items(w.alice);
  ASSERT_EQ(user.attr_or("type"), "result");
  EXPECT_TRUE(user.child("query", ns::kDiscoItems)->children().empty());
}

TEST(Adhoc, NormalUsersAndOtherHostsAdminsAreForbidden) {
  World w;
  EXPECT_EQ(condition(w.run(w.alice, kNode + "get-online-users-num")), "forbidden/auth");
  // boss is an admin of other.org, but sent from there: allowed there only.
  EXPECT_TRUE(w.router.serves("other.org"));
  EXPECT_EQ(w.run(w.boss, kNode + "get-online-users-num").attr_or("type"), "result");
  Adhoc* a = w.modules.find<Adhoc>();
  EXPECT_FALSE(a->is_admin(*Jid::parse("root@elsewhere.net")));
  EXPECT_TRUE(a->is_admin(*Jid::parse("root@example.org/any")));
}

TEST(Adhoc, OnlineAndActiveUsersOfTheAdminsHost) {
  World w;
  const xml::Element num = w.run(w.root, kNode + "get-online-users-num");
  EXPECT_EQ(num.child("command", kCommands)->attr_or("status"), "completed");
  EXPECT_EQ(field_values(num, "onlineusersnum"), std::vector<std::string>{"3"});  // root, alice, bob
  EXPECT_EQ(field_values(w.run(w.root, kNode + "get-online-users-list"), "onlineuserjids"),
            (std::vector<std::string>{"alice@example.org", "bob@example.org", "root@example.org"}));
  EXPECT_EQ(field_values(w.run(w.root, kNode + "get-active-users"), "activeuserjids"),
            std::vector<std::string>{"alice@example.org"});
  EXPECT_EQ(field_values(w.run(w.root, kNode + "get-active-users-num"), "activeusersnum"),
            std::vector<std::string>{"1"});
}

TEST(Adhoc, AnnounceIsTwoStagesAndReachesEveryOnlineUserOfTheHost) {
  World w;
  const xml::Element first = w.run(w.root, kNode + "announce");
  const xml::Element* c = first.child("command", kCommands);
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(c->attr_or("status"), "executing");
  ASSERT_NE(c->child("actions", kCommands), nullptr);
  EXPECT_EQ(c->child("x", kData)->attr_or("type"), "form");
  const std::string id = c->attr_or("sessionid");
  ASSERT_FALSE(id.empty());
  // Another admin cannot continue it.
  EXPECT_EQ(condition(w.run(w.boss, kNode + "announce", "execute", id, submit("body", {"x"}))), "bad-request/modify");
  w.alice.received.clear();
  w.boss.received.clear();
  const xml::Element done = w.run(w.root, kNode + "announce", "complete", id, submit("body", {"Reboot", "at 9"}));
  EXPECT_EQ(done.child("command", kCommands)->attr_or("status"), "completed");
  ASSERT_EQ(w.alice.received.size(), 1u);
  EXPECT_EQ(w.alice.received[0].child("body", ns::kClient)->text(), "Reboot\nat 9");
  EXPECT_EQ(w.alice.received[0].attr_or("from"), "example.org");
  EXPECT_TRUE(w.boss.received.empty()) << "other.org's users are not announced to";
  EXPECT_EQ(std::count_if(w.root.received.begin(), w.root.received.end(),
                          [](const xml::Element& e) { return e.name() == "message"; }),
            1)
      << "the admin is an online user of the host too";
  // The id is spent.
  const xml::Element spent = w.run(w.root, kNode + "announce", "complete", id, submit("body", {"x"}));
  EXPECT_EQ(condition(spent), "bad-request/modify");
  EXPECT_EQ(specific(spent), "bad-sessionid");
}

TEST(Adhoc, LastLoginOfAUserOfTheAdminsHost) {
  World w;
  const auto when = std::chrono::system_clock::time_point(std::chrono::seconds(1'700'000'000));
  w.logins["bob@example.org"] = when;
  auto ask = [&](std::vector<std::string> jids) {
    const xml::Element first = w.run(w.root, kNode + "get-user-lastlogin");
    const xml::Element* c = first.child("command", kCommands);
    EXPECT_EQ(c->attr_or("status"), "executing");
    return w.run(w.root, kNode + "get-user-lastlogin", "complete", c->attr_or("sessionid"), submit("accountjid", jids));
  };
  const xml::Element bob = ask({"Bob@Example.org"});
  EXPECT_EQ(bob.child("command", kCommands)->attr_or("status"), "completed");
  EXPECT_EQ(field_values(bob, "accountjid"), std::vector<std::string>{"bob@example.org"});
  EXPECT_EQ(field_values(bob, "lastlogin"), std::vector<std::string>{"2023-11-14T22:13:20.000Z"});
  // Never recorded: the field is there without a value.
  const xml::Element carol = ask({"carol@example.org"});
  EXPECT_EQ(carol.attr_or("type"), "result");
  EXPECT_TRUE(field_values(carol, "lastlogin").empty());
  // Another host's user, two JIDs, none: refused with bad-payload.
  for (const auto& bad : {std::vector<std::string>{"boss@other.org"}, {"bob@example.org", "alice@example.org"}, {}}) {
    const xml::Element refused = ask(bad);
    EXPECT_EQ(condition(refused), "bad-request/modify");
    EXPECT_EQ(specific(refused), "bad-payload");
  }
}

TEST(Adhoc, WithoutLastLoginsTheCommandIsNotOffered) {
  World w(false);
  EXPECT_EQ(condition(w.run(w.root, kNode + "get-user-lastlogin")), "item-not-found/cancel");
}

TEST(Adhoc, CancelEndsTheCommand) {
  World w;
  const std::string id = w.run(w.root, kNode + "announce").child("command", kCommands)->attr_or("sessionid");
  EXPECT_EQ(w.run(w.root, kNode + "announce", "cancel", id).child("command", kCommands)->attr_or("status"), "canceled");
  EXPECT_EQ(condition(w.run(w.root, kNode + "announce", "complete", id, submit("body", {"x"}))), "bad-request/modify");
}

TEST(Adhoc, EndUserSessionEndsABareJidsSessionsOrOneFullJid) {
  World w;
  std::string id = w.run(w.root, kNode + "end-user-session").child("command", kCommands)->attr_or("sessionid");
  EXPECT_EQ(w.run(w.root, kNode + "end-user-session", "complete", id, submit("accountjids", {"bob@example.org/b"}))
                .child("command", kCommands)->attr_or("status"),
            "completed");
  EXPECT_EQ(w.bob.terminated, "policy-violation");
  EXPECT_TRUE(w.alice.terminated.empty());
  id = w.run(w.root, kNode + "end-user-session").child("command", kCommands)->attr_or("sessionid");
  w.run(w.root, kNode + "end-user-session", "complete", id, submit("accountjids", {"alice@example.org"}));
  EXPECT_EQ(w.alice.terminated, "policy-violation");
  EXPECT_EQ(w.alice2.terminated, "policy-violation");
  EXPECT_TRUE(w.root.terminated.empty());
}

TEST(Adhoc, BadInputIsRefusedNotCrashed) {
  World w;
  EXPECT_EQ(condition(w.run(w.root, kNode + "no-such-command")), "item-not-found/cancel");
  EXPECT_EQ(specific(w.run(w.root, kNode + "announce", "next")), "malformed-action") << "a new command only executes";
  const std::string open = w.run(w.root, kNode + "announce").child("command", kCommands)->attr_or("sessionid");
  EXPECT_EQ(specific(w.run(w.root, kNode + "announce", "prev", open)), "bad-action");
  const std::string unfilled = w.run(w.root, kNode + "announce").child("command", kCommands)->attr_or("sessionid");
  EXPECT_EQ(specific(w.run(w.root, kNode + "announce", "complete", unfilled)), "bad-payload") << "no form";
  auto second = [&](xml::Element form) {
    const std::string id =
        w.run(w.root, kNode + "end-user-session").child("command", kCommands)->attr_or("sessionid");
    return condition(w.run(w.root, kNode + "end-user-session", "complete", id, std::move(form)));
  };
  EXPECT_EQ(second(submit("accountjids", {})), "bad-request/modify");             // missing field
  EXPECT_EQ(second(submit("accountjids", {"@@bad@@/"})), "bad-request/modify");  // malformed JID
  EXPECT_EQ(second(submit("accountjids", {"example.org"})), "bad-request/modify");  // no user
  EXPECT_EQ(second(submit("accountjids", {"boss@other.org"})), "bad-request/modify");  // another host
  std::vector<std::string> huge(kMaxAccountJids + 1, "bob@example.org");
  EXPECT_EQ(second(submit("accountjids", huge)), "bad-request/modify");
  EXPECT_TRUE(w.bob.terminated.empty()) << "a refused form ends nobody";
  EXPECT_EQ(condition(w.run(w.root, kNode + "announce", "complete", "adhoc-nope", submit("body", {"x"}))),
            "bad-request/modify");
  // Open sessions are bounded: the oldest is dropped.
  const std::string first = w.run(w.root, kNode + "announce").child("command", kCommands)->attr_or("sessionid");
  for (std::size_t i = 0; i < kMaxOpenSessions; ++i) w.run(w.root, kNode + "announce");
  EXPECT_EQ(condition(w.run(w.root, kNode + "announce", "complete", first, submit("body", {"x"}))), "bad-request/modify");
}

}  // namespace
}  // namespace jabberadmin::adhoc
