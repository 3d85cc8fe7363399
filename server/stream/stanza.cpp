#include "stream/stanza.hpp"

#include <algorithm>

#include "stream/namespaces.hpp"

namespace jabberadmin::stream {

std::optional<StanzaKind> stanza_kind(const xml::Element& e) {
  if (e.xmlns() != ns::kClient) return std::nullopt;
  if (e.name() == "message") return StanzaKind::Message;
  if (e.name() == "presence") return StanzaKind::Presence;
  if (e.name() == "iq") return StanzaKind::Iq;
  return std::nullopt;
}

std::string stanza_type(const xml::Element& stanza) {
  if (auto t = stanza.attr("type")) return std::string(*t);
  if (stanza.name() == "message") return "normal";
  if (stanza.name() == "presence") return "available";
  return {};
}

bool is_subscription(std::string_view type) {
  return std::find(kSubscriptionTypes.begin(), kSubscriptionTypes.end(), type) != kSubscriptionTypes.end();
}

Address address(const xml::Element& stanza, std::string_view attribute) {
  Address a;
  const auto value = stanza.attr(attribute);
  if (!value) return a;
  a.present = true;
  a.jid = Jid::parse(*value);
  return a;
}

namespace {
xml::Element swapped(const xml::Element& stanza) {
  xml::Element reply(stanza.name(), std::string(ns::kClient));
  if (auto from = stanza.attr("from")) reply.set_attr("to", *from);
  if (auto to = stanza.attr("to")) reply.set_attr("from", *to);
  if (auto id = stanza.attr("id")) reply.set_attr("id", *id);
  return reply;
}
}  // namespace

xml::Element error_reply(const xml::Element& stanza, std::string_view error_type, std::string_view condition,
                         std::string_view text) {
  xml::Element reply = swapped(stanza);
  reply.set_attr("type", "error");
  xml::Element& error = reply.add(xml::Element("error", std::string(ns::kClient)));
  error.set_attr("type", error_type);
  error.add(xml::Element(std::string(condition), std::string(ns::kStanzaErrors)));
  if (!text.empty()) {
    xml::Element& t = error.add(xml::Element("text", std::string(ns::kStanzaErrors)));
    t.set_attr("xml:lang", "en");
    t.add_text(text);
  }
  return reply;
}

xml::Element iq_result(const xml::Element& iq) {
  xml::Element reply = swapped(iq);
  reply.set_attr("type", "result");
  return reply;
}

bool is_call_signal(const xml::Element& message) {
  for (const xml::Element& c : message.children())
    if (c.xmlns() == ns::kJingleMessage && !c.name().empty()) return true;
  return false;
}

}  // namespace jabberadmin::stream
