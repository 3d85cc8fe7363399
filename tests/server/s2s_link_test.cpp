// Two servers' federation in one process, over real loopback sockets and real TLS: a.test
// and b.test, each a router with one user and its own s2s::Links, linked by the route map.
// Messages cross with dialback on self-signed certificates and with SASL EXTERNAL on
// certificates of a test CA (one bidirectional connection, XEP-0288); blocked domains, dead and silent peers bounce as RFC 6120 says.
#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <chrono>
#include <cstdlib>
#include <functional>
#include <memory>
#include <optional>

#include "fakes.hpp"
#include "jabberadmin/certificate.hpp"
#include "router/router.hpp"
#include "s2s/links.hpp"
#include "temp_dir.hpp"

namespace jabberadmin::s2s {
namespace {
namespace asio = boost::asio;
using asio::ip::tcp;

Jid jid(std::string_view s) { return *Jid::parse(s); }

// One server: a router serving domain, a user there (available), its links and listener.
struct Server {
  Server(asio::io_context& io, const std::string& domain, const std::string& user)
      : router({domain}), session(jid(user + "@" + domain + "/r")),
        acceptor(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)) {
    session.host = &router;
    router.bind(session);
    router.set_presence(session.jid(), true, 0);
  }
  std::uint16_t port() const { return acceptor.local_endpoint().port(); }
  // Starts federating: pem is the server's key and certificate.
  void start(asio::io_context& io, LinkConfig config, DomainPolicy policy, const std::filesystem::path& pem,
             const std::filesystem::path& ca_file, std::vector<S2sRoute> routes) {
    links = std::make_unique<Links>(io.get_executor(), router, config, std::move(policy), make_s2s_tls_context(pem),
                                    std::make_shared<const CertificateCheck>(ca_file), std::move(routes));
    remote = router.route_remote([this](const stream::Stanza& s) { links->send(s); });
    accept();
  }
  void accept() {
    acceptor.async_accept([this](const boost::system::error_code& ec, tcp::socket socket) {
      if (ec) return;
      links->accept(std::move(socket), false);
      accept();
    });
  }
  ~Server() {
    boost::system::error_code ec;
    acceptor.close(ec);
    remote = {};
    links.reset();
  }

  router::Router router;
  test::FakeSession session;
  tcp::acceptor acceptor;
  std::unique_ptr<Links> links;
  util::Registration remote;
};

xml::Element chat(std::string_view from, std::string_view to, std::string_view body) {
  xml::Element m("message", "jabber:client");
  m.set_attr("from", from);
  m.set_attr("to", to);
  m.set_attr("type", "chat");
  m.add(xml::Element("body", "jabber:client")).add_text(body);
  return m;
}

std::string condition(const xml::Element& e) {
  const xml::Element* error = e.child("error");
  return error && error->first_element() ? error->first_element()->name() : std::string();
}

class S2sLinks : public ::testing::Test {
 protected:
  asio::io_context io;
  test::TempDir dir{"s2s-links"};
  Server a{io, "a.test", "alice"};
  Server b{io, "b.test", "bob"};

  // Runs the loop until done() or seconds pass; false on the timeout.
  bool run_until(const std::function<bool()>& done, int seconds = 15) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
    while (!done()) {
      if (std::chrono::steady_clock::now() > deadline) return false;
      io.restart();
      io.run_for(std::chrono::milliseconds(20));
    }
    return true;
  }
  std::vector<S2sRoute> route_to(const std::string& domain, std::uint16_t port) {
    return {S2sRoute{domain, "127.0.0.1", port}};
  }
  void self_signed() {
    certificate::make_self_signed(dir / "a.pem", {"a.test"});
    certificate::make_self_signed(dir / "b.pem", {"b.test"});
  }
  // A test CA and its certificates for a.test and b.test (the openssl tool).
  void ca_signed() {
    const std::string d = dir.path().string();
    std::string script = "cd '" + d + "' && openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj '/CN=Test CA' "
                         "-keyout ca.key -out ca.pem";
    for (const char* domain : {"a.test", "b.test"}) {
      const std::string n(domain);
      script += " && printf 'subjectAltName=DNS:" + n + "\\nextendedKeyUsage=serverAuth,clientAuth\\n' > " + n + ".ext" +
                " && openssl req -newkey rsa:2048 -nodes -subj '/CN=" + n + "' -keyout " + n + ".key -out " + n + ".csr" +
                " && openssl x509 -req -in " + n + ".csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 -extfile " + n +
                ".ext -out " + n + ".crt && cat " + n + ".key " + n + ".crt > " + n.substr(0, 1) + ".pem";
    }
    ASSERT_EQ(std::system(("(" + script + ") >/dev/null 2>&1").c_str()), 0) << script;
  }
  void start(LinkConfig config = {}, const std::filesystem::path& ca = {}, DomainPolicy policy_a = {}) {
    a.start(io, config, std::move(policy_a), dir / "a.pem", ca, route_to("b.test", b.port()));
    b.start(io, config, {}, dir / "b.pem", ca, route_to("a.test", a.port()));
  }
  // alice writes to bob and bob answers her full JID.
  void chat_both_ways() {
    a.router.deliver(chat("alice@a.test/r", "bob@b.test", "hello from a"));
    ASSERT_TRUE(run_until([&] { return !b.session.received.empty(); })) << "nothing reached bob";
    const xml::Element got = b.session.take().front();
    EXPECT_EQ(got.attr_or("from"), "alice@a.test/r");
    EXPECT_EQ(got.attr_or("to"), "bob@b.test");
    EXPECT_EQ(got.xmlns(), "jabber:client");
    ASSERT_TRUE(got.child("body"));
    EXPECT_EQ(got.child("body")->text(), "hello from a");
    EXPECT_EQ(got.child("body")->xmlns(), "jabber:client");
    b.router.deliver(chat("bob@b.test/r", "alice@a.test/r", "hello from b"));
    ASSERT_TRUE(run_until([&] { return !a.session.received.empty(); })) << "nothing reached alice";
    const xml::Element back = a.session.take().front();
    EXPECT_EQ(back.attr_or("from"), "bob@b.test/r");
    EXPECT_EQ(back.child("body")->text(), "hello from b");
  }
};

