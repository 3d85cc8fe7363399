#include <gtest/gtest.h>

#include <string>

#include "stream/namespaces.hpp"
#include "xml/stream_parser.hpp"

namespace jabberadmin::xml {
namespace {

constexpr std::string_view kHeader =
    "<?xml version='1.0'?><stream:stream xmlns='jabber:client' "
    "xmlns:stream='http://etherx.jabber.org/streams' to='example.org' version='1.0'>";

struct Fed {
  std::optional<ParseError> error;
  std::vector<StreamEvent> events;
};

Fed feed_all(StreamParser& p, std::string_view data, std::size_t chunk = 0) {
  Fed f;
  if (chunk == 0) chunk = data.size();
  for (std::size_t i = 0; i < data.size() && !f.error; i += chunk) f.error = p.feed(data.substr(i, chunk), f.events);
  return f;
}

std::vector<Element> stanzas(const Fed& f) {
  std::vector<Element> out;
  for (const auto& e : f.events)
    if (const auto* el = std::get_if<Element>(&e)) out.push_back(*el);
  return out;
}

TEST(StreamParser, ReportsTheHeaderWithItsNamespaces) {
  StreamParser p;
  const Fed f = feed_all(p, kHeader);
  ASSERT_FALSE(f.error);
  ASSERT_EQ(f.events.size(), 1u);
  const auto& h = std::get<StreamOpen>(f.events[0]).header;
  EXPECT_TRUE(h.is("stream", ns::kStreams));
  EXPECT_EQ(h.attr_or("to"), "example.org");
  EXPECT_EQ(h.attr_or("version"), "1.0");
  EXPECT_EQ(h.attr_or("xmlns"), "jabber:client");
}

TEST(StreamParser, ParsesStanzasWithNamespacesTextAndXmlLang) {
  StreamParser p;
  const std::string in = std::string(kHeader) +
                         "<message to='a@example.org' type='chat' xml:lang='ru'><body>x &amp; y &lt;z&gt; "
                         "\xd0\x9f\xd1\x80\xd0\xb8</body><x:e xmlns:x='urn:x' x:attr='1'/></message>  ";
  const Fed f = feed_all(p, in);
  ASSERT_FALSE(f.error);
  const auto s = stanzas(f);
  ASSERT_EQ(s.size(), 1u);
  EXPECT_TRUE(s[0].is("message", "jabber:client"));
  EXPECT_EQ(s[0].attr_or("xml:lang"), "ru");
  EXPECT_EQ(s[0].child("body")->text(), "x & y <z> \xd0\x9f\xd1\x80\xd0\xb8");
  const Element* e = s[0].child("e", "urn:x");
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(e->attr_or("x:attr"), "1");
}

TEST(StreamParser, SameEventsWhateverTheChunking) {
  const std::string in = std::string(kHeader) + "<iq type='get' id='1'><ping xmlns='urn:xmpp:ping'/></iq>"
                                                "<presence><priority>5</priority></presence></stream:stream>";
  StreamParser whole;
  const Fed a = feed_all(whole, in);
  for (std::size_t chunk : {1u, 2u, 3u, 7u, 64u}) {
    StreamParser p;
    const Fed b = feed_all(p, in, chunk);
    ASSERT_FALSE(b.error) << chunk;
    EXPECT_EQ(stanzas(a), stanzas(b)) << chunk;
    EXPECT_TRUE(std::holds_alternative<StreamClose>(b.events.back())) << chunk;
  }
}

// Expat's reparse deferral (newer libexpat, and Debian 12's security updates) would hold back a
// large stanza that arrived in many reads until more input came; a client would wait forever.
TEST(StreamParser, ALargeStanzaIsReportedWhenItsLastByteArrives) {
  StreamParser p;
  Fed f = feed_all(p, kHeader);
  ASSERT_FALSE(f.error);
  // One long token (a start tag) arriving in small reads is what the deferral holds back.
  const std::string stanza = "<message id='" + std::string(30000, 'x') + "'><body>hi</body></message>";
  for (std::size_t i = 0; i < stanza.size(); i += 100) {
    f.error = p.feed(std::string_view(stanza).substr(i, 100), f.events);
    ASSERT_FALSE(f.error);
  }
  const auto s = stanzas(f);
  ASSERT_EQ(s.size(), 1u);
  EXPECT_EQ(s[0].attr_or("id").size(), 30000u);
}

TEST(StreamParser, TruncatedInputWaitsWithoutEvents) {
  StreamParser p;
  const Fed f = feed_all(p, std::string(kHeader) + "<message><body>hal");
  EXPECT_FALSE(f.error);
  EXPECT_TRUE(stanzas(f).empty());
}

TEST(StreamParser, RefusesDoctypeAndEntityDeclarations) {
  StreamParser p;
  const Fed f = feed_all(p, "<?xml version='1.0'?><!DOCTYPE stream [<!ENTITY lol 'lol'>]><stream:stream/>");
  EXPECT_EQ(f.error, ParseError::RestrictedXml);
}

TEST(StreamParser, RefusesBillionLaughs) {
  std::string in = "<?xml version='1.0'?><!DOCTYPE lolz [<!ENTITY lol 'lol'>";
  for (int i = 1; i < 10; ++i)
    in += "<!ENTITY lol" + std::to_string(i) + " '&lol" + (i > 1 ? std::to_string(i - 1) : "") + ";&lol;'>";
  in += "]><stream:stream xmlns:stream='http://etherx.jabber.org/streams'>&lol9;";
  StreamParser p;
  EXPECT_EQ(feed_all(p, in).error, ParseError::RestrictedXml);
}

TEST(StreamParser, RefusesCommentsAndProcessingInstructions) {
  for (const char* bad : {"<!-- hi -->", "<?php echo 1; ?>", "<message><!-- x --></message>"}) {
    StreamParser p;
    EXPECT_EQ(feed_all(p, std::string(kHeader) + bad).error, ParseError::RestrictedXml) << bad;
  }
}

TEST(StreamParser, UndefinedEntityIsNotWellFormed) {
  StreamParser p;
  EXPECT_EQ(feed_all(p, std::string(kHeader) + "<message>&foo;</message>").error, ParseError::NotWellFormed);
}

TEST(StreamParser, MalformedInput) {
  for (const char* bad : {"<message></presence>", "<message a='1' a='2'/>", "<a:b/>", "text between stanzas",
                          "<message>\xff\xfe</message>", "<message>\x01</message>"}) {
    StreamParser p;
    EXPECT_EQ(feed_all(p, std::string(kHeader) + bad).error, ParseError::NotWellFormed) << bad;
  }
}

TEST(StreamParser, ErrorIsSticky) {
  StreamParser p;
  std::vector<StreamEvent> ev;
  EXPECT_EQ(p.feed("<<<", ev), ParseError::NotWellFormed);
  EXPECT_EQ(p.feed(kHeader, ev), ParseError::NotWellFormed);
  p.reset();
  EXPECT_FALSE(p.feed(kHeader, ev));
}

TEST(StreamParser, OversizedStanzaIsRefusedWhileArriving) {
  StreamParser p(ParserLimits{.max_stanza_size = 1000});
  std::vector<StreamEvent> ev;
  ASSERT_FALSE(p.feed(kHeader, ev));
  ASSERT_FALSE(p.feed("<message><body>", ev));
  std::optional<ParseError> err;
  std::size_t sent = 0;
  // Never closes the element: the error must come from the bytes alone.
  while (!err && sent < 100000) {
    err = p.feed(std::string(100, 'a'), ev);
    sent += 100;
  }
  EXPECT_EQ(err, ParseError::StanzaTooLarge);
  EXPECT_EQ(to_string(*err), "policy-violation");
  EXPECT_LE(sent, 1100u);
}

TEST(StreamParser, OversizedStartTagAndSingleHugeRead) {
  {
    StreamParser p(ParserLimits{.max_stanza_size = 1000});
    EXPECT_EQ(feed_all(p, std::string(kHeader) + "<message a='" + std::string(5000, 'x'), 10).error,
              ParseError::StanzaTooLarge);
  }
  {
    StreamParser p(ParserLimits{.max_stanza_size = 1000});
    EXPECT_EQ(feed_all(p, std::string(kHeader) + "<message>" + std::string(1 << 20, 'x') + "</message>").error,
              ParseError::StanzaTooLarge);
  }
  {
    StreamParser p(ParserLimits{.max_stanza_size = 1000});
    EXPECT_EQ(feed_all(p, "<stream:stream " + std::string(5000, ' ')).error, ParseError::StanzaTooLarge);
  }
}

TEST(StreamParser, StanzaJustUnderTheLimitPassesAndManySmallOnesToo) {
  StreamParser p(ParserLimits{.max_stanza_size = 1000});
  std::vector<StreamEvent> ev;
  ASSERT_FALSE(p.feed(kHeader, ev));
  const std::string small = "<message><body>" + std::string(900, 'y') + "</body></message>";
  for (int i = 0; i < 50; ++i) ASSERT_FALSE(p.feed(small + " ", ev)) << i;
  EXPECT_EQ(ev.size(), 51u);
}

TEST(StreamParser, DeepNestingIsRefused) {
  StreamParser p(ParserLimits{.max_stanza_size = 100000, .max_depth = 10});
  std::string in = std::string(kHeader);
  for (int i = 0; i < 20; ++i) in += "<a>";
  EXPECT_EQ(feed_all(p, in).error, ParseError::PolicyViolation);
}

// Issue 12 item 11: a byte-order mark made expat read the stream as UTF-16.
TEST(StreamParser, Utf16ByteOrderMarkIsUnsupportedEncoding) {
  for (const std::string& bom : {std::string("\xFF\xFE"), std::string("\xFE\xFF")}) {
    std::string in = bom;
    for (char c : std::string(kHeader) + "<message><body>x</body></message>") {
      // UTF-16 in the byte order the mark announces.
      if (bom[0] == '\xFF') in += std::string{c, '\0'};
      else in += std::string{'\0', c};
    }
    for (std::size_t chunk : {std::size_t{0}, std::size_t{1}}) {
      StreamParser p;
      const Fed f = feed_all(p, in, chunk);
      ASSERT_TRUE(f.error) << chunk;
      EXPECT_EQ(to_string(*f.error), "unsupported-encoding");
      EXPECT_TRUE(f.events.empty());
    }
  }
}

// Fuzz finding (fuzz/corpus/xml-prefix-element): <xml:i/> was accepted and serialized as a
// default declaration of the reserved namespace, which does not parse back.
TEST(StreamParser, ElementsInReservedNamespacesAreRestrictedXml) {
  for (const std::string stanza : {"<xml:i/>", "<message><xml:body/></message>"}) {
    StreamParser p;
    const Fed f = feed_all(p, std::string(kHeader) + stanza);
    ASSERT_TRUE(f.error) << stanza;
    EXPECT_EQ(to_string(*f.error), "restricted-xml") << stanza;
    EXPECT_TRUE(stanzas(f).empty()) << stanza;
  }
  // Binding the reserved namespace to another prefix or as the default is not even
  // well-formed (Namespaces in XML 1.0 §3): expat refuses it itself.
  for (const std::string stanza : {"<x:i xmlns:x='http://www.w3.org/XML/1998/namespace'/>",
                                   "<i xmlns='http://www.w3.org/XML/1998/namespace'/>",
                                   "<xmlns:i/>"}) {
    StreamParser p;
    const Fed f = feed_all(p, std::string(kHeader) + stanza);
    ASSERT_TRUE(f.error) << stanza;
    EXPECT_TRUE(stanzas(f).empty()) << stanza;
  }
}

TEST(StreamParser, XmlLangAndOtherXmlAttributesStillRoundTrip) {
  StreamParser p;
  const Fed f = feed_all(p, std::string(kHeader) + "<message xml:lang='ru'><body xml:space='preserve'>x</body></message>");
  ASSERT_FALSE(f.error);
  const Element m = stanzas(f).at(0);
  EXPECT_EQ(m.attr_or("xml:lang"), "ru");
  StreamParser again;
  const Fed g = feed_all(again, std::string(kHeader) + serialize(m, "jabber:client"));
  ASSERT_FALSE(g.error);
  EXPECT_EQ(stanzas(g).at(0), m);
}

TEST(StreamParser, DeclaredEncodingCannotSwitchAwayFromUtf8) {
  StreamParser p;
  const std::string in =
      "<?xml version='1.0' encoding='UTF-16'?><stream:stream xmlns='jabber:client' "
      "xmlns:stream='http://etherx.jabber.org/streams'><message><body>\xc3\xa9</body></message>";
  const Fed f = feed_all(p, in);
  ASSERT_FALSE(f.error);
  EXPECT_EQ(stanzas(f).at(0).child("body")->text(), "\xc3\xa9");
}

TEST(StreamParser, JunkAfterTheStreamEnds) {
  StreamParser p;
  std::vector<StreamEvent> ev;
  ASSERT_FALSE(p.feed(std::string(kHeader) + "</stream:stream>", ev));
  EXPECT_EQ(p.feed("<message/>", ev), ParseError::NotWellFormed);
}

// Stanzas kept in the database (offline messages, pending subscription requests) come back
// through one reader, the inverse of serialize(element, parent_xmlns).
TEST(ParseSerialized, ReadsBackWhatSerializeWrote) {
  Element m("message", "jabber:client");
  m.set_attr("to", "bob@example.org");
  m.set_attr("xml:lang", "ru");
  m.set_attr("id", "a\tb\nc 'q' \"d\"");
  m.add(Element("body", "jabber:client")).add_text("<&> \"кавычки\" 'single'\r\n");
  m.add(Element("active", "http://jabber.org/protocol/chatstates"));
  const auto back = parse_serialized(serialize(m, "jabber:client"), "jabber:client");
  ASSERT_TRUE(back);
  EXPECT_EQ(*back, m);
  // Another parent namespace, and none.
  Element p("presence", "jabber:server");
  p.set_attr("type", "subscribe");
  EXPECT_EQ(parse_serialized(serialize(p, "jabber:server"), "jabber:server"), p);
  EXPECT_EQ(parse_serialized(serialize(p), ""), p);
}

TEST(ParseSerialized, RefusesWhatIsNotAWholeElement) {
  EXPECT_FALSE(parse_serialized("<message><body>unterminated", "jabber:client"));
  EXPECT_FALSE(parse_serialized("not xml", "jabber:client"));
  EXPECT_FALSE(parse_serialized("", "jabber:client"));
  EXPECT_FALSE(parse_serialized("<message><!-- c --></message>", "jabber:client")) << "restricted XML, as on a stream";
  EXPECT_FALSE(parse_serialized("</stream:stream>", "jabber:client"));
  // A stored stanza over the stream limit (64 KiB by default) still reads back.
  Element big("message", "jabber:client");
  big.add(Element("body", "jabber:client")).add_text(std::string(200000, 'x'));
  EXPECT_EQ(parse_serialized(serialize(big, "jabber:client"), "jabber:client"), big);
}

}  // namespace
}  // namespace jabberadmin::xml
