// XEP-0124/0206 BOSH: the <body/> parser, the rid window, and the session manager driven
// with HTTP requests against a stand-in stream (the real C2s is the e2e test's).
#include "http/bosh.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/beast/http/field.hpp>
#include <boost/beast/http/verb.hpp>
#include <gtest/gtest.h>

#include <optional>

namespace jabberadmin::http {
namespace {
namespace bhttp = boost::beast::http;

constexpr std::string_view kBind = "xmlns='http://jabber.org/protocol/httpbind'";

// --- the body ---------------------------------------------------------------------------

TEST(BoshBody, ReadsTheWrapperAndItsChildren) {
  const auto parsed = parse_body(
      "<body rid='5' sid='abc' xmlns='http://jabber.org/protocol/httpbind' xmlns:x='urn:xmpp:xbosh' x:restart='true'>"
      "<message xmlns='jabber:client' to='a@example.org'><body>hi</body></message><iq xmlns='jabber:client'/></body>",
      {});
  ASSERT_TRUE(parsed.body) << parsed.condition;
  EXPECT_EQ(parsed.body->attr("rid"), "5");
  EXPECT_EQ(parsed.sid, "abc");
  EXPECT_EQ(parsed.body->xbosh_attr("restart"), "true") << "any prefix of urn:xmpp:xbosh";
  ASSERT_EQ(parsed.body->payload.size(), 2u);
  EXPECT_TRUE(parsed.body->payload[0].is("message", "jabber:client"));
  EXPECT_TRUE(parsed.body->payload[1].is("iq", "jabber:client"));
}

TEST(BoshBody, AnythingButAWholeBodyIsABadRequest) {
  for (const std::string text : {"", "not xml", "<body xmlns='http://jabber.org/protocol/httpbind'>",
                                 "<body xmlns='urn:other'/>", "<stream xmlns='http://jabber.org/protocol/httpbind'/>",
                                 "<body xmlns='http://jabber.org/protocol/httpbind'/><body/>",
                                 "<body xmlns='http://jabber.org/protocol/httpbind'>text</body>",
                                 "<!DOCTYPE x><body xmlns='http://jabber.org/protocol/httpbind'/>",
                                 "<body xmlns='http://jabber.org/protocol/httpbind'><!-- c --></body>"}) {
    const auto parsed = parse_body(text, {});
    EXPECT_FALSE(parsed.body) << text;
    EXPECT_EQ(parsed.condition, "bad-request") << text;
  }
}

TEST(BoshBody, AChildOverTheStanzaLimitIsAPolicyViolationNamingTheSession) {
  xml::ParserLimits limits;
  limits.max_stanza_size = 100;
  const auto parsed = parse_body("<body sid='s1' xmlns='http://jabber.org/protocol/httpbind'><message><body>" +
                                     std::string(200, 'x') + "</body></message></body>",
                                 limits);
  EXPECT_FALSE(parsed.body);
  EXPECT_EQ(parsed.condition, "policy-violation");
  EXPECT_EQ(parsed.sid, "s1");
}

TEST(BoshBody, NumbersAreDigitsUpToTwoToThe53) {
  EXPECT_EQ(bosh_number("0"), 0u);
  EXPECT_EQ(bosh_number("1573741820"), 1573741820u);
  EXPECT_EQ(bosh_number("9007199254740991"), 9007199254740991u);
  for (const char* bad : {"", "9007199254740992", "-1", "+1", " 1", "1 ", "1a", "0x10", "99999999999999999999"})
    EXPECT_FALSE(bosh_number(bad)) << bad;
}

TEST(BoshBody, AnswersAreBodiesInTheHttpbindNamespace) {
  EXPECT_EQ(body_xml({{"sid", "a'b"}}), "<body xmlns='http://jabber.org/protocol/httpbind' sid='a&apos;b'/>");
  EXPECT_EQ(terminate_xml("item-not-found"),
            "<body xmlns='http://jabber.org/protocol/httpbind' type='terminate' condition='item-not-found'/>");
  EXPECT_EQ(body_xml({}, "<iq/>"), "<body xmlns='http://jabber.org/protocol/httpbind'><iq/></body>");
}

// --- the rid window ---------------------------------------------------------------------

TEST(RidWindow, PlacesRidsAroundTheNextOne) {
  RidWindow rids(100, 2);  // the creation request's rid, requests = 2
  EXPECT_EQ(rids.next(), 101u);
  EXPECT_EQ(rids.place(101), RidWindow::Place::InWindow);
  EXPECT_EQ(rids.place(102), RidWindow::Place::InWindow);
  EXPECT_EQ(rids.place(103), RidWindow::Place::Beyond);
  EXPECT_EQ(rids.place(100), RidWindow::Place::Earlier) << "processed, its answer not kept (yet)";
  rids.answered(100, "a100");
  EXPECT_EQ(rids.place(100), RidWindow::Place::Answered);
  rids.advance();
  rids.answered(101, "a101");
  rids.advance();
  rids.answered(102, "a102");
  EXPECT_EQ(rids.place(100), RidWindow::Place::Earlier) << "only the last `requests` answers are kept";
  ASSERT_NE(rids.answer_of(102), nullptr);
  EXPECT_EQ(*rids.answer_of(102), "a102");
  EXPECT_EQ(rids.place(104), RidWindow::Place::InWindow);
  EXPECT_EQ(rids.place(105), RidWindow::Place::Beyond);
}

// --- sessions ---------------------------------------------------------------------------

// The stream a session feeds: answers a header with its own and features, the stream's end
// with its end, and records everything.
class FakeStream : public net::TransportEvents {
 public:
  std::shared_ptr<net::Transport> transport;
  std::string received;
  bool closed = false;
  void on_data(std::string_view bytes) override {
    received += bytes;
    if (bytes.find("<stream:stream ") != std::string_view::npos) {
      transport->send("<?xml version='1.0'?><stream:stream xmlns='jabber:client' "
                      "xmlns:stream='http://etherx.jabber.org/streams' id='s1' from='example.org' version='1.0'>");
      transport->send("<stream:features><mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>"
                      "<mechanism>PLAIN</mechanism></mechanisms></stream:features>");
    }
    if (bytes.find("</stream:stream>") != std::string_view::npos) {
      transport->send("</stream:stream>");
      transport->close();
    }
  }
  void on_tls_ready(bool) override {}
  void on_closed() override { closed = true; }
};

class BoshSessionsTest : public ::testing::Test {
 protected:
  BoshSessionsTest() { limits.parser.max_stanza_size = 1000; }

