// The module contract: registrations unregister when destroyed (util::Hooks, util::Single,
// the router's IQ handlers, the stream and disco feature registries), even from inside a
// running hook, and modules start in list order and see the ones before them.
#include <gtest/gtest.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "fakes.hpp"
#include "module/module.hpp"
#include "router/router.hpp"
#include "stream/features.hpp"
#include "util/hooks.hpp"

namespace jabberadmin::module {
namespace {
using test::FakeSession;

Jid jid(std::string_view s) { return *Jid::parse(s); }

TEST(Hooks, ADestroyedRegistrationIsNoLongerCalled) {
  util::Hooks<int> hooks;
  std::vector<int> seen;
  auto a = hooks.add([&](int v) { seen.push_back(v); });
  std::optional<util::Registration> b = hooks.add([&](int v) { seen.push_back(10 * v); });
  hooks(1);
  b.reset();
  hooks(2);
  EXPECT_EQ(seen, (std::vector<int>{1, 10, 2}));
  EXPECT_EQ(hooks.size(), 1u);
  a.reset();
  EXPECT_TRUE(hooks.empty());
  a.reset();  // twice: nothing more happens
}

TEST(Hooks, AMovedRegistrationUnregistersOnceFromItsNewOwner) {
  util::Hooks<> hooks;
  int calls = 0;
  util::Registration moved;
  {
    util::Registration first = hooks.add([&] { ++calls; });
    moved = std::move(first);
  }  // the moved-from handle goes: still registered
  hooks();
  EXPECT_EQ(calls, 1);
  moved = util::Registration();
  hooks();
  EXPECT_EQ(calls, 1);
}

TEST(Hooks, AHookMayRemoveItselfAndOthersWhileTheListRuns) {
  util::Hooks<> hooks;
  std::vector<std::string> seen;
  std::optional<util::Registration> self, later;
  self = hooks.add([&] {
    seen.push_back("self");
    self.reset();   // its own registration: the running callback stays alive to return
    later.reset();  // one not reached yet: not called
    seen.push_back("self done");
  });
  later = hooks.add([&] { seen.push_back("later"); });
  auto last = hooks.add([&] { seen.push_back("last"); });
  hooks();
  EXPECT_EQ(seen, (std::vector<std::string>{"self", "self done", "last"}));
  seen.clear();
  hooks();
  EXPECT_EQ(seen, (std::vector<std::string>{"last"}));
}

TEST(Hooks, OneAddedWhileTheListRunsIsCalledNextTime) {
  util::Hooks<> hooks;
  int added_calls = 0;
  std::vector<util::Registration> more;
  auto adder = hooks.add([&] { more.push_back(hooks.add([&] { ++added_calls; })); });
  hooks();
  EXPECT_EQ(added_calls, 0);
  hooks();
  EXPECT_EQ(added_calls, 1);
}

TEST(Hooks, ARegistrationMayOutliveItsList) {
  util::Registration r;
  {
    util::Hooks<> hooks;
    r = hooks.add([] {});
  }
  r.reset();  // nothing to unregister from: no use of freed memory (ASan)
}

TEST(Single, HoldsOneHandlerAtATime) {
  util::Single<int> slot("test hook");
  int got = 0;
  std::optional<util::Registration> first = slot.set([&](int v) { got = v; });
  EXPECT_THROW((void)slot.set([](int) {}), std::logic_error);
  slot(3);
  EXPECT_EQ(got, 3);
  first.reset();
  EXPECT_FALSE(slot);
  slot(4);
  EXPECT_EQ(got, 3);
  auto second = slot.set([&](int v) { got = -v; });
  slot(5);
  EXPECT_EQ(got, -5);
}

TEST(Single, AStaleRegistrationDoesNotRemoveALaterHandler) {
  util::Single<> slot("test hook");
  int calls = 0;
  util::Registration first = slot.set([] {});
  util::Registration taken = std::move(first);
  taken.reset();
  auto second = slot.set([&] { ++calls; });
  first.reset();  // moved-from: holds nothing
  slot();
  EXPECT_EQ(calls, 1);
}

xml::Element ping(std::string_view from, std::string_view to) {
  xml::Element iq("iq", "jabber:client");
  iq.set_attr("from", from).set_attr("to", to).set_attr("type", "get").set_attr("id", "p1");
  iq.add(xml::Element("ping", "urn:xmpp:ping"));
  return iq;
}

TEST(RouterRegistrations, AnIqHandlerGoesWithItsRegistration) {
  router::Router router({"example.org"});
  FakeSession alice(jid("alice@example.org/a"));
  alice.host = &router;
  router.bind(alice);
  int answered = 0;
  std::optional<util::Registration> handler = router.handle_iq(
      router::IqTarget::Server, "urn:xmpp:ping", [&](router::Router&, const xml::Element&) { ++answered; });
  EXPECT_THROW((void)router.handle_iq(router::IqTarget::Server, "urn:xmpp:ping", {}), std::logic_error);
  router.on_stanza(alice, ping("alice@example.org/a", "example.org"));
  EXPECT_EQ(answered, 1);
  EXPECT_TRUE(alice.received.empty());
  handler.reset();
  router.on_stanza(alice, ping("alice@example.org/a", "example.org"));
  EXPECT_EQ(answered, 1);
  ASSERT_EQ(alice.received.size(), 1u);
  EXPECT_EQ(alice.received[0].attr_or("type"), "error") << "nobody answers pings now";
  router.unbind(alice);
}

TEST(RouterRegistrations, ObserversAndHooksGoWithTheirRegistrations) {
  router::Router router({"example.org"});
  std::vector<std::string> seen;
  std::optional<util::Registration> unbound =
      router.on_unbind([&](const Jid& full, const router::Resource&) { seen.push_back("unbind " + full.full()); });
  std::optional<util::Registration> presence =
      router.on_client_presence([&](stream::Session&, const xml::Element&) { seen.push_back("presence"); });
  FakeSession alice(jid("alice@example.org/a"));
  alice.host = &router;
  router.bind(alice);
  router.on_stanza(alice, xml::Element("presence", "jabber:client"));
  presence.reset();
  router.on_stanza(alice, xml::Element("presence", "jabber:client"));
  router.unbind(alice);
  unbound.reset();
  router.bind(alice);
  router.unbind(alice);
  EXPECT_EQ(seen, (std::vector<std::string>{"presence", "unbind alice@example.org/a"}));
}

TEST(StreamFeatures, OfferedInRegistrationOrderUntilUnregistered) {
  stream::StreamFeatures features;
  std::optional<util::Registration> a =
      features.add(stream::FeatureStage::PostAuth, xml::Element("ver", "urn:xmpp:features:rosterver"));
  auto b = features.add(stream::FeatureStage::PostAuth, xml::Element("sm", "urn:xmpp:sm:3"));
  auto c = features.add(stream::FeatureStage::PreAuth, xml::Element("register", "http://jabber.org/features/iq-register"));
  EXPECT_EQ(features.serialized(stream::FeatureStage::PostAuth),
            "<ver xmlns='urn:xmpp:features:rosterver'/><sm xmlns='urn:xmpp:sm:3'/>");
  EXPECT_EQ(features.serialized(stream::FeatureStage::PreAuth),
            "<register xmlns='http://jabber.org/features/iq-register'/>");
  a.reset();
  EXPECT_EQ(features.serialized(stream::FeatureStage::PostAuth), "<sm xmlns='urn:xmpp:sm:3'/>");
}

TEST(DiscoFeatures, AFeatureStaysWhileAnyRegistrationHoldsIt) {
  DiscoFeatures disco;
  std::optional<util::Registration> one = disco.add(router::IqTarget::Server, "urn:xmpp:ping");
  std::optional<util::Registration> two = disco.add(router::IqTarget::Server, "urn:xmpp:ping");
  auto other = disco.add(router::IqTarget::Server, "jabber:iq:version");
  auto account = disco.add(router::IqTarget::Account, "vcard-temp");
  EXPECT_EQ(disco.of(router::IqTarget::Server), (std::vector<std::string>{"jabber:iq:version", "urn:xmpp:ping"}));
  one.reset();
  EXPECT_EQ(disco.of(router::IqTarget::Server).size(), 2u);
  two.reset();
  EXPECT_EQ(disco.of(router::IqTarget::Server), (std::vector<std::string>{"jabber:iq:version"}));
  EXPECT_EQ(disco.of(router::IqTarget::Account), (std::vector<std::string>{"vcard-temp"}));
}

// Test modules: one that answers pings and counts messages, one that needs it.
struct Counter final : Module {
  explicit Counter(Context& context)
      : Module("counter"),
        pings(context.handle_iq(router::IqTarget::Server, "urn:xmpp:ping",
                                [](router::Router& r, const xml::Element& iq) { r.deliver(stream_result(iq)); })),
        messages(context.router().on_client_message([this](const xml::Element&) {
          ++count;
          if (on_message) on_message();
        })) {}
  static xml::Element stream_result(const xml::Element& iq) {
    xml::Element reply("iq", "jabber:client");
    reply.set_attr("to", iq.attr_or("from")).set_attr("from", iq.attr_or("to")).set_attr("type", "result");
    reply.set_attr("id", iq.attr_or("id"));
    return reply;
  }
  int count = 0;
  std::function<void()> on_message;
  Registration pings, messages;
};

struct Dependent final : Module {
  explicit Dependent(Context& context) : Module("dependent"), counter(context.require<Counter>()) {}
  Counter& counter;
};

struct Fixture {
  router::Router router{{"example.org"}};
  stream::StreamFeatures stream_features;
  DiscoFeatures disco_features;
  Services services{router, stream_features, disco_features};
};

TEST(Modules, StartInOrderAndReachTheOnesBefore) {
  Fixture f;
  Modules modules(f.services, {make<Counter>(), make<Dependent>()});
  EXPECT_EQ(&modules.find<Dependent>()->counter, modules.find<Counter>());
  EXPECT_EQ(f.disco_features.of(router::IqTarget::Server), (std::vector<std::string>{"urn:xmpp:ping"}));
  EXPECT_THROW(Modules(f.services, {make<Dependent>(), make<Counter>()}), std::logic_error);
  // The failed start left nothing registered behind.
  EXPECT_EQ(f.disco_features.of(router::IqTarget::Server), (std::vector<std::string>{"urn:xmpp:ping"}));
}

TEST(Modules, AMissingServiceIsNamed) {
  Fixture f;
  struct NeedsDatabase final : Module {
    explicit NeedsDatabase(Context& c) : Module("needs database") { (void)c.database(); }
  };
  try {
    Modules modules(f.services, {make<NeedsDatabase>()});
    FAIL() << "started without a database";
  } catch (const std::logic_error& e) {
    EXPECT_NE(std::string(e.what()).find("the database"), std::string::npos);
  }
}

TEST(Modules, DestroyingTheModulesUnregistersEverything) {
  Fixture f;
  auto modules = std::make_unique<Modules>(f.services, std::vector<Factory>{make<Counter>()});
  modules.reset();
  EXPECT_TRUE(f.disco_features.of(router::IqTarget::Server).empty());
  FakeSession alice(jid("alice@example.org/a"));
  alice.host = &f.router;
  f.router.bind(alice);
  f.router.on_stanza(alice, ping("alice@example.org/a", "example.org"));
  ASSERT_EQ(alice.received.size(), 1u);
  EXPECT_EQ(alice.received[0].attr_or("type"), "error");
  f.router.unbind(alice);
}

// Tearing a module down from inside its own running hook is allowed: the hook returns
// into a router that no longer calls anything of it (ASan would see a use after free).
TEST(Modules, AModuleMayBeDestroyedInsideItsOwnRunningHook) {
  Fixture f;
  auto modules = std::make_unique<Modules>(f.services, std::vector<Factory>{make<Counter>()});
  int after = 0;
  auto observer = f.router.on_client_message([&](const xml::Element&) { ++after; });
  modules->find<Counter>()->on_message = [&] { modules.reset(); };
  FakeSession alice(jid("alice@example.org/a"));
  alice.host = &f.router;
  f.router.bind(alice);
  xml::Element m("message", "jabber:client");
  m.set_attr("from", "alice@example.org/a").set_attr("to", "alice@example.org").set_attr("type", "chat");
  f.router.on_stanza(alice, m);
  EXPECT_EQ(modules, nullptr);
  EXPECT_EQ(after, 1) << "the observers after it still run";
  f.router.on_stanza(alice, m);
  EXPECT_EQ(after, 2);
  f.router.unbind(alice);
}

}  // namespace
}  // namespace jabberadmin::module