TEST_F(S2sLinks, MessagesCrossBothWaysByDialbackWithSelfSignedCertificates) {
  self_signed();
  start();
  chat_both_ways();
  // Bidirectional (XEP-0288), but b asks a for the key over a link of its own, which then
  // carries b's stanzas (what waits in its queue keeps its order).
  EXPECT_EQ(a.links->link_count(), 2u) << "a's link out and b's link in";
  EXPECT_EQ(b.links->link_count(), 2u);
}

TEST_F(S2sLinks, MessagesCrossByCertificateWhenDialbackIsOff) {
  ca_signed();
  LinkConfig config;
  config.dialback = false;
  start(config, dir / "ca.pem");
  chat_both_ways();
  // XEP-0288: a's link to b was made bidirectional and carried bob's answer back.
  EXPECT_EQ(a.links->link_count(), 1u) << "a's link out only";
  EXPECT_EQ(b.links->link_count(), 1u) << "b's link in only";
}

TEST_F(S2sLinks, WithoutValidCertificatesAndDialbackOffNothingCrosses) {
  self_signed();
  LinkConfig config;
  config.dialback = false;
  start(config);
  a.router.deliver(chat("alice@a.test/r", "bob@b.test", "hello"));
  ASSERT_TRUE(run_until([&] { return !a.session.received.empty(); }));
  EXPECT_EQ(condition(a.session.received.front()), "remote-server-not-found");
  EXPECT_TRUE(b.session.received.empty());
}

TEST_F(S2sLinks, ABlockedDomainIsRefusedBothWays) {
  self_signed();
  start({}, {}, DomainPolicy{{"b.test"}, {}});
  a.router.deliver(chat("alice@a.test/r", "bob@b.test", "out"));
  ASSERT_TRUE(run_until([&] { return !a.session.received.empty(); }));
  EXPECT_EQ(condition(a.session.take().front()), "not-allowed");
  b.router.deliver(chat("bob@b.test/r", "alice@a.test", "in"));
  ASSERT_TRUE(run_until([&] { return !b.session.received.empty(); }));
  EXPECT_EQ(condition(b.session.take().front()), "remote-server-not-found");
  EXPECT_TRUE(a.session.received.empty()) << "nothing from b.test reached alice";
}

TEST_F(S2sLinks, ADeadPeerBouncesWhatMayBounceAndASilentOneTimesOut) {
  self_signed();
  tcp::acceptor silent(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  std::vector<tcp::socket> held;
  std::function<void()> hold = [&] {
    silent.async_accept([&](const boost::system::error_code& ec, tcp::socket s) {
      if (ec) return;
      held.push_back(std::move(s));
      hold();
    });
  };
  hold();
  std::uint16_t dead_port = 0;
  {
    tcp::acceptor probe(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    dead_port = probe.local_endpoint().port();
  }
  LinkConfig config;
  config.queue_timeout = std::chrono::seconds(1);
  a.start(io, config, {}, dir / "a.pem", {},
          {S2sRoute{"dead.test", "127.0.0.1", dead_port}, S2sRoute{"silent.test", "127.0.0.1", silent.local_endpoint().port()}});
  // Available presence never bounces (RFC 6120 §10.4); the message after it does.
  xml::Element presence("presence", "jabber:client");
  presence.set_attr("from", "alice@a.test/r");
  presence.set_attr("to", "x@dead.test");
  a.router.deliver(presence);
  a.router.deliver(chat("alice@a.test/r", "x@dead.test", "anyone?"));
  ASSERT_TRUE(run_until([&] { return !a.session.received.empty(); }));
  ASSERT_EQ(a.session.received.size(), 1u);
  EXPECT_EQ(a.session.received.front().name(), "message");
  EXPECT_EQ(a.session.received.front().attr_or("from"), "x@dead.test");
  EXPECT_EQ(condition(a.session.take().front()), "remote-server-not-found");
  const auto sent = std::chrono::steady_clock::now();
  a.router.deliver(chat("alice@a.test/r", "y@silent.test", "wait"));
  ASSERT_TRUE(run_until([&] { return !a.session.received.empty(); }, 10));
  EXPECT_EQ(condition(a.session.take().front()), "remote-server-timeout");
  EXPECT_GE(std::chrono::steady_clock::now() - sent, std::chrono::milliseconds(900));
  EXPECT_EQ(held.size(), 1u) << "the silent peer was connected to";
  EXPECT_EQ(a.links->link_count(), 0u) << "failed links are gone";
}

}  // namespace
}  // namespace jabberadmin::s2s
