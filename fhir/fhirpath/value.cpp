#include "fhir/fhirpath/value.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <span>

#include "fhir/fhir_time.hpp"
#include "fhir/fhirpath/ucum.hpp"

namespace homebase::fhir::fhirpath {

value value::make_boolean(bool b) {
  value v;
  v.kind = value_kind::boolean;
  v.boolean = b;
  return v;
}
value value::make_string(std::string s) {
  value v;
  v.kind = value_kind::string;
  v.storage = std::make_shared<const std::string>(std::move(s));
  v.text = *v.storage;
  return v;
}
value value::make_string_view(std::string_view s) {
  value v;
  v.kind = value_kind::string;
  v.text = s;
  return v;
}
value value::make_integer(std::int64_t i) {
  value v;
  v.kind = value_kind::integer;
  v.integer = i;
  return v;
}
value value::make_decimal(double d, int scale) {
  value v;
  v.kind = value_kind::decimal;
  v.decimal = d;
  v.scale = scale;
  return v;
}
value value::make_quantity(double d, int scale, std::string unit) {
  value v = make_quantity_view(d, scale, {});
  v.storage = std::make_shared<const std::string>(std::move(unit));
  v.text = *v.storage;
  return v;
}
value value::make_quantity_view(double d, int scale, std::string_view unit) {
  value v;
  v.kind = value_kind::quantity;
  v.decimal = d;
  v.scale = scale;
  v.text = unit;
  return v;
}
value value::make_temporal(value_kind kind, const temporal& t) {
  value v;
  v.kind = kind;
  v.time_value = t;
  return v;
}
value value::make_node(const rapidjson::Value* node, std::string_view fhir_type) {
  value v;
  v.kind = value_kind::node;
  v.node = node;
  v.fhir_type = fhir_type;
  return v;
}
value value::make_type_info(std::string_view name_space, std::string_view name) {
  value v;
  v.kind = value_kind::type_info;
  v.model_key = name_space;
  v.fhir_type = name;
  return v;
}

namespace {

bool read_digits(std::string_view text, std::size_t& pos, std::size_t count, int& out) {
  if (pos + count > text.size()) return false;
  int result = 0;
  for (std::size_t i = 0; i < count; ++i) {
    char c = text[pos + i];
    if (c < '0' || c > '9') return false;
    result = result * 10 + (c - '0');
  }
  pos += count;
  out = result;
  return true;
}

bool read_time_part(std::string_view text, std::size_t& pos, temporal& t) {
  if (!read_digits(text, pos, 2, t.fields[3])) return false;
  t.precision = 4;
  if (pos < text.size() && text[pos] == ':') {
    ++pos;
    if (!read_digits(text, pos, 2, t.fields[4])) return false;
    t.precision = 5;
    if (pos < text.size() && text[pos] == ':') {
      ++pos;
      if (!read_digits(text, pos, 2, t.fields[5])) return false;
      t.precision = 6;
      if (pos < text.size() && text[pos] == '.') {
        ++pos;
        std::size_t start = pos;
        int ms = 0;
        int digits = 0;
        while (pos < text.size() && std::isdigit(static_cast<unsigned char>(text[pos]))) {
          if (digits < 3) {
            ms = ms * 10 + (text[pos] - '0');
            ++digits;
          }
          ++pos;
        }
        if (pos == start) return false;
        while (digits < 3) {
          ms *= 10;
          ++digits;
        }
        t.fields[6] = ms;
        t.precision = 7;
      }
    }
  }
  return t.fields[3] < 24 && t.fields[4] < 60 && t.fields[5] < 60;
}

// Days of a month as FHIRPath date arithmetic needs them: a month left out of range by year/month
// arithmetic on extreme years reads as January.
int days_in_month_clamped(int y, int m) {
  return static_cast<int>(fhir::days_in_month(y, static_cast<unsigned>(std::clamp(m, 1, 12))));
}

// Shifts the date-time fields by `ms` milliseconds (fields must be complete down to ms; year..day valid).
void shift_millis(temporal& t, std::int64_t ms, bool has_date) {
  std::int64_t day_ms =
      ((static_cast<std::int64_t>(t.fields[3]) * 60 + t.fields[4]) * 60 + t.fields[5]) * 1000 + t.fields[6] +
      ms;
  std::int64_t day_shift = day_ms >= 0 ? day_ms / 86400000 : -((-day_ms + 86399999) / 86400000);
  day_ms -= day_shift * 86400000;
  t.fields[6] = static_cast<int>(day_ms % 1000);
  t.fields[5] = static_cast<int>(day_ms / 1000 % 60);
  t.fields[4] = static_cast<int>(day_ms / 60000 % 60);
  t.fields[3] = static_cast<int>(day_ms / 3600000);
  if (has_date && day_shift != 0) {
    const auto date = fhir::civil_from_days(
        fhir::days_from_civil(t.fields[0], static_cast<unsigned>(std::max(t.fields[1], 1)),
                              static_cast<unsigned>(std::max(t.fields[2], 1))) +
        day_shift);
    t.fields[0] = static_cast<int>(date.year);
    t.fields[1] = static_cast<int>(date.month);
    t.fields[2] = static_cast<int>(date.day);
  }
}

// UTC fields when a timezone is present and the precision reaches hours.
temporal normalised(const temporal& t, bool has_date) {
  if (!t.tz_minutes || t.precision < 4 || *t.tz_minutes == 0) return t;
  temporal copy = t;
  shift_millis(copy, -static_cast<std::int64_t>(*t.tz_minutes) * 60000, has_date);
  copy.tz_minutes = 0;
  return copy;
}

std::string pad(int v, int width) {
  char buffer[16];
  std::snprintf(buffer, sizeof buffer, "%0*d", width, v);
  return buffer;
}

// `d` with `scale` digits after the point: the digits a double holds, then zeros (no binary noise).
std::string format_decimal(double d, int scale) {
  scale = std::clamp(scale, 0, 40);
  int shown = std::min(scale, infer_scale(d));
  char buffer[400];
  std::snprintf(buffer, sizeof buffer, "%.*f", shown, d);
  std::string out = buffer;
  if (shown < scale) {
    if (shown == 0) out += '.';
    out.append(static_cast<std::size_t>(scale - shown), '0');
  }
  return out;
}

std::string normalise_space(std::string_view s) {
  std::string out;
  bool space = false;
  for (char c : s) {
    if (std::isspace(static_cast<unsigned char>(c))) {
      space = true;
      continue;
    }
    if (space && !out.empty()) out += ' ';
    space = false;
    out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return out;
}

bool json_equal(const rapidjson::Value& a, const rapidjson::Value& b) {
  return a == b;
}

bool is_number(const value& v) {
  return v.kind == value_kind::integer || v.kind == value_kind::decimal;
}
double number_of(const value& v) {
  return v.kind == value_kind::integer ? static_cast<double>(v.integer) : v.decimal;
}
bool is_temporal(const value& v) {
  return v.kind == value_kind::date || v.kind == value_kind::date_time || v.kind == value_kind::time;
}

// Strings are compared with dates when a JSON primitive of unknown type meets a date literal.
std::optional<value> string_as_temporal(const value& s, value_kind wanted) {
  if (s.kind != value_kind::string) return std::nullopt;
  value_kind k = wanted;
  if (wanted != value_kind::time)
    k = s.text.find('T') != std::string_view::npos ? value_kind::date_time : value_kind::date;
  auto t = parse_temporal(s.text, k);
  if (!t) return std::nullopt;
  return value::make_temporal(k, *t);
}

struct quantity_pair {
  double a;    // the first quantity in base units
  double b;    // the second quantity in base units
  double ulp;  // the step of the last digit of the less precise one, in base units
};

// Both quantities in the base units of their units; empty when the units are not comparable.
std::optional<quantity_pair> in_base_units(const value& a, const value& b) {
  double fa = 1;
  double fb = 1;
  if (a.text != b.text) {
    auto ua = ucum::parse(a.text);
    auto ub = ucum::parse(b.text);
    if (!ua || !ub || !ucum::comparable(*ua, *ub)) return std::nullopt;
    fa = ua->factor;
    fb = ub->factor;
  }
  double ulp = std::max(std::pow(10.0, -a.scale) * fa, std::pow(10.0, -b.scale) * fb);
  return quantity_pair{a.decimal * fa, b.decimal * fb, ulp};
}

bool nearly_equal(double x, double y) {
  return std::fabs(x - y) <= 1e-9 * std::max(std::fabs(x), std::fabs(y));
}

// A calendar year or month against UCUM's 'a' or 'mo': related, but not the same duration.
bool calendar_against_ucum(const value& a, const value& b) {
  auto calendar = [](const value& q) {
    auto c = calendar_unit(q.text);
    return c == "year" || c == "month";
  };
  auto ucum_unit = [](const value& q) { return q.text == "a" || q.text == "mo"; };
  return (calendar(a) && ucum_unit(b)) || (calendar(b) && ucum_unit(a));
}

int sign_of(double d) {
  return d < 0 ? -1 : (d > 0 ? 1 : 0);
}

std::optional<int> compare_temporal(const value& x, const value& y) {
  bool has_date = x.kind != value_kind::time;
  temporal a = x.time_value;
  temporal b = y.time_value;
  if (a.tz_minutes.has_value() && b.tz_minutes.has_value()) {
    a = normalised(a, has_date);
    b = normalised(b, has_date);
  } else if (a.tz_minutes.has_value() != b.tz_minutes.has_value() && a.precision >= 4 && b.precision >= 4) {
    return std::nullopt;  // one side has no timezone: the comparison is undefined
  }
  int pa = std::min(a.precision, 6);  // seconds and milliseconds are one precision
  int pb = std::min(b.precision, 6);
  int start = x.kind == value_kind::time ? 3 : 0;
  int common = std::min(pa, pb);
  for (int i = start; i < common; ++i) {
    auto idx = static_cast<std::size_t>(i);
    if (a.fields[idx] != b.fields[idx]) return a.fields[idx] < b.fields[idx] ? -1 : 1;
  }
  if (pa != pb) return std::nullopt;
  if (pa == 6 && a.fields[6] != b.fields[6]) return a.fields[6] < b.fields[6] ? -1 : 1;
  return 0;
}

// Both sides as temporal values of one family (time, or date/dateTime): a string side is read as the
// other side's kind. Nothing when a string does not read as one, or a time meets a date.
std::optional<std::pair<value, value>> temporal_pair(const value& a, const value& b) {
  std::optional<value> x = is_temporal(a) ? std::optional<value>(a) : string_as_temporal(a, b.kind);
  std::optional<value> y = is_temporal(b) ? std::optional<value>(b) : string_as_temporal(b, a.kind);
  if (!x || !y || (x->kind == value_kind::time) != (y->kind == value_kind::time)) return std::nullopt;
  return std::make_pair(std::move(*x), std::move(*y));
}

}  // namespace

std::optional<temporal> parse_temporal(std::string_view text, value_kind kind) {
  temporal t;
  std::size_t pos = 0;
  if (kind == value_kind::time) {
    if (!read_time_part(text, pos, t)) return std::nullopt;
    return pos == text.size() ? std::optional<temporal>(t) : std::nullopt;
  }
  if (!read_digits(text, pos, 4, t.fields[0])) return std::nullopt;
  t.precision = 1;
  if (pos < text.size() && text[pos] == '-') {
    ++pos;
    if (!read_digits(text, pos, 2, t.fields[1]) || t.fields[1] < 1 || t.fields[1] > 12) return std::nullopt;
    t.precision = 2;
    if (pos < text.size() && text[pos] == '-') {
      ++pos;
      if (!read_digits(text, pos, 2, t.fields[2]) || t.fields[2] < 1 ||
          t.fields[2] > days_in_month_clamped(t.fields[0], t.fields[1]))
        return std::nullopt;
      t.precision = 3;
    }
  }
  if (kind == value_kind::date) return pos == text.size() ? std::optional<temporal>(t) : std::nullopt;
  if (pos < text.size() && text[pos] == 'T') {
    ++pos;
    if (pos < text.size() && t.precision == 3) {
      if (!read_time_part(text, pos, t)) return std::nullopt;
    }
  }
  if (pos < text.size()) {
    if (text[pos] == 'Z') {
      t.tz_minutes = 0;
      ++pos;
    } else if (text[pos] == '+' || text[pos] == '-') {
      int sign = text[pos] == '-' ? -1 : 1;
      ++pos;
      int h = 0;
      int m = 0;
      if (!read_digits(text, pos, 2, h) || pos >= text.size() || text[pos] != ':') return std::nullopt;
      ++pos;
      if (!read_digits(text, pos, 2, m)) return std::nullopt;
      t.tz_minutes = sign * (h * 60 + m);
    }
  }
  if (pos != text.size()) return std::nullopt;
  return t;
}

int infer_scale(double d) {
  for (int scale = 0; scale < 8; ++scale) {
    double factor = std::pow(10.0, scale);
    if (std::fabs(std::round(d * factor) - d * factor) < 1e-9 * std::max(1.0, std::fabs(d * factor)))
      return scale;
  }
  return 8;
}

std::string_view calendar_unit(std::string_view unit) {
  static constexpr std::array<std::string_view, 8> units{"year", "month",  "week",   "day",
                                                         "hour", "minute", "second", "millisecond"};
  for (auto u : units) {
    if (unit == u) return u;
    if (unit.size() == u.size() + 1 && unit.substr(0, u.size()) == u && unit.back() == 's') return u;
  }
  return {};
}

std::string to_text(const value& v) {
  switch (v.kind) {
    case value_kind::boolean:
      return v.boolean ? "true" : "false";
    case value_kind::string:
      return std::string(v.text);
    case value_kind::integer:
      return std::to_string(v.integer);
    case value_kind::decimal:
      return format_decimal(v.decimal, v.scale);
    case value_kind::quantity: {
      std::string number = format_decimal(v.decimal, v.scale);
      if (!calendar_unit(v.text).empty()) return number.append(" ").append(v.text);
      return number.append(" '").append(v.text).append("'");
    }
    case value_kind::date:
    case value_kind::date_time:
    case value_kind::time: {
      const temporal& t = v.time_value;
      std::string out;
      if (v.kind != value_kind::time) {
        out = pad(t.fields[0], 4);
        if (t.precision >= 2) out.append(1, '-').append(pad(t.fields[1], 2));
        if (t.precision >= 3) out.append(1, '-').append(pad(t.fields[2], 2));
        if (v.kind == value_kind::date) return out;
        if (t.precision >= 4) out += "T";
      }
      if (t.precision >= 4) out += pad(t.fields[3], 2);
      if (t.precision >= 5) out.append(1, ':').append(pad(t.fields[4], 2));
      if (t.precision >= 6) out.append(1, ':').append(pad(t.fields[5], 2));
      if (t.precision >= 7) out.append(1, '.').append(pad(t.fields[6], 3));
      if (v.kind == value_kind::date_time && t.tz_minutes) {
        int tz = *t.tz_minutes;
        if (tz == 0) {
          out += "Z";
        } else {
          out += tz < 0 ? "-" : "+";
          tz = std::abs(tz);
          out.append(pad(tz / 60, 2)).append(1, ':').append(pad(tz % 60, 2));
        }
      }
      return out;
    }
    case value_kind::node:
      return {};
    case value_kind::type_info:
      return std::string(v.model_key).append(".").append(v.fhir_type);
  }
  return {};
}

std::optional<value> node_as_quantity(const value& v) {
  if (v.kind == value_kind::quantity) return v;
  if (v.kind != value_kind::node || v.node == nullptr || !v.node->IsObject()) return std::nullopt;
  auto it = v.node->FindMember("value");
  if (it == v.node->MemberEnd() || !it->value.IsNumber()) return std::nullopt;
  std::string_view unit;
  for (const char* name : {"code", "unit"}) {
    auto u = v.node->FindMember(name);
    if (u != v.node->MemberEnd() && u->value.IsString()) {
      unit = std::string_view(u->value.GetString(), u->value.GetStringLength());
      break;
    }
  }
  double d = it->value.GetDouble();
  return value::make_quantity_view(d, infer_scale(d), unit);
}

std::optional<value> convert_quantity(const value& q, std::string_view unit) {
  if (q.text == unit) return q;
  auto from = ucum::parse(q.text);
  auto to = ucum::parse(unit);
  if (!from || !to || !ucum::comparable(*from, *to)) return std::nullopt;
  double d = q.decimal * from->factor / to->factor;
  return value::make_quantity_view(d, infer_scale(d), unit);
}

bool quantities_comparable(const value& a, const value& b) {
  auto qa = node_as_quantity(a);
  auto qb = node_as_quantity(b);
  if (!qa || !qb) return false;
  return in_base_units(*qa, *qb).has_value();
}

namespace {

// The decimal boundary of non-negative `d` (written with `scale` digits) at `precision` digits.
std::optional<double> positive_boundary(double d, int scale, int precision, bool high) {
  // the value is d ± half a unit of its last digit: an integer at scale + 1 digits
  if (d * std::pow(10.0, scale + 1) > 9e15) return std::nullopt;
  auto mantissa = static_cast<std::int64_t>(std::llround(d * std::pow(10.0, scale)));
  std::int64_t bound = mantissa * 10 + (high ? 5 : -5);
  int digits = scale + 1;
  if (precision >= digits) return static_cast<double>(bound) / std::pow(10.0, digits);
  auto step = static_cast<std::int64_t>(std::llround(std::pow(10.0, digits - precision)));
  // the least value truncates, the greatest rounds half up (as the R4 suite expects)
  std::int64_t q =
      high ? (bound + step / 2) / step : (bound >= 0 ? bound / step : -((-bound + step - 1) / step));
  return static_cast<double>(q) / std::pow(10.0, precision);
}

std::optional<value> decimal_boundary(const value& v, std::optional<std::int64_t> precision, bool high) {
  int p = precision ? static_cast<int>(std::clamp<std::int64_t>(*precision, -1, 32)) : 8;
  if (p < 0 || p > 31) return std::nullopt;
  double d = v.kind == value_kind::integer ? static_cast<double>(v.integer) : v.decimal;
  int scale = v.kind == value_kind::integer ? 0 : v.scale;
  // a negative number's least value is minus the greatest value of its magnitude, and vice versa
  bool negative = std::signbit(d);
  auto r = positive_boundary(std::fabs(d), scale, p, negative ? !high : high);
  if (!r) return std::nullopt;
  value out = v.kind == value_kind::quantity ? v : value::make_decimal(0, 0);
  out.decimal = negative ? -*r : *r;
  out.scale = p;
  return out;
}

std::optional<value> temporal_boundary(const value& v, std::optional<std::int64_t> precision, bool high) {
  // precision digits -> fields present (see temporal::precision)
  static constexpr std::array<std::pair<int, int>, 7> date_levels{
      {{4, 1}, {6, 2}, {8, 3}, {10, 4}, {12, 5}, {14, 6}, {17, 7}}};
  static constexpr std::array<std::pair<int, int>, 4> time_levels{{{2, 4}, {4, 5}, {6, 6}, {9, 7}}};
  int level = 0;
  if (!precision) {
    level = v.kind == value_kind::date ? 3 : 7;
  } else {
    for (const auto& [digits, fields] : v.kind == value_kind::time
                                            ? std::span<const std::pair<int, int>>(time_levels)
                                            : std::span<const std::pair<int, int>>(date_levels))
      if (digits == *precision) level = fields;
    if (level == 0 || (v.kind == value_kind::date && level > 3)) return std::nullopt;
  }
  value out = v;
  temporal& t = out.time_value;
  // an hour alone is not a valid FHIR time: read it as hh:00 first
  if (t.precision == 4) {
    t.fields[4] = 0;
    t.precision = 5;
  }
  for (int f = t.precision; f < level; ++f) {
    auto i = static_cast<std::size_t>(f);
    switch (f) {
      case 1:
        t.fields[i] = high ? 12 : 1;
        break;
      case 2:
        t.fields[i] = high ? days_in_month_clamped(t.fields[0], t.fields[1]) : 1;
        break;
      case 3:
        t.fields[i] = high ? 23 : 0;
        break;
      case 4:
      case 5:
        t.fields[i] = high ? 59 : 0;
        break;
      default:
        t.fields[i] = high ? 999 : 0;
        break;
    }
  }
  t.precision = level;
  if (v.kind == value_kind::date_time) {
    if (level < 4)
      t.tz_minutes.reset();
    else if (!t.tz_minutes)
      t.tz_minutes = high ? -12 * 60 : 14 * 60;  // the widest offsets
  }
  return out;
}

}  // namespace

std::optional<value> boundary(const value& v, std::optional<std::int64_t> precision, bool high) {
  switch (v.kind) {
    case value_kind::integer:
    case value_kind::decimal:
    case value_kind::quantity:
      return decimal_boundary(v, precision, high);
    case value_kind::date:
    case value_kind::date_time:
    case value_kind::time:
      return temporal_boundary(v, precision, high);
    default:
      return std::nullopt;
  }
}

std::optional<bool> equals(const value& a, const value& b) {
  if (is_number(a) && is_number(b)) {
    if (a.kind == value_kind::integer && b.kind == value_kind::integer) return a.integer == b.integer;
    return number_of(a) == number_of(b);
  }
  if (a.kind == value_kind::type_info || b.kind == value_kind::type_info)
    return a.kind == b.kind && a.model_key == b.model_key && a.fhir_type == b.fhir_type;
  if (a.kind == value_kind::node || b.kind == value_kind::node) {
    if (a.kind == value_kind::node && b.kind == value_kind::node) {
      if (a.node == nullptr || b.node == nullptr) return a.node == b.node && a.element == b.element;
      return json_equal(*a.node, *b.node);
    }
    auto qa = node_as_quantity(a);
    auto qb = node_as_quantity(b);
    if (qa && qb) return equals(*qa, *qb);
    return false;
  }
  if (a.kind == value_kind::quantity && b.kind == value_kind::quantity) {
    auto pair = in_base_units(a, b);
    if (!pair) {
      if (calendar_against_ucum(a, b)) return std::nullopt;
      return false;
    }
    return nearly_equal(pair->a, pair->b);
  }
  if (is_temporal(a) || is_temporal(b)) {
    auto pair = temporal_pair(a, b);
    if (!pair) return false;
    auto c = compare_temporal(pair->first, pair->second);
    if (!c) return std::nullopt;
    return *c == 0;
  }
  if (a.kind != b.kind) return false;
  switch (a.kind) {
    case value_kind::boolean:
      return a.boolean == b.boolean;
    case value_kind::string:
      return a.text == b.text;
    default:
      return false;
  }
}

bool equivalent(const value& a, const value& b) {
  if (is_number(a) && is_number(b)) {
    int scale =
        std::min(a.kind == value_kind::integer ? 0 : a.scale, b.kind == value_kind::integer ? 0 : b.scale);
    double factor = std::pow(10.0, scale);
    return std::round(number_of(a) * factor) == std::round(number_of(b) * factor);
  }
  if (a.kind == value_kind::string && b.kind == value_kind::string)
    return normalise_space(a.text) == normalise_space(b.text);
  if (is_temporal(a) || is_temporal(b)) {
    auto e = equals(a, b);
    return e.value_or(false);
  }
  auto qa = node_as_quantity(a);
  auto qb = node_as_quantity(b);
  if (qa && qb) {
    auto pair = in_base_units(*qa, *qb);
    if (!pair) {
      // a calendar year/month is equivalent to UCUM 'a'/'mo'
      auto cal_a = calendar_unit(qa->text);
      auto cal_b = calendar_unit(qb->text);
      auto same = [](std::string_view cal, std::string_view unit) {
        return (cal == "year" && unit == "a") || (cal == "month" && unit == "mo");
      };
      return (same(cal_a, qb->text) || same(cal_b, qa->text)) && qa->decimal == qb->decimal;
    }
    // equal at the precision of the less precise quantity
    return std::round(pair->a / pair->ulp) == std::round(pair->b / pair->ulp);
  }
  return equals(a, b).value_or(false);
}

std::optional<int> compare(const value& a, const value& b, bool& comparable) {
  comparable = true;
  if (is_number(a) && is_number(b)) {
    if (a.kind == value_kind::integer && b.kind == value_kind::integer)
      return a.integer < b.integer ? -1 : (a.integer > b.integer ? 1 : 0);
    return sign_of(number_of(a) - number_of(b));
  }
  if (a.kind == value_kind::string && b.kind == value_kind::string) {
    int c = a.text.compare(b.text);
    return c < 0 ? -1 : (c > 0 ? 1 : 0);
  }
  if (is_temporal(a) || is_temporal(b)) {
    auto pair = temporal_pair(a, b);
    if (!pair) {
      comparable = false;
      return std::nullopt;
    }
    return compare_temporal(pair->first, pair->second);
  }
  auto qa = node_as_quantity(a);
  auto qb = node_as_quantity(b);
  if (qa && qb) {
    auto pair = in_base_units(*qa, *qb);
    if (!pair) return std::nullopt;
    if (nearly_equal(pair->a, pair->b)) return 0;
    return sign_of(pair->a - pair->b);
  }
  comparable = false;
  return std::nullopt;
}

std::optional<value> add_duration(const value& t, const value& q, int sign) {
  std::string_view unit = calendar_unit(q.text);
  if (unit.empty()) {
    static constexpr std::array<std::pair<std::string_view, std::string_view>, 8> ucum{{{"wk", "week"},
                                                                                        {"d", "day"},
                                                                                        {"h", "hour"},
                                                                                        {"min", "minute"},
                                                                                        {"s", "second"},
                                                                                        {"ms", "millisecond"},
                                                                                        {"", ""},
                                                                                        {"", ""}}};
    for (const auto& [code, name] : ucum)
      if (!code.empty() && q.text == code) unit = name;
  }
  if (unit.empty()) return std::nullopt;
  value result = t;
  temporal& tv = result.time_value;
  bool has_date = t.kind != value_kind::time;
  auto amount = static_cast<std::int64_t>(std::trunc(q.decimal)) * sign;
  if (unit == "year" || unit == "month") {
    if (!has_date) return std::nullopt;
    std::int64_t months = unit == "year" ? amount * 12 : amount;
    if (unit == "month" && tv.precision < 2) months = 0;
    std::int64_t total =
        static_cast<std::int64_t>(tv.fields[0]) * 12 + (std::max(tv.fields[1], 1) - 1) + months;
    tv.fields[0] = static_cast<int>(total / 12);
    if (tv.precision >= 2) tv.fields[1] = static_cast<int>(total % 12) + 1;
    if (tv.precision >= 3)
      tv.fields[2] = std::min(tv.fields[2], days_in_month_clamped(tv.fields[0], tv.fields[1]));
    return result;
  }
  std::int64_t ms = 0;
  if (unit == "week") ms = amount * 7 * 86400000;
  if (unit == "day") ms = amount * 86400000;
  if (unit == "hour") ms = amount * 3600000;
  if (unit == "minute") ms = amount * 60000;
  if (unit == "second") ms = amount * 1000;
  if (unit == "millisecond") ms = amount;
  if (has_date && tv.precision < 3) {
    // below the precision of the value: whole years/months are unaffected by day arithmetic
    return result;
  }
  shift_millis(tv, ms, has_date);
  return result;
}

std::string_view system_type_name(value_kind k) {
  switch (k) {
    case value_kind::boolean:
      return "Boolean";
    case value_kind::string:
      return "String";
    case value_kind::integer:
      return "Integer";
    case value_kind::decimal:
      return "Decimal";
    case value_kind::date:
      return "Date";
    case value_kind::date_time:
      return "DateTime";
    case value_kind::time:
      return "Time";
    case value_kind::quantity:
      return "Quantity";
    case value_kind::node:
    case value_kind::type_info:
      break;
  }
  return {};
}

}  // namespace homebase::fhir::fhirpath
