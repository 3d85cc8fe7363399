#include "s2s/incoming.hpp"

#include <algorithm>
#include <utility>

#include "s2s/stream_io.hpp"
#include "stream/namespaces.hpp"

namespace jabberadmin::s2s {

bool ReadMeter::take(net::Connection& connection, std::size_t bytes, const std::vector<xml::StreamEvent>& events) {
  const auto stanzas = std::count_if(events.begin(), events.end(),
                                     [](const auto& e) { return std::holds_alternative<xml::Element>(e); });
  const auto wait = rate_.take(bytes, static_cast<std::size_t>(stanzas), std::chrono::steady_clock::now());
  if (wait.count() == 0) return false;
  connection.pause_reading(wait);
  return !std::exchange(throttled_, true);
}

std::variant<Incoming, Refusal> incoming_stanza(const xml::Element& element, const DomainCheck& from_ok,
                                                const DomainCheck& to_ok) {
  auto from = Jid::parse(element.attr_or("from"));
  if (!from || !from_ok(from->domain)) return Refusal{"invalid-from", "'from' is not on a domain this link authenticated"};
  auto to = Jid::parse(element.attr_or("to"));
  if (!to || !to_ok(to->domain)) return Refusal{"host-unknown", "'to' is not on a domain this link is for"};
  xml::Element stanza = renamespace(element, ns::kServer, ns::kClient);
  stanza.set_attr("from", from->full());
  stanza.set_attr("to", to->full());
  return Incoming{std::move(stanza), std::move(*from), std::move(*to)};
}

bool is_server_stanza(const xml::Element& element) {
  return element.xmlns() == ns::kServer &&
         (element.name() == "message" || element.name() == "presence" || element.name() == "iq");
}

}  // namespace jabberadmin::s2s
