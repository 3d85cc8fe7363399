#include <gtest/gtest.h>

#include <memory>

#include "fakes.hpp"
#include "stream/c2s.hpp"
#include "jabberadmin/encoding.hpp"
#include "stream/sasl_plain.hpp"

namespace jabberadmin::stream {
namespace {
using encoding::base64_encode;
using test::FakeAuthenticator;
using test::FakeTransport;

constexpr std::string_view kOpen =
    "<?xml version='1.0'?><stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' "
    "to='example.org' version='1.0'>";

struct RecordingHost : SessionHost {
  std::vector<Session*> bound;
  std::vector<xml::Element> stanzas;
  int unbinds = 0;
  std::size_t others = 0;  // what other_resources() says
  bool serves(std::string_view d) const override { return d == "example.org"; }
  void bind(Session& s) override { bound.push_back(&s); }
  void on_stanza(Session&, xml::Element e) override { stanzas.push_back(std::move(e)); }
  void unbind(Session&) override { ++unbinds; }
  std::vector<xml::Element> nonzas;  // taken in urn:test:nonza only
  bool on_nonza(Session&, const xml::Element& e) override {
    if (e.xmlns() != "urn:test:nonza") return false;
    nonzas.push_back(e);
    return true;
  }
  std::size_t other_resources(const Jid&) const override { return others; }
};

std::string plain(std::string_view user, std::string_view password) {
  return "<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>" +
         base64_encode(std::string("\0", 1) + std::string(user) + std::string("\0", 1) + std::string(password)) +
         "</auth>";
}

class C2sTest : public ::testing::Test {
 protected:
  boost::asio::io_context io;
  FakeAuthenticator auth{io};
  RecordingHost host;
  FailureLimiter address_failures{10, std::chrono::minutes(1)};
  FailureLimiter account_failures{5, std::chrono::minutes(1)};
  AccountRates account_rates;
  std::shared_ptr<FakeTransport> transport = std::make_shared<FakeTransport>();
  std::shared_ptr<C2s> c2s;
  C2sConfig config;

  void SetUp() override {
    auth.passwords["alice"] = "secret";
    auth.locked.push_back("locked");
    config.parser.max_stanza_size = 4096;
    config.throttle_first = std::chrono::milliseconds(20);
    config.throttle_cap = std::chrono::milliseconds(80);
    make();
  }
  // A new stream with this->config (replacing the one SetUp made).
  void make(std::optional<net::Admission::Ticket> ticket = std::nullopt) {
    if (c2s) c2s->on_closed();
    transport = std::make_shared<FakeTransport>();
    c2s = std::make_shared<C2s>(io.get_executor(), transport,
                                C2sContext{auth, host, address_failures, account_failures, account_rates, {}}, config,
                                std::move(ticket));
    c2s->start();
  }
  void TearDown() override { c2s->on_closed(); }
  // n streams opened over direct TLS (PLAIN at once), all from the same address.
  std::vector<std::pair<std::shared_ptr<FakeTransport>, std::shared_ptr<C2s>>> open_streams(int n) {
    std::vector<std::pair<std::shared_ptr<FakeTransport>, std::shared_ptr<C2s>>> streams;
    for (int i = 0; i < n; ++i) {
      auto t = std::make_shared<FakeTransport>();
      t->is_secure = true;
      auto s = std::make_shared<C2s>(io.get_executor(), t,
                                     C2sContext{auth, host, address_failures, account_failures, account_rates, {}},
                                     C2sConfig{}, std::nullopt);
      s->start();
      s->on_data(kOpen);
      streams.emplace_back(t, s);
    }
    return streams;
  }
  // Runs the handlers ready now and those they make ready, without waiting for any timer.
  void run_ready() {
    io.restart();
    while (io.poll() > 0) {
    }
  }

