// Issue 12 item 9: one address made ~5,600 identical log lines a second.
#include <gtest/gtest.h>

#include "util/repeat_filter.hpp"

namespace jabberadmin::log {
namespace {
using namespace std::chrono_literals;

TEST(RepeatFilter, AFloodOfOneLineIsCutAndSummarised) {
  RepeatFilter f(RepeatFilter::Limits{.copies = 3, .window = 10s});
  const auto t0 = RepeatFilter::Clock::time_point{} + 1h;
  std::vector<std::string> summaries;
  int written = 0;
  for (int i = 0; i < 5600; ++i) written += f.admit("<warning> net 192.0.2.1: refused", t0 + i * 100us, summaries);
  EXPECT_EQ(written, 3);
  EXPECT_TRUE(summaries.empty());
  // Other lines pass meanwhile.
  EXPECT_TRUE(f.admit("<info> something else", t0 + 1s, summaries));
  // Once the window is over, the next line written brings the summary first.
  EXPECT_TRUE(f.admit("<info> later", t0 + 11s, summaries));
  ASSERT_EQ(summaries.size(), 1u);
  EXPECT_EQ(summaries[0], "<warning> net 192.0.2.1: refused (repeated 5597 more times, not logged)");
  summaries.clear();
  EXPECT_TRUE(f.admit("<warning> net 192.0.2.1: refused", t0 + 12s, summaries));
}

TEST(RepeatFilter, FlushTellsWhatIsPendingAndDistinctLinesAreBounded) {
  RepeatFilter f(RepeatFilter::Limits{.copies = 1, .window = 10s, .remembered = 4});
  const auto t0 = RepeatFilter::Clock::time_point{} + 1h;
  std::vector<std::string> summaries;
  EXPECT_TRUE(f.admit("a", t0, summaries));
  EXPECT_FALSE(f.admit("a", t0, summaries));
  for (const char* line : {"b", "c", "d", "e"}) EXPECT_TRUE(f.admit(line, t0, summaries));
  EXPECT_EQ(summaries, std::vector<std::string>{"a (repeated 1 more times, not logged)"});
  summaries.clear();
  EXPECT_FALSE(f.admit("e", t0, summaries));
  f.flush(summaries);
  EXPECT_EQ(summaries, std::vector<std::string>{"e (repeated 1 more times, not logged)"});
}

}  // namespace
}  // namespace jabberadmin::log
