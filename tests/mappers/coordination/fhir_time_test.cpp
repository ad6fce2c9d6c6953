#include "mappers/coordination/fhir_time.hpp"

#include <gtest/gtest.h>

namespace homebase::mappers::coordination {
namespace {

using namespace std::chrono;

TEST(fhir_time, date_time_with_offset_is_converted_to_utc) {
  auto t = parse_fhir_time("2024-03-06T11:30:00-05:00");
  ASSERT_TRUE(t);
  EXPECT_EQ(format_instant(*t), "2024-03-06T16:30:00Z");
  EXPECT_EQ(format_instant(*parse_fhir_time("2024-03-06T23:59:59.123+01:00")), "2024-03-06T22:59:59Z");
}

TEST(fhir_time, dates_stand_for_their_first_moment) {
  EXPECT_EQ(format_instant(*parse_fhir_time("2024-03-06")), "2024-03-06T00:00:00Z");
  EXPECT_EQ(format_instant(*parse_fhir_time("2024-03")), "2024-03-01T00:00:00Z");
  EXPECT_EQ(format_instant(*parse_fhir_time("2024")), "2024-01-01T00:00:00Z");
  EXPECT_TRUE(is_date_only("2024-03-06"));
  EXPECT_FALSE(is_date_only("2024-03-06T00:00:00Z"));
}

TEST(fhir_time, the_local_date_is_the_date_written) {
  EXPECT_EQ(format_date(*local_date("2024-03-06T23:30:00-05:00")), "2024-03-06");
}

TEST(fhir_time, malformed_text_is_refused) {
  for (const char* bad : {"", "24-03-06", "2024-13-01", "2024-02-30", "2024-03-06T11:30",
                          "2024-03-06T11:30:00", "2024-03-06T25:00:00Z", "2024-03-06T11:30:00+0500",
                          "2024-03-06 11:30:00Z", "2024-03-06T11:30:00Zjunk"})
    EXPECT_FALSE(parse_fhir_time(bad)) << bad;
}

}  // namespace
}  // namespace homebase::mappers::coordination
