#include <gtest/gtest.h>

#include "xml/element.hpp"
#include "xml/stream_parser.hpp"

namespace jabberadmin::xml {
namespace {

TEST(Element, SerializesWithEscapingAndMinimalNamespaces) {
  Element m("message", "jabber:client");
  m.set_attr("to", "a@b/c'd\"e<&>");
  m.add(Element("body", "jabber:client")).add_text("1 < 2 & 3 > 2 'q' \"d\"");
  m.add(Element("ping", "urn:xmpp:ping"));
  EXPECT_EQ(serialize(m, "jabber:client"),
            "<message to='a@b/c&apos;d&quot;e&lt;&amp;&gt;'><body>1 &lt; 2 &amp; 3 &gt; 2 'q' \"d\"</body>"
            "<ping xmlns='urn:xmpp:ping'/></message>");
  EXPECT_EQ(serialize(Element("a", "urn:a")), "<a xmlns='urn:a'/>");
}

TEST(Element, AttributeWhitespaceSurvivesARoundTrip) {
  Element m("message", "jabber:client");
  m.set_attr("id", "a\tb\nc\rd");
  m.add(Element("body", "jabber:client")).add_text("line1\r\nline2");
  StreamParser p;
  std::vector<StreamEvent> ev;
  const std::string doc = "<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'>" +
                          serialize(m, "jabber:client");
  ASSERT_FALSE(p.feed(doc, ev));
  ASSERT_EQ(ev.size(), 2u);
  EXPECT_EQ(std::get<Element>(ev[1]), m);
}

TEST(Element, SetAttrReplacesAndRemoveAttrRemoves) {
  Element e("iq", "jabber:client");
  e.set_attr("from", "x").set_attr("from", "y");
  EXPECT_EQ(e.attrs().size(), 1u);
  EXPECT_EQ(e.attr_or("from"), "y");
  e.remove_attr("from");
  EXPECT_FALSE(e.attr("from"));
}

TEST(Element, ChildLookupAndText) {
  Element e("presence", "jabber:client");
  e.add_text("  ");
  e.add(Element("show", "jabber:client")).add_text("away");
  e.add(Element("x", "vcard-temp:x:update"));
  EXPECT_EQ(e.element_count(), 2u);
  EXPECT_EQ(e.first_element()->name(), "show");
  EXPECT_EQ(e.child("x", "vcard-temp:x:update")->name(), "x");
  EXPECT_EQ(e.child("x", "other"), nullptr);
  EXPECT_EQ(e.child("show")->text(), "away");
}

}  // namespace
}  // namespace jabberadmin::xml
