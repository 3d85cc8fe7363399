// Router::serve_domain: a module serving a sub-domain as a whole (the MUC service on
// conference.<host>), without that domain becoming a login host.
#include <gtest/gtest.h>

#include "core_modules.hpp"
#include "fakes.hpp"
#include "router/router.hpp"

namespace jabberadmin::router {
namespace {
using test::FakeSession;

Jid jid(std::string_view s) { return *Jid::parse(s); }

xml::Element stanza(std::string_view name, std::string_view to, std::string_view type = {}) {
  xml::Element e(std::string(name), "jabber:client");
  e.set_attr("to", to);
  if (!type.empty()) e.set_attr("type", type);
  return e;
}

std::string error_condition(const xml::Element& e) {
  const xml::Element* error = e.child("error");
  if (error == nullptr || error->first_element() == nullptr) return {};
  return error->first_element()->name();
}

class RouterDomainsTest : public ::testing::Test {
 protected:
  Router router{{"example.org"}};
  test::CoreModules modules{router};
  FakeSession alice{jid("alice@example.org/a")};
  std::vector<std::string> seen;  // "kind from to" as the handler saw them

  void SetUp() override {
    alice.host = &router;
    router.bind(alice);
  }
  util::Registration serve(std::string domain) {
    return router.serve_domain(std::move(domain), [this](const stream::Stanza& s) {
      seen.push_back(s.element().name() + " " + s.from().full() + " " + s.to().full());
    });
  }
  void send(xml::Element e) {
    e.set_attr("from", "mallory@evil.example/forged");  // the stream stamps; the router trusts its session
    router.on_stanza(alice, std::move(e));
  }
};

TEST_F(RouterDomainsTest, EveryKindOfStanzaToTheDomainReachesItsHandlerWithFromStamped) {
  const auto served = serve("conference.example.org");
  send(stanza("presence", "Room@Conference.Example.org/Nick"));
  send(stanza("message", "room@conference.example.org", "groupchat"));
  xml::Element iq = stanza("iq", "conference.example.org", "get");
  iq.set_attr("id", "1");
  iq.add(xml::Element("query", "http://jabber.org/protocol/disco#info"));
  send(iq);
  EXPECT_EQ(seen, (std::vector<std::string>{
                      "presence alice@example.org/a room@conference.example.org/Nick",
                      "message alice@example.org/a room@conference.example.org",
                      "iq alice@example.org/a conference.example.org",
                  }));
  EXPECT_TRUE(alice.received.empty()) << "nothing bounced";
}

TEST_F(RouterDomainsTest, AServedDomainIsNoLoginHost) {
  const auto served = serve("conference.example.org");
  EXPECT_FALSE(router.serves("conference.example.org"));
  EXPECT_TRUE(router.serves_component("conference.example.org"));
  EXPECT_EQ(router.hosts(), std::vector<std::string>{"example.org"});
}

TEST_F(RouterDomainsTest, ModulesDeliverToTheDomainToo) {
  const auto served = serve("conference.example.org");
  xml::Element m = stanza("message", "room@conference.example.org", "groupchat");
  m.set_attr("from", "alice@example.org/a");
  router.deliver(m);
  EXPECT_EQ(seen, std::vector<std::string>{"message alice@example.org/a room@conference.example.org"});
}

TEST_F(RouterDomainsTest, UnregisteredTheDomainIsUnreachableAgain) {
  {
    const auto served = serve("conference.example.org");
  }
  send(stanza("message", "room@conference.example.org", "groupchat"));
  EXPECT_TRUE(seen.empty());
  ASSERT_EQ(alice.received.size(), 1u);
  EXPECT_EQ(error_condition(alice.received[0]), "remote-server-not-found");
}

TEST_F(RouterDomainsTest, ADomainIsServedOnceAndNeverALoginHost) {
  const auto served = serve("conference.example.org");
  EXPECT_THROW((void)serve("conference.example.org"), std::logic_error);
  EXPECT_THROW((void)serve("example.org"), std::logic_error);
}

TEST_F(RouterDomainsTest, LocalAccountsStillRouteNormally) {
  const auto served = serve("conference.example.org");
  FakeSession bob{jid("bob@example.org/b")};
  bob.host = &router;
  router.bind(bob);
  xml::Element p("presence", "jabber:client");
  router.on_stanza(bob, p);
  send(stanza("message", "bob@example.org/b", "chat"));
  EXPECT_TRUE(seen.empty());
  EXPECT_FALSE(bob.received.empty());
}

}  // namespace
TEST_F(RouterDomainsTest, StanzasToARemoteDomainGoToTheRemoteHandlerOrBounce) {
  send(stanza("message", "juliet@capulet.example", "chat"));
  ASSERT_EQ(alice.received.size(), 1u) << "no federation: bounced";
  EXPECT_EQ(error_condition(alice.received.back()), "remote-server-not-found");
  alice.received.clear();
  {
    const auto remote = router.route_remote([this](const stream::Stanza& s) {
      seen.push_back(s.element().name() + " " + s.from().full() + " " + s.to().full());
    });
    EXPECT_THROW((void)router.route_remote([](const stream::Stanza&) {}), std::logic_error);
    send(stanza("message", "Juliet@Capulet.example", "chat"));
    send(stanza("message", "alice@example.org", "chat"));  // local: not the hook's
    EXPECT_EQ(seen, std::vector<std::string>{"message alice@example.org/a juliet@capulet.example"});
  }
  send(stanza("message", "juliet@capulet.example", "chat"));
  EXPECT_EQ(seen.size(), 1u) << "unregistered";
}

}  // namespace jabberadmin::router
