// value: the items of a FHIRPath collection. An item is either a system primitive (Boolean, String,
// Integer, Decimal, Date, DateTime, Time, Quantity) or a FHIR JSON node (object) borrowed from the
// rapidjson tree being evaluated, tagged with its FHIR type name where known. Also the helpers for
// equality, equivalence, ordering and text rendering of items.
#pragma once

#include <rapidjson/document.h>

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace homebase::fhir::fhirpath {

enum class value_kind { boolean, string, integer, decimal, date, date_time, time, quantity, node };

// A partial date, date-time or time. `precision` counts the fields present: for dates and date-times
// 1=year .. 3=day, 4=hour, 5=minute, 6=second, 7=millisecond; for times 4=hour .. 7=millisecond.
struct temporal {
  std::array<int, 7> fields{};  // year, month, day, hour, minute, second, millisecond
  int precision = 0;
  std::optional<int> tz_minutes;  // offset from UTC, when given
};

struct value {
  value_kind kind = value_kind::string;
  bool boolean = false;
  std::int64_t integer = 0;
  double decimal = 0;                         // Decimal value, or the number of a Quantity
  int scale = 0;                              // digits after the decimal point of a Decimal / Quantity number
  std::string text;                           // String value, or the unit of a Quantity
  temporal time_value;                        // Date, DateTime, Time
  const rapidjson::Value* node = nullptr;     // the JSON node this item came from, null for system values
  const rapidjson::Value* element = nullptr;  // for JSON primitives: the "_name" object (id, extension)
  std::string fhir_type;  // FHIR type name when known ("Patient", "Quantity", "code"), else empty

  static value make_boolean(bool b);
  static value make_string(std::string s);
  static value make_integer(std::int64_t i);
  static value make_decimal(double d, int scale);
  static value make_quantity(double d, int scale, std::string unit);
  static value make_temporal(value_kind kind, const temporal& t);
  static value make_node(const rapidjson::Value* node, std::string fhir_type);
};

using collection = std::vector<value>;

// Parses "2019-02-03T10:00:00.000+01:00" (kind date_time), "2019-02" (date) or "10:00" (time, no 'T').
[[nodiscard]] std::optional<temporal> parse_temporal(std::string_view text, value_kind kind);

// Digits after the decimal point needed to print `d` exactly as rapidjson read it (at most 8).
[[nodiscard]] int infer_scale(double d);

// Renders as FHIRPath toString() does ("1.0", "2019-02-03", "5 'mg'", "true").
[[nodiscard]] std::string to_text(const value& v);

// Converts a Quantity JSON node (with a "value" member) to a Quantity value.
[[nodiscard]] std::optional<value> node_as_quantity(const value& v);

// Equality (=): empty optional when the result is empty (different date precision).
[[nodiscard]] std::optional<bool> equals(const value& a, const value& b);
// Equivalence (~).
[[nodiscard]] bool equivalent(const value& a, const value& b);
// Ordering: <0, 0, >0; empty optional when not comparable (types differ, precision differs).
// `comparable` is set to false when the types cannot be compared at all (an error).
[[nodiscard]] std::optional<int> compare(const value& a, const value& b, bool& comparable);

// Calendar duration keywords ("day", "days", "year") normalised to their singular, else empty.
[[nodiscard]] std::string_view calendar_unit(std::string_view unit);

// Adds (sign=+1) or subtracts (sign=-1) a time Quantity to a Date/DateTime/Time; empty on bad unit.
[[nodiscard]] std::optional<value> add_duration(const value& t, const value& q, int sign);

}  // namespace homebase::fhir::fhirpath
