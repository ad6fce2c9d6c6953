#include "fhir/date_prefix.hpp"

#include <gtest/gtest.h>

namespace homebase::fhir {
namespace {

date_range r(std::string_view text) {
  auto parsed = parse_date_range(text, date_syntax::search);
  EXPECT_TRUE(parsed) << text;
  return parsed.value_or(date_range{});
}

date_range period(std::string_view start, std::string_view end) {
  auto parsed = period_range(start, end, date_syntax::search);
  EXPECT_TRUE(parsed) << start << " .. " << end;
  return parsed.value_or(date_range{});
}

TEST(date_prefix, prefixes_split_and_default_to_eq) {
  std::string_view v = "ge2024-01";
  EXPECT_EQ(split_date_prefix(v), date_prefix::ge);
  EXPECT_EQ(v, "2024-01");
  std::string_view plain = "2024-01";
  EXPECT_EQ(split_date_prefix(plain), date_prefix::eq);
  EXPECT_EQ(plain, "2024-01");
}

// R4 search.html, "Prefixes": eq/ne contain, lt/gt/le/ge intersect the range below/above, sa/eb do not
// overlap at all.
TEST(date_prefix, comparisons_follow_r4_prefixes) {
  const auto jan = r("2024-01");
  const auto jan17_day = r("2024-01-17");
  const auto jan31_to_feb2 = period("2024-01-31", "2024-02-02");
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
  const auto open = period("2024-03-06", "");
  EXPECT_TRUE(date_matches(date_prefix::ge, r("2024-03-06"), open));
  EXPECT_FALSE(date_matches(date_prefix::eq, r("2024"), open));
  EXPECT_TRUE(date_matches(date_prefix::gt, r("2030"), open));
}

}  // namespace
}  // namespace homebase::fhir
