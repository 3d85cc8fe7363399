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

TEST(Element, RawBytesAreWrittenVerbatim) {
  // Bytes serialized once (a group's shared roster items) go out as they are: no escaping,
  // no namespace added, in their place among the other children.
  const std::string items = "<item jid='a@b' subscription='both'><group>A &amp; B</group></item>";
  Element q("query", "jabber:iq:roster");
  q.set_attr("ver", "1");
  q.add(Element("item", "jabber:iq:roster")).set_attr("jid", "first@b");
  q.add(Element::raw(items));
  q.add_text("<");
  EXPECT_EQ(serialize(q, "jabber:client"),
            "<query xmlns='jabber:iq:roster' ver='1'><item jid='first@b'/>" + items + "&lt;</query>");
  // Empty bytes still make an open and a close tag, as the items of an empty roster did.
  Element empty("query", "jabber:iq:roster");
  empty.add(Element::raw(""));
  EXPECT_EQ(serialize(empty, "jabber:iq:roster"), "<query></query>");
}

TEST(Element, ARawNodeIsNeitherTextNorAnElement) {
  Element q("query", "jabber:iq:roster");
  q.add(Element::raw("<item jid='a@b'/>"));
  q.add_text("t");
  EXPECT_TRUE(q.children()[0].is_raw());
  EXPECT_FALSE(q.children()[0].is_text());
  EXPECT_FALSE(q.children()[0].is_element());
  EXPECT_EQ(q.children().size(), 2u) << "text after a raw node is not merged into it";
  EXPECT_EQ(q.element_count(), 0u);
  EXPECT_EQ(q.first_element(), nullptr);
  EXPECT_EQ(q.child(""), nullptr);
  EXPECT_EQ(q.text(), "t");
  // Compared as values: the same bytes are equal, other bytes or a text node with the same
  // characters are not.
  Element same("query", "jabber:iq:roster");
  same.add(Element::raw("<item jid='a@b'/>"));
  same.add_text("t");
  EXPECT_EQ(q, same);
  Element other("query", "jabber:iq:roster");
  other.add(Element::raw("<item jid='c@d'/>"));
  other.add_text("t");
  EXPECT_NE(q, other);
  EXPECT_NE(Element::raw("x"), Element::text_node("x"));
  const Element copy = q;
  EXPECT_EQ(serialize(copy), serialize(q));
}

}  // namespace
}  // namespace jabberadmin::xml
