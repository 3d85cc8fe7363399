// Account expiry dates: shadowExpire's unit (days since 1970, UTC) and the YYYY-MM-DD form
// the tools take and show.
#include <gtest/gtest.h>

#include "jabberadmin/account.hpp"
#include "jabberadmin/error.hpp"

namespace jabberadmin {
namespace {

using namespace std::chrono;

TEST(Expiry, DayNumbersCountFrom1970InUtc) {
  EXPECT_EQ(day_number(sys_days{1970y / January / 1}), 0);
  EXPECT_EQ(day_number(sys_days{1970y / January / 2} + 23h + 59min), 1);
  EXPECT_EQ(day_number(sys_days{2026y / November / 30}), 20787);
}

TEST(Expiry, DatesRoundTripAndBadOnesAreNamed) {
  EXPECT_EQ(parse_date("2026-11-30"), 20787);
  EXPECT_EQ(format_date(20787), "2026-11-30");
  EXPECT_EQ(format_date(*parse_date("2000-02-29")), "2000-02-29");
  for (const char* bad : {"2026-02-30", "2026-13-01", "30.11.2026", "2026-1-1x", "", "1969-12-31", "tomorrow"})
    EXPECT_FALSE(parse_date(bad)) << bad;
}

TEST(Expiry, AnAccountIsExpiredFromItsExpiryDayOn) {
  User u;
  EXPECT_FALSE(u.disabled());
  u.expires = 20787;
  EXPECT_FALSE(u.expired_on(20786));
  EXPECT_TRUE(u.expired_on(20787)) << "shadow(5) and pam_unix: the day itself is expired";
  EXPECT_TRUE(u.expired_on(20788));
  u.expired = true;
  EXPECT_TRUE(u.disabled());
  EXPECT_FALSE(u.locked) << "an expired account is not a locked one";
}

}  // namespace
}  // namespace jabberadmin
