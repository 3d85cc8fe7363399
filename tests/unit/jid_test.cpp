#include <gtest/gtest.h>

#include "jabberadmin/error.hpp"
#include "jabberadmin/jid.hpp"

namespace jabberadmin {
namespace {

std::string error_of(std::string_view localpart) {
  try {
    normalize_localpart(localpart);
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::InvalidArgument);
    return e.what();
  }
  return "";
}

TEST(Localpart, CaseFoldsAndKeepsUnicode) {
  EXPECT_EQ(normalize_localpart("Guest"), "guest");
  EXPECT_EQ(normalize_localpart("ПЁТР"), "пётр");
  EXPECT_EQ(normalize_localpart("ﬁx"), "fix") << "NFKC";
}

TEST(Localpart, ErrorNamesTheOffendingCharacter) {
  EXPECT_NE(error_of("a@b").find("'@' (U+0040)"), std::string::npos) << error_of("a@b");
  EXPECT_NE(error_of("a b").find("U+0020"), std::string::npos) << error_of("a b");
  EXPECT_NE(error_of("x:y").find("':'"), std::string::npos);
  EXPECT_NE(error_of("a/b").find("'/'"), std::string::npos);
  EXPECT_NE(error_of("<x>").find("'<'"), std::string::npos);
  EXPECT_NE(error_of("").find("empty"), std::string::npos);
  EXPECT_NE(error_of(std::string(1024, 'a')).find("too long"), std::string::npos);
  EXPECT_NE(error_of(std::string("a\0b", 3)).find("U+0000"), std::string::npos);
}

TEST(Domain, ValidatesAndLowercases) {
  EXPECT_EQ(normalize_domain("Jabber.MyHost.RU"), "jabber.myhost.ru");
  EXPECT_EQ(normalize_domain("пример.рф"), "пример.рф");
  EXPECT_EQ(normalize_domain("example.com."), "example.com");
  for (const std::string bad : {"", "a b", "x\"y", "a..b", "host:5222", "a/b", "new\nline", "a'b", "{x}"})
    EXPECT_THROW(normalize_domain(bad), Error) << bad;
}

TEST(Domain, EveryLengthRefusalSaysTooLong) {
  // libidn2 refuses some lengths before our own check does; the message must not depend on who.
  const auto error_of_domain = [](const std::string& d) {
    try {
      normalize_domain(d);
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string("accepted");
  };
  for (const std::string& bad : {std::string(300, 'a'), std::string(64, 'a') + ".ru", std::string(2000, 'a'),
                                std::string(130, 'a') + "." + std::string(130, 'b')}) {
    const std::string e = error_of_domain(bad);
    EXPECT_NE(e.find("too long"), std::string::npos) << e;
    EXPECT_LT(e.size(), 200u) << "the name is cut short in the message";
  }
}

TEST(Jid, ParsesAndNormalisesParts) {
  const auto j = Jid::parse("Juliet@Example.COM/Balcony");
  ASSERT_TRUE(j);
  EXPECT_EQ(j->local, "juliet");
  EXPECT_EQ(j->domain, "example.com");
  EXPECT_EQ(j->resource, "Balcony") << "resources keep their case";
  EXPECT_EQ(j->full(), "juliet@example.com/Balcony");
  EXPECT_EQ(j->bare(), "juliet@example.com");
  EXPECT_EQ(Jid::parse("example.com")->bare(), "example.com");
  EXPECT_EQ(Jid::parse("a@b/c/d")->resource, "c/d");
  EXPECT_FALSE(Jid::parse("@example.com"));
  EXPECT_FALSE(Jid::parse("a@"));
  EXPECT_FALSE(Jid::parse("a@b/"));
  EXPECT_FALSE(Jid::parse("a@b@c"));
}

// The one splitter for JIDs the server normalised already (stored, stamped): the same parts
// as parse(), nothing prepared again. Two hand-written splitters had drifted apart on a JID
// without '@': one made it a domain, the other put the whole text in both local and domain.
TEST(Jid, SplitNormalizedCutsWhereParseDoes) {
  for (const std::string text : {"juliet@example.com/Balcony", "juliet@example.com", "example.com",
                                 "example.com/r", "a@b/c/d", "a@b/c@d", "иван@пример.рф/ноут"}) {
    const auto parsed = Jid::parse(text);
    ASSERT_TRUE(parsed) << text;
    EXPECT_EQ(Jid::split_normalized(text), *parsed) << text;
  }
  const Jid host = Jid::split_normalized("example.org");
  EXPECT_EQ(host.local, "");
  EXPECT_EQ(host.domain, "example.org");
  EXPECT_EQ(host.bare(), "example.org");
  EXPECT_EQ(Jid::split_normalized("Not@Prepared").local, "Not") << "no stringprep: the text is trusted";
}

// Found by fuzz/jid_fuzz: the host name went to libidn2 as a C string, so a NUL cut it short
// ("example.com\0evil" was example.com, "\0x" an empty domain).
TEST(Jid, ANulInAHostNameIsRefusedNotCutShort) {
  using namespace std::string_literals;
  EXPECT_THROW(normalize_domain("example.com\0evil"s), Error);
  EXPECT_THROW(normalize_domain("\0N\xbc\x06"s), Error);
  EXPECT_FALSE(Jid::parse("\0N\xbc\x06"s));
  EXPECT_FALSE(Jid::parse("a@example.com\0.evil/r"s));
}

// Found by fuzz/jid_fuzz: "." lost its trailing dot and then passed as an empty host name.
TEST(Jid, ALoneDotIsNotAHostName) {
  EXPECT_THROW(normalize_domain("."), Error);
  EXPECT_FALSE(Jid::parse("a@."));
  EXPECT_FALSE(Jid::parse("./r"));
  // "rr.." kept one dot ("rr."), which normalised again to "rr": two names for one host.
  EXPECT_THROW(normalize_domain("rr.."), Error);
  EXPECT_EQ(normalize_domain("rr."), "rr");
  // U+034F maps to nothing in IDNA: an empty host name again.
  EXPECT_THROW(normalize_domain("\xcd\x8f"), Error);
  EXPECT_FALSE(Jid::parse("a@\xcd\x8f"));
}

// Found by fuzz/blocking_fuzz (a blocklist item): an A-label that is no valid punycode of a
// U-label ("xn--e1af-kfd") passed libidn2's lookup and decoded to text ("\u03aae1af")
// that is no host name at all, so the normalised form was refused the next time: a JID
// that normalised differently each pass. Such a label is refused (RFC 5891 §5.4).
TEST(Domain, AnALabelThatDoesNotDecodeToAValidULabelIsRefused) {
  EXPECT_THROW(normalize_domain("xn--e1af-kfd.xn--p1ai"), Error);
  EXPECT_FALSE(Jid::parse("user@xn--e1af-kfd.xn--p1ai"));
  EXPECT_EQ(normalize_domain("xn--e1afmkfd.xn--p1ai"), "\xd0\xbf\xd1\x80\xd0\xb8\xd0\xbc\xd0\xb5\xd1\x80.\xd1\x80\xd1\x84")
      << "a valid A-label still reads as its U-label";
}

// Found by fuzz/jid_fuzz in CI: a name of 142 octets whose "xn--" labels decode to 3-byte
// characters came out as a 300-octet Unicode name, which the 253-octet limit then refused
// on the next pass. DNS counts A-labels; RFC 7622 allows 1023 octets of domainpart.
TEST(Domain, TheLengthLimitCountsALabelsSoAUnicodeNameParsesAgain) {
  const std::string fuzzed =
      "x.ple.coxa1plapleoeoo.coxa1plapleoeooooooooo.xn--oooooooooooooooooooooooooooooooooox.cotoooooooo."
      "xn--oooooooooooooooooooooooooooooooooox.coto2";
  const std::string unicode = normalize_domain(fuzzed);
  EXPECT_GT(unicode.size(), 253u) << "the case needs a Unicode form longer than DNS allows A-labels";
  EXPECT_EQ(normalize_domain(unicode), unicode);
  const auto jid = Jid::parse("a@" + fuzzed);
  ASSERT_TRUE(jid);
  EXPECT_EQ(Jid::parse(jid->full()), jid);
  // 254 octets of A-labels is one too many, however they are spelt.
  const std::string label(63, 'a');
  EXPECT_NO_THROW(normalize_domain(label + "." + label + "." + label + "." + std::string(61, 'a')));
  EXPECT_THROW(normalize_domain(label + "." + label + "." + label + "." + std::string(62, 'a')), Error);
  EXPECT_THROW(normalize_domain(std::string(1024, 'a')), Error);
}


// XEP-0106 §4: the ten characters, a backslash only where it would read as an escape.
TEST(EscapeLocalpart, EscapesWhatALocalpartMayNotHold) {
  EXPECT_EQ(escape_localpart("Отдел продаж"), "Отдел\\20продаж");
  EXPECT_EQ(escape_localpart("a\"b&c'd/e:f<g>h@i"), "a\\22b\\26c\\27d\\2fe\\3af\\3cg\\3eh\\40i");
  EXPECT_EQ(escape_localpart("c:\\net"), "c\\3a\\net");       // "\ne" is no escape: kept
  EXPECT_EQ(escape_localpart("a\\20b"), "a\\5c20b");          // reads as one: escaped
  EXPECT_EQ(escape_localpart("a\\5C"), "a\\5c5C");
  EXPECT_EQ(escape_localpart("plain"), "plain");
}

TEST(GroupRoomLocalpart, IsTheEscapedNameNormalised) {
  EXPECT_EQ(group_room_localpart("Отдел продаж"), "отдел\\20продаж");
  EXPECT_EQ(group_room_localpart("Sales"), "sales");
  EXPECT_EQ(group_room_localpart("R&D / Lab"), "r\\26d\\20\\2f\\20lab");
  EXPECT_THROW(group_room_localpart(""), Error);
  EXPECT_THROW(group_room_localpart("bad\x01name"), Error);
  EXPECT_THROW(group_room_localpart(std::string(2000, 'a')), Error);
}

}  // namespace
}  // namespace jabberadmin
