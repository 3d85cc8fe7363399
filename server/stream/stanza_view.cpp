#include "stream/stanza_view.hpp"

#include <utility>

namespace jabberadmin::stream {
namespace {
StanzaKind kind_of(const xml::Element& element) {
  if (element.name() == "message") return StanzaKind::Message;
  if (element.name() == "presence") return StanzaKind::Presence;
  return StanzaKind::Iq;
}

std::string_view type_of(const xml::Element& element, StanzaKind kind) {
  if (auto t = element.attr("type")) return *t;
  if (kind == StanzaKind::Message) return "normal";
  if (kind == StanzaKind::Presence) return "available";
  return {};
}
}  // namespace

Stanza::Stanza(const xml::Element& element, Jid from, Jid to)
    : element_(&element),
      kind_(kind_of(element)),
      type_(type_of(element, kind_)),
      id_(element.attr("id").value_or(std::string_view())),
      from_(std::move(from)),
      to_(std::move(to)) {}

}  // namespace jabberadmin::stream