  std::string exchange(std::string_view in) {
    c2s->on_data(in);
    io.poll();
    return transport->take();
  }
  void secure() {
    exchange(kOpen);
    ASSERT_NE(exchange("<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>").find("<proceed"), std::string::npos);
    ASSERT_TRUE(transport->tls_started);
    transport->is_secure = true;
    c2s->on_tls_ready(true);
  }
  void login(std::string_view user = "alice", std::string_view password = "secret") {
    secure();
    exchange(kOpen);
    ASSERT_NE(exchange(plain(user, password)).find("<success"), std::string::npos);
  }
};

TEST_F(C2sTest, FirstFeaturesRequireStartTlsAndOfferNoMechanism) {
  const std::string out = exchange(kOpen);
  EXPECT_NE(out.find("<stream:stream "), std::string::npos);
  EXPECT_NE(out.find("from='example.org'"), std::string::npos);
  EXPECT_NE(out.find("<stream:features><starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'><required/>"), std::string::npos);
  EXPECT_EQ(out.find("PLAIN"), std::string::npos);
}

TEST_F(C2sTest, AuthBeforeTlsIsRefused) {
  exchange(kOpen);
  EXPECT_NE(exchange(plain("alice", "secret")).find("<encryption-required/>"), std::string::npos);
  EXPECT_EQ(auth.calls, 0);
}

TEST_F(C2sTest, AfterTlsOffersPlain) {
  secure();
  const std::string out = exchange(kOpen);
  EXPECT_NE(out.find("<mechanism>PLAIN</mechanism>"), std::string::npos);
  EXPECT_EQ(out.find("starttls"), std::string::npos);
}

TEST_F(C2sTest, LoginBindAndStanzasAreStamped) {
  login();
  const std::string features = exchange(kOpen);
  EXPECT_NE(features.find("<bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/>"), std::string::npos);
  const std::string bound = exchange(
      "<iq type='set' id='b'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'><resource>Phone</resource></bind></iq>");
  EXPECT_NE(bound.find("<jid>alice@example.org/Phone</jid>"), std::string::npos);
  ASSERT_EQ(host.bound.size(), 1u);
  exchange("<message to='bob@example.org'><body>hi</body></message>");
  ASSERT_EQ(host.stanzas.size(), 1u);
  EXPECT_EQ(host.stanzas[0].attr_or("from"), "alice@example.org/Phone");
  // Own bare JID as 'from' is accepted and replaced by the full JID.
  exchange("<message from='alice@example.org' to='bob@example.org'/>");
  EXPECT_EQ(host.stanzas.at(1).attr_or("from"), "alice@example.org/Phone");
}

TEST_F(C2sTest, ServerGeneratesAResourceWhenNoneIsAsked) {
  login();
  exchange(kOpen);
  const std::string bound = exchange("<iq type='set' id='b'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/></iq>");
  EXPECT_NE(bound.find("<jid>alice@example.org/cl-"), std::string::npos);
}

TEST_F(C2sTest, ForgedFromEndsTheStreamWithInvalidFrom) {
  login();
  exchange(kOpen);
  exchange("<iq type='set' id='b'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/></iq>");
  const std::string out = exchange("<message from='bob@example.org/x' to='carol@example.org'/>");
  EXPECT_NE(out.find("<invalid-from xmlns='urn:ietf:params:xml:ns:xmpp-streams'/>"), std::string::npos);
  EXPECT_NE(out.find("</stream:stream>"), std::string::npos);
  EXPECT_TRUE(host.stanzas.empty());
  EXPECT_TRUE(transport->closed);
  EXPECT_EQ(host.unbinds, 1);
}

TEST_F(C2sTest, WrongPasswordLockedAccountAndEmptyPassword) {
  secure();
  exchange(kOpen);
  EXPECT_NE(exchange(plain("alice", "wrong")).find("<not-authorized/>"), std::string::npos);
  EXPECT_NE(exchange(plain("locked", "whatever")).find("<account-disabled/>"), std::string::npos);
  const int calls = auth.calls;
  const std::string out = exchange(plain("alice", ""));
  EXPECT_NE(out.find("<not-authorized/>"), std::string::npos);
  EXPECT_EQ(auth.calls, calls) << "an empty password must never reach LDAP";
  // Third failure on one stream: policy-violation.
  EXPECT_NE(out.find("<policy-violation"), std::string::npos);
}

// Failures for an account (by name: the same on every host) slow its next check down but
// never refuse it, so the owner still gets in.
TEST_F(C2sTest, RepeatedFailuresForOneAccountDelayTheCheckButDoNotRefuseIt) {
  for (int i = 0; i < 5; ++i) account_failures.record("alice");
  secure();
  exchange(kOpen);
  EXPECT_EQ(exchange(plain("alice", "secret")), "");
  EXPECT_EQ(auth.calls, 0) << "the check waits first";
  io.run_for(std::chrono::milliseconds(200));
  EXPECT_EQ(auth.calls, 1);
  EXPECT_NE(transport->take().find("<success"), std::string::npos);
}

TEST_F(C2sTest, PlainWithoutInitialResponseGetsAChallenge) {
  secure();
  exchange(kOpen);
  EXPECT_NE(exchange("<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'/>").find("<challenge"),
            std::string::npos);
  const std::string response = "<response xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>" +
                               base64_encode(std::string("\0alice\0secret", 13)) + "</response>";
  EXPECT_NE(exchange(response).find("<success"), std::string::npos);
}

TEST_F(C2sTest, BadSaslInput) {
  secure();
  exchange(kOpen);
  EXPECT_NE(exchange("<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='DIGEST-MD5'>x</auth>")
                .find("<invalid-mechanism/>"),
            std::string::npos);
  EXPECT_NE(exchange("<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>!!!!</auth>")
                .find("<incorrect-encoding/>"),
            std::string::npos);
}

TEST_F(C2sTest, StanzaBeforeAuthenticationIsNotAuthorized) {
  exchange(kOpen);
  EXPECT_NE(exchange("<message to='a@example.org'/>").find("<not-authorized xmlns='urn:ietf:params:xml:ns:xmpp-streams'/>"),
            std::string::npos);
}

TEST_F(C2sTest, UnknownHostAndWrongNamespaces) {
  EXPECT_NE(exchange("<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' "
                     "to='other.org' version='1.0'>")
                .find("<host-unknown"),
            std::string::npos);
}

TEST_F(C2sTest, WrongContentNamespace) {
  EXPECT_NE(exchange("<stream:stream xmlns='jabber:server' xmlns:stream='http://etherx.jabber.org/streams' "
                     "to='example.org' version='1.0'>")
                .find("<invalid-namespace"),
            std::string::npos);
}

TEST_F(C2sTest, MalformedXmlGetsAHeaderThenNotWellFormed) {
  const std::string out = exchange("<<<>>>");
  EXPECT_EQ(out.find("<?xml version='1.0'?><stream:stream"), 0u);
  EXPECT_NE(out.find("<not-well-formed"), std::string::npos);
  EXPECT_TRUE(transport->closed);
}

TEST_F(C2sTest, RestrictedXmlIsAStreamError) {
  exchange(kOpen);
  EXPECT_NE(exchange("<!-- comment -->").find("<restricted-xml"), std::string::npos);
}

TEST_F(C2sTest, OversizedStanzaIsPolicyViolation) {
  login();
  exchange(kOpen);
  exchange("<iq type='set' id='b'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/></iq>");
  const std::string out = exchange("<message><body>" + std::string(5000, 'x'));
  EXPECT_NE(out.find("<policy-violation"), std::string::npos);
  // Issue 12 item 19: the error says why, with the limit in bytes.
  EXPECT_NE(out.find(">Stanza larger than the limit of 4096 bytes</text>"), std::string::npos) << out;
  EXPECT_TRUE(host.stanzas.empty());
}

TEST_F(C2sTest, Utf16StreamIsUnsupportedEncoding) {
  const std::string out = exchange(std::string("\xFF\xFE<\0s\0"));
  EXPECT_NE(out.find("<unsupported-encoding"), std::string::npos) << out;
  EXPECT_TRUE(transport->closed);
}

// Issue 12 item 4: authenticated sessions are counted per account.
TEST_F(C2sTest, BindBeyondTheResourcesPerAccountIsResourceConstraint) {
  config.max_resources_per_account = 2;
  make();
  login();
  exchange(kOpen);
  host.others = 2;
  std::string out = exchange("<iq type='set' id='b'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/></iq>");
  EXPECT_NE(out.find("type='error'"), std::string::npos) << out;
  EXPECT_NE(out.find("<resource-constraint"), std::string::npos) << out;
  EXPECT_TRUE(host.bound.empty());
  host.others = 1;
  out = exchange("<iq type='set' id='c'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/></iq>");
  EXPECT_NE(out.find("<jid>alice@example.org/"), std::string::npos) << out;
  EXPECT_EQ(host.bound.size(), 1u);
}

// Issue 12 item 4: admission evicts the oldest unauthenticated stream for a newcomer.
TEST_F(C2sTest, EvictionEndsAnUnauthenticatedStreamAndFreesItsPlace) {
  net::Admission admission(net::AdmissionLimits{.per_address = 1, .per_network = 10, .total = 10});
  make(admission.admit("192.0.2.1"));
  exchange(kOpen);
  EXPECT_EQ(admission.unauthenticated(), 1u);
  // The stream answers its own ticket's eviction (C2s::start): the newcomer's admission
  // ends it, with nothing for the server to wire.
  auto newcomer = admission.admit("192.0.2.1");
  EXPECT_EQ(admission.unauthenticated(), 1u);
  EXPECT_EQ(admission.evicted(), 1u);
  const std::string out = transport->take();
  EXPECT_NE(out.find("<policy-violation"), std::string::npos) << out;
  EXPECT_TRUE(transport->closed);
}

// Issue 12 item 7: a client over its rate is not read for a while; nothing is dropped.
TEST_F(C2sTest, AFloodingClientIsPausedNotDropped) {
  config.rate = RateLimits{.stanzas_per_second = 10, .stanza_burst = 20, .bytes_per_second = 0, .byte_burst = 0};
  make();
  login();
  exchange(kOpen);
  exchange("<iq type='set' id='b'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/></iq>");
  EXPECT_EQ(transport->paused.count(), 0);
  std::string burst;
  for (int i = 0; i < 30; ++i) burst += "<message to='bob@example.org'><body>x</body></message>";
  exchange(burst);
  // starttls and auth were the connection's; bind and 30 messages the account's: 20 in the
  // burst, 11 more at 10/s, about 1.1 s without reading.
  EXPECT_GE(transport->paused.count(), 1000);
  EXPECT_LE(transport->paused.count(), 1200);
  EXPECT_EQ(host.stanzas.size(), 30u);
  EXPECT_FALSE(transport->closed);
}

// Issue 12: the rates were per stream, so an account with 16 resources sent 16 times the
// rate. Now an account's streams share its buckets; before login, each connection has its own.
TEST_F(C2sTest, AnAccountsStreamsShareItsRate) {
  config.rate = RateLimits{.stanzas_per_second = 10, .stanza_burst = 20, .bytes_per_second = 0, .byte_burst = 0};
  auth.passwords["bob"] = "bob-pw";
  const std::string bind = "<iq type='set' id='b'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/></iq>";
  const auto messages = [](int n) {
    std::string out;
    for (int i = 0; i < n; ++i) out += "<message to='carol@example.org'><body>x</body></message>";
    return out;
  };
  make();
  login();
  exchange(kOpen);
  exchange(bind);
  exchange(messages(19));  // with the bind, alice's whole burst
  EXPECT_EQ(transport->paused.count(), 0);
  auto first = std::exchange(c2s, nullptr);  // stays open beside the next ones

  make();
  login();  // starttls and auth: the connection's own bucket, not alice's empty one
  EXPECT_EQ(transport->paused.count(), 0) << "before login a connection meters itself";
  exchange(kOpen);
  exchange(bind);
  const auto before = transport->paused;
  exchange(messages(10));
  // alice's bucket is empty: her second stream waits for its 10 at 10/s.
  EXPECT_GE((transport->paused - before).count(), 900);
  EXPECT_LE((transport->paused - before).count(), 1200);
  EXPECT_FALSE(transport->closed);
  auto second = std::exchange(c2s, nullptr);

  make();
  login("bob", "bob-pw");
  exchange(kOpen);
  exchange(bind);
  exchange(messages(19));
  EXPECT_EQ(transport->paused.count(), 0) << "another account has its own rate";
  EXPECT_EQ(host.stanzas.size(), 48u) << "nothing is dropped";
  first->on_closed();
  second->on_closed();
}

TEST_F(C2sTest, BytesAreRateLimitedToo) {
  config.rate = RateLimits{.stanzas_per_second = 0, .stanza_burst = 0, .bytes_per_second = 1000, .byte_burst = 1000};
  const auto start = std::chrono::steady_clock::now();
  make();
  exchange(kOpen);
  exchange(std::string(3000, ' '));  // whitespace keepalives are bytes too
  // The header and 3000 bytes, 1000 of them in the burst: over 2 s at 1000 bytes/s, less
  // a token for every millisecond the test itself took (a loaded machine is slow here).
  const auto took = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start);
  const auto expected = static_cast<long long>(kOpen.size() + 3000 - 1000);
  EXPECT_GE(transport->paused.count(), expected - took.count() - 5);
  EXPECT_LE(transport->paused.count(), expected + 5);
}

TEST_F(C2sTest, ClosingTagIsAnswered) {
  exchange(kOpen);
  EXPECT_NE(exchange("</stream:stream>").find("</stream:stream>"), std::string::npos);
  EXPECT_TRUE(transport->closed);
}

TEST_F(C2sTest, ShutdownSendsSystemShutdown) {
  login();
  exchange(kOpen);
  c2s->shutdown();
  EXPECT_NE(transport->take().find("<system-shutdown"), std::string::npos);
}

// 30 wrong passwords sent at once on 30 streams from one address: the
// limits count checks still in flight, so no more than the address's 10 reach the
// directory although no answer has come back yet; the rest wait for a place, and are
// refused once those 10 have failed.
TEST_F(C2sTest, AttemptsInFlightCountAgainstTheLimits) {
  auto streams = open_streams(30);
  // Each guess for another account, so that only the address's limit is at work (one
  // account's own limit would slow its guesses further).
  for (int i = 0; i < 30; ++i) streams[i].second->on_data(plain("user" + std::to_string(i), "wrong"));
  EXPECT_LE(auth.calls, 10);  // no answer has run yet
  run_ready();  // the answers, and the waiting checks they wake: no time has to pass
  int refused = 0;
  for (auto& [t, s] : streams) refused += t->take().find("Too many failed attempts") != std::string::npos ? 1 : 0;
  EXPECT_EQ(auth.calls, 10);
  EXPECT_EQ(refused, 20);
  for (auto& [t, s] : streams) s->on_closed();
}

// A school behind one address: 30 pupils log in at the same moment with good passwords.
// No more than the address's 10 checks are in flight at once, and nobody is refused: the
// others wait for a place. (Before, checks in flight beyond 10 were refused as failures.)
TEST_F(C2sTest, GoodLoginsFromOneAddressAtOnceWaitForAPlaceInsteadOfBeingRefused) {
  for (int i = 0; i < 30; ++i) auth.passwords["pupil" + std::to_string(i)] = "pw" + std::to_string(i);
  auto streams = open_streams(30);
  for (int i = 0; i < 30; ++i) streams[i].second->on_data(plain("pupil" + std::to_string(i), "pw" + std::to_string(i)));
  EXPECT_LE(auth.calls, 10) << "no more checks in flight than the address may fail";
  run_ready();  // each answer wakes a waiting check at once: no time has to pass
  int succeeded = 0;
  for (auto& [t, s] : streams) succeeded += t->take().find("<success") != std::string::npos ? 1 : 0;
  EXPECT_EQ(succeeded, 30);
  EXPECT_EQ(auth.calls, 30);
  for (auto& [t, s] : streams) s->on_closed();
}

// The hooks XEP-0352 needs: a nonza reaches the host, and an outbound filter sees what a
// bound stream is given and decides when it goes.
TEST_F(C2sTest, NonzasGoToTheHostAndUnknownOnesEndTheStream) {
  login();
  exchange(kOpen);
  exchange("<iq type='set' id='b'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/></iq>");
  EXPECT_EQ(exchange("<inactive xmlns='urn:test:nonza'/>"), "");
  ASSERT_EQ(host.nonzas.size(), 1u);
  EXPECT_EQ(host.nonzas[0].name(), "inactive");
  EXPECT_NE(exchange("<what xmlns='urn:test:other'/>").find("<unsupported-stanza-type"), std::string::npos);
}

TEST_F(C2sTest, AnOutboundFilterHoldsWhatIsDeliveredUntilItSendsIt) {
  login();
  exchange(kOpen);
  exchange("<iq type='set' id='b'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/></iq>");
  std::vector<std::pair<bool, std::string>> seen;  // (had an element, bytes)
  c2s->filter_outbound([&](const xml::Element* e, std::string bytes) { seen.emplace_back(e != nullptr, std::move(bytes)); });
  xml::Element m("message", "jabber:client");
  m.add(xml::Element("body", "jabber:client")).add_text("hi");
  c2s->deliver(m);
  c2s->deliver_serialized("<presence/>");
  io.poll();
  EXPECT_EQ(transport->take(), "");
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[0], std::make_pair(true, std::string("<message><body>hi</body></message>")));
  EXPECT_EQ(seen[1], std::make_pair(false, std::string("<presence/>")));
  c2s->send_now(seen[1].second);
  EXPECT_EQ(transport->take(), "<presence/>");
  c2s->filter_outbound({});
  c2s->deliver(m);
  EXPECT_EQ(transport->take(), "<message><body>hi</body></message>");
}

}  // namespace
}  // namespace jabberadmin::stream