  BoshSessions& sessions() {
    if (!sessions_)
      sessions_.emplace(io.get_executor(), limits, [this](std::shared_ptr<net::Transport> transport) {
        auto stream = std::make_shared<FakeStream>();
        stream->transport = std::move(transport);
        streams.push_back(stream);
        return std::weak_ptr<net::TransportEvents>(stream);
      });
    return *sessions_;
  }

  // A request's answer, once it comes.
  struct Reply {
    std::optional<Response> response;
    std::string body() const { return response ? response->body() : "(no answer)"; }
  };
  std::shared_ptr<Reply> post(const std::string& body, const std::string& peer = "192.0.2.1",
                              bhttp::verb verb = bhttp::verb::post) {
    Request request(verb, "/http-bind", 11);
    request.body() = body;
    request.prepare_payload();
    auto reply = std::make_shared<Reply>();
    sessions().handle(request, peer, [reply](Response response) { reply->response = std::move(response); });
    io.poll();
    io.restart();
    return reply;
  }
  // A session's request: rid, sid and the payload inside.
  std::shared_ptr<Reply> request(std::uint64_t rid, const std::string& payload = {}, const std::string& extra = {}) {
    return post("<body rid='" + std::to_string(rid) + "' sid='" + sid + "' " + std::string(kBind) + extra + ">" +
                payload + "</body>");
  }
  // Creates a session at rid 100 and keeps its sid.
  std::shared_ptr<Reply> create(const std::string& extra = " wait='300' hold='5'") {
    auto reply = post("<body rid='100' to='example.org' ver='1.6' xml:lang='en' " + std::string(kBind) +
                      " xmlns:xmpp='urn:xmpp:xbosh' xmpp:version='1.0'" + extra + "/>");
    if (reply->response) {
      const std::string& b = reply->response->body();
      const auto at = b.find("sid='");
      if (at != std::string::npos) sid = b.substr(at + 5, b.find('\'', at + 5) - at - 5);
    }
    return reply;
  }
  void run_for(std::chrono::milliseconds d) {
    io.run_for(d);
    io.restart();
  }

