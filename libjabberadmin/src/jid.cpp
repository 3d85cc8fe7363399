#include "jabberadmin/jid.hpp"

#include <idn2.h>
#include <stringprep.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <iterator>
#include <cstdlib>
#include <memory>
#include <optional>
#include <utility>

#include "jabberadmin/error.hpp"
#include "utf8.hpp"

namespace jabberadmin {
namespace {

constexpr std::size_t kMaxPartBytes = 1023;  // RFC 7622 §3.3.1, §3.4.1
constexpr std::size_t kMaxDomainOctets = 1023;  // RFC 7622 §3.2.1
constexpr std::size_t kMaxDnsNameOctets = 253;  // RFC 1035 §2.3.4, without the trailing dot

std::string describe(std::string_view character) {
  char code[16];
  std::unique_ptr<uint32_t, decltype(&std::free)> ucs(stringprep_utf8_to_ucs4(
      std::string(character).c_str(), static_cast<ssize_t>(character.size()), nullptr), &std::free);
  std::snprintf(code, sizeof code, "U+%04X", ucs && ucs.get()[0] ? ucs.get()[0] : 0u);
  const bool printable = character.size() > 1 || (character[0] > 0x20 && character[0] < 0x7f);
  return printable ? "'" + std::string(character) + "' (" + code + ")" : std::string(code);
}

// Runs a stringprep profile; on failure names the first character the profile refuses.
std::string prepare(std::string_view input, const Stringprep_profile* profile, std::string_view what) {
  if (input.empty()) throw Error(ErrorKind::InvalidArgument, translatable("empty %s"), {std::string(what)});
  if (input.size() > kMaxPartBytes)
    throw Error(ErrorKind::InvalidArgument, translatable("%s too long: %s bytes, at most %s"),
                {std::string(what), std::to_string(input.size()), std::to_string(kMaxPartBytes)});
  if (input.find('\0') != std::string_view::npos)
    throw Error(ErrorKind::InvalidArgument, translatable("bad character %s in %s '%s'"),
                {"U+0000", std::string(what), std::string(input.substr(0, input.find('\0')))});
  std::string buffer(input);
  buffer.resize(kMaxPartBytes * 4 + 1, '\0');  // room for case-folding expansion
  const int rc = stringprep(buffer.data(), buffer.size(), STRINGPREP_NO_UNASSIGNED, profile);
  if (rc == STRINGPREP_OK) {
    buffer.resize(std::char_traits<char>::length(buffer.c_str()));
    if (buffer.empty()) throw Error(ErrorKind::InvalidArgument, translatable("empty %s"), {std::string(what)});
    if (buffer.size() > kMaxPartBytes)
      throw Error(ErrorKind::InvalidArgument, std::string(what) + " too long after normalisation");
    return buffer;
  }
  for (std::size_t i = 0; i < input.size();) {
    const std::size_t n = std::max<std::size_t>(1, utf8::sequence_length(input, i));  // a stray byte alone
    std::string one(input.substr(i, n));
    one.resize(64, '\0');
    if (stringprep(one.data(), one.size(), STRINGPREP_NO_UNASSIGNED, profile) != STRINGPREP_OK)
      throw Error(ErrorKind::InvalidArgument, translatable("bad character %s in %s '%s'"),
                  {describe(input.substr(i, n)), std::string(what), std::string(input)});
    i += n;
  }
  throw Error(ErrorKind::InvalidArgument, std::string(what) + " '" + std::string(input) + "' is not valid: " +
                                              stringprep_strerror(static_cast<Stringprep_rc>(rc)));
}

// Fast paths for ASCII, which nearly every address is. For ASCII the XMPP profiles come down to
// little: nodeprep folds A-Z to lower case and refuses controls, space, DEL and "&'/:<>@;
// resourceprep leaves everything but controls and DEL as it is; IDNA lowercases LDH labels.
// Each fast path takes only input it knows the library accepts, and gives what the library
// would; anything else, every error included, goes to the library, so that messages and
// edge cases stay the library's (tests/unit/jid_ascii_test.cpp compares the two on ASCII input).
bool is_upper(char c) { return c >= 'A' && c <= 'Z'; }
char to_lower(char c) { return is_upper(c) ? static_cast<char>(c - 'A' + 'a') : c; }

std::optional<std::string> ascii_localpart(std::string_view s) {
  static constexpr std::string_view kRefused = "\"&'/:<>@";
  if (s.empty() || s.size() > kMaxPartBytes) return std::nullopt;
  std::string out(s);
  for (char& c : out) {
    if (c <= 0x20 || c >= 0x7f || kRefused.find(c) != std::string_view::npos) return std::nullopt;
    c = to_lower(c);
  }
  return out;
}

std::optional<std::string> ascii_resource(std::string_view s) {
  if (s.empty() || s.size() > kMaxPartBytes) return std::nullopt;
  for (const char c : s)
    if (c < 0x20 || c >= 0x7f) return std::nullopt;
  return std::string(s);
}

// A label libidn2 passes through lowercased: letters, digits, inner hyphens, at most 63,
// not an A-label ("xn--") nor any other label with hyphens in positions 3 and 4.
bool plain_ldh_label(std::string_view label) {
  if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-') return false;
  if (label.size() >= 4 && label[2] == '-' && label[3] == '-') return false;
  return std::all_of(label.begin(), label.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || is_upper(c) || (c >= '0' && c <= '9') || c == '-';
  });
}

std::optional<std::string> ascii_domain(std::string_view s) {
  if (!s.empty() && s.back() == '.') s.remove_suffix(1);  // RFC 7622 §3.2, as below
  if (s.empty() || s.size() > kMaxDnsNameOctets) return std::nullopt;
  for (std::size_t start = 0;;) {
    const std::size_t dot = s.find('.', start);
    if (!plain_ldh_label(s.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start)))
      return std::nullopt;
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  std::string out(s);
  for (char& c : out) c = to_lower(c);
  return out;
}

}  // namespace

