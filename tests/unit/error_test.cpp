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
