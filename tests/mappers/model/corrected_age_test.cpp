#include "mappers/model/corrected_age.hpp"

#include <gtest/gtest.h>

namespace homebase::mappers::model {
namespace {

child preterm(std::string ga_weeks, std::string code = "wk") {
  child c;
  c.birth_date = "2024-01-17";
  c.gestational_age_at_birth = quantity{std::move(ga_weeks), code, code};
  return c;
}

TEST(CorrectedAge, DayNumbersAreCivilDays) {
  EXPECT_EQ(day_number("1970-01-01"), 0);
  EXPECT_EQ(day_number("2024-03-01").value() - day_number("2024-02-28").value(), 2);  // leap year
  EXPECT_EQ(day_number("2023-03-01").value() - day_number("2023-02-28").value(), 1);
  EXPECT_EQ(day_number("2024-01-17T10:00:00Z"), day_number("2024-01-17"));
  EXPECT_FALSE(day_number("2024-1-17"));
  EXPECT_FALSE(day_number("2024-13-01"));
}

TEST(CorrectedAge, ABabyBornAt29WeeksIs11WeeksYoungerCorrected) {
  // Anjali: born 2024-01-17 at 29 weeks; on 2024-04-17 she is 91 days old, 14 days corrected.
  auto v = corrected_age(preterm("29"), "2024-04-17");
  ASSERT_TRUE(v);
  EXPECT_EQ(v->weeks_early, 11);
  EXPECT_EQ(v->chronological_days, 91);
  EXPECT_EQ(v->corrected_days, 14);
  EXPECT_EQ(v->text, "2 weeks corrected (13 weeks old)");
  // At discharge (7 weeks) she is still before her due date.
  auto at_discharge = corrected_age(preterm("29"), "2024-03-06");
  ASSERT_TRUE(at_discharge);
  EXPECT_EQ(at_discharge->corrected_days, 49 - 77);
  EXPECT_EQ(at_discharge->text, "4 weeks before the due date corrected (7 weeks old)");
}

TEST(CorrectedAge, MonthsAfterSixteenWeeksAndNothingAfter24MonthsOrAtTerm) {
  auto v = corrected_age(preterm("29"), "2024-10-17");
  ASSERT_TRUE(v);
  EXPECT_EQ(v->text, "6 months corrected (9 months old)");
  EXPECT_TRUE(corrected_age(preterm("29"), "2026-03-01"));        // 23.5 months corrected
  EXPECT_FALSE(corrected_age(preterm("29"), "2026-05-01"));       // past 24 months corrected
  EXPECT_FALSE(corrected_age(preterm("38"), "2024-04-17"));       // term
  EXPECT_TRUE(corrected_age(preterm("203", "d"), "2024-04-17"));  // 29 weeks given in days
  EXPECT_FALSE(corrected_age(preterm("x"), "2024-04-17"));
  EXPECT_FALSE(corrected_age(preterm("29"), "2024-01-01"));  // before birth
  child unknown;
  unknown.birth_date = "2024-01-17";
  EXPECT_FALSE(corrected_age(unknown, "2024-04-17"));
}

}  // namespace
}  // namespace homebase::mappers::model
