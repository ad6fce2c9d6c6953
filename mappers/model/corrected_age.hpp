// corrected_age: a preterm child's age corrected for prematurity (domain.md §1.3, §5.1).
//
// Corrected age = chronological age - (40 weeks - gestational age at birth). Paediatric follow-up uses it
// for growth and development until 24 months of corrected age (AAP); after that, and for a child born at
// term (>= 37 weeks), there is nothing to correct and the function answers nullopt.
// Pure: `today` is a FHIR date (YYYY-MM-DD) passed in.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "mappers/model/coordination_record.hpp"

namespace homebase::mappers::model {

struct corrected_age_value {
  int chronological_days = 0;
  int corrected_days = 0;  // may be negative before the due date
  int weeks_early = 0;     // 40 weeks - gestational age, in whole days / 7
  // "6 weeks corrected (13 weeks old)", "5 months corrected (7 months old)".
  std::string text;
};

// From the child's birth date and gestational age at birth (weeks, the model's LOINC 76516-4 quantity;
// a decimal like "29.5" is read as weeks and tenths of a week rounded to days).
[[nodiscard]] std::optional<corrected_age_value> corrected_age(const child& c, std::string_view today);

// Days since 1970-01-01 of a FHIR date (the date part of a dateTime is used); nullopt when not a date.
[[nodiscard]] std::optional<long> day_number(std::string_view date);

}  // namespace homebase::mappers::model
