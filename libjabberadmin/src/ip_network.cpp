#include "jabberadmin/ip_network.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <charconv>
#include <optional>

#include "jabberadmin/error.hpp"

namespace jabberadmin {
namespace {

struct Address {
  bool v6 = false;
  std::array<unsigned char, 16> bytes{};
};

std::optional<Address> parse_address(std::string_view text) {
  // inet_pton wants a C string: a NUL inside the view must not cut the text short.
  if (text.empty() || text.size() > 45 || text.find('\0') != std::string_view::npos) return std::nullopt;
  const std::string copy(text);
  Address a;
  if (::inet_pton(AF_INET, copy.c_str(), a.bytes.data()) == 1) return a;
  if (::inet_pton(AF_INET6, copy.c_str(), a.bytes.data()) != 1) return std::nullopt;
  a.v6 = true;
  // ::ffff:a.b.c.d is how a dual-stack socket shows an IPv4 peer.
  constexpr std::array<unsigned char, 12> mapped{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  if (std::equal(mapped.begin(), mapped.end(), a.bytes.begin())) {
    std::copy(a.bytes.begin() + 12, a.bytes.end(), a.bytes.begin());
    std::fill(a.bytes.begin() + 4, a.bytes.end(), 0);
    a.v6 = false;
  }
  return a;
}

// Whether the first `prefix` bits of two byte strings agree.
bool same_prefix(const std::array<unsigned char, 16>& a, const std::array<unsigned char, 16>& b, unsigned prefix) {
  const unsigned whole = prefix / 8;
  if (!std::equal(a.begin(), a.begin() + whole, b.begin())) return false;
  const unsigned rest = prefix % 8;
  if (rest == 0) return true;
  const auto mask = static_cast<unsigned char>(0xff << (8 - rest));
  return (a[whole] & mask) == (b[whole] & mask);
}

[[noreturn]] void refuse(std::string_view text, std::string_view why) {
  throw Error(ErrorKind::InvalidArgument,
              "not an IP network: '" + printable(text.substr(0, 64)) + "' (" + std::string(why) + "; give e.g. 127.0.0.0/8, 10.1.2.3 or ::1/128)");
}

}  // namespace

IpNetwork IpNetwork::parse(std::string_view text) {
  const auto slash = text.find('/');
  const std::string_view address_text = text.substr(0, slash);
  // Only the plain forms: an IPv4-mapped IPv6 network would match IPv4 peers in a way
  // nobody reading the setting expects.
  const std::optional<Address> address = parse_address(address_text);
  const bool mixed = address_text.find(':') != std::string_view::npos && address_text.find('.') != std::string_view::npos;
  if (!address || mixed)
    refuse(text, "no IP address before the '/'");
  IpNetwork n;
  n.v6 = address->v6;
  n.bytes = address->bytes;
  const unsigned most = n.v6 ? 128 : 32;
  n.prefix = most;
  if (slash != std::string_view::npos) {
    const std::string_view digits = text.substr(slash + 1);
    unsigned value = 0;
    const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
    if (digits.empty() || digits.size() > 3 || ec != std::errc() || end != digits.data() + digits.size() ||
        value > most)
      refuse(text, "the prefix length is not 0 to " + std::to_string(most));
    n.prefix = value;
  }
  std::array<unsigned char, 16> zero_host = n.bytes;
  for (unsigned bit = n.prefix; bit < most; ++bit) zero_host[bit / 8] &= static_cast<unsigned char>(~(0x80 >> (bit % 8)));
  if (zero_host != n.bytes) refuse(text, "host bits are set after the prefix");
  return n;
}

bool IpNetwork::contains(std::string_view text) const {
  const std::optional<Address> address = parse_address(text);
  return address && address->v6 == v6 && same_prefix(address->bytes, bytes, prefix);
}

std::string IpNetwork::to_string() const {
  char out[INET6_ADDRSTRLEN] = {};
  ::inet_ntop(v6 ? AF_INET6 : AF_INET, bytes.data(), out, sizeof out);
  return std::string(out) + "/" + std::to_string(prefix);
}

std::string IpNetwork::range_text() const {
  std::array<unsigned char, 16> last = bytes;
  for (unsigned bit = prefix; bit < (v6 ? 128u : 32u); ++bit) last[bit / 8] |= static_cast<unsigned char>(0x80 >> (bit % 8));
  char first_text[INET6_ADDRSTRLEN] = {}, last_text[INET6_ADDRSTRLEN] = {};
  ::inet_ntop(v6 ? AF_INET6 : AF_INET, bytes.data(), first_text, sizeof first_text);
  ::inet_ntop(v6 ? AF_INET6 : AF_INET, last.data(), last_text, sizeof last_text);
  return std::string(first_text) + "-" + last_text;
}

bool IpNetwork::overlaps(const IpNetwork& other) const {
  return v6 == other.v6 && same_prefix(bytes, other.bytes, std::min(prefix, other.prefix));
}

bool IpNetwork::reaches_loopback() const {
  // An IPv4-mapped address is read as its IPv4 address (parse), so these two are all.
  static const IpNetwork loopback[] = {parse("127.0.0.0/8"), parse("::1/128")};
  return std::any_of(std::begin(loopback), std::end(loopback), [this](const IpNetwork& l) { return overlaps(l); });
}

std::vector<std::string> canonical_networks(const std::vector<std::string>& texts) {
  std::vector<std::string> out;
  for (const auto& text : texts) {
    const std::string canonical = IpNetwork::parse(text).to_string();
    if (std::find(out.begin(), out.end(), canonical) == out.end()) out.push_back(canonical);
  }
  return out;
}

}  // namespace jabberadmin
