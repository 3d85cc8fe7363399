// XEP-0124 BOSH's <body/> wrapper (with XEP-0206's xmpp: attributes): a client's request read
// with the stream parser, so its children meet the same restricted-XML rules and the same
// stanza size and depth limits as on a TCP stream; and the wrappers of our answers. Nothing
// here trusts a number the client sends: rid and the session's parameters are parsed and
// clamped by their users.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "xml/element.hpp"
#include "xml/stream_parser.hpp"

namespace jabberadmin::http {

inline constexpr std::string_view kHttpBindNs = "http://jabber.org/protocol/httpbind";
inline constexpr std::string_view kXboshNs = "urn:xmpp:xbosh";

struct BoshBody {
  xml::Element wrapper;                // the <body/> itself, with its attributes and no children
  std::vector<xml::Element> payload;   // its child elements, in order: stanzas and nonzas

  std::string attr(std::string_view name) const { return wrapper.attr_or(name); }
  // An attribute in XEP-0206's namespace (xmpp:version, xmpp:restart) by its local name,
  // whatever prefix the client declared for it.
  std::string xbosh_attr(std::string_view local) const;
};

struct ParsedBody {
  std::optional<BoshBody> body;  // set when the whole request is a <body/> in the httpbind namespace
  // Otherwise why not, as a BOSH condition: "bad-request" (not XML, not a <body/>, cut short),
  // "policy-violation" (a child over the stanza size or depth limit).
  std::string condition;
  std::string sid;  // the wrapper's sid even when a child broke a limit: the session to end
};

ParsedBody parse_body(std::string_view text, const xml::ParserLimits& limits);

// A decimal rid or other count: digits only, at most 2^53 - 1 (XEP-0124 §7.1). Nothing otherwise.
std::optional<std::uint64_t> bosh_number(std::string_view text);

// Our answer: <body xmlns='httpbind' attrs…>payload</body>. The payload is whole elements,
// each a standalone document (its namespaces declared on it).
std::string body_xml(const std::vector<std::pair<std::string, std::string>>& attrs, std::string_view payload = {});
// A terminating answer with a condition (XEP-0124 §17.2), the payload before it said.
std::string terminate_xml(std::string_view condition, std::string_view payload = {});

}  // namespace jabberadmin::http
