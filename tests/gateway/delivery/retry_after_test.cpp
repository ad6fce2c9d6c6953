#include "gateway/delivery/retry_after.hpp"

#include <gtest/gtest.h>

namespace homebase::gateway::delivery {
namespace {

using namespace std::chrono;
using namespace std::chrono_literals;

// 1994-11-06T08:49:37Z, RFC 9110's example date.
const system_clock::time_point example = sys_days{1994y / November / 6} + 8h + 49min + 37s;

TEST(retry_after, delay_seconds) {
  auto now = system_clock::now();
  EXPECT_EQ(retry_after_delay("120", now), 120s);
  EXPECT_EQ(retry_after_delay("0", now), 0s);
  EXPECT_EQ(retry_after_delay(" 5 ", now), 5s);  // optional whitespace around a field value
  // A huge value is "a long time", not an overflow.
  auto huge = retry_after_delay("99999999999999999999999999", now);
  ASSERT_TRUE(huge);
  EXPECT_GT(*huge, hours(24 * 365));
}

TEST(retry_after, the_three_http_date_forms) {
  auto before = example - 90s;
  EXPECT_EQ(retry_after_delay("Sun, 06 Nov 1994 08:49:37 GMT", before), 90s);   // IMF-fixdate
  EXPECT_EQ(retry_after_delay("Sunday, 06-Nov-94 08:49:37 GMT", before), 90s);  // RFC 850
  EXPECT_EQ(retry_after_delay("Sun Nov  6 08:49:37 1994", before), 90s);        // asctime
}

TEST(retry_after, a_date_in_the_past_is_now) {
  EXPECT_EQ(retry_after_delay("Sun, 06 Nov 1994 08:49:37 GMT", example + 1h), 0s);
}

TEST(retry_after, a_fraction_of_a_second_rounds_up) {
  EXPECT_EQ(retry_after_delay("Sun, 06 Nov 1994 08:49:37 GMT", example - 500ms), 1s);
}

TEST(retry_after, rfc850_two_digit_years_are_never_more_than_50_years_ahead) {
  auto now = system_clock::time_point{sys_days{2026y / January / 1}};
  auto soon = parse_http_date("Thursday, 01-Jan-26 00:01:00 GMT", now);
  ASSERT_TRUE(soon);
  EXPECT_EQ(*soon, sys_days{2026y / January / 1} + 1min);
  auto past = parse_http_date("Friday, 01-Jan-80 00:00:00 GMT", now);  // 2080 is > 50 years ahead: 1980
  ASSERT_TRUE(past);
  EXPECT_EQ(year_month_day{floor<days>(*past)}.year(), 1980y);
}

TEST(retry_after, anything_else_is_no_value) {
  auto now = system_clock::now();
  for (const char* bad :
       {"", "  ", "-5", "+5", "1.5", "5s", "soon", "Sun, 06 Nov 1994 08:49:37 UTC",
        "Sun, 31 Feb 1994 08:49:37 GMT", "Sun, 06 Nov 1994 25:49:37 GMT", "Sun, 06 Foo 1994 08:49:37 GMT",
        "06 Nov 1994 08:49:37 GMT", "Sun, 06 Nov 1994 08:49:37 GMT extra"})
    EXPECT_FALSE(retry_after_delay(bad, now)) << "'" << bad << "'";
}

}  // namespace
}  // namespace homebase::gateway::delivery
