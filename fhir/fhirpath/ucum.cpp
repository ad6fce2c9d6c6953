#include "fhir/fhirpath/ucum.hpp"

#include <cmath>
#include <cstdlib>
#include <string>

#include "fhir/fhirpath/value.hpp"

namespace homebase::fhir::fhirpath::ucum {

namespace {

using dims = std::array<std::int8_t, dimension_count>;

// dimension vector: length, mass, time, angle, temperature, charge, luminous intensity, IU, calendar months
constexpr dims dim(int l, int m = 0, int t = 0, int a = 0, int k = 0, int q = 0, int j = 0, int iu = 0,
                   int cm = 0) {
  return {static_cast<std::int8_t>(l), static_cast<std::int8_t>(m),  static_cast<std::int8_t>(t),
          static_cast<std::int8_t>(a), static_cast<std::int8_t>(k),  static_cast<std::int8_t>(q),
          static_cast<std::int8_t>(j), static_cast<std::int8_t>(iu), static_cast<std::int8_t>(cm)};
}

struct atom {
  std::string_view symbol;
  double factor;
  dims dimensions;
  bool metric;  // takes SI prefixes
};

constexpr double avogadro = 6.0221367e23;
constexpr double pi = 3.14159265358979323846;
constexpr dims none = dim(0);
constexpr dims pressure = dim(-1, 1, -2);
constexpr dims energy = dim(2, 1, -2);
constexpr dims volume = dim(3);

constexpr std::array<atom, 84> atoms{{
    // base units
    {"m", 1, dim(1), true},
    {"g", 1, dim(0, 1), true},
    {"s", 1, dim(0, 0, 1), true},
    {"rad", 1, dim(0, 0, 0, 1), true},
    {"K", 1, dim(0, 0, 0, 0, 1), true},
    {"C", 1, dim(0, 0, 0, 0, 0, 1), true},
    {"cd", 1, dim(0, 0, 0, 0, 0, 0, 1), true},
    // dimensionless
    {"10*", 10, none, false},
    {"10^", 10, none, false},
    {"%", 0.01, none, false},
    {"[ppth]", 1e-3, none, false},
    {"[ppm]", 1e-6, none, false},
    {"[ppb]", 1e-9, none, false},
    {"[pptr]", 1e-12, none, false},
    {"[pi]", pi, none, false},
    {"mol", avogadro, none, true},
    {"eq", avogadro, none, true},
    {"osm", avogadro, none, true},
    {"sr", 1, dim(0, 0, 0, 2), true},
    {"deg", pi / 180, dim(0, 0, 0, 1), false},
    // international units: comparable only with each other
    {"[IU]", 1, dim(0, 0, 0, 0, 0, 0, 0, 1), true},
    {"[iU]", 1, dim(0, 0, 0, 0, 0, 0, 0, 1), true},
    // time
    {"min", 60, dim(0, 0, 1), false},
    {"h", 3600, dim(0, 0, 1), false},
    {"d", 86400, dim(0, 0, 1), false},
    {"wk", 604800, dim(0, 0, 1), false},
    {"a", 31557600, dim(0, 0, 1), false},  // Julian year, 365.25 d
    {"a_j", 31557600, dim(0, 0, 1), false},
    {"a_t", 31556925.216, dim(0, 0, 1), false},
    {"a_g", 31556952, dim(0, 0, 1), false},
    {"mo", 2629800, dim(0, 0, 1), false},  // a / 12
    {"mo_j", 2629800, dim(0, 0, 1), false},
    {"mo_g", 2629746, dim(0, 0, 1), false},
    {"mo_s", 2551442.976, dim(0, 0, 1), false},
    {"Hz", 1, dim(0, 0, -1), true},
    // length and area
    {"[in_i]", 0.0254, dim(1), false},
    {"[ft_i]", 0.3048, dim(1), false},
    {"[yd_i]", 0.9144, dim(1), false},
    {"[mi_i]", 1609.344, dim(1), false},
    {"[nmi_i]", 1852, dim(1), false},
    {"[mil_i]", 2.54e-5, dim(1), false},
    {"Ao", 1e-10, dim(1), false},
    {"ar", 100, dim(2), true},
    // volume
    {"l", 1e-3, volume, true},
    {"L", 1e-3, volume, true},
    {"[gal_us]", 3.785411784e-3, volume, false},
    {"[qt_us]", 9.46352946e-4, volume, false},
    {"[pt_us]", 4.73176473e-4, volume, false},
    {"[cup_us]", 2.365882365e-4, volume, false},
    {"[foz_us]", 2.95735295625e-5, volume, false},
    {"[tbs_us]", 1.478676478125e-5, volume, false},
    {"[tsp_us]", 4.92892159375e-6, volume, false},
    {"[gal_br]", 4.54609e-3, volume, false},
    {"[pt_br]", 5.6826125e-4, volume, false},
    {"[foz_br]", 2.84130625e-5, volume, false},
    {"[drp]", 5e-8, volume, false},
    // mass
    {"t", 1e6, dim(0, 1), true},
    {"u", 1.6605402e-24, dim(0, 1), true},
    {"[lb_av]", 453.59237, dim(0, 1), false},
    {"[oz_av]", 28.349523125, dim(0, 1), false},
    {"[ston_av]", 6350.29318, dim(0, 1), false},
    {"[gr]", 0.06479891, dim(0, 1), false},
    {"[oz_tr]", 31.1034768, dim(0, 1), false},
    {"[car_m]", 0.2, dim(0, 1), false},
    // force, pressure, energy, power
    {"N", 1000, dim(1, 1, -2), true},
    {"Pa", 1000, pressure, true},
    {"bar", 1e8, pressure, true},
    {"atm", 1.01325e8, pressure, false},
    {"m[Hg]", 1.33322387415e8, pressure, true},
    {"m[H2O]", 9.80665e6, pressure, true},
    {"[in_i'Hg]", 3.38638815789e6, pressure, false},
    {"[psi]", 6.894757293168e6, pressure, false},
    {"J", 1000, energy, true},
    {"cal", 4184, energy, true},
    {"[Cal]", 4184000, energy, false},
    {"W", 1000, dim(2, 1, -3), true},
    // electricity
    {"A", 1, dim(0, 0, -1, 0, 0, 1), true},
    {"V", 1000, dim(2, 1, -2, 0, 0, -1), true},
    {"Ohm", 1000, dim(2, 1, -1, 0, 0, -2), true},
    {"S", 1e-3, dim(-2, -1, 1, 0, 0, 2), true},
    // catalytic activity
    {"kat", avogadro, dim(0, 0, -1), true},
    {"U", avogadro * 1e-6 / 60, dim(0, 0, -1), true},
    // radiation
    {"Gy", 1, dim(2, 0, -2), true},
    {"Sv", 1, dim(2, 0, -2), true},
}};

struct prefix {
  std::string_view symbol;
  double factor;
};

constexpr std::array<prefix, 20> prefixes{
    {{"da", 1e1}, {"Y", 1e24},  {"Z", 1e21},  {"E", 1e18},  {"P", 1e15},  {"T", 1e12}, {"G", 1e9},
     {"M", 1e6},  {"k", 1e3},   {"h", 1e2},   {"d", 1e-1},  {"c", 1e-2},  {"m", 1e-3}, {"u", 1e-6},
     {"n", 1e-9}, {"p", 1e-12}, {"f", 1e-15}, {"a", 1e-18}, {"z", 1e-21}, {"y", 1e-24}}};

const atom* find_atom(std::string_view symbol) {
  for (const auto& a : atoms)
    if (a.symbol == symbol) return &a;
  return nullptr;
}

std::optional<unit> resolve_symbol(std::string_view symbol) {
  if (const atom* a = find_atom(symbol)) return unit{a->factor, a->dimensions};
  for (const auto& p : prefixes) {
    if (symbol.size() <= p.symbol.size() || symbol.substr(0, p.symbol.size()) != p.symbol) continue;
    const atom* a = find_atom(symbol.substr(p.symbol.size()));
    if (a != nullptr && a->metric) return unit{p.factor * a->factor, a->dimensions};
  }
  return std::nullopt;
}

void combine(unit& into, const unit& u, int sign) {
  into.factor = sign > 0 ? into.factor * u.factor : into.factor / u.factor;
  for (std::size_t i = 0; i < dimension_count; ++i)
    into.dimensions[i] = static_cast<std::int8_t>(into.dimensions[i] + sign * u.dimensions[i]);
}

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

class expression_parser {
 public:
  explicit expression_parser(std::string_view text) : s_(text) {}

