#include "mappers/disclosure/fhir_time.hpp"

#include <gtest/gtest.h>

namespace homebase::mappers::disclosure {
namespace {

TEST(fhir_time, InstantsWithZones) {
  EXPECT_EQ(fhir_epoch_seconds("1970-01-01T00:00:00Z", time_bound::start), 0);
  EXPECT_EQ(fhir_epoch_seconds("2026-09-02T16:20:00-07:00", time_bound::start),
            fhir_epoch_seconds("2026-09-02T23:20:00Z", time_bound::start));
  EXPECT_EQ(fhir_epoch_seconds("2026-11-23T17:00:00.123+01:00", time_bound::start),
            fhir_epoch_seconds("2026-11-23T16:00:00Z", time_bound::start));
}

TEST(fhir_time, PartialDatesSpanTheirWholePeriod) {
  auto day_start = fhir_epoch_seconds("2027-08-31", time_bound::start);
  auto day_end = fhir_epoch_seconds("2027-08-31", time_bound::end);
  ASSERT_TRUE(day_start && day_end);
  EXPECT_EQ(*day_end - *day_start, 86399);
  EXPECT_EQ(fhir_epoch_seconds("2024-02", time_bound::end),
            fhir_epoch_seconds("2024-02-29", time_bound::end));
  EXPECT_EQ(fhir_epoch_seconds("2026", time_bound::end), fhir_epoch_seconds("2026-12-31", time_bound::end));
}

TEST(fhir_time, RefusesWhatIsNotAFhirDate) {
  for (const char* bad : {"", "yesterday", "2026-13-01", "2026-02-30", "2026-11-23T10:00:00",
                          "2026-11-23T25:00:00Z", "2026-11-23 10:00:00Z"})
    EXPECT_FALSE(fhir_epoch_seconds(bad, time_bound::start)) << bad;
}

}  // namespace
}  // namespace homebase::mappers::disclosure
