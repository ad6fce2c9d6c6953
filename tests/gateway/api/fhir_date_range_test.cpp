#include "gateway/api/fhir_date_range.hpp"

#include <gtest/gtest.h>

namespace homebase::gateway::api {
namespace {

constexpr std::int64_t day = 24LL * 3600 * 1000;
// 2024-01-17T00:00:00Z
constexpr std::int64_t jan17 = 1705449600000LL;

date_range r(std::string_view text) {
  auto parsed = parse_date_range(text);
  EXPECT_TRUE(parsed) << text;
  return parsed.value_or(date_range{});
}

TEST(fhir_date_range, partial_dates_are_ranges_of_their_precision) {
  EXPECT_EQ(r("2024-01-17"), (date_range{jan17, jan17 + day}));
  EXPECT_EQ(r("2024-01"), (date_range{jan17 - 16 * day, jan17 + 15 * day}));
  EXPECT_EQ(r("2024"), (date_range{jan17 - 16 * day, jan17 - 16 * day + 366 * day}));  // a leap year
  EXPECT_EQ(r("2024-02").high - r("2024-02").low, 29 * day);
  EXPECT_EQ(r("2023-02").high - r("2023-02").low, 28 * day);
  EXPECT_EQ(r("2024-01-17T10:30"), (date_range{jan17 + 630 * 60000, jan17 + 631 * 60000}));
  EXPECT_EQ(r("2024-01-17T10:30:15Z"),
            (date_range{jan17 + 630 * 60000 + 15000, jan17 + 630 * 60000 + 16000}));
  EXPECT_EQ(r("2024-01-17T10:30:15.250Z"),
            (date_range{jan17 + 630 * 60000 + 15250, jan17 + 630 * 60000 + 15251}));
}

TEST(fhir_date_range, zones_shift_to_utc_and_no_zone_means_utc) {
  EXPECT_EQ(r("2024-01-17T09:00:00-04:00").low, jan17 + 13 * 3600 * 1000);
  EXPECT_EQ(r("2024-01-17T09:00:00+01:30").low, jan17 + 9 * 3600 * 1000 - 90 * 60000);
  EXPECT_EQ(r("2024-01-17T09:00:00").low, r("2024-01-17T09:00:00Z").low);
  EXPECT_LT(r("1969-12-31").low, 0);
}

TEST(fhir_date_range, refuses_what_is_not_an_r4_date) {
  for (const char* bad : {"", "24", "2024-1", "2024-13", "2024-02-30", "2023-02-29", "2024-01-17T25:00",
                          "2024-01-17T10", "2024-01-17 10:00", "2024-01-17T10:00:00+5",
                          "2024-01-17T10:00:00.Z", "2024-01-17Z", "abcd", "2024-01-17T10:00:00Zjunk"})
    EXPECT_FALSE(parse_date_range(bad)) << bad;
}

TEST(fhir_date_range, periods_leave_missing_ends_open) {
  auto p = period_range("2024-03-06", "");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->low, r("2024-03-06").low);
  EXPECT_EQ(p->high, date_range{}.high);
  auto q = period_range("2024-01-01", "2024-03");
  ASSERT_TRUE(q);
  EXPECT_EQ(q->high, r("2024-04-01").low);  // until the end of March
  EXPECT_FALSE(period_range("nope", ""));
}

TEST(fhir_date_range, prefixes_split_and_default_to_eq) {
  std::string_view v = "ge2024-01";
  EXPECT_EQ(split_date_prefix(v), date_prefix::ge);
  EXPECT_EQ(v, "2024-01");
  std::string_view plain = "2024-01";
  EXPECT_EQ(split_date_prefix(plain), date_prefix::eq);
  EXPECT_EQ(plain, "2024-01");
}

// R4 search.html, "Prefixes": eq/ne contain, lt/gt/le/ge intersect the range below/above, sa/eb do not
// overlap at all.
TEST(fhir_date_range, comparisons_follow_r4_prefixes) {
  const auto jan = r("2024-01");
  const auto jan17_day = r("2024-01-17");
  const auto jan31_to_feb2 = *period_range("2024-01-31", "2024-02-02");
  const auto feb = r("2024-02-10");
  const auto dec = r("2023-12-20");

  EXPECT_TRUE(date_matches(date_prefix::eq, jan, jan17_day));
  EXPECT_FALSE(date_matches(date_prefix::eq, jan, jan31_to_feb2));  // overlaps, not contained
  EXPECT_FALSE(date_matches(date_prefix::ne, jan, jan17_day));
  EXPECT_TRUE(date_matches(date_prefix::ne, jan, jan31_to_feb2));

  EXPECT_TRUE(date_matches(date_prefix::gt, jan, jan31_to_feb2));
  EXPECT_FALSE(date_matches(date_prefix::gt, jan, jan17_day));
  EXPECT_TRUE(date_matches(date_prefix::ge, jan, jan17_day));
  EXPECT_TRUE(date_matches(date_prefix::ge, jan, feb));
  EXPECT_FALSE(date_matches(date_prefix::ge, jan, dec));

  EXPECT_TRUE(date_matches(date_prefix::lt, jan, dec));
  EXPECT_FALSE(date_matches(date_prefix::lt, jan, jan17_day));
  EXPECT_TRUE(date_matches(date_prefix::le, jan, jan17_day));
  EXPECT_FALSE(date_matches(date_prefix::le, jan, feb));

  EXPECT_TRUE(date_matches(date_prefix::sa, jan, feb));
  EXPECT_FALSE(date_matches(date_prefix::sa, jan, jan31_to_feb2));
  EXPECT_TRUE(date_matches(date_prefix::eb, jan, dec));
  EXPECT_FALSE(date_matches(date_prefix::eb, jan, jan17_day));

  // An open-ended period (CarePlan.period without end) lies above any bounded search range.
  const auto open = *period_range("2024-03-06", "");
  EXPECT_TRUE(date_matches(date_prefix::ge, r("2024-03-06"), open));
  EXPECT_FALSE(date_matches(date_prefix::eq, r("2024"), open));
  EXPECT_TRUE(date_matches(date_prefix::gt, r("2030"), open));
}

TEST(fhir_date_range, formats_instants_and_http_dates) {
  EXPECT_EQ(iso_instant(jan17 + 630 * 60000 + 15250), "2024-01-17T10:30:15.250Z");
  EXPECT_EQ(iso_instant(0), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(http_date(jan17 + 630 * 60000 + 15250), "Wed, 17 Jan 2024 10:30:15 GMT");
  EXPECT_EQ(http_date(0), "Thu, 01 Jan 1970 00:00:00 GMT");
}

}  // namespace
}  // namespace homebase::gateway::api