  std::optional<unit> parse() {
    auto u = term(0);
    if (!u || pos_ != s_.size()) return std::nullopt;
    return u;
  }

 private:
  bool at(char c) const { return pos_ < s_.size() && s_[pos_] == c; }

  std::optional<unit> term(int depth) {
    if (depth > 8) return std::nullopt;
    unit result;
    int sign = 1;
    if (at('/')) {
      sign = -1;
      ++pos_;
    }
    while (true) {
      auto c = component(depth);
      if (!c) return std::nullopt;
      combine(result, *c, sign);
      if (at('.')) {
        sign = 1;
      } else if (at('/')) {
        sign = -1;
      } else {
        return result;
      }
      ++pos_;
    }
  }

  bool skip_annotation() {
    if (!at('{')) return true;
    auto close = s_.find('}', pos_);
    if (close == std::string_view::npos) return false;
    pos_ = close + 1;
    return true;
  }

  std::optional<int> exponent() {
    std::size_t start = pos_;
    if (at('+') || at('-')) ++pos_;
    std::size_t digits = pos_;
    while (pos_ < s_.size() && is_digit(s_[pos_])) ++pos_;
    if (pos_ == digits) {
      pos_ = start;
      return std::nullopt;
    }
    if (pos_ - digits > 2) return 1000;  // out of range, rejected by the caller
    return std::atoi(std::string(s_.substr(start, pos_ - start)).c_str());
  }

