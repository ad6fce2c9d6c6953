#include "mappers/model/corrected_age.hpp"

#include <charconv>
#include <cmath>

#include "fhir/fhir_time.hpp"

namespace homebase::mappers::model {
namespace {

constexpr int term_days = 40 * 7;
constexpr int corrected_limit_days = 730;  // 24 months

bool digits(std::string_view s, int& out) {
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && p == s.data() + s.size();
}

std::string describe(int days) {
  if (days < 0) return std::to_string((-days + 6) / 7) + " weeks before the due date";
  if (days < 16 * 7) return std::to_string(days / 7) + " weeks";
  return std::to_string(days * 12 / 365) + " months";
}

}  // namespace

std::optional<long> day_number(std::string_view date) {
  if (date.size() < 10 || date[4] != '-' || date[7] != '-') return std::nullopt;
  int y = 0, m = 0, d = 0;
  if (!digits(date.substr(0, 4), y) || !digits(date.substr(5, 2), m) || !digits(date.substr(8, 2), d))
    return std::nullopt;
  if (m < 1 || m > 12 || d < 1 || d > 31) return std::nullopt;
  return static_cast<long>(fhir::days_from_civil(y, static_cast<unsigned>(m), static_cast<unsigned>(d)));
}

std::optional<corrected_age_value> corrected_age(const child& c, std::string_view today) {
  if (!c.gestational_age_at_birth) return std::nullopt;
  auto born = day_number(c.birth_date);
  auto now = day_number(today);
  if (!born || !now || *now < *born) return std::nullopt;
  const auto& ga = *c.gestational_age_at_birth;
  double weeks = 0;
  auto [p, ec] = std::from_chars(ga.value.data(), ga.value.data() + ga.value.size(), weeks);
  if (ec != std::errc() || p != ga.value.data() + ga.value.size()) return std::nullopt;
  double ga_days = ga.code == "d" ? weeks : weeks * 7;
  if (ga_days < 20 * 7 || ga_days > 45 * 7) return std::nullopt;  // not a gestational age
  if (ga_days >= 37 * 7) return std::nullopt;                     // term: nothing to correct
  corrected_age_value v;
  v.weeks_early = static_cast<int>((term_days - std::lround(ga_days)) / 7);
  v.chronological_days = static_cast<int>(*now - *born);
  v.corrected_days = v.chronological_days - static_cast<int>(term_days - std::lround(ga_days));
  if (v.corrected_days > corrected_limit_days) return std::nullopt;
  v.text = describe(v.corrected_days) + " corrected (" + describe(v.chronological_days) + " old)";
  return v;
}

}  // namespace homebase::mappers::model
