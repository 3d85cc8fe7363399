// XEP-0198 stream management: the counter, the unacknowledged queue and the resume window
// alone, then the module on real streams (C2s over an in-memory transport) and a router.
#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>

#include <map>
#include <memory>
#include <regex>

#include "csi/csi.hpp"
#include "fakes.hpp"
#include "jabberadmin/encoding.hpp"
#include "no_contacts.hpp"
#include "offline/offline_messages.hpp"
#include "offline/offline_store.hpp"
#include "presence/presence.hpp"
#include "router/router.hpp"
#include "sm/detached_sessions.hpp"
#include "sm/stream_management.hpp"
#include "sm/unacked_queue.hpp"
#include "stream/c2s.hpp"
#include "temp_dir.hpp"

namespace jabberadmin::sm {
namespace {

TEST(SmCounter, CountsModulo2To32) {
  Counter c(0xFFFFFFFEu);
  c.increment();
  EXPECT_EQ(c.value(), 0xFFFFFFFFu);
  c.increment();
  EXPECT_EQ(c.value(), 0u);
}

TEST(SmQueue, KeepsWhatIsNotAcknowledged) {
  UnackedQueue q;
  EXPECT_TRUE(q.push("<message>1</message>"));
  EXPECT_TRUE(q.push("<message>22</message>"));
  EXPECT_TRUE(q.push("<message>333</message>"));
  EXPECT_EQ(q.sent(), 3u);
  EXPECT_EQ(q.bytes(), 20u + 21 + 22);
  EXPECT_TRUE(q.acknowledge(2));
  ASSERT_EQ(q.size(), 1u);
  EXPECT_EQ(q.pending().front(), "<message>333</message>");
  EXPECT_EQ(q.bytes(), 22u);
  EXPECT_TRUE(q.acknowledge(2));  // the same h again: nothing new
  EXPECT_EQ(q.size(), 1u);
}

TEST(SmQueue, RefusesAnHHigherThanWhatWasSentOrGoingBack) {
  UnackedQueue q;
  q.push("a");
  q.push("b");
  EXPECT_FALSE(q.acknowledge(3));
  EXPECT_EQ(q.size(), 2u);
  EXPECT_TRUE(q.acknowledge(2));
  EXPECT_FALSE(q.acknowledge(1));  // 1 - 2 is 2^32 - 1 stanzas: more than were sent
  EXPECT_EQ(q.acked(), 2u);
}

TEST(SmQueue, WrapsAt2To32) {
  UnackedQueue q({}, 0xFFFFFFFEu);
  for (int i = 0; i < 4; ++i) q.push(std::to_string(i));
  EXPECT_EQ(q.sent(), 2u);  // 0xFFFFFFFE + 4, modulo 2^32
  EXPECT_TRUE(q.acknowledge(0xFFFFFFFFu));
  EXPECT_EQ(q.size(), 3u);
  EXPECT_TRUE(q.acknowledge(1));
  ASSERT_EQ(q.size(), 1u);
  EXPECT_EQ(q.pending().front(), "3");
  EXPECT_FALSE(q.acknowledge(3));
}

TEST(SmQueue, LimitsStanzasAndBytes) {
  UnackedQueue by_count({.stanzas = 2, .bytes = 0});
  EXPECT_TRUE(by_count.push("a"));
  EXPECT_TRUE(by_count.push("b"));
  EXPECT_FALSE(by_count.push("c"));
  EXPECT_EQ(by_count.size(), 3u);  // kept all the same: routed again when the stream ends
  UnackedQueue by_bytes({.stanzas = 0, .bytes = 10});
  EXPECT_TRUE(by_bytes.push("12345"));
  EXPECT_TRUE(by_bytes.push("67890"));
  EXPECT_FALSE(by_bytes.push("x"));
  EXPECT_TRUE(by_bytes.acknowledge(3));
  EXPECT_FALSE(by_bytes.over_limit());
  const auto taken = UnackedQueue().take();
  EXPECT_TRUE(taken.empty());
}

TEST(SmWindow, ExpiresByDeadline) {
  using namespace std::chrono_literals;
  DetachedSessions d(0);
  const auto t0 = DetachedSessions::Clock::now();
  d.add("late", "a@x", t0 + 20s);
  d.add("soon", "b@x", t0 + 10s);
  EXPECT_EQ(d.next_deadline(), t0 + 10s);
  EXPECT_TRUE(d.expire(t0 + 9s).empty());
  EXPECT_EQ(d.expire(t0 + 10s), std::vector<std::string>{"soon"});
  EXPECT_EQ(d.next_deadline(), t0 + 20s);
  EXPECT_TRUE(d.remove("late"));
  EXPECT_FALSE(d.remove("late"));
  EXPECT_FALSE(d.next_deadline());
  EXPECT_EQ(d.size(), 0u);
}

TEST(SmWindow, AnAccountKeepsItsNewestSessions) {
  using namespace std::chrono_literals;
  DetachedSessions d(2);
  const auto t = DetachedSessions::Clock::now() + 300s;
  EXPECT_TRUE(d.add("1", "a@x", t).empty());
  EXPECT_TRUE(d.add("2", "a@x", t).empty());
  EXPECT_TRUE(d.add("other", "b@x", t).empty());
  EXPECT_EQ(d.add("3", "a@x", t), std::vector<std::string>{"1"});
  EXPECT_FALSE(d.contains("1"));
  EXPECT_EQ(d.count("a@x"), 2u);
  EXPECT_EQ(d.count("b@x"), 1u);
  EXPECT_EQ(d.expire(t), (std::vector<std::string>{"2", "other", "3"}));
  EXPECT_EQ(d.count("a@x"), 0u);
}

// ---------------------------------------------------------------- on real streams

using test::FakeTransport;
constexpr std::string_view kOpen =
    "<?xml version='1.0'?><stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' "
    "to='example.org' version='1.0'>";

std::string plain(std::string_view user) {
  return "<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>" +
         encoding::base64_encode(std::string("\0", 1) + std::string(user) + std::string("\0", 1) + "pw") + "</auth>";
}

std::string attribute(const std::string& out, const std::string& element, const std::string& name) {
  std::smatch m;
  if (!std::regex_search(out, m, std::regex("<" + element + " [^>]*" + name + "='([^']*)'"))) return {};
  return m[1];
}

std::size_t count(const std::string& haystack, std::string_view needle) {
  std::size_t n = 0;
  for (auto p = haystack.find(needle); p != std::string::npos; p = haystack.find(needle, p + 1)) ++n;
  return n;
}

struct Client {
  std::shared_ptr<FakeTransport> transport;
  std::shared_ptr<stream::C2s> stream;
};

class SmStreamTest : public ::testing::Test {
 protected:
  boost::asio::io_context io;
  test::FakeAuthenticator auth{io};
  router::Router router{{"example.org"}};
  stream::StreamFeatures features;
  module::DiscoFeatures disco;
  stream::FailureLimiter address_failures{100, std::chrono::minutes(1)};
  stream::FailureLimiter account_failures{100, std::chrono::minutes(1)};
  stream::AccountRates rates;
  test::NoContacts no_contacts;
  std::vector<xml::Element> undeliverable;
  util::Registration undeliverable_hook =
      router.on_undeliverable_message([this](const xml::Element& m) { undeliverable.push_back(m); });
  SmOptions options;
  std::unique_ptr<module::Modules> modules;
  std::map<stream::C2s*, std::shared_ptr<stream::C2s>> streams;  // as the server keeps them