  std::optional<unit> component(int depth) {
    if (at('(')) {
      ++pos_;
      auto inner = term(depth + 1);
      if (!inner || !at(')')) return std::nullopt;
      ++pos_;
      if (!skip_annotation()) return std::nullopt;
      return inner;
    }
    if (at('{')) {
      if (!skip_annotation()) return std::nullopt;
      return unit{};
    }
    std::size_t start = pos_;
    if (s_.substr(pos_, 3) == "10*" || s_.substr(pos_, 3) == "10^") {
      pos_ += 3;
    } else if (pos_ < s_.size() && is_digit(s_[pos_])) {
      // a plain factor ("1", "1000")
      while (pos_ < s_.size() && is_digit(s_[pos_])) ++pos_;
      if (pos_ - start > 15) return std::nullopt;
      unit factor;
      factor.factor = std::strtod(std::string(s_.substr(start, pos_ - start)).c_str(), nullptr);
      if (!skip_annotation()) return std::nullopt;
      return factor;
    } else {
      while (pos_ < s_.size()) {
        char c = s_[pos_];
        if (c == '[') {
          auto close = s_.find(']', pos_);
          if (close == std::string_view::npos) return std::nullopt;
          pos_ = close + 1;
        } else if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '%' || c == '\'' || c == '_') {
          ++pos_;
        } else {
          break;
        }
      }
    }
    if (pos_ == start) return std::nullopt;
    auto u = resolve_symbol(s_.substr(start, pos_ - start));
    if (!u) return std::nullopt;
    if (auto e = exponent()) {
      if (*e < -20 || *e > 20) return std::nullopt;
      unit powered;
      for (int i = 0; i < std::abs(*e); ++i) combine(powered, *u, *e > 0 ? 1 : -1);
      u = powered;
    }
    if (!skip_annotation()) return std::nullopt;
    return u;
  }

  std::string_view s_;
  std::size_t pos_ = 0;
};

}  // namespace

std::optional<unit> parse(std::string_view text) {
  if (text.empty()) return unit{};  // a quantity without a unit is a pure number: '1'
  std::string_view calendar = calendar_unit(text);
  if (!calendar.empty()) {
    if (calendar == "year") return unit{12, dim(0, 0, 0, 0, 0, 0, 0, 0, 1)};
    if (calendar == "month") return unit{1, dim(0, 0, 0, 0, 0, 0, 0, 0, 1)};
    if (calendar == "week") return unit{604800, dim(0, 0, 1)};
    if (calendar == "day") return unit{86400, dim(0, 0, 1)};
    if (calendar == "hour") return unit{3600, dim(0, 0, 1)};
    if (calendar == "minute") return unit{60, dim(0, 0, 1)};
    if (calendar == "second") return unit{1, dim(0, 0, 1)};
    return unit{1e-3, dim(0, 0, 1)};  // millisecond
  }
  return expression_parser(text).parse();
}

bool comparable(const unit& a, const unit& b) {
  return a.dimensions == b.dimensions;
}

}  // namespace homebase::fhir::fhirpath::ucum
