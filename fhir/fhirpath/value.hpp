// value: the items of a FHIRPath collection. An item is either a system primitive (Boolean, String,
// Integer, Decimal, Date, DateTime, Time, Quantity) or a FHIR JSON node (object) borrowed from the
// rapidjson tree being evaluated, tagged with its FHIR type name where known. Also the helpers for
// equality, equivalence, ordering and text rendering of items.
//
// Items are cheap to copy: strings that come from the JSON document, from the expression (literals, type
// names) or from the model are borrowed as string_views, and only text computed during evaluation is
// owned (shared, immutable). A result therefore borrows from the JSON document, the expression and the
// model it was evaluated with; keep those alive while the result is in use.
#pragma once

#include <rapidjson/document.h>

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace homebase::fhir::fhirpath {

// type_info: the result of type(), a SimpleTypeInfo / ClassInfo with `namespace` and `name`.
enum class value_kind { boolean, string, integer, decimal, date, date_time, time, quantity, node, type_info };

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
  int scale = 0;  // digits after the decimal point of a Decimal / Quantity number
  std::int64_t integer = 0;
  double decimal = 0;                         // Decimal value, or the number of a Quantity
  std::string_view text;                      // String value, or the unit of a Quantity (see `storage`)
  temporal time_value;                        // Date, DateTime, Time
  const rapidjson::Value* node = nullptr;     // the JSON node this item came from, null for system values
  const rapidjson::Value* element = nullptr;  // for JSON primitives: the "_name" object (id, extension)
  // FHIR type name when known ("Patient", "Quantity", "code"), else empty. For type_info items: the name.
  std::string_view fhir_type;
  // With a model: where this node's element definition lives ("Patient", "Patient.contact"), else empty.
  // For type_info items: the namespace ("System" or "FHIR").
  std::string_view model_key;
  // Owns `text` when it was computed during evaluation; null when `text` is borrowed.
  std::shared_ptr<const std::string> storage;

  static value make_boolean(bool b);
  // An owned string (computed text).
  static value make_string(std::string s);
  // A borrowed string: `s` must outlive the evaluation and its result (JSON, expression, model, static).
  static value make_string_view(std::string_view s);
  static value make_integer(std::int64_t i);
  static value make_decimal(double d, int scale);
  static value make_quantity(double d, int scale, std::string unit);
  static value make_quantity_view(double d, int scale, std::string_view unit);
  static value make_temporal(value_kind kind, const temporal& t);
  static value make_node(const rapidjson::Value* node, std::string_view fhir_type);
  static value make_type_info(std::string_view name_space, std::string_view name);
};

using collection = std::vector<value>;

// Parses "2019-02-03T10:00:00.000+01:00" (kind date_time), "2019-02" (date) or "10:00" (time, no 'T').
[[nodiscard]] std::optional<temporal> parse_temporal(std::string_view text, value_kind kind);

// Digits after the decimal point needed to print `d` exactly as rapidjson read it (at most 8).
[[nodiscard]] int infer_scale(double d);

// The System type name of a system value ("Boolean", "DateTime", "Quantity"); empty for FHIR nodes and
// type information.
[[nodiscard]] std::string_view system_type_name(value_kind k);

// Renders as FHIRPath toString() does ("1.0", "2019-02-03", "5 'mg'", "true").
[[nodiscard]] std::string to_text(const value& v);

// Converts a Quantity JSON node (with a "value" member) to a Quantity value.
[[nodiscard]] std::optional<value> node_as_quantity(const value& v);

// toQuantity(unit): `q` expressed in `unit` (the result borrows `unit`); empty when not convertible.
[[nodiscard]] std::optional<value> convert_quantity(const value& q, std::string_view unit);

// comparable(): whether two quantities have units of the same kind (UCUM dimensions).
[[nodiscard]] bool quantities_comparable(const value& a, const value& b);

// lowBoundary()/highBoundary() of a Decimal (or Integer, or a Quantity's number) at `precision` digits
// after the point (default 8), and of a Date/DateTime/Time at `precision` digits (4 year .. 17 ms; time
// 2 hour .. 9 ms; default the finest). Empty when the precision is out of range or the input has none.
[[nodiscard]] std::optional<value> boundary(const value& v, std::optional<std::int64_t> precision, bool high);

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