  void SetUp() override {
    auth.passwords = {{"alice", "pw"}, {"bob", "pw"}};
    start();
  }
  void TearDown() override {
    for (auto& [p, s] : std::map(streams)) s->shutdown();
    streams.clear();
  }
  void start() {
    std::vector<module::Factory> list{
        [this](module::Context& c) {
          auto p = std::make_unique<presence::Presence>(c);
          p->set_contacts(&no_contacts);
          return p;
        },
        [this](module::Context& c) { return std::make_unique<StreamManagement>(c, options); }};
    if (with_csi) list.push_back([](module::Context& c) { return std::make_unique<csi::Csi>(c); });
    modules = std::make_unique<module::Modules>(
        module::Services{router, features, disco, nullptr, nullptr, nullptr, io.get_executor()}, list);
  }
  bool with_csi = false;  // XEP-0352 too (start() again after setting it)
  StreamManagement& sm() { return *modules->find<StreamManagement>(); }

  std::string exchange(Client& c, std::string_view in) {
    c.stream->on_data(in);
    io.poll();
    return c.transport->take();
  }
  // Logged in, not bound: what <resume/> needs.
  Client authenticated(std::string_view user) {
    Client c{std::make_shared<FakeTransport>(), nullptr};
    c.transport->is_secure = true;
    stream::C2sContext context{auth, router, address_failures, account_failures, rates,
                               [this](stream::C2s& s) { streams.erase(&s); }, &features};
    c.stream = std::make_shared<stream::C2s>(io.get_executor(), c.transport, context, stream::C2sConfig{}, std::nullopt);
    streams.emplace(c.stream.get(), c.stream);
    c.stream->start();
    exchange(c, kOpen);
    EXPECT_NE(exchange(c, plain(user)).find("<success"), std::string::npos);
    const std::string features_after = exchange(c, kOpen);
    EXPECT_NE(features_after.find("<sm xmlns='urn:xmpp:sm:3'/>"), std::string::npos);
    return c;
  }
  // Bound, available, management enabled (with resumption unless told otherwise): the id.
  std::string online(Client& c, std::string_view user, std::string_view resource, bool resume = true) {
    c = authenticated(user);
    exchange(c, "<iq type='set' id='b'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'><resource>" +
                    std::string(resource) + "</resource></bind></iq>");
    const std::string enabled =
        exchange(c, resume ? "<enable xmlns='urn:xmpp:sm:3' resume='true'/>" : "<enable xmlns='urn:xmpp:sm:3'/>");
    EXPECT_NE(enabled.find("<enabled xmlns='urn:xmpp:sm:3'"), std::string::npos) << enabled;
    exchange(c, "<presence/>");
    return attribute(enabled, "enabled", "id");
  }
  static std::string message(std::string_view to, int n) {
    return "<message type='chat' to='" + std::string(to) + "' id='m" + std::to_string(n) + "'><body>" +
           std::to_string(n) + "</body></message>";
  }
  stream::Session* bound(std::string_view full) {
    const router::Resource* r = router.find(*Jid::parse(full));
    return r == nullptr ? nullptr : r->session;
  }
};

TEST_F(SmStreamTest, EnableCountsStanzasBothWays) {
  Client alice;
  const std::string id = online(alice, "alice", "phone");
  EXPECT_EQ(id.size(), 32u);
  // In: the initial presence. Out: its reflection to alice herself.
  EXPECT_EQ(attribute(exchange(alice, "<r xmlns='urn:xmpp:sm:3'/>"), "a", "h"), "1");
  exchange(alice, "<iq type='get' id='p' to='example.org'><ping xmlns='urn:xmpp:ping'/></iq>");
  EXPECT_EQ(attribute(exchange(alice, "<r xmlns='urn:xmpp:sm:3'/>"), "a", "h"), "2");  // nonzas never count
  EXPECT_EQ(exchange(alice, "<a xmlns='urn:xmpp:sm:3' h='2'/>"), "");  // presence + the ping's error
  EXPECT_NE(exchange(alice, "<a xmlns='urn:xmpp:sm:3' h='3'/>").find("<undefined-condition"), std::string::npos);
}

TEST_F(SmStreamTest, EnableOnlyOnceAndAfterBind) {
  Client c = authenticated("alice");
  EXPECT_NE(exchange(c, "<enable xmlns='urn:xmpp:sm:3'/>").find("<failed xmlns='urn:xmpp:sm:3'><unexpected-request"),
            std::string::npos);
  Client alice;
  online(alice, "alice", "phone");
  EXPECT_NE(exchange(alice, "<enable xmlns='urn:xmpp:sm:3'/>").find("<unexpected-request"), std::string::npos);
}

TEST_F(SmStreamTest, TheServerAsksForAnAckAfterThirtyTwoStanzas) {
  Client alice, bob;
  online(alice, "alice", "phone");
  online(bob, "bob", "pc", false);
  alice.transport->take();
  // Her own presence came back to her: one stanza waits already.
  for (int i = 0; i < 30; ++i) exchange(bob, message("alice@example.org", i));
  EXPECT_EQ(count(alice.transport->sent, "<r xmlns='urn:xmpp:sm:3'/>"), 0u);
  exchange(bob, message("alice@example.org", 30));
  EXPECT_EQ(count(alice.transport->take(), "<r xmlns='urn:xmpp:sm:3'/>"), 1u);
  exchange(bob, message("alice@example.org", 31));
  EXPECT_EQ(count(alice.transport->take(), "<r "), 0u);  // one request at a time
  exchange(alice, "<a xmlns='urn:xmpp:sm:3' h='33'/>");  // her presence and the 32
  exchange(bob, message("alice@example.org", 32));
  EXPECT_EQ(count(alice.transport->take(), "<r "), 0u);
  // The rest is asked for within the sweep.
  io.run_for(options.sweep + std::chrono::milliseconds(200));
  EXPECT_EQ(count(alice.transport->take(), "<r xmlns='urn:xmpp:sm:3'/>"), 1u);
}

TEST_F(SmStreamTest, ALostConnectionIsResumedWithEveryUnackedStanzaOnce) {
  Client alice, bob;
  const std::string id = online(alice, "alice", "phone");
  online(bob, "bob", "pc", false);
  for (int i = 0; i < 3; ++i) exchange(bob, message("alice@example.org/phone", i));
  exchange(alice, "<a xmlns='urn:xmpp:sm:3' h='2'/>");  // presence and message 0
  stream::Session* before = bound("alice@example.org/phone");
  alice.stream->on_closed();  // the TCP connection dies without </stream>
  EXPECT_TRUE(alice.stream->detached());
  EXPECT_EQ(bound("alice@example.org/phone"), before);  // still bound: no unavailable presence
  EXPECT_EQ(sm().detached(), 1u);
  for (int i = 3; i < 5; ++i) exchange(bob, message("alice@example.org", i));  // queued for her
  EXPECT_TRUE(undeliverable.empty());

  Client again = authenticated("alice");
  const std::string out = exchange(again, "<resume xmlns='urn:xmpp:sm:3' previd='" + id + "' h='2'/>");
  EXPECT_NE(out.find("<resumed xmlns='urn:xmpp:sm:3' previd='" + id + "' h='1'/>"), std::string::npos) << out;
  for (int i = 0; i < 5; ++i) EXPECT_EQ(count(out, "<body>" + std::to_string(i) + "</body>"), i == 0 ? 0u : 1u) << i;
  EXPECT_EQ(bound("alice@example.org/phone"), again.stream.get());
  EXPECT_EQ(sm().detached(), 0u);
  EXPECT_FALSE(streams.contains(alice.stream.get()));  // the old stream is gone
  // It goes on counting where it was.
  exchange(again, "<a xmlns='urn:xmpp:sm:3' h='6'/>");
  exchange(bob, message("alice@example.org", 5));
  EXPECT_NE(again.transport->take().find("<body>5</body>"), std::string::npos);
  EXPECT_EQ(attribute(exchange(again, "<r xmlns='urn:xmpp:sm:3'/>"), "a", "h"), "1");
  EXPECT_TRUE(undeliverable.empty());
}

TEST_F(SmStreamTest, AResumeOfAnUnknownOrAnotherAccountsSessionFails) {
  Client alice, bob;
  const std::string id = online(alice, "alice", "phone");
  alice.stream->on_closed();
  Client c = authenticated("alice");
  EXPECT_NE(exchange(c, "<resume xmlns='urn:xmpp:sm:3' previd='nope' h='0'/>")
                .find("<failed xmlns='urn:xmpp:sm:3'><item-not-found xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/>"),
            std::string::npos);
  Client intruder = authenticated("bob");
  EXPECT_NE(exchange(intruder, "<resume xmlns='urn:xmpp:sm:3' previd='" + id + "' h='0'/>").find("<item-not-found"),
            std::string::npos);
  EXPECT_EQ(bound("alice@example.org/phone"), alice.stream.get());  // still hers, still waiting
  EXPECT_EQ(sm().detached(), 1u);
  // A failed resume leaves the stream free to bind.
  EXPECT_NE(exchange(c, "<iq type='set' id='b'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/></iq>").find("<jid>"),
            std::string::npos);
}

TEST_F(SmStreamTest, WhenTheWindowClosesUnackedMessagesAreRoutedAsToAGoneResource) {
  options.resume_timeout = std::chrono::seconds(1);
  modules.reset();
  start();
  Client alice, bob;
  online(alice, "alice", "phone");
  online(bob, "bob", "pc", false);
  exchange(bob, message("alice@example.org", 1));
  exchange(bob, "<message type='chat' to='alice@example.org'><composing xmlns='http://jabber.org/protocol/chatstates'/></message>");
  alice.stream->on_closed();
  exchange(bob, message("alice@example.org", 2));
  exchange(bob, "<iq type='get' id='v' to='alice@example.org/phone'><query xmlns='jabber:iq:version'/></iq>");
  bob.transport->take();
  io.run_for(std::chrono::milliseconds(1500));
  EXPECT_EQ(bound("alice@example.org/phone"), nullptr);
  EXPECT_FALSE(streams.contains(alice.stream.get()));
  // The messages (the chat state too: offline storage decides what it keeps) reach the
  // undeliverable path, each once; the IQ is answered.
  ASSERT_EQ(undeliverable.size(), 3u);
  EXPECT_EQ(undeliverable[0].child("body")->text(), "1");
  EXPECT_EQ(undeliverable[2].child("body")->text(), "2");
  const std::string to_bob = bob.transport->take();
  EXPECT_NE(to_bob.find("<service-unavailable"), std::string::npos) << to_bob;
  EXPECT_EQ(sm().detached(), 0u);
}

TEST_F(SmStreamTest, ACleanCloseRoutesWhatWasNotAcknowledged) {
  Client alice, bob;
  online(alice, "alice", "phone");
  online(bob, "bob", "pc", false);
  exchange(bob, message("alice@example.org", 1));
  exchange(alice, "</stream:stream>");
  EXPECT_EQ(bound("alice@example.org/phone"), nullptr);
  ASSERT_EQ(undeliverable.size(), 1u);
  EXPECT_EQ(sm().detached(), 0u);
}

TEST_F(SmStreamTest, TooManyUnackedStanzasEndTheStream) {
  options.limits = QueueLimits{.stanzas = 6, .bytes = 0};  // her own presence and 5 messages
  modules.reset();
  start();
  Client alice, bob;
  online(alice, "alice", "phone");
  online(bob, "bob", "pc", false);
  for (int i = 0; i < 5; ++i) exchange(bob, message("alice@example.org", i));
  EXPECT_FALSE(alice.transport->closed);
  exchange(bob, message("alice@example.org", 5));
  EXPECT_NE(alice.transport->sent.find("<policy-violation"), std::string::npos);
  EXPECT_TRUE(alice.transport->closed);
  EXPECT_EQ(undeliverable.size(), 6u);  // nothing lost: all of them go on (here: offline)
}

// A 1,000-member group's login storm: every member is sent every other member's presence at
// once, and clients on the same busy machine acknowledge late. The default bounds must hold
// such a burst unacknowledged (with 1000 they ended 38 healthy streams in the benchmark).
TEST_F(SmStreamTest, TheDefaultBoundsHoldAThousandMemberGroupsBurstUnacknowledged) {
  options.limits = QueueLimits{};
  modules.reset();
  start();
  Client alice, bob;
  online(alice, "alice", "phone");
  online(bob, "bob", "pc", false);
  // As large as a member's presence with caps and an avatar hash.
  const std::string padding(300, 'x');
  for (int i = 0; i < 1200; ++i)
    exchange(bob, "<message type='chat' to='alice@example.org' id='m" + std::to_string(i) + "'><body>" + padding +
                      "</body></message>");
  EXPECT_FALSE(alice.transport->closed);
  EXPECT_EQ(alice.transport->sent.find("<policy-violation"), std::string::npos);
}

TEST_F(SmStreamTest, AnAccountKeepsAtMostItsLimitOfDetachedSessions) {
  options.max_detached_per_account = 1;
  modules.reset();
  start();
  Client one, two;
  online(one, "alice", "one");
  online(two, "alice", "two");
  one.stream->on_closed();
  two.stream->on_closed();
  io.poll();
  EXPECT_EQ(sm().detached(), 1u);
  EXPECT_EQ(bound("alice@example.org/one"), nullptr);
  EXPECT_EQ(bound("alice@example.org/two"), two.stream.get());
}

TEST_F(SmStreamTest, ANewLoginWithTheSameResourceReplacesADetachedSession) {
  Client alice, bob;
  const std::string id = online(alice, "alice", "phone");
  online(bob, "bob", "pc", false);
  exchange(bob, message("alice@example.org/phone", 1));
  alice.stream->on_closed();
  Client again;
  online(again, "alice", "phone");
  EXPECT_EQ(bound("alice@example.org/phone"), again.stream.get());
  EXPECT_EQ(sm().detached(), 0u);
  EXPECT_FALSE(streams.contains(alice.stream.get()));
  ASSERT_EQ(undeliverable.size(), 1u);  // the new session had not sent its presence yet
  Client late = authenticated("alice");
  EXPECT_NE(exchange(late, "<resume xmlns='urn:xmpp:sm:3' previd='" + id + "' h='0'/>").find("<item-not-found"),
            std::string::npos);
}

TEST_F(SmStreamTest, AResumedSessionIsReplacedByANewLoginWithItsResource) {
  Client alice, bob;
  const std::string id = online(alice, "alice", "phone");
  online(bob, "bob", "pc", false);
  alice.stream->on_closed();
  Client again = authenticated("alice");
  ASSERT_NE(exchange(again, "<resume xmlns='urn:xmpp:sm:3' previd='" + id + "' h='1'/>").find("<resumed"),
            std::string::npos);
  exchange(bob, message("alice@example.org/phone", 1));  // not acknowledged
  Client replacing;
  online(replacing, "alice", "phone");
  EXPECT_NE(again.transport->sent.find("<conflict"), std::string::npos);
  EXPECT_TRUE(again.transport->closed);
  EXPECT_EQ(bound("alice@example.org/phone"), replacing.stream.get());
  ASSERT_EQ(undeliverable.size(), 1u);  // routed again, not lost
  EXPECT_EQ(undeliverable[0].child("body")->text(), "1");
}

TEST_F(SmStreamTest, AResumeClosesTheOldConnectionIfItIsStillOpen) {
  Client alice;
  const std::string id = online(alice, "alice", "phone");
  Client again = authenticated("alice");
  EXPECT_NE(exchange(again, "<resume xmlns='urn:xmpp:sm:3' previd='" + id + "' h='1'/>").find("<resumed"),
            std::string::npos);
  EXPECT_NE(alice.transport->sent.find("<conflict"), std::string::npos);
  EXPECT_TRUE(alice.transport->closed);
  alice.stream->on_closed();
  EXPECT_EQ(bound("alice@example.org/phone"), again.stream.get());
}

// ---------------------------------------------------------------- with CSI and offline storage

constexpr std::string_view kPaused = "<paused xmlns='http://jabber.org/protocol/chatstates'/>";

// XEP-0352 on a resumed session: what the inactive client had waiting still waits, for the
// stream that resumed it, and the client is still inactive there. (The held stanzas used to
// stay with the old stream, the new one had no filter, and an <active/> wrote to the old.)
TEST_F(SmStreamTest, AnInactiveClientStaysInactiveAndKeepsWhatWaitsAcrossAResume) {
  with_csi = true;
  modules.reset();
  start();
  Client alice, bob;
  const std::string id = online(alice, "alice", "phone");
  online(bob, "bob", "pc", false);
  exchange(alice, "<inactive xmlns='urn:xmpp:csi:0'/>");
  exchange(bob, "<message type='chat' to='alice@example.org/phone'><composing xmlns='http://jabber.org/protocol/chatstates'/></message>");
  EXPECT_EQ(alice.transport->take().find("composing"), std::string::npos) << "held";
  alice.stream->on_closed();
  Client again = authenticated("alice");
  ASSERT_NE(exchange(again, "<resume xmlns='urn:xmpp:sm:3' previd='" + id + "' h='1'/>").find("<resumed"),
            std::string::npos);
  exchange(bob, "<message type='chat' to='alice@example.org/phone'>" + std::string(kPaused) + "</message>");
  EXPECT_EQ(again.transport->take().find("paused"), std::string::npos) << "still inactive: held";
  const std::string out = exchange(again, "<active xmlns='urn:xmpp:csi:0'/>");
  EXPECT_NE(out.find("<paused"), std::string::npos) << "the latest chat state, on the resumed stream: " << out;
  EXPECT_EQ(out.find("composing"), std::string::npos) << "squashed";
}

// An inactive client's session that ends without a resume: the messages it had waiting are
// routed as stream management routes what a client never acknowledged, as to a resource
// that is gone (another resource, or offline storage, which keeps what asks to be kept).
// Held presence is dropped. No message with a body is ever held (it goes at once).
TEST_F(SmStreamTest, WhatAnInactiveClientHadWaitingIsRoutedWhenItsSessionEnds) {
  with_csi = true;
  modules.reset();
  start();
  Client alice, bob;
  online(alice, "alice", "phone");
  online(bob, "bob", "pc", false);
  exchange(alice, "<inactive xmlns='urn:xmpp:csi:0'/>");
  exchange(alice, "<a xmlns='urn:xmpp:sm:3' h='1'/>");  // her presence: nothing unacknowledged
  exchange(bob, "<message type='chat' to='alice@example.org/phone'>" + std::string(kPaused) +
                    "<store xmlns='urn:xmpp:hints'/></message>");
  EXPECT_EQ(alice.transport->take().find("paused"), std::string::npos) << "held";
  exchange(alice, "</stream:stream>");
  EXPECT_EQ(bound("alice@example.org/phone"), nullptr);
  ASSERT_EQ(undeliverable.size(), 1u) << "routed, not dropped";
  EXPECT_NE(undeliverable[0].child("paused", "http://jabber.org/protocol/chatstates"), nullptr);
}

// Offline messages handed over to a session that is then lost and resumed: the resumed
// stream gets each once (the unacknowledged one again through stream management, the rest
// from the store), and the store keeps nothing a next login would get a second time.
TEST_F(SmStreamTest, OfflineMessagesHandedToAResumedSessionArriveOnceAndAreForgotten) {
  undeliverable_hook = {};
  const test::TempDir tmp("sm-offline");
  store::Database db(tmp.path() / "jabberadmin.sqlite");
  std::vector<std::function<void()>> ticks;
  offline::OfflineOptions paced{.limit_per_user = 100, .batch_bytes = 1};  // one message a batch
  paced.later = [&ticks](std::function<void()> f) {
    auto cancelled = std::make_shared<bool>(false);
    ticks.push_back([f = std::move(f), cancelled] {
      if (!*cancelled) f();
    });
    return util::Registration([cancelled] { *cancelled = true; });
  };
  offline::OfflineMessages offline(router, db, [](const Jid&) { return true; }, paced);
  offline::OfflineStore stored(db, 100);
  Client alice, bob;
  online(bob, "bob", "pc", false);
  for (int i = 1; i <= 3; ++i) exchange(bob, message("alice@example.org", i));
  ASSERT_EQ(stored.count("alice@example.org"), 3u);

  const std::string id = online(alice, "alice", "phone");  // her presence: message 1 handed over
  alice.stream->on_closed();
  Client again = authenticated("alice");
  std::string got = exchange(again, "<resume xmlns='urn:xmpp:sm:3' previd='" + id + "' h='0'/>");
  ASSERT_NE(got.find("<resumed"), std::string::npos) << got;
  for (int n = 0; n < 10 && !ticks.empty(); ++n) {
    auto tick = std::move(ticks.front());
    ticks.erase(ticks.begin());
    tick();
    got += again.transport->take();
  }
  for (int i = 1; i <= 3; ++i) EXPECT_EQ(count(got, "<body>" + std::to_string(i) + "</body>"), 1u) << i << ": " << got;
  EXPECT_EQ(stored.count("alice@example.org"), 0u) << "nothing for a next login to get twice";
  again.stream->shutdown();  // before the store goes
}

// A session given a batch of offline messages ends before the batch was confirmed: the batch
// stays stored for the next login, and stream management routes the same messages back as
// unacknowledged. They are kept once, not twice.
TEST_F(SmStreamTest, AnOfflineBatchRoutedBackByStreamManagementIsNotStoredTwice) {
  undeliverable_hook = {};
  const test::TempDir tmp("sm-offline-back");
  store::Database db(tmp.path() / "jabberadmin.sqlite");
  std::vector<std::function<void()>> ticks;
  offline::OfflineOptions paced{.limit_per_user = 100, .batch_bytes = 1};
  paced.later = [&ticks](std::function<void()> f) {
    ticks.push_back(std::move(f));
    return util::Registration([] {});
  };
  offline::OfflineMessages offline(router, db, [](const Jid&) { return true; }, paced);
  offline::OfflineStore stored(db, 100);
  Client alice, bob;
  online(bob, "bob", "pc", false);
  for (int i = 1; i <= 2; ++i) exchange(bob, message("alice@example.org", i));
  online(alice, "alice", "phone");  // message 1 handed over, not yet confirmed
  exchange(alice, "</stream:stream>");
  EXPECT_EQ(bound("alice@example.org/phone"), nullptr);
  EXPECT_EQ(stored.count("alice@example.org"), 2u) << "message 1 once, message 2";
  const auto kept = stored.pending("alice@example.org");
  ASSERT_EQ(kept.size(), 2u);
  EXPECT_NE(kept[0].stanza.find("<body>1</body>"), std::string::npos);
  EXPECT_NE(kept[1].stanza.find("<body>2</body>"), std::string::npos);
}

}  // namespace
}  // namespace jabberadmin::sm
