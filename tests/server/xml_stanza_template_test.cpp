// StanzaTemplate: one serialization, many recipients, each copy exactly what serializing the
// element with that 'to' would have written (attribute order aside).
#include <gtest/gtest.h>

#include <algorithm>

#include "xml/stanza_template.hpp"
#include "xml/stream_parser.hpp"

namespace jabberadmin::xml {
namespace {

// Parses one stanza as a client would read it on a jabber:client stream.
Element read_back(const std::string& bytes) {
  StreamParser parser;
  std::vector<StreamEvent> events;
  const auto error =
      parser.feed("<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'>" + bytes, events);
  EXPECT_FALSE(error) << bytes;
  EXPECT_EQ(events.size(), 2u) << bytes;
  return events.size() == 2 ? std::get<Element>(events[1]) : Element();
}

Element presence() {
  Element p("presence", "jabber:client");
  p.set_attr("from", "anna@example.org/a");
  p.add(Element("show", "jabber:client")).add_text("away");
  p.add(Element("status", "jabber:client")).add_text("at <lunch> & 'out'");
  p.add(Element("x", "vcard-temp:x:update")).add(Element("photo", "vcard-temp:x:update"));
  return p;
}

TEST(StanzaTemplate, EachCopyIsTheElementAddressedToItsRecipient) {
  const StanzaTemplate once(presence(), "jabber:client");
  for (const std::string to : {"boris@example.org", "vera@example.org/phone"}) {
    Element expected = presence();
    expected.set_attr("to", to);
    Element got = read_back(once.to(to));
    // Attribute order is not XML's business: compare as sets.
    auto sorted = [](Element e) {
      auto attrs = e.attrs();
      std::sort(attrs.begin(), attrs.end());
      Element out(e.name(), e.xmlns());
      for (const auto& [k, v] : attrs) out.set_attr(k, v);
      for (auto& c : e.children()) out.add(std::move(c));
      return out;
    };
    EXPECT_EQ(sorted(got), sorted(expected)) << once.to(to);
  }
  EXPECT_EQ(once.without_to(), serialize(presence(), "jabber:client"));
}

TEST(StanzaTemplate, TheElementsOwnToIsReplacedAndTheRecipientEscaped) {
  Element p = presence();
  p.set_attr("to", "someone@else.example");
  const StanzaTemplate once(p, "jabber:client");
  const std::string bytes = once.to("boris@example.org/it's <me> & \"you\"");
  EXPECT_EQ(bytes.find("someone@else.example"), std::string::npos);
  EXPECT_EQ(read_back(bytes).attr_or("to"), "boris@example.org/it's <me> & \"you\"");
}

TEST(StanzaTemplate, AnEmptyElementStaysEmpty) {
  Element p("presence", "jabber:client");
  p.set_attr("type", "unavailable");
  EXPECT_EQ(StanzaTemplate(p, "jabber:client").to("a@b"), "<presence to='a@b' type='unavailable'/>");
  EXPECT_EQ(StanzaTemplate(Element("presence", "jabber:client"), "jabber:client").to("a@b"), "<presence to='a@b'/>");
}

}  // namespace
}  // namespace jabberadmin::xml
