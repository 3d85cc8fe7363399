// XEP-0368 ALPN: finding xmpp-client in a client's RFC 7301 protocol list. The handshakes
// themselves (xmpp-client chosen, another protocol refused, none offered) are e2e test_alpn.
#include <gtest/gtest.h>

#include <string>

#include "net/tls.hpp"

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

}  // namespace
}  // namespace jabberadmin::net
