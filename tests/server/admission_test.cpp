// Issue 12 item 4: only unauthenticated connections are limited (per address, per network,
// in all), and a newcomer evicts the oldest of them instead of being refused.
#include <gtest/gtest.h>

#include <algorithm>
#include <optional>
#include <vector>

#include "net/admission.hpp"

namespace jabberadmin::net {
namespace {

struct Admitted {
  std::vector<Admission::Ticket> tickets;
  std::vector<int> evicted;  // indexes into tickets, in eviction order
};

void admit(Admission& a, Admitted& out, const std::string& address) {
  const int index = static_cast<int>(out.tickets.size());
  out.tickets.push_back(a.admit(address));
  out.tickets.back().on_evict([&out, index] { out.evicted.push_back(index); });
}

TEST(Admission, NetworksAreTheSlash24AndTheSlash64) {
  EXPECT_EQ(network_of("192.0.2.77"), "192.0.2.0/24");
  EXPECT_EQ(network_of("2001:db8:1:2:aaaa:bbbb:cccc:dddd"), "2001:db8:1:2::/64");
  EXPECT_EQ(network_of("not an address"), "not an address");
}

TEST(Admission, AuthenticatedConnectionsFromOneAddressAreNotLimited) {
  Admission a(AdmissionLimits{.per_address = 4, .per_network = 8, .total = 16});
  Admitted out;
  // An office behind one NAT address: 100 users online.
  for (int i = 0; i < 100; ++i) {
    admit(a, out, "198.51.100.7");
    out.tickets.back().authenticated();
  }
  EXPECT_TRUE(out.evicted.empty());
  EXPECT_EQ(a.unauthenticated(), 0u);
  admit(a, out, "198.51.100.7");
  EXPECT_EQ(a.unauthenticated("198.51.100.7"), 1u);
}

TEST(Admission, TheOldestUnauthenticatedFromTheSameAddressMakesRoom) {
  Admission a(AdmissionLimits{.per_address = 3, .per_network = 100, .total = 100});
  Admitted out;
  for (int i = 0; i < 3; ++i) admit(a, out, "203.0.113.5");
  admit(a, out, "203.0.113.9");  // a neighbour is not touched by the address limit
  admit(a, out, "203.0.113.5");
  EXPECT_EQ(out.evicted, std::vector<int>{0});
  EXPECT_EQ(a.unauthenticated("203.0.113.5"), 3u);
  admit(a, out, "203.0.113.5");
  EXPECT_EQ(out.evicted, (std::vector<int>{0, 1}));
  // An evicted ticket that goes away later changes nothing.
  out.tickets[0] = a.admit("192.0.2.1");
  EXPECT_EQ(a.unauthenticated("203.0.113.5"), 3u);
}

TEST(Admission, AConnectionThatSendsIsNotTheOldestAnyMore) {
  Admission a(AdmissionLimits{.per_address = 3, .per_network = 100, .total = 100});
  Admitted out;
  for (int i = 0; i < 3; ++i) admit(a, out, "203.0.113.5");
  out.tickets[0].active();  // a client on its way; 1 and 2 stalled
  admit(a, out, "203.0.113.5");
  admit(a, out, "203.0.113.5");
  EXPECT_EQ(out.evicted, (std::vector<int>{1, 2}));
}

TEST(Admission, TheNetworkAndTheTotalLimitEvictTheOldestThere) {
  Admission a(AdmissionLimits{.per_address = 10, .per_network = 3, .total = 5});
  Admitted out;
  admit(a, out, "10.1.1.1");
  admit(a, out, "10.1.1.2");
  admit(a, out, "10.9.9.9");
  admit(a, out, "10.1.1.3");
  admit(a, out, "10.1.1.4");  // the 4th in 10.1.1.0/24: the oldest there goes
  EXPECT_EQ(out.evicted, std::vector<int>{0});
  admit(a, out, "2001:db8::1");
  admit(a, out, "2001:db8::2");  // 6 in all: the oldest anywhere (10.1.1.2)
  EXPECT_EQ(out.evicted, (std::vector<int>{0, 1}));
  EXPECT_EQ(a.unauthenticated(), 5u);
  EXPECT_EQ(a.evicted(), 2u);
}

TEST(Admission, AStalledFloodCannotKeepANewcomerOut) {
  // The review: 512 stalled connections from 16 addresses blocked every login for 60 s.
  Admission a(AdmissionLimits{.per_address = 8, .per_network = 32, .total = 512});
  Admitted out;
  for (int round = 0; round < 3; ++round)
    for (int host = 0; host < 16; ++host)
      for (int i = 0; i < 40; ++i) admit(a, out, "172.16." + std::to_string(host) + ".1");
  const std::size_t before = out.evicted.size();
  admit(a, out, "192.0.2.50");
  const std::size_t newcomer = out.tickets.size() - 1;
  EXPECT_EQ(a.unauthenticated("192.0.2.50"), 1u);
  // The flood goes on; the newcomer authenticates and is out of every count.
  out.tickets[newcomer].authenticated();
  for (int i = 0; i < 1000; ++i) admit(a, out, "172.16.3.1");
  EXPECT_EQ(std::count(out.evicted.begin(), out.evicted.end(), static_cast<int>(newcomer)), 0);
  EXPECT_GT(out.evicted.size(), before);
  EXPECT_LE(a.unauthenticated(), 512u);
}

TEST(Admission, TicketsOutlivingTheAdmissionAreHarmless) {
  std::optional<Admission::Ticket> t;
  {
    Admission a(AdmissionLimits{});
    t = a.admit("192.0.2.1");
  }
  t->authenticated();
  t.reset();
}

}  // namespace
}  // namespace jabberadmin::net
