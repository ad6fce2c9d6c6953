// fhir_time: FHIR date, dateTime and instant text to a point in time and back, for the coordination rules.
// Pure: no clock, no time zone database. A dateTime's offset is honoured; a date without a time stands for
// its midnight in UTC; a partial date (YYYY, YYYY-MM) for its first day.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace homebase::mappers::coordination {

using time_point = std::chrono::sys_seconds;

// nullopt when `text` is not a FHIR date, dateTime or instant.
[[nodiscard]] std::optional<time_point> parse_fhir_time(std::string_view text);
// The calendar date the sender meant (the date part as written, before any offset is applied).
[[nodiscard]] std::optional<std::chrono::sys_days> local_date(std::string_view text);
[[nodiscard]] bool is_date_only(std::string_view text);
// "2024-03-06T16:30:00Z"
[[nodiscard]] std::string format_instant(time_point t);
// "2024-03-06"
[[nodiscard]] std::string format_date(std::chrono::sys_days d);

}  // namespace homebase::mappers::coordination
