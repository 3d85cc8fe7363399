// IP networks in CIDR notation ("127.0.0.0/8", "::1/128"; a bare address is one host), for
// the settings' allowlists (metrics_allow): parsed and checked once, where the settings are
// read or cl-setup is given them, and matched against a peer's address by the server.
#pragma once

#include <array>
#include <string>
#include <string_view>
#include <vector>

namespace jabberadmin {

struct IpNetwork {
  bool v6 = false;
  std::array<unsigned char, 16> bytes{};  // the first 4 for IPv4
  unsigned prefix = 0;                    // bits that must match: 0..32 or 0..128

  // Throws Error(InvalidArgument) naming the text (shown printable) for
  // anything else, including a network with host bits set ("127.0.0.1/8"), which is almost
  // always a typing error that would allow more or other hosts than meant.
  static IpNetwork parse(std::string_view text);
  // Whether an address (inet_pton's text) is inside; an IPv4-mapped IPv6 address counts as
  // its IPv4 address. Text that is no address is inside nothing.
  bool contains(std::string_view address) const;
  // The canonical form, prefix always written: "127.0.0.0/8", "::1/128".
  std::string to_string() const;
  // The first and the last address, "10.0.0.0-10.255.255.255" (coturn's peer ranges).
  std::string range_text() const;
  // Whether some address is in both (one of them holds the other).
  bool overlaps(const IpNetwork& other) const;
  // Whether it holds a loopback address (127.0.0.0/8, ::1): 0.0.0.0/0 and ::/0 do.
  bool reaches_loopback() const;
};

// Every network of a list parsed (the first bad one throws); the canonical texts, each once.
std::vector<std::string> canonical_networks(const std::vector<std::string>& texts);

}  // namespace jabberadmin
