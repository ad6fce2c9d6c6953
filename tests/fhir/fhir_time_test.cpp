#include "fhir/fhir_time.hpp"

#include <gtest/gtest.h>

namespace homebase::fhir {
namespace {

using namespace std::chrono;

constexpr std::int64_t day = 24LL * 3600 * 1000;
// 2024-01-17T00:00:00Z
constexpr std::int64_t jan17 = 1705449600000LL;

// A search value's range (the grammar that allows the most).
date_range r(std::string_view text) {
  auto parsed = parse_date_range(text, date_syntax::search);
  EXPECT_TRUE(parsed) << text;
  return parsed.value_or(date_range{});
}

std::int64_t seconds_of(std::optional<sys_seconds> t) {
  EXPECT_TRUE(t);
  return t ? t->time_since_epoch().count() : 0;
}

// ---- the civil calendar ----

TEST(fhir_time, civil_days_count_from_1970_both_ways) {
  EXPECT_EQ(days_from_civil(1970, 1, 1), 0);
  EXPECT_EQ(days_from_civil(2024, 1, 17) * day, jan17);
  EXPECT_EQ(days_from_civil(1969, 12, 31), -1);
  EXPECT_EQ(days_from_civil(2024, 3, 1) - days_from_civil(2024, 2, 28), 2);  // a leap year
  EXPECT_EQ(days_from_civil(2023, 3, 1) - days_from_civil(2023, 2, 28), 1);
  EXPECT_EQ(days_from_civil(2024, 2, 30), days_from_civil(2024, 3, 1));  // a day past the end counts on
  for (std::int64_t d : {-719468LL, -1LL, 0LL, 59LL, 11016LL, 19739LL, 2932896LL})
    EXPECT_EQ(days_from_civil(civil_from_days(d).year, civil_from_days(d).month, civil_from_days(d).day), d);
  EXPECT_EQ(civil_from_days(19739), (civil_date{2024, 1, 17}));
  EXPECT_EQ(civil_from_days(-1), (civil_date{1969, 12, 31}));
}

TEST(fhir_time, months_have_their_days) {
  EXPECT_EQ(days_in_month(2024, 2), 29u);
  EXPECT_EQ(days_in_month(2023, 2), 28u);
  EXPECT_EQ(days_in_month(1900, 2), 28u);
  EXPECT_EQ(days_in_month(2000, 2), 29u);
  EXPECT_EQ(days_in_month(2024, 4), 30u);
  EXPECT_EQ(days_in_month(2024, 12), 31u);
  EXPECT_EQ(days_in_month(2024, 0), 0u);
  EXPECT_EQ(days_in_month(2024, 13), 0u);
}

// ---- values as ranges ----

TEST(fhir_time, partial_dates_are_ranges_of_their_precision) {
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

TEST(fhir_time, zones_shift_to_utc_and_no_zone_means_utc) {
  EXPECT_EQ(r("2024-01-17T09:00:00-04:00").low, jan17 + 13 * 3600 * 1000);
  EXPECT_EQ(r("2024-01-17T09:00:00+01:30").low, jan17 + 9 * 3600 * 1000 - 90 * 60000);
  EXPECT_EQ(r("2024-01-17T09:00:00").low, r("2024-01-17T09:00:00Z").low);
  EXPECT_LT(r("1969-12-31").low, 0);
}

TEST(fhir_time, refuses_what_is_not_an_r4_date) {
  for (const char* bad : {"", "24", "2024-1", "2024-13", "2024-02-30", "2023-02-29", "2024-01-17T25:00",
                          "2024-01-17T10", "2024-01-17 10:00", "2024-01-17T10:00:00+5",
                          "2024-01-17T10:00:00.Z", "2024-01-17Z", "abcd", "2024-01-17T10:00:00Zjunk"})
    for (auto syntax : {date_syntax::search, date_syntax::resource})
      EXPECT_FALSE(parse_date_range(bad, syntax)) << bad;
}

// A resource's time has seconds and a zone (R4 dateTime); only a search value may leave them out.
TEST(fhir_time, a_resource_time_needs_seconds_and_a_zone) {
  for (const char* search_only :
       {"2024-01-17T10:30", "2024-01-17T10:30:15", "2024-01-17T10:30:15.250", "2024-01-17T10:30+01:00"}) {
    EXPECT_TRUE(parse_date_range(search_only, date_syntax::search)) << search_only;
    EXPECT_FALSE(parse_date_range(search_only, date_syntax::resource)) << search_only;
  }
  for (const char* both :
       {"2024", "2024-01", "2024-01-17", "2024-01-17T10:30:15Z", "2024-01-17T10:30:15.25-05:00"})
    EXPECT_EQ(parse_date_range(both, date_syntax::resource), parse_date_range(both, date_syntax::search))
        << both;
}

TEST(fhir_time, periods_leave_missing_ends_open) {
  auto p = period_range("2024-03-06", "", date_syntax::search);
  ASSERT_TRUE(p);
  EXPECT_EQ(p->low, r("2024-03-06").low);
  EXPECT_EQ(p->high, date_range{}.high);
  auto q = period_range("2024-01-01", "2024-03", date_syntax::search);
  ASSERT_TRUE(q);
  EXPECT_EQ(q->high, r("2024-04-01").low);  // until the end of March
  EXPECT_FALSE(period_range("nope", "", date_syntax::search));
  EXPECT_FALSE(period_range("", "2024-01-17T10:30", date_syntax::resource));
  EXPECT_EQ(period_range("", "", date_syntax::resource), date_range{});
}

// ---- values in whole seconds (the coordination rules and the disclosure gate) ----

TEST(fhir_time, date_time_with_offset_is_converted_to_utc) {
  auto t = first_second("2024-03-06T11:30:00-05:00");
  ASSERT_TRUE(t);
  EXPECT_EQ(format_date_time(*t), "2024-03-06T16:30:00Z");
  EXPECT_EQ(format_date_time(*first_second("2024-03-06T23:59:59.123+01:00")), "2024-03-06T22:59:59Z");
}

TEST(fhir_time, instants_with_zones) {
  EXPECT_EQ(seconds_of(first_second("1970-01-01T00:00:00Z")), 0);
  EXPECT_EQ(first_second("2026-09-02T16:20:00-07:00"), first_second("2026-09-02T23:20:00Z"));
  EXPECT_EQ(first_second("2026-11-23T17:00:00.123+01:00"), first_second("2026-11-23T16:00:00Z"));
  EXPECT_EQ(seconds_of(first_second("1969-12-31T23:59:59.500Z")), -1);  // the second it falls in
}

TEST(fhir_time, dates_stand_for_their_first_moment) {
  EXPECT_EQ(format_date_time(*first_second("2024-03-06")), "2024-03-06T00:00:00Z");
  EXPECT_EQ(format_date_time(*first_second("2024-03")), "2024-03-01T00:00:00Z");
  EXPECT_EQ(format_date_time(*first_second("2024")), "2024-01-01T00:00:00Z");
  EXPECT_TRUE(is_date_only("2024-03-06"));
  EXPECT_FALSE(is_date_only("2024-03-06T00:00:00Z"));
}

TEST(fhir_time, partial_dates_span_their_whole_period) {
  auto day_start = first_second("2027-08-31");
  auto day_end = last_second("2027-08-31");
  ASSERT_TRUE(day_start && day_end);
  EXPECT_EQ(*day_end - *day_start, seconds(86399));
  EXPECT_EQ(last_second("2024-02"), last_second("2024-02-29"));
  EXPECT_EQ(last_second("2026"), last_second("2026-12-31"));
  EXPECT_EQ(last_second("2026-11-23T10:00:00Z"), first_second("2026-11-23T10:00:00Z"));
  EXPECT_EQ(last_second("2026-11-23T10:00:00.999Z"), first_second("2026-11-23T10:00:00Z"));
}

TEST(fhir_time, the_written_date_is_the_date_before_the_offset) {
  EXPECT_EQ(format_date(*written_date("2024-03-06T23:30:00-05:00")), "2024-03-06");
  EXPECT_EQ(format_date(*written_date("2024-03")), "2024-03-01");
  EXPECT_EQ(format_date(*written_date("2024-03-06junk")), "2024-03-06");  // only the date is read
  for (const char* bad : {"", "24-03-06", "2024-13-01", "2024-02-30", "2024-3-06", "2024T10"})
    EXPECT_FALSE(written_date(bad)) << bad;
}

TEST(fhir_time, malformed_text_is_refused) {
  for (const char* bad :
       {"", "24-03-06", "2024-13-01", "2024-02-30", "2024-03-06T11:30", "2024-03-06T11:30:00",
        "2024-03-06T25:00:00Z", "2024-03-06T11:30:00+0500", "2024-03-06 11:30:00Z",
        "2024-03-06T11:30:00Zjunk", "yesterday", "2026-13-01", "2026-02-30", "2026-11-23T10:00:00",
        "2026-11-23T25:00:00Z", "2026-11-23 10:00:00Z"}) {
    EXPECT_FALSE(first_second(bad)) << bad;
    EXPECT_FALSE(last_second(bad)) << bad;
  }
}

// ---- writing ----

TEST(fhir_time, formats_instants_and_http_dates) {
  EXPECT_EQ(format_instant(jan17 + 630 * 60000 + 15250), "2024-01-17T10:30:15.250Z");
  EXPECT_EQ(format_instant(0), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(format_instant(-1), "1969-12-31T23:59:59.999Z");
  EXPECT_EQ(format_http_date(jan17 + 630 * 60000 + 15250), "Wed, 17 Jan 2024 10:30:15 GMT");
  EXPECT_EQ(format_http_date(0), "Thu, 01 Jan 1970 00:00:00 GMT");
  EXPECT_EQ(format_http_date(-1), "Wed, 31 Dec 1969 23:59:59 GMT");
}

TEST(fhir_time, formats_date_times_and_dates) {
  EXPECT_EQ(format_date_time(sys_seconds(seconds(jan17 / 1000 + 37815))), "2024-01-17T10:30:15Z");
  EXPECT_EQ(format_date_time(sys_seconds(seconds(-1))), "1969-12-31T23:59:59Z");
  EXPECT_EQ(format_date(sys_days(days(19739))), "2024-01-17");
  EXPECT_EQ(format_date(sys_days(days(-1))), "1969-12-31");
}

}  // namespace
}  // namespace homebase::fhir