std::string normalize_localpart(std::string_view localpart) {
  if (auto fast = ascii_localpart(localpart)) return std::move(*fast);
  return prepare(localpart, stringprep_xmpp_nodeprep, "user name");
}

std::string escape_localpart(std::string_view text) {
  static constexpr std::string_view kEscaped = " \"&'/:<>@\\";
  static constexpr std::string_view kCodes[] = {"20", "22", "26", "27", "2f", "3a", "3c", "3e", "40", "5c"};
  auto starts_escape = [&](std::size_t at) {  // text[at] is a backslash
    if (at + 3 > text.size()) return false;
    const std::string hex{static_cast<char>(std::tolower(static_cast<unsigned char>(text[at + 1]))),
                          static_cast<char>(std::tolower(static_cast<unsigned char>(text[at + 2])))};
    return std::find(std::begin(kCodes), std::end(kCodes), hex) != std::end(kCodes);
  };
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    const std::size_t which = kEscaped.find(text[i]);
    if (which == std::string_view::npos || (text[i] == '\\' && !starts_escape(i))) {
      out += text[i];
    } else {
      out += '\\';
      out += kCodes[which];
    }
  }
  return out;
}

std::string group_room_localpart(std::string_view group) {
  return prepare(escape_localpart(group), stringprep_xmpp_nodeprep, "group room name");
}

std::string normalize_resource(std::string_view resource) {
  if (auto fast = ascii_resource(resource)) return std::move(*fast);
  return prepare(resource, stringprep_xmpp_resourceprep, "resource");
}

