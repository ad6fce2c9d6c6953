// ucum: enough of UCUM (https://ucum.org/ucum) to compare and convert the quantities FHIR data carries.
// A unit expression ("mg/dL", "mm[Hg]", "10*3/uL", "kg.m2", "/min", "{cells}/uL") is parsed into a
// factor and a dimension vector over the UCUM base units; two units are comparable when their
// dimensions agree. The atom table covers length, area, volume, mass, time (including UCUM's Julian year
// 'a' and month 'mo'), amount of substance, angle, pressure, energy, power, frequency, electric units,
// enzyme activity, percent and parts-per, and international units (comparable only with each other), with
// the SI prefixes on metric atoms. Temperature in Cel or [degF] is not linear and is not supported; K is.
//
// FHIRPath calendar durations ("year", "months", "day"...) are handled too: week and shorter are definite
// (equal to 'wk', 'd', 'h', 'min', 's', 'ms'); a calendar year is 12 calendar months, and calendar years
// and months are comparable only with each other (not with 'a' or 'mo', nor with days).
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string_view>

namespace homebase::fhir::fhirpath::ucum {

// Dimensions: length (m), mass (g), time (s), plane angle (rad), temperature (K), electric charge (C),
// luminous intensity (cd), international units ([IU]), calendar months (FHIRPath calendar durations).
inline constexpr std::size_t dimension_count = 9;

struct unit {
  double factor = 1;  // the size of one unit in the base units
  std::array<std::int8_t, dimension_count> dimensions{};
};

// Parses a UCUM unit expression or a FHIRPath calendar duration keyword; empty when unknown or malformed.
[[nodiscard]] std::optional<unit> parse(std::string_view text);

// Whether two units measure the same kind of quantity.
[[nodiscard]] bool comparable(const unit& a, const unit& b);

}  // namespace homebase::fhir::fhirpath::ucum
