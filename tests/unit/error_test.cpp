#include <gtest/gtest.h>

#include "jabberadmin/error.hpp"

namespace jabberadmin {
namespace {

TEST(FormatMessage, FillsInOrderByPositionAndNeverReadsPastTheValues) {
  EXPECT_EQ(format_message("user '%s' is not in group '%s'", {"anna", "Staff"}), "user 'anna' is not in group 'Staff'");
  EXPECT_EQ(format_message("%2$s, then %1$s", {"a", "b"}), "b, then a");
  EXPECT_EQ(format_message("100%% of %s", {"x"}), "100% of x");
  EXPECT_EQ(format_message("%s %s %s", {"only"}), "only  ") << "a bad translation cannot read garbage";
  EXPECT_EQ(format_message("%9$s%d%", {"v"}), "%d%");
}

TEST(Printable, EscapesControlsAndStrayBytesKeepsUtf8) {
  EXPECT_EQ(printable("esc\x1b]0;OWNED\x07"), "esc\\x1b]0;OWNED\\x07");
  EXPECT_EQ(printable("Тест группа\\"), "Тест группа\\") << "UTF-8 and a backslash stay";
  EXPECT_EQ(printable("a\nb\tc\x7f"), "a\\x0ab\\x09c\\x7f");
  EXPECT_EQ(printable("csi\xc2\x9b" "2J"), "csi\\u009b2J") << "C1 control (8-bit CSI)";
  EXPECT_EQ(printable("bad\xff\xc3"), "bad\\xff\\xc3") << "bytes that are not UTF-8";
  EXPECT_EQ(printable(printable("\x1b")), printable("\x1b")) << "idempotent";
}

TEST(FormatMessage, ValuesAreQuotedPrintable) {
  EXPECT_EQ(format_message("no such user '%s'", {"esc\x1b]0;OWNED\x07"}), "no such user 'esc\\x1b]0;OWNED\\x07'");
  const Error e(ErrorKind::InvalidArgument, translatable("bad '%s'"), {"\x1b[2J"});
  EXPECT_STREQ(e.what(), "bad '\\x1b[2J'");
}

TEST(Error, ATemplatedErrorKeepsItsTemplateAndValues) {
  const Error e(ErrorKind::NotFound, translatable("no such user '%s'"), {"пётр"});
  EXPECT_STREQ(e.what(), "no such user 'пётр'");
  EXPECT_STREQ(e.message_template(), "no such user '%s'");
  EXPECT_EQ(e.values(), std::vector<std::string>{"пётр"});
  EXPECT_EQ(exit_code(e.kind()), 6);
  const Error composed(ErrorKind::Directory, std::string("cannot write /x: denied"));
  EXPECT_EQ(composed.message_template(), nullptr);
}

}  // namespace
}  // namespace jabberadmin