  boost::asio::io_context io;
  BoshLimits limits;
  std::vector<std::shared_ptr<FakeStream>> streams;
  std::optional<BoshSessions> sessions_;
  std::string sid;
};

TEST_F(BoshSessionsTest, CreationOpensTheStreamAndAnswersWithTermsAndFeatures) {
  const auto reply = create();
  ASSERT_TRUE(reply->response);
  const Response& r = *reply->response;
  EXPECT_EQ(r.result(), bhttp::status::ok);
  EXPECT_EQ(r[bhttp::field::content_type], "text/xml; charset=utf-8");
  EXPECT_EQ(r[bhttp::field::access_control_allow_origin], "*");
  EXPECT_EQ(sid.size(), 32u) << r.body();
  EXPECT_NE(r.body().find("wait='60'"), std::string::npos) << "300 clamped: " << r.body();
  EXPECT_NE(r.body().find("hold='1' requests='2'"), std::string::npos) << r.body();
  EXPECT_NE(r.body().find("ver='1.6'"), std::string::npos) << "the lower version: " << r.body();
  EXPECT_NE(r.body().find("from='example.org'"), std::string::npos);
  EXPECT_NE(r.body().find("authid='s1'"), std::string::npos);
  EXPECT_NE(r.body().find("xmpp:version='1.0'"), std::string::npos);
  EXPECT_NE(r.body().find("<stream:features xmlns:stream='http://etherx.jabber.org/streams'>"), std::string::npos)
      << r.body();
  ASSERT_EQ(streams.size(), 1u);
  EXPECT_EQ(streams[0]->received,
            "<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' to='example.org' "
            "version='1.0'>");
  EXPECT_EQ(sessions().size(), 1u);
}

TEST_F(BoshSessionsTest, ARequestWaitsForWhatTheStreamSays) {
  create();
  const auto held = request(101);
  EXPECT_FALSE(held->response) << held->body();
  EXPECT_NE(streams[0]->received.find("> "), std::string::npos) << "an empty poll reaches the stream as a keepalive";
  streams[0]->transport->send("<message from='b@example.org'><body>hi</body></message>");
  io.poll();
  ASSERT_TRUE(held->response);
  EXPECT_EQ(held->body(), std::string("<body ") + std::string(kBind) +
                              "><message xmlns='jabber:client' from='b@example.org'><body>hi</body></message></body>");
}

TEST_F(BoshSessionsTest, ANewRequestPastHoldReleasesTheOldest) {
  create();
  const auto first = request(101);
  EXPECT_FALSE(first->response);
  const auto second = request(102, "<presence xmlns='jabber:client'/>");
  ASSERT_TRUE(first->response);
  EXPECT_EQ(first->body(), std::string("<body ") + std::string(kBind) + "/>");
  EXPECT_FALSE(second->response);
  EXPECT_NE(streams[0]->received.find("<presence/>"), std::string::npos) << streams[0]->received;
}

TEST_F(BoshSessionsTest, PayloadsReachTheStreamInRidOrder) {
  create();
  const auto later = request(102, "<message xmlns='jabber:client' id='second'/>");
  EXPECT_EQ(streams[0]->received.find("second"), std::string::npos) << "102 waits for 101";
  const auto earlier = request(101, "<message xmlns='jabber:client' id='first'/>");
  const auto first = streams[0]->received.find("first");
  const auto second = streams[0]->received.find("second");
  ASSERT_NE(first, std::string::npos);
  ASSERT_NE(second, std::string::npos);
  EXPECT_LT(first, second);
  EXPECT_TRUE(earlier->response) << "answered in order, past hold";
  EXPECT_FALSE(later->response);
}

TEST_F(BoshSessionsTest, ARepeatedRidGetsTheSameAnswerAgain) {
  create();
  const auto held = request(101);
  streams[0]->transport->send("<message><body>once</body></message>");
  io.poll();
  io.restart();
  ASSERT_TRUE(held->response);
  const auto again = request(101);
  ASSERT_TRUE(again->response);
  EXPECT_EQ(again->body(), held->body());
  EXPECT_EQ(streams[0]->received.find("> >"), std::string::npos) << "not fed to the stream twice";
  EXPECT_EQ(sessions().size(), 1u);
}

TEST_F(BoshSessionsTest, AHeldRequestRepeatedIsAnsweredOnItsNewConnection) {
  create();
  const auto lost = request(101);
  const auto retried = request(101);
  streams[0]->transport->send("<message><body>late</body></message>");
  io.poll();
  EXPECT_FALSE(lost->response);
  ASSERT_TRUE(retried->response);
  EXPECT_NE(retried->body().find("late"), std::string::npos);
}

TEST_F(BoshSessionsTest, ARidOutsideTheWindowTerminatesTheSession) {
  create();
  const auto held = request(101);
  const auto far = request(150);
  ASSERT_TRUE(far->response);
  EXPECT_EQ(far->response->result(), bhttp::status::ok);
  EXPECT_NE(far->body().find("type='terminate' condition='item-not-found'"), std::string::npos) << far->body();
  ASSERT_TRUE(held->response) << "every waiting request hears of the end";
  EXPECT_NE(held->body().find("type='terminate'"), std::string::npos);
  EXPECT_EQ(sessions().size(), 0u);
  io.poll();
  EXPECT_TRUE(streams[0]->closed) << "the stream hears of it as of a lost connection";
  const auto after = request(102);
  EXPECT_NE(after->body().find("condition='item-not-found'"), std::string::npos);
}

TEST_F(BoshSessionsTest, AnOldRidNotKeptTerminatesTheSession) {
  create();
  request(101, "<presence xmlns='jabber:client'/>");
  request(102);
  request(103);
  const auto stale = request(100);
  EXPECT_NE(stale->body().find("condition='item-not-found'"), std::string::npos) << stale->body();
  EXPECT_EQ(sessions().size(), 0u);
}

TEST_F(BoshSessionsTest, UnknownSidIsItemNotFound) {
  sid = "0123456789abcdef0123456789abcdef";
  const auto reply = request(5);
  ASSERT_TRUE(reply->response);
  EXPECT_EQ(reply->response->result(), bhttp::status::ok);
  EXPECT_EQ(reply->body(), terminate_xml("item-not-found"));
}

TEST_F(BoshSessionsTest, BadRequestsAreAnsweredAndNeverCreateASession) {
  const auto garbage = post("this is not XML");
  ASSERT_TRUE(garbage->response);
  EXPECT_EQ(garbage->response->result(), bhttp::status::bad_request);
  EXPECT_EQ(garbage->body(), terminate_xml("bad-request"));
  const auto no_rid = post("<body to='example.org' " + std::string(kBind) + "/>");
  EXPECT_EQ(no_rid->body(), terminate_xml("bad-request"));
  const auto bad_rid = post("<body rid='-3' to='example.org' " + std::string(kBind) + "/>");
  EXPECT_EQ(bad_rid->body(), terminate_xml("bad-request"));
  const auto no_to = post("<body rid='1' " + std::string(kBind) + "/>");
  EXPECT_EQ(no_to->body(), terminate_xml("improper-addressing"));
  const auto big = post(std::string(limits.max_body + 1, ' '));
  EXPECT_EQ(big->response->result(), bhttp::status::payload_too_large);
  EXPECT_EQ(sessions().size(), 0u);
  EXPECT_TRUE(streams.empty());
}

TEST_F(BoshSessionsTest, AStanzaOverTheLimitEndsTheSessionWithPolicyViolation) {
  create();
  const auto held = request(101);
  const auto big = request(102, "<message xmlns='jabber:client'><body>" + std::string(2000, 'x') + "</body></message>");
  EXPECT_EQ(big->body(), terminate_xml("policy-violation"));
  EXPECT_EQ(held->body(), terminate_xml("policy-violation"));
  EXPECT_EQ(sessions().size(), 0u);
}

TEST_F(BoshSessionsTest, TheClientsTerminateEndsTheStream) {
  create();
  const auto bye = request(101, "<presence xmlns='jabber:client' type='unavailable'/>", " type='terminate'");
  io.poll();
  ASSERT_TRUE(bye->response);
  EXPECT_EQ(bye->body(), terminate_xml(""));
  EXPECT_NE(streams[0]->received.find("<presence type='unavailable'/></stream:stream>"), std::string::npos)
      << streams[0]->received;
  EXPECT_TRUE(streams[0]->closed);
  EXPECT_EQ(sessions().size(), 0u);
}

TEST_F(BoshSessionsTest, AStreamErrorTerminatesWithRemoteStreamError) {
  create();
  const auto held = request(101);
  streams[0]->transport->send(
      "<stream:error><policy-violation xmlns='urn:ietf:params:xml:ns:xmpp-streams'/></stream:error></stream:stream>");
  streams[0]->transport->close();
  io.poll();
  ASSERT_TRUE(held->response);
  EXPECT_NE(held->body().find("type='terminate' condition='remote-stream-error'><stream:error "
                              "xmlns:stream='http://etherx.jabber.org/streams'><policy-violation"),
            std::string::npos)
      << held->body();
  EXPECT_EQ(sessions().size(), 0u);
}

TEST_F(BoshSessionsTest, TheStreamsLastWordsWaitForTheNextRequest) {
  create();
  streams[0]->transport->send("<stream:error><conflict xmlns='urn:ietf:params:xml:ns:xmpp-streams'/></stream:error>");
  streams[0]->transport->close();
  io.poll();
  io.restart();
  EXPECT_EQ(sessions().size(), 1u) << "kept until the client comes for it";
  const auto next = request(101);
  EXPECT_NE(next->body().find("condition='remote-stream-error'"), std::string::npos) << next->body();
  EXPECT_NE(next->body().find("<conflict"), std::string::npos);
  EXPECT_EQ(sessions().size(), 0u);
}

TEST_F(BoshSessionsTest, RestartOpensTheStreamAgain) {
  create();
  const auto restart = request(101, {}, " xmlns:xmpp='urn:xmpp:xbosh' xmpp:restart='true'");
  io.poll();
  EXPECT_EQ(streams[0]->received.rfind("<stream:stream "), streams[0]->received.find("<stream:stream ", 10));
  ASSERT_TRUE(restart->response);
  EXPECT_NE(restart->body().find("<stream:features"), std::string::npos) << restart->body();
  EXPECT_EQ(restart->body().find("sid="), std::string::npos) << "the terms only once";
}

TEST_F(BoshSessionsTest, AHeldRequestIsAnsweredEmptyAfterWait) {
  limits.max_wait = std::chrono::seconds(1);
  create();
  const auto held = request(101);
  EXPECT_FALSE(held->response);
  run_for(std::chrono::milliseconds(1300));
  ASSERT_TRUE(held->response);
  EXPECT_EQ(held->body(), std::string("<body ") + std::string(kBind) + "/>");
  EXPECT_EQ(sessions().size(), 1u);
}

TEST_F(BoshSessionsTest, InactivityEndsTheSession) {
  limits.inactivity = std::chrono::seconds(1);
  create();
  run_for(std::chrono::milliseconds(1300));
  EXPECT_EQ(sessions().size(), 0u);
  EXPECT_TRUE(streams[0]->closed);
}

TEST_F(BoshSessionsTest, APausedStreamReadsTheNextPayloadOnlyAfterThePause) {
  create();
  streams[0]->transport->pause_reading(std::chrono::milliseconds(300));
  request(101, "<message xmlns='jabber:client' id='slow'/>");
  EXPECT_EQ(streams[0]->received.find("slow"), std::string::npos);
  run_for(std::chrono::milliseconds(500));
  EXPECT_NE(streams[0]->received.find("slow"), std::string::npos);
}

TEST_F(BoshSessionsTest, SessionsPerAddressAreLimited) {
  limits.max_sessions_per_address = 1;
  create();
  const auto second = post("<body rid='7' to='example.org' " + std::string(kBind) + "/>");
  EXPECT_EQ(second->body(), terminate_xml("policy-violation"));
  const auto elsewhere = post("<body rid='7' to='example.org' " + std::string(kBind) + "/>", "192.0.2.2");
  EXPECT_NE(elsewhere->body().find("sid="), std::string::npos);
  EXPECT_EQ(sessions().size(), 2u);
}

// --- XEP-0124 §9 acknowledgements, §10 pause, §11 overactivity ---------------------------

TEST_F(BoshSessionsTest, CreationAdvertisesMaxpauseAndAcksOnlyWhenAsked) {
  const auto plain = create();
  EXPECT_NE(plain->body().find("maxpause='120'"), std::string::npos) << plain->body();
  EXPECT_EQ(plain->body().find(" ack="), std::string::npos) << "not asked for: " << plain->body();
  const auto acked = create(" wait='60' hold='1' ack='1'");
  EXPECT_NE(acked->body().find(" ack='100'"), std::string::npos) << "the creation request's rid: " << acked->body();
}

TEST_F(BoshSessionsTest, APauseAnswersEveryHeldRequestAndStretchesInactivity) {
  limits.inactivity = std::chrono::seconds(1);
  limits.max_wait = std::chrono::seconds(1);
  create(" wait='60' hold='1'");
  const auto held = request(101);
  ASSERT_FALSE(held->response);
  const auto pausing = request(102, {}, " pause='2'");
  EXPECT_TRUE(held->response) << "answered at once";
  ASSERT_TRUE(pausing->response) << "the pausing request too";
  EXPECT_EQ(pausing->body(), std::string("<body ") + std::string(kBind) + "/>");
  run_for(std::chrono::milliseconds(1400));
  EXPECT_EQ(sessions().size(), 1u) << "alive past inactivity (1 s): paused for 2 s";
  const auto back = request(103, "<presence xmlns='jabber:client' id='back'/>");
  EXPECT_NE(streams[0]->received.find("back"), std::string::npos);
  EXPECT_FALSE(back->response) << "held as usual";
  // The pause ended with that request: 103 is answered after `wait` (1 s), and the session
  // ends 1 s (inactivity) later, not 2 s (the pause).
  run_for(std::chrono::milliseconds(2400));
  EXPECT_TRUE(back->response);
  EXPECT_EQ(sessions().size(), 0u);
}

TEST_F(BoshSessionsTest, AnUnpausedSessionEndsAfterInactivityAndAPausedOneAfterItsPause) {
  limits.inactivity = std::chrono::seconds(1);
  create(" wait='60' hold='1'");
  request(101, {}, " pause='2'");
  run_for(std::chrono::milliseconds(1400));
  EXPECT_EQ(sessions().size(), 1u);
  run_for(std::chrono::milliseconds(1000));
  EXPECT_EQ(sessions().size(), 0u) << "2 s of pause, then nothing: ended";
  EXPECT_TRUE(streams[0]->closed);
}

TEST_F(BoshSessionsTest, APauseOverMaxpauseIsAPolicyViolation) {
  for (const std::string pause : {"121", "99999999999999999999", "soon"}) {
    SCOPED_TRACE(pause);
    create(" wait='60' hold='1'");
    const auto held = request(101);
    const auto over = request(102, {}, " pause='" + pause + "'");
    EXPECT_EQ(over->body(), terminate_xml("policy-violation"));
    EXPECT_EQ(held->body(), terminate_xml("policy-violation"));
    EXPECT_EQ(sessions().size(), 0u);
  }
  create(" wait='60' hold='1'");
  const auto at_limit = request(101, {}, " pause='120'");
  EXPECT_EQ(at_limit->body(), std::string("<body ") + std::string(kBind) + "/>") << "maxpause itself is allowed";
  EXPECT_EQ(sessions().size(), 1u);
}

TEST_F(BoshSessionsTest, MoreRequestsAtOnceThanRequestsIsAPolicyViolation) {
  create(" wait='60' hold='1'");  // requests = 2
  const auto held = request(101);
  const auto ahead = request(103);  // waits for 102: two requests here now
  const auto third = request(102);
  EXPECT_EQ(third->body(), terminate_xml("policy-violation"));
  EXPECT_EQ(held->body(), terminate_xml("policy-violation"));
  EXPECT_EQ(ahead->body(), terminate_xml("policy-violation"));
  EXPECT_EQ(sessions().size(), 0u);
}

TEST_F(BoshSessionsTest, OneMoreRequestIsAllowedToTerminate) {
  create(" wait='60' hold='1'");
  const auto held = request(101);
  const auto ahead = request(103, {}, " type='terminate'");
  const auto between = request(102);
  EXPECT_NE(between->body().find("type='terminate'"), std::string::npos) << between->body();
  EXPECT_EQ(between->body().find("policy-violation"), std::string::npos) << between->body();
  EXPECT_NE(streams[0]->received.find("</stream:stream>"), std::string::npos) << "the client's terminate reached the stream";
}

TEST_F(BoshSessionsTest, APollingSessionPollingFasterThanPollingIsAPolicyViolation) {
  limits.polling = std::chrono::seconds(1);
  const auto created = create(" wait='60' hold='0'");
  EXPECT_NE(created->body().find("hold='0' requests='1'"), std::string::npos) << created->body();
  EXPECT_NE(created->body().find("polling='1'"), std::string::npos) << created->body();
  const auto payload = request(101, "<presence xmlns='jabber:client'/>");
  EXPECT_EQ(payload->body(), std::string("<body ") + std::string(kBind) + "/>") << "a payload may come at once";
  run_for(std::chrono::milliseconds(1100));
  const auto slow = request(102);
  EXPECT_EQ(slow->body(), std::string("<body ") + std::string(kBind) + "/>") << "an empty poll after `polling`";
  const auto fast = request(103);
  EXPECT_EQ(fast->body(), terminate_xml("policy-violation")) << "an empty poll right after another";
  EXPECT_EQ(sessions().size(), 0u);
}

TEST_F(BoshSessionsTest, ALongPollingSessionMayAskAgainAtOnce) {
  create(" wait='60' hold='1'");
  const auto first = request(101);
  streams[0]->transport->send("<message xmlns='jabber:client' id='m1'/>");
  io.poll();
  io.restart();
  ASSERT_TRUE(first->response);
  const auto again = request(102);  // at once, empty: usual for long polling (hold 1)
  EXPECT_FALSE(again->response) << again->body();
  EXPECT_EQ(sessions().size(), 1u);
}

TEST_F(BoshSessionsTest, AcksSayWhatWasReceivedAndReportWhatWasLost) {
  limits.report_after = std::chrono::milliseconds(0);
  create(" wait='60' hold='1' ack='1'");
  const auto first = request(101, {}, " ack='100'");
  const auto second = request(102, {}, " ack='100'");  // 101 answered now: the client has not seen it yet
  ASSERT_TRUE(first->response);
  EXPECT_NE(first->body().find(" ack='102'"), std::string::npos) << "102 came while 101 was held: " << first->body();
  // The client says it has only 100's answer while 101's went out: the next answer reports 101.
  const auto third = request(103, {}, " ack='100'");
  ASSERT_TRUE(second->response);
  EXPECT_NE(second->body().find(" report='101' time='"), std::string::npos) << second->body();
  // The client asks for 101 again and gets the very answer it lost.
  const auto repeated = request(101, {}, " ack='100'");
  EXPECT_EQ(repeated->body(), first->body());
  // Acknowledged, nothing more is reported.
  const auto fourth = request(104, {}, " ack='102'");
  ASSERT_TRUE(third->response);
  EXPECT_EQ(third->body().find("report="), std::string::npos) << third->body();
  EXPECT_FALSE(fourth->response);
}

TEST_F(BoshSessionsTest, WithoutAcksNothingIsAckedOrReported) {
  limits.report_after = std::chrono::milliseconds(0);
  create(" wait='60' hold='1'");
  request(101, {}, " ack='100'");
  const auto second = request(102, {}, " ack='100'");
  request(103, {}, " ack='100'");
  ASSERT_TRUE(second->response);
  EXPECT_EQ(second->body().find("report="), std::string::npos) << second->body();
  EXPECT_EQ(second->body().find(" ack="), std::string::npos) << second->body();
}

TEST_F(BoshSessionsTest, PreflightAndOtherMethods) {
  const auto preflight = post("", "192.0.2.1", bhttp::verb::options);
  ASSERT_TRUE(preflight->response);
  EXPECT_EQ(preflight->response->result(), bhttp::status::no_content);
  EXPECT_EQ((*preflight->response)[bhttp::field::access_control_allow_origin], "*");
  EXPECT_EQ((*preflight->response)[bhttp::field::access_control_allow_methods], "POST, OPTIONS");
  EXPECT_EQ((*preflight->response)[bhttp::field::access_control_allow_headers], "Content-Type");
  const auto get = post("", "192.0.2.1", bhttp::verb::get);
  EXPECT_EQ(get->response->result(), bhttp::status::method_not_allowed);
}

}  // namespace
}  // namespace jabberadmin::http
