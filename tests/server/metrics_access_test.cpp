// Who may read /metrics: the IP networks of metrics_allow, parsed strictly (CIDR, canonical)
// and matched against the peer's address as the HTTPS listener reports it.
#include "jabberadmin/error.hpp"
#include "jabberadmin/ip_network.hpp"
#include "metrics/access.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace jabberadmin {
namespace {

TEST(IpNetwork, ParsesCidrAndBareAddressesCanonically) {
  EXPECT_EQ(IpNetwork::parse("127.0.0.0/8").to_string(), "127.0.0.0/8");
  EXPECT_EQ(IpNetwork::parse("10.1.2.3").to_string(), "10.1.2.3/32");
  EXPECT_EQ(IpNetwork::parse("::1").to_string(), "::1/128");
  EXPECT_EQ(IpNetwork::parse("2001:DB8:0:0::/32").to_string(), "2001:db8::/32");
  EXPECT_EQ(IpNetwork::parse("0.0.0.0/0").to_string(), "0.0.0.0/0");
  EXPECT_EQ(IpNetwork::parse("::/0").to_string(), "::/0");
  EXPECT_EQ(canonical_networks({"127.0.0.1", "127.0.0.1/32", "::1"}),
            (std::vector<std::string>{"127.0.0.1/32", "::1/128"}));
}

TEST(IpNetwork, RefusesEverythingElseWithOneClearMessage) {
  for (const std::string& bad : std::vector<std::string>{"", "/8", "127.0.0.0/", "127.0.0.0/33", "::/129", "127.0.0.0/-1", "127.0.0.0/+8", "127.0.0.0/8/8",
        "127.0.0.0/08x", "127.0.0.0/0008", "localhost", "127.0.0.1/8", "10.0.0.0 /8", " 10.0.0.0/8", "1.2.3.4.5",
        "::ffff:127.0.0.1/128", "fe80::1%eth0", "127.0.0.1\n/8", std::string("127.0.0.1\0/8", 12),
        "10.0.0.0/8,11.0.0.0/8", "\x1b[31m"}) {
    SCOPED_TRACE(bad);
    try {
      (void)IpNetwork::parse(bad);
      ADD_FAILURE() << "accepted";
    } catch (const Error& e) {
      EXPECT_EQ(e.kind(), ErrorKind::InvalidArgument);
      const std::string message = e.what();
      EXPECT_TRUE(message.starts_with("not an IP network: '")) << message;
      EXPECT_EQ(message.find('\n'), std::string::npos) << "one line";
      EXPECT_EQ(message.find('\x1b'), std::string::npos) << "no terminal escapes";
    }
  }
}

TEST(IpNetwork, MatchesTheAddressesInsideOnly) {
  const auto loopback = IpNetwork::parse("127.0.0.0/8");
  EXPECT_TRUE(loopback.contains("127.0.0.1"));
  EXPECT_TRUE(loopback.contains("127.255.255.254"));
  EXPECT_FALSE(loopback.contains("128.0.0.1"));
  EXPECT_TRUE(loopback.contains("::ffff:127.0.0.2")) << "an IPv4 peer on a dual-stack socket";
  EXPECT_FALSE(loopback.contains("::1"));
  const auto odd = IpNetwork::parse("192.168.1.128/25");
  EXPECT_TRUE(odd.contains("192.168.1.200"));
  EXPECT_FALSE(odd.contains("192.168.1.127"));
  const auto one = IpNetwork::parse("127.0.0.1/32");
  EXPECT_TRUE(one.contains("127.0.0.1"));
  EXPECT_FALSE(one.contains("127.0.0.2"));
  const auto v6 = IpNetwork::parse("2001:db8::/33");
  EXPECT_TRUE(v6.contains("2001:db8:7fff::1"));
  EXPECT_FALSE(v6.contains("2001:db8:8000::1"));
  EXPECT_FALSE(v6.contains("10.0.0.1"));
  EXPECT_TRUE(IpNetwork::parse("::/0").contains("::1"));
  EXPECT_FALSE(IpNetwork::parse("::/0").contains("10.0.0.1")) << "the families stay apart";
  for (const char* none : {"?", "", "localhost", "127.0.0.1 "}) EXPECT_FALSE(loopback.contains(none)) << none;
}

TEST(MetricsAccess, AllowsPeersInsideAnyNetworkOfTheList) {
  const metrics::Access access({"127.0.0.0/8", "::1/128"});
  EXPECT_TRUE(access.allows("127.0.0.1"));
  EXPECT_TRUE(access.allows("::1"));
  EXPECT_FALSE(access.allows("192.0.2.1"));
  EXPECT_FALSE(access.allows("?")) << "a peer already gone";
  EXPECT_FALSE(metrics::Access({}).allows("127.0.0.1")) << "an empty list allows nobody";
  EXPECT_THROW(metrics::Access({"127.0.0.1/8"}), Error);
}

}  // namespace
}  // namespace jabberadmin
