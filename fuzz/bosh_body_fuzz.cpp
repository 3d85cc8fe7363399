// libFuzzer target for what a BOSH client POSTs (XEP-0124/0206): arbitrary bytes as a
// request body, read by parse_body with small limits so the limit paths are reached. A body
// read whole must be a <body/> in the httpbind namespace whose children serialize and read
// back the same in a body of our own; anything else must say why with a BOSH condition. The
// rids it names then walk a session's window (RidWindow), which must place each one
// consistently: the next rid is always in the window, an answered one is found again. The
// numbers a session reads (wait, hold, ack, pause) stay within XEP-0124's 2^53 - 1.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "http/bosh_body.hpp"
#include "http/bosh_rids.hpp"

using namespace jabberadmin;
using namespace jabberadmin::http;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  const xml::ParserLimits limits{.max_stanza_size = 2048, .max_depth = 16};
  const ParsedBody parsed = parse_body(in, limits);
  if (!parsed.body) {
    if (parsed.condition != "bad-request" && parsed.condition != "policy-violation") std::abort();
    return 0;
  }
  const BoshBody& body = *parsed.body;
  if (!body.wrapper.is("body", kHttpBindNs) || !body.wrapper.children().empty()) std::abort();
  std::string payload;
  for (const auto& element : body.payload) payload += xml::serialize(element, kHttpBindNs);
  // Read back with room for what serializing added (a '"' in an attribute becomes &quot;):
  // the limits are for what a client sends, not for our own output.
  const xml::ParserLimits again_limits{.max_stanza_size = 8 * payload.size() + 4096, .max_depth = limits.max_depth};
  const ParsedBody again = parse_body(body_xml({}, payload), again_limits);
  if (!again.body || again.body->payload != body.payload) std::abort();

  // The numbers a session reads from a request (XEP-0124 §7.1, §9, §10): within 2^53 - 1,
  // and what it compares with maxpause or an answer's rid, never wrapped.
  for (const char* name : {"rid", "wait", "hold", "ack", "pause"})
    if (const auto n = bosh_number(body.attr(name)); n && *n > 9007199254740991ull) std::abort();

  // The window of a session created at this body's rid (or 0), walked by the rids of its
  // children's ids, as a client's requests would.
  const auto first = bosh_number(body.attr("rid"));
  const std::size_t requests = 1 + (first.value_or(0) % 3);
  RidWindow rids(first.value_or(0), requests);
  for (const auto& element : body.payload) {
    const auto rid = bosh_number(element.attr_or("id"));
    if (!rid) continue;
    if (rids.place(rids.next()) != RidWindow::Place::InWindow) std::abort();
    if (rids.place(*rid) == RidWindow::Place::InWindow && *rid == rids.next()) {
      rids.answered(*rid, element.name());
      rids.advance();
      if (rids.place(*rid) != RidWindow::Place::Answered || *rids.answer_of(*rid) != element.name()) std::abort();
    }
  }
  return 0;
}