std::string normalize_domain(std::string_view domain) {
  if (auto fast = ascii_domain(domain)) return std::move(*fast);
  if (domain.empty()) throw Error(ErrorKind::InvalidArgument, "empty host name");
  // RFC 7622 §3.2 allows 1023 octets of domainpart; DNS allows 253 of A-labels, checked
  // below. A Unicode name is longer in UTF-8 than its A-labels, so 253 is no limit on it:
  // a name whose A-labels fit once came back refused when parsed again.
  if (domain.size() > kMaxDomainOctets)
    throw Error(ErrorKind::InvalidArgument, "host name too long: " + std::string(domain.substr(0, 64)) + "...");
  // libidn2 takes a C string: a NUL would silently cut the name short.
  if (domain.find('\0') != std::string_view::npos)
    throw Error(ErrorKind::InvalidArgument, "bad character U+0000 in host name '" +
                                                std::string(domain.substr(0, domain.find('\0'))) + "'");
  std::string input(domain);
  if (input.back() == '.') input.pop_back();  // RFC 7622 §3.2: a trailing dot is stripped
  if (input.empty()) throw Error(ErrorKind::InvalidArgument, "empty host name");
  char* ace = nullptr;
  int rc = idn2_lookup_u8(reinterpret_cast<const uint8_t*>(input.c_str()), reinterpret_cast<uint8_t**>(&ace),
                          IDN2_NFC_INPUT | IDN2_NONTRANSITIONAL);
  // libidn2 measures the length itself, on the ASCII form, before the check below sees it;
  // its refusals of length are worded as ours are, so one cause reads as one message.
  if (rc == IDN2_TOO_BIG_DOMAIN || rc == IDN2_TOO_BIG_LABEL)
    throw Error(ErrorKind::InvalidArgument, "host name too long: " + std::string(domain.substr(0, 64)) + "... (" +
                                                idn2_strerror(rc) + ")");
  if (rc != IDN2_OK)
    throw Error(ErrorKind::InvalidArgument, "bad host name '" + std::string(domain) + "': " + idn2_strerror(rc));
  std::unique_ptr<char, decltype(&idn2_free)> ace_owner(ace, &idn2_free);
  // Host names: letters, digits and hyphens per label (LDH), after IDNA. Nothing that
  // could break out of a config file or a URL.
  for (const char* p = ace; *p; ++p) {
    const char c = *p;
    const bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.';
    if (!ok) {
      throw Error(ErrorKind::InvalidArgument,
                  "bad character " + describe(std::string_view(p, 1)) + " in host name '" + std::string(domain) + "'");
    }
  }
  const std::string_view labels(ace);
  if (labels.size() > kMaxDnsNameOctets)
    throw Error(ErrorKind::InvalidArgument, "host name too long: " + std::string(domain.substr(0, 64)) + "... (" +
                                                std::to_string(labels.size()) + " octets as A-labels, DNS allows " +
                                                std::to_string(kMaxDnsNameOctets) + ")");
  if (labels.empty())  // everything was mapped away (e.g. U+034F, a default-ignorable)
    throw Error(ErrorKind::InvalidArgument, "bad host name '" + std::string(domain) + "': empty after IDNA mapping");
  if (labels.starts_with('.') || labels.ends_with('.') || labels.find("..") != std::string_view::npos)
    throw Error(ErrorKind::InvalidArgument, "bad host name '" + std::string(domain) + "': empty label");
  char* unicode = nullptr;
  rc = idn2_to_unicode_8z8z(ace, &unicode, 0);
  if (rc != IDN2_OK) return ace;
  std::string out(unicode);
  idn2_free(unicode);
  // RFC 5891 §5.4: an A-label must be the punycode of a valid U-label. libidn2's lookup
  // passes "xn--" labels through unchecked, and one that is no such punycode decodes to
  // text that is no host name (so the name would normalise differently next time): the
  // decoded name must look up to the same A-labels again.
  if (labels.starts_with("xn--") || labels.find(".xn--") != std::string_view::npos) {
    char* again = nullptr;
    rc = idn2_lookup_u8(reinterpret_cast<const uint8_t*>(out.c_str()), reinterpret_cast<uint8_t**>(&again),
                        IDN2_NFC_INPUT | IDN2_NONTRANSITIONAL);
    const bool same = rc == IDN2_OK && labels == again;
    idn2_free(again);
    if (!same) throw Error(ErrorKind::InvalidArgument, "bad host name '" + std::string(domain) + "': invalid A-label");
  }
  return out;
}

std::optional<Jid> Jid::parse(std::string_view text) {
  try {
    Jid jid;
    const auto slash = text.find('/');
    std::string_view bare = text.substr(0, slash);
    if (slash != std::string_view::npos) jid.resource = normalize_resource(text.substr(slash + 1));
    const auto at = bare.find('@');
    if (at != std::string_view::npos) {
      jid.local = normalize_localpart(bare.substr(0, at));
      bare = bare.substr(at + 1);
    }
    jid.domain = normalize_domain(bare);
    return jid;
  } catch (const Error&) {
    return std::nullopt;
  }
}

Jid Jid::split_normalized(std::string_view text) {
  Jid jid;
  const auto slash = text.find('/');
  std::string_view bare = text.substr(0, slash);
  if (slash != std::string_view::npos) jid.resource = text.substr(slash + 1);
  if (const auto at = bare.find('@'); at != std::string_view::npos) {
    jid.local = bare.substr(0, at);
    bare = bare.substr(at + 1);
  }
  jid.domain = bare;
  return jid;
}

std::string Jid::bare() const { return local.empty() ? domain : local + "@" + domain; }
std::string Jid::full() const { return resource.empty() ? bare() : bare() + "/" + resource; }

}  // namespace jabberadmin
