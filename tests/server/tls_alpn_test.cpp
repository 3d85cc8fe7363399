// XEP-0368 ALPN: finding xmpp-client in a client's RFC 7301 protocol list, and what each
// context's Alpn selects in a handshake (OpenSSL in memory). The handshakes over the network
// (xmpp-client chosen, another protocol refused, none offered) are e2e test_alpn.
#include <gtest/gtest.h>

#include <openssl/ssl.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <type_traits>

#include "net/tls.hpp"
#include "temp_dir.hpp"

namespace jabberadmin::net {
namespace {

std::string wire(std::initializer_list<std::string_view> names) {
  std::string out;
  for (std::string_view n : names) {
    out.push_back(static_cast<char>(n.size()));
    out.append(n);
  }
  return out;
}

TEST(Alpn, FindsXmppClientAnywhereInTheList) {
  EXPECT_EQ(find_alpn(wire({"xmpp-client"}), kAlpnXmppClient), 1u);
  EXPECT_EQ(find_alpn(wire({"h2", "http/1.1", "xmpp-client"}), kAlpnXmppClient), 1u + 2 + 1 + 8 + 1);
  EXPECT_EQ(find_alpn(wire({"h2", "xmpp-server"}), kAlpnXmppClient), std::nullopt);
  EXPECT_EQ(find_alpn(wire({"xmpp-clientx"}), kAlpnXmppClient), std::nullopt);
  EXPECT_EQ(find_alpn("", kAlpnXmppClient), std::nullopt);
  // Malformed: a length past the end, or zero.
  EXPECT_EQ(find_alpn(std::string("\x20xmpp-client", 12), kAlpnXmppClient), std::nullopt);
  EXPECT_EQ(find_alpn(std::string("\x00\x0bxmpp-client", 13), kAlpnXmppClient), std::nullopt);
}

// The protocol is a closed set: a name that is not one of them does not compile (a loose
// string once made every name but http/1.1 select xmpp-client).
static_assert(!std::is_invocable_v<decltype(make_tls_context)&, const std::filesystem::path&, const char*>);
static_assert(!std::is_invocable_v<decltype(make_tls_context)&, const std::filesystem::path&, std::string_view>);

class AlpnHandshake : public ::testing::Test {
 protected:
  test::TempDir tmp{"alpn"};
  std::filesystem::path pem = tmp / "server.pem";

  void SetUp() override {
    const std::string command = "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 1 "
                                "-subj /CN=localhost -keyout " + pem.string() + " -out " + (tmp / "c.pem").string() +
                                " >/dev/null 2>&1";
    ASSERT_EQ(std::system(command.c_str()), 0);
    std::ofstream(pem, std::ios::app) << std::ifstream(tmp / "c.pem").rdbuf();
  }

  // The protocol a client offering `offered` gets from a context made for alpn, "" for
  // none, or "refused" when the handshake fails.
  std::string negotiated(Alpn alpn, std::initializer_list<std::string_view> offered) {
    const auto server_context = make_tls_context(pem, alpn);
    SSL_CTX* client_context = SSL_CTX_new(TLS_client_method());
    const std::string list = wire(offered);
    if (!list.empty())
      SSL_CTX_set_alpn_protos(client_context, reinterpret_cast<const unsigned char*>(list.data()),
                              static_cast<unsigned>(list.size()));
    SSL* client = SSL_new(client_context);
    SSL* server = SSL_new(server_context->native_handle());
    BIO *client_end = nullptr, *server_end = nullptr;
    BIO_new_bio_pair(&client_end, 0, &server_end, 0);
    SSL_set_bio(client, client_end, client_end);
    SSL_set_bio(server, server_end, server_end);
    SSL_set_connect_state(client);
    SSL_set_accept_state(server);
    bool done = false, failed = false;
    for (int turn = 0; turn < 20 && !done && !failed; ++turn) {
      const int c = SSL_do_handshake(client), s = SSL_do_handshake(server);
      done = c == 1 && s == 1;
      for (auto [ssl, r] : {std::pair{client, c}, std::pair{server, s}}) {
        const int e = r == 1 ? SSL_ERROR_NONE : SSL_get_error(ssl, r);
        if (e != SSL_ERROR_NONE && e != SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE) failed = true;
      }
    }
    std::string out = "refused";
    if (done) {
      const unsigned char* name = nullptr;
      unsigned length = 0;
      SSL_get0_alpn_selected(client, &name, &length);
      out.assign(reinterpret_cast<const char*>(name), length);
    }
    SSL_free(client);
    SSL_free(server);
    SSL_CTX_free(client_context);
    return out;
  }
};

TEST_F(AlpnHandshake, EachContextSelectsItsOwnProtocolAndRefusesAListWithoutIt) {
  EXPECT_EQ(alpn_name(Alpn::XmppClient), "xmpp-client");
  EXPECT_EQ(alpn_name(Alpn::Http11), "http/1.1");
  EXPECT_EQ(negotiated(Alpn::XmppClient, {"h2", "http/1.1", "xmpp-client"}), "xmpp-client");
  EXPECT_EQ(negotiated(Alpn::Http11, {"h2", "http/1.1", "xmpp-client"}), "http/1.1");
  EXPECT_EQ(negotiated(Alpn::XmppClient, {"h2", "http/1.1"}), "refused");
  EXPECT_EQ(negotiated(Alpn::Http11, {"h2", "xmpp-client"}), "refused");
  EXPECT_EQ(negotiated(Alpn::Http11, {}), "") << "no ALPN offered: served without";
}

}  // namespace
}  // namespace jabberadmin::net
