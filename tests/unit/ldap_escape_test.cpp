#include <gtest/gtest.h>

#include "jabberadmin/ldap.hpp"

namespace jabberadmin::ldap {
namespace {

TEST(EscapeDnValue, EscapesRfc4514SpecialsAndEdges) {
  EXPECT_EQ(escape_dn_value("R&D, Moscow"), "R&D\\, Moscow");
  EXPECT_EQ(escape_dn_value("a,b=c"), "a\\,b\\=c");
  EXPECT_EQ(escape_dn_value("#lead"), "\\#lead");
  EXPECT_EQ(escape_dn_value("mid#dle"), "mid#dle");
  EXPECT_EQ(escape_dn_value(" lead"), "\\ lead");
  EXPECT_EQ(escape_dn_value("trail "), "trail\\ ");
  EXPECT_EQ(escape_dn_value("in ner"), "in ner");
  EXPECT_EQ(escape_dn_value("q\"+;<>\\"), "q\\\"\\+\\;\\<\\>\\\\");
  EXPECT_EQ(escape_dn_value(std::string("n\0l", 3)), "n\\00l");
  EXPECT_EQ(escape_dn_value("line\nbreak"), "line\\0abreak");
  EXPECT_EQ(escape_dn_value("Тест"), "Тест") << "UTF-8 passes unchanged";
}

TEST(EscapeFilterValue, EscapesRfc4515Specials) {
  EXPECT_EQ(escape_filter_value("*)(uid=*"), "\\2a\\29\\28uid=\\2a");
  EXPECT_EQ(escape_filter_value("back\\slash"), "back\\5cslash");
  EXPECT_EQ(escape_filter_value(std::string("a\0b", 3)), "a\\00b");
  EXPECT_EQ(escape_filter_value("Группа"), "Группа");
}

TEST(Builders, ComposeEscapedPieces) {
  EXPECT_EQ(child_dn("cn", "A,B", "ou=Groups,dc=x"), "cn=A\\,B,ou=Groups,dc=x");
  EXPECT_EQ(filter_equals("uid", "*"), "(uid=\\2a)");
  EXPECT_EQ(filter_and({"(a=1)", "(b=2)"}), "(&(a=1)(b=2))");
}

TEST(Entry, AttributeNamesAreCaseInsensitive) {
  Entry e{"uid=x", {{"departmentNumber", {"G"}}}};
  EXPECT_EQ(e.first("departmentnumber"), "G");
  EXPECT_TRUE(e.has("DEPARTMENTNUMBER"));
  EXPECT_FALSE(e.has("cn"));
}

}  // namespace
}  // namespace jabberadmin::ldap
