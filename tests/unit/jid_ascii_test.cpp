// The ASCII fast paths of normalize_localpart, normalize_resource and normalize_domain
// (libjabberadmin/src/jid.cpp) against the libraries they stand in for, called here
// directly: on every ASCII string of up to three characters of an alphabet with each kind
// of character the profiles treat apart, on long random LDH names, and on the length limits,
// each function must give the library's answer, or fail where the library fails.
#include <gtest/gtest.h>

#include <idn2.h>
#include <stringprep.h>

#include <optional>
#include <random>
#include <string>
#include <vector>

#include "jabberadmin/error.hpp"
#include "jabberadmin/jid.hpp"

namespace jabberadmin {
namespace {

std::optional<std::string> library_prep(const std::string& input, const Stringprep_profile* profile) {
  std::string buffer(input);
  buffer.resize(input.size() * 4 + 16, '\0');
  if (stringprep(buffer.data(), buffer.size(), STRINGPREP_NO_UNASSIGNED, profile) != STRINGPREP_OK) return std::nullopt;
  std::string out(buffer.c_str());
  if (out.empty() || out.size() > 1023 || input.find('\0') != std::string::npos) return std::nullopt;
  return out;
}

// libidn2's lookup, with what normalize_domain adds to it for a name without A-labels: one
// trailing dot dropped first, then letters, digits, hyphens and dots only, no empty label,
// at most 253 octets (the conversion back to Unicode is the identity on such a name).
std::optional<std::string> library_domain(std::string input) {
  if (!input.empty() && input.back() == '.') input.pop_back();
  if (input.empty() || input.find('\0') != std::string::npos) return std::nullopt;
  char* ace = nullptr;
  if (idn2_lookup_u8(reinterpret_cast<const uint8_t*>(input.c_str()), reinterpret_cast<uint8_t**>(&ace),
                     IDN2_NFC_INPUT | IDN2_NONTRANSITIONAL) != IDN2_OK)
    return std::nullopt;
  std::string out(ace);
  idn2_free(ace);
  if (out.empty() || out.size() > 253 || out.front() == '.' || out.back() == '.' || out.find("..") != std::string::npos)
    return std::nullopt;
  for (const char c : out)
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.')) return std::nullopt;
  return out;
}

template <typename F>
std::optional<std::string> ours(F normalize, const std::string& input) {
  try {
    return normalize(input);
  } catch (const Error&) {
    return std::nullopt;
  }
}

std::vector<std::string> corpus() {
  // One of each kind: lower and upper case, a digit, hyphen, dot, underscore, space, the
  // characters nodeprep refuses, a control character, DEL, and the A-label prefix's letters.
  static const std::string alphabet = std::string("aZ0-._ @/\"&'x<n") + '\x01' + '\x7f';
  std::vector<std::string> strings{""};
  for (std::size_t length = 1; length <= 3; ++length) {
    const std::size_t before = strings.size();
    for (std::size_t i = 0; i < before; ++i)
      if (strings[i].size() == length - 1)
        for (const char c : alphabet) strings.push_back(strings[i] + c);
  }
  std::mt19937 random(20261202);
  static const std::string ldh = "abcxnXYZ019-.";
  for (int i = 0; i < 20000; ++i) {
    std::string s(1 + random() % 90, 'a');
    for (char& c : s) c = ldh[random() % ldh.size()];
    strings.push_back(s);
  }
  const std::string label63(63, 'q'), label64(64, 'q');
  for (const std::string& s : std::vector<std::string>{label63 + ".com", label64 + ".com", label63 + "." + label63 + "." + label63 + "." + std::string(61, 'q'),
                        label63 + "." + label63 + "." + label63 + "." + std::string(62, 'q'), label63 + ".", "Q.", ".",
                        "xn--d1abbgf6aiiy.xn--p1ai", "XN--D1ABBGF6AIIY.XN--P1AI", std::string(1023, 'A'), std::string(1024, 'A')})
    strings.push_back(s);
  return strings;
}

TEST(JidAscii, LocalpartAsNodeprepSaysOnEveryAsciiString) {
  for (const auto& s : corpus())
    ASSERT_EQ(ours(normalize_localpart, s), library_prep(s, stringprep_xmpp_nodeprep)) << "'" << s << "'";
}

TEST(JidAscii, ResourceAsResourceprepSaysOnEveryAsciiString) {
  for (const auto& s : corpus())
    ASSERT_EQ(ours(normalize_resource, s), library_prep(s, stringprep_xmpp_resourceprep)) << "'" << s << "'";
}

TEST(JidAscii, DomainAsIdnaSaysOnEveryAsciiNameWithoutALabels) {
  std::size_t accepted = 0;
  for (const auto& s : corpus()) {
    std::string lower;
    for (const char c : s) lower += static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
    if (lower.find("xn--") != std::string::npos) continue;  // A-labels: the library's own path, tested in jid_test
    const auto expected = library_domain(s);
    ASSERT_EQ(ours(normalize_domain, s), expected) << "'" << s << "'";
    if (expected) ++accepted;
  }
  EXPECT_GT(accepted, 1000u) << "the corpus must hold many valid names, or the comparison proves little";
}

}  // namespace
}  // namespace jabberadmin
