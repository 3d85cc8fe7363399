// libFuzzer target for what the router reads of every stanza a client sends: its addresses
// (stream::address, the JID parser on 'from' and 'to'), the typed view (stream::Stanza:
// kind, type with RFC 6121's defaults, id) and the replies built from it
// (stream::error_reply, stream::iq_result). Invariants:
//   - an address that parses is normalised: its text parses back to the same JID;
//   - the view's type is stream::stanza_type's, its kind the one its name gives;
//   - a reply is a stanza the parser reads back as it was built.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "elements.hpp"
#include "stream/namespaces.hpp"
#include "stream/stanza.hpp"
#include "stream/stanza_view.hpp"

using namespace jabberadmin;

namespace {
Jid jid_of(const stream::Address& a) {
  if (!a.jid) return Jid{};
  const auto again = Jid::parse(a.jid->full());
  if (!again || again->full() != a.jid->full()) std::abort();
  return *a.jid;
}

void reads_back(const xml::Element& reply) {
  const auto out = fuzz::elements_of(xml::serialize(reply, ns::kClient), 1 << 20);
  if (out.size() != 1 || out.front() != reply) std::abort();
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  for (const xml::Element& e : fuzz::elements_of(bytes)) {
    const stream::Stanza view(e, jid_of(stream::address(e, "from")), jid_of(stream::address(e, "to")));
    if (view.type() != stream::stanza_type(e)) std::abort();
    if (const auto kind = stream::stanza_kind(e); kind && *kind != view.kind()) std::abort();
    if (view.id() != e.attr("id").value_or(std::string_view())) std::abort();
    reads_back(stream::error_reply(e, "cancel", "service-unavailable", view.type()));
    if (view.is_iq()) reads_back(stream::iq_result(e));
  }
  return 0;
}
