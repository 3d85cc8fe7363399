// libFuzzer target for XEP-0198 stream management as a client drives it: the counts in
// <enable max/>, <resume h/> and <a h/> (sm::parse_h) and what they do to the queue of
// unacknowledged stanzas (sm::UnackedQueue), in the order the bytes give them; any other
// element is a stanza the server sent. The queue starts near 2^32 when the first byte says
// so, so wrapping counts are reached. Invariants after every step:
//   - the queue holds exactly sent - acked stanzas (modulo 2^32) and their bytes;
//   - an h refused changes nothing; an h accepted is the new acked count;
//   - a count parsed prints back as the same number.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <numeric>
#include <string>

#include "elements.hpp"
#include "sm/unacked_queue.hpp"
#include "stream/namespaces.hpp"

using namespace jabberadmin;

namespace {
void check(const sm::UnackedQueue& q) {
  if (static_cast<std::uint32_t>(q.sent() - q.acked()) != q.size()) std::abort();
  std::size_t bytes = 0;
  for (const std::string& s : q.pending()) bytes += s.size();
  if (bytes != q.bytes()) std::abort();
}

std::optional<std::uint32_t> count(const xml::Element& e, std::string_view name) {
  const auto h = sm::parse_h(e.attr_or(name));
  if (h && sm::parse_h(std::to_string(*h)) != h) std::abort();
  return h;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::uint32_t start = data[0] & 1 ? 0xFFFFFFF0u : 0;
  const std::string_view bytes(reinterpret_cast<const char*>(data) + 1, size - 1);
  sm::UnackedQueue q({.stanzas = 50, .bytes = 4096}, start);
  for (const xml::Element& e : fuzz::elements_of(bytes)) {
    if (e.xmlns() == ns::kSm && (e.name() == "a" || e.name() == "resume")) {
      const auto h = count(e, "h");
      if (!h) continue;
      const auto before_sent = q.sent(), before_acked = q.acked();
      const auto before_size = q.size();
      if (q.acknowledge(*h)) {
        if (q.acked() != *h) std::abort();
      } else if (q.sent() != before_sent || q.acked() != before_acked || q.size() != before_size) {
        std::abort();
      }
    } else if (e.xmlns() == ns::kSm && e.name() == "enable") {
      count(e, "max");
    } else if (!(e.xmlns() == ns::kSm && e.name() == "r")) {
      q.push(xml::serialize(e, ns::kClient));
    }
    check(q);
  }
  return 0;
}
