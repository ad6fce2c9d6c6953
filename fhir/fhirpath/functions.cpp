#include "fhir/fhirpath/functions.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <cmath>
#include <cstdlib>

#include "fhir/fhirpath/engine.hpp"
#include "fhir/fhirpath/regex.hpp"
#include "fhir/xml_text.hpp"

namespace homebase::fhir::fhirpath {

namespace {

constexpr std::array<std::string_view, 91> known_functions{"empty",
                                                           "exists",
                                                           "all",
                                                           "allTrue",
                                                           "anyTrue",
                                                           "allFalse",
                                                           "anyFalse",
                                                           "count",
                                                           "first",
                                                           "last",
                                                           "tail",
                                                           "skip",
                                                           "take",
                                                           "single",
                                                           "where",
                                                           "select",
                                                           "repeat",
                                                           "distinct",
                                                           "isDistinct",
                                                           "ofType",
                                                           "is",
                                                           "as",
                                                           "iif",
                                                           "not",
                                                           "union",
                                                           "combine",
                                                           "intersect",
                                                           "exclude",
                                                           "subsetOf",
                                                           "supersetOf",
                                                           "toString",
                                                           "toInteger",
                                                           "toDecimal",
                                                           "toBoolean",
                                                           "toQuantity",
                                                           "toDate",
                                                           "toDateTime",
                                                           "toTime",
                                                           "convertsToString",
                                                           "convertsToInteger",
                                                           "convertsToDecimal",
                                                           "convertsToBoolean",
                                                           "convertsToQuantity",
                                                           "convertsToDate",
                                                           "convertsToDateTime",
                                                           "convertsToTime",
                                                           "startsWith",
                                                           "endsWith",
                                                           "contains",
                                                           "indexOf",
                                                           "substring",
                                                           "upper",
                                                           "lower",
                                                           "replace",
                                                           "matches",
                                                           "replaceMatches",
                                                           "length",
                                                           "toChars",
                                                           "children",
                                                           "descendants",
                                                           "trace",
                                                           "today",
                                                           "now",
                                                           "timeOfDay",
                                                           "abs",
                                                           "ceiling",
                                                           "floor",
                                                           "round",
                                                           "sqrt",
                                                           "ln",
                                                           "log",
                                                           "power",
                                                           "exp",
                                                           "truncate",
                                                           "hasValue",
                                                           "extension",
                                                           "aggregate",
                                                           "trim",
                                                           "split",
                                                           "join",
                                                           "encode",
                                                           "decode",
                                                           "resolve",
                                                           "memberOf",
                                                           "conformsTo",
                                                           "htmlChecks",
                                                           "matchesFull",
                                                           "sort",
                                                           "escape",
                                                           "unescape",
                                                           "precision"};

}  // namespace

bool is_known_function(std::string_view name) {
  return std::find(known_functions.begin(), known_functions.end(), name) != known_functions.end();
}

namespace detail {

namespace {

using std::size_t;

value make_bool(bool b) {
  return value::make_boolean(b);
}

bool is_number(const value& v) {
  return v.kind == value_kind::integer || v.kind == value_kind::decimal;
}
double number_of(const value& v) {
  return v.kind == value_kind::integer ? static_cast<double>(v.integer) : v.decimal;
}

bool contains_item(const collection& c, const value& v) {
  return std::any_of(c.begin(), c.end(), [&](const value& x) { return equals(x, v).value_or(false); });
}

collection distinct_of(const collection& c) {
  collection out;
  for (const auto& v : c)
    if (!contains_item(out, v)) out.push_back(v);
  return out;
}

std::optional<std::int64_t> parse_integer(std::string_view s) {
  if (s.empty()) return std::nullopt;
  size_t i = (s[0] == '+' || s[0] == '-') ? 1 : 0;
  if (i == s.size()) return std::nullopt;
  for (size_t j = i; j < s.size(); ++j)
    if (!std::isdigit(static_cast<unsigned char>(s[j]))) return std::nullopt;
  return std::strtoll(std::string(s).c_str(), nullptr, 10);
}

std::optional<value> parse_decimal(std::string_view s) {
  if (s.empty()) return std::nullopt;
  size_t i = (s[0] == '+' || s[0] == '-') ? 1 : 0;
  size_t digits = 0;
  int scale = -1;
  for (; i < s.size(); ++i) {
    if (std::isdigit(static_cast<unsigned char>(s[i]))) {
      ++digits;
      if (scale >= 0) ++scale;
    } else if (s[i] == '.' && scale < 0) {
      scale = 0;
    } else {
      return std::nullopt;
    }
  }
  if (digits == 0 || scale == 0) return std::nullopt;
  return value::make_decimal(std::strtod(std::string(s).c_str(), nullptr), std::max(scale, 0));
}

std::optional<value> convert_to_boolean(const value& v) {
  if (v.kind == value_kind::boolean) return v;
  if (v.kind == value_kind::integer) {
    if (v.integer == 1) return make_bool(true);
    if (v.integer == 0) return make_bool(false);
    return std::nullopt;
  }
  if (v.kind == value_kind::decimal) {
    if (v.decimal == 1.0) return make_bool(true);
    if (v.decimal == 0.0) return make_bool(false);
    return std::nullopt;
  }
  if (v.kind == value_kind::string) {
    std::string lower;
    for (char c : v.text) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (lower == "true" || lower == "t" || lower == "yes" || lower == "y" || lower == "1" || lower == "1.0")
      return make_bool(true);
    if (lower == "false" || lower == "f" || lower == "no" || lower == "n" || lower == "0" || lower == "0.0")
      return make_bool(false);
  }
  return std::nullopt;
}

std::optional<value> convert_to_integer(const value& v) {
  if (v.kind == value_kind::integer) return v;
  if (v.kind == value_kind::boolean) return value::make_integer(v.boolean ? 1 : 0);
  if (v.kind == value_kind::string) {
    auto i = parse_integer(v.text);
    if (i) return value::make_integer(*i);
  }
  return std::nullopt;
}

std::optional<value> convert_to_decimal(const value& v) {
  if (v.kind == value_kind::decimal) return v;
  if (v.kind == value_kind::integer) return value::make_decimal(static_cast<double>(v.integer), 0);
  if (v.kind == value_kind::boolean) return value::make_decimal(v.boolean ? 1 : 0, 1);
  if (v.kind == value_kind::string) return parse_decimal(v.text);
  return std::nullopt;
}

std::optional<value> convert_to_quantity(const value& v) {
  if (v.kind == value_kind::quantity) return v;
  if (v.kind == value_kind::node) return node_as_quantity(v);
  if (is_number(v))
    return value::make_quantity(number_of(v), v.kind == value_kind::decimal ? v.scale : 0, "1");
  if (v.kind == value_kind::boolean) return value::make_quantity(v.boolean ? 1 : 0, 1, "1");
  if (v.kind == value_kind::string) {
    std::string_view s = v.text;
    auto space = s.find(' ');
    std::string_view number = s.substr(0, space);
    auto d = parse_decimal(number);
    if (!d) {
      auto i = parse_integer(number);
      if (!i) return std::nullopt;
      d = value::make_decimal(static_cast<double>(*i), 0);
    }
    if (space == std::string_view::npos) return value::make_quantity(d->decimal, d->scale, "1");
    std::string_view unit = s.substr(space + 1);
    while (!unit.empty() && unit.front() == ' ') unit.remove_prefix(1);
    if (unit.size() >= 2 && unit.front() == '\'' && unit.back() == '\'') {
      return value::make_quantity(d->decimal, d->scale, std::string(unit.substr(1, unit.size() - 2)));
    }
    if (!calendar_unit(unit).empty()) return value::make_quantity(d->decimal, d->scale, std::string(unit));
  }
  return std::nullopt;
}

std::optional<value> convert_to_temporal(const value& v, value_kind kind) {
  if (v.kind == kind) return v;
  if (kind == value_kind::date_time && v.kind == value_kind::date) {
    value r = v;
    r.kind = value_kind::date_time;
    return r;
  }
  if (kind == value_kind::date && v.kind == value_kind::date_time) {
    value r = v;
    r.kind = value_kind::date;
    r.time_value.precision = std::min(r.time_value.precision, 3);
    r.time_value.tz_minutes.reset();
    return r;
  }
  if (v.kind != value_kind::string) return std::nullopt;
  auto t = parse_temporal(v.text, kind);
  if (!t) return std::nullopt;
  return value::make_temporal(kind, *t);
}

std::optional<value> convert_to_string(const value& v) {
  if (v.kind == value_kind::node) return std::nullopt;
  value r = value::make_string(to_text(v));
  return r;
}

class call {
 public:
  call(engine& e, const node& fn, const collection& input, const frame& ctx)
      : e_(e), fn_(fn), input_(input), ctx_(ctx) {}

  // Records the error in the engine and returns an empty collection (`return error(...)`).
  collection error(const std::string& message, error_kind kind = error_kind::execution) const {
    return e_.fail(kind, fn_.name + "(): " + message, fn_.position);
  }

  // Checks the argument count; false (with the error recorded) when it is wrong.
  [[nodiscard]] bool arity(size_t min, size_t max) const {
    if (fn_.children.size() >= min && fn_.children.size() <= max) return true;
    error("wrong number of arguments", error_kind::semantic);
    return false;
  }

  // Evaluates argument i against the context of the call (not per item).
  collection arg(size_t i) const { return e_.eval(*fn_.children[i], ctx_); }

  // Evaluates argument i with $this = item, $index = index.
  collection arg_for(size_t i, const value& item, std::int64_t index, const collection& total = {}) const {
    frame f;
    f.this_items = {item};
    f.index = index;
    f.total = total;
    return e_.eval(*fn_.children[i], f);
  }

  std::optional<value> single_arg(size_t i) const {
    collection c = arg(i);
    if (c.empty()) return std::nullopt;
    if (c.size() > 1) {
      error("argument must be a single item");
      return std::nullopt;
    }
    return c[0];
  }

  std::optional<std::string> string_arg(size_t i) const {
    auto v = single_arg(i);
    if (!v) return std::nullopt;
    if (v->kind != value_kind::string) {
      error("argument must be a String");
      return std::nullopt;
    }
    return v->text;
  }

  std::optional<std::int64_t> integer_arg(size_t i) const {
    auto v = single_arg(i);
    if (!v) return std::nullopt;
    if (v->kind != value_kind::integer) {
      error("argument must be an Integer");
      return std::nullopt;
    }
    return v->integer;
  }

  // The input as a single item (empty optional when the input is empty).
  std::optional<value> single_input() const {
    if (input_.empty()) return std::nullopt;
    if (input_.size() > 1) {
      error("input must be a single item");
      return std::nullopt;
    }
    return input_[0];
  }

  std::optional<std::string> string_input() const {
    auto v = single_input();
    if (!v) return std::nullopt;
    if (v->kind != value_kind::string) {
      error("input must be a String");
      return std::nullopt;
    }
    return v->text;
  }

  std::optional<std::string> type_arg() const {
    if (!arity(1, 1)) return std::nullopt;
    const node& a = *fn_.children[0];
    if (a.kind == node_kind::identifier) return a.name;
    if (a.kind == node_kind::invocation && a.children[0]->kind == node_kind::identifier &&
        a.children[1]->kind == node_kind::identifier)
      return a.children[0]->name + "." + a.children[1]->name;
    error("type name expected", error_kind::semantic);
    return std::nullopt;
  }

  collection run();

 private:
  collection boolean_aggregate(bool want_all, bool target) const {
    if (!arity(0, 0)) return {};
    for (const auto& v : input_) {
      if (v.kind != value_kind::boolean) return error("input must be Booleans");
      if (want_all && v.boolean != target) return {make_bool(false)};
      if (!want_all && v.boolean == target) return {make_bool(true)};
    }
    return {make_bool(want_all)};
  }

  template <typename F>
  collection convert(F f, bool test) const {
    if (!arity(0, 0)) return {};
    auto v = single_input();
    if (!v) return {};
    auto r = f(*v);
    if (test) return {make_bool(r.has_value())};
    if (!r) return {};
    return {*r};
  }

  template <typename F>
  collection math(F f) const {
    if (!arity(0, 0)) return {};
    auto v = single_input();
    if (!v) return {};
    if (!is_number(*v) && v->kind != value_kind::quantity) return error("input must be a number");
    return f(*v);
  }

  engine& e_;
  const node& fn_;
  const collection& input_;
  const frame& ctx_;
};

constexpr std::string_view base64_alphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

std::string base64_encode(std::string_view in, bool url) {
  std::string out;
  std::size_t i = 0;
  while (i < in.size()) {
    unsigned n = static_cast<unsigned char>(in[i]) << 16;
    if (i + 1 < in.size()) n |= static_cast<unsigned char>(in[i + 1]) << 8;
    if (i + 2 < in.size()) n |= static_cast<unsigned char>(in[i + 2]);
    std::size_t chars = std::min<std::size_t>(in.size() - i, 3) + 1;
    for (std::size_t k = 0; k < 4; ++k) {
      if (k < chars) {
        char c = base64_alphabet[(n >> (18 - 6 * k)) & 0x3F];
        if (url && c == '+') c = '-';
        if (url && c == '/') c = '_';
        out += c;
      } else {
        out += '=';
      }
    }
    i += 3;
  }
  return out;
}

std::optional<std::string> base64_decode(std::string_view in) {
  std::string out;
  unsigned buffer = 0;
  int bits = 0;
  for (char c : in) {
    if (c == '=') break;
    if (c == '-') c = '+';
    if (c == '_') c = '/';
    auto p = base64_alphabet.find(c);
    if (p == std::string_view::npos) return std::nullopt;
    buffer = (buffer << 6) | static_cast<unsigned>(p);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((buffer >> bits) & 0xFF);
    }
  }
  return out;
}

std::string escape_text(std::string_view s, bool html) {
  if (html) return fhir::escape_xml(s);
  std::string out;
  for (char c : s) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\r':
        out += "\\r";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string unescape_text(std::string_view s, bool html) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (html && s[i] == '&') {
      static constexpr std::array<std::pair<std::string_view, char>, 6> entities{
          {{"&lt;", '<'}, {"&gt;", '>'}, {"&amp;", '&'}, {"&quot;", '"'}, {"&#39;", '\''}, {"&apos;", '\''}}};
      bool done = false;
      for (const auto& [entity, c] : entities) {
        if (s.substr(i, entity.size()) == entity) {
          out += c;
          i += entity.size() - 1;
          done = true;
          break;
        }
      }
      if (!done) out += s[i];
    } else if (!html && s[i] == '\\' && i + 1 < s.size()) {
      char e = s[++i];
      out += e == 'n' ? '\n' : (e == 't' ? '\t' : (e == 'r' ? '\r' : e));
    } else {
      out += s[i];
    }
  }
  return out;
}

collection decimal_result(double d) {
  if (std::isnan(d) || std::isinf(d)) return {};
  return {value::make_decimal(d, infer_scale(d))};
}

collection call::run() {
  const std::string& name = fn_.name;
  // existence
  if (name == "empty") {
    if (!arity(0, 0)) return {};
    return {make_bool(input_.empty())};
  }
  if (name == "exists") {
    if (!arity(0, 1)) return {};
    if (fn_.children.empty()) return {make_bool(!input_.empty())};
    for (size_t i = 0; i < input_.size() && !e_.failed(); ++i)
      if (e_.to_boolean(arg_for(0, input_[i], static_cast<std::int64_t>(i)), fn_.position) == true)
        return {make_bool(true)};
    return {make_bool(false)};
  }
  if (name == "all") {
    if (!arity(1, 1)) return {};
    for (size_t i = 0; i < input_.size() && !e_.failed(); ++i)
      if (e_.to_boolean(arg_for(0, input_[i], static_cast<std::int64_t>(i)), fn_.position) != true)
        return {make_bool(false)};
    return {make_bool(true)};
  }
  if (name == "allTrue") return boolean_aggregate(true, true);
  if (name == "allFalse") return boolean_aggregate(true, false);
  if (name == "anyTrue") return boolean_aggregate(false, true);
  if (name == "anyFalse") return boolean_aggregate(false, false);
  if (name == "count") {
    if (!arity(0, 0)) return {};
    return {value::make_integer(static_cast<std::int64_t>(input_.size()))};
  }
  if (name == "isDistinct") {
    if (!arity(0, 0)) return {};
    return {make_bool(distinct_of(input_).size() == input_.size())};
  }
  if (name == "distinct") {
    if (!arity(0, 0)) return {};
    return distinct_of(input_);
  }
  if (name == "subsetOf" || name == "supersetOf") {
    if (!arity(1, 1)) return {};
    collection other = arg(0);
    const collection& small = name == "subsetOf" ? input_ : other;
    const collection& big = name == "subsetOf" ? other : input_;
    for (const auto& v : small)
      if (!contains_item(big, v)) return {make_bool(false)};
    return {make_bool(true)};
  }
  // filtering and projection
  if (name == "where") {
    if (!arity(1, 1)) return {};
    collection out;
    for (size_t i = 0; i < input_.size() && !e_.failed(); ++i)
      if (e_.to_boolean(arg_for(0, input_[i], static_cast<std::int64_t>(i)), fn_.position) == true)
        out.push_back(input_[i]);
    return out;
  }
  if (name == "select") {
    if (!arity(1, 1)) return {};
    collection out;
    for (size_t i = 0; i < input_.size(); ++i) {
      collection r = arg_for(0, input_[i], static_cast<std::int64_t>(i));
      out.insert(out.end(), r.begin(), r.end());
    }
    return out;
  }
  if (name == "repeat") {
    if (!arity(1, 1)) return {};
    collection out;
    collection work = input_;
    while (!work.empty()) {
      collection next;
      for (size_t i = 0; i < work.size(); ++i) {
        for (auto& r : arg_for(0, work[i], static_cast<std::int64_t>(i))) {
          if (contains_item(out, r)) continue;
          out.push_back(r);
          next.push_back(r);
        }
      }
      work = std::move(next);
    }
    return out;
  }
  if (name == "aggregate") {
    if (!arity(1, 2)) return {};
    collection total = fn_.children.size() > 1 ? arg(1) : collection{};
    for (size_t i = 0; i < input_.size(); ++i)
      total = arg_for(0, input_[i], static_cast<std::int64_t>(i), total);
    return total;
  }
  if (name == "ofType") {
    auto type = type_arg();
    if (!type) return {};
    collection out;
    for (const auto& v : input_)
      if (e_.is_type(v, *type)) out.push_back(v);
    return out;
  }
  if (name == "is" || name == "as") {
    auto type = type_arg();
    if (!type || input_.empty()) return {};
    if (input_.size() > 1) return error("input must be a single item");
    bool match = e_.is_type(input_[0], *type);
    if (name == "is") return {make_bool(match)};
    return match ? input_ : collection{};
  }
  // subsetting
  if (name == "single") {
    if (!arity(0, 0)) return {};
    if (input_.size() > 1) return error("input has more than one item");
    return input_;
  }
  if (name == "first") {
    if (!arity(0, 0)) return {};
    return input_.empty() ? collection{} : collection{input_.front()};
  }
  if (name == "last") {
    if (!arity(0, 0)) return {};
    return input_.empty() ? collection{} : collection{input_.back()};
  }
  if (name == "tail") {
    if (!arity(0, 0)) return {};
    return input_.size() <= 1 ? collection{} : collection(input_.begin() + 1, input_.end());
  }
  if (name == "skip" || name == "take") {
    if (!arity(1, 1)) return {};
    auto n = integer_arg(0);
    if (!n) return name == "skip" ? input_ : collection{};
    auto count =
        static_cast<size_t>(std::clamp<std::int64_t>(*n, 0, static_cast<std::int64_t>(input_.size())));
    if (name == "skip") return collection(input_.begin() + static_cast<std::ptrdiff_t>(count), input_.end());
    return collection(input_.begin(), input_.begin() + static_cast<std::ptrdiff_t>(count));
  }
  if (name == "intersect" || name == "exclude") {
    if (!arity(1, 1)) return {};
    collection other = arg(0);
    collection out;
    for (const auto& v : input_) {
      bool in_other = contains_item(other, v);
      if (name == "intersect" && in_other && !contains_item(out, v)) out.push_back(v);
      if (name == "exclude" && !in_other) out.push_back(v);
    }
    return out;
  }
  // combining
  if (name == "union") {
    if (!arity(1, 1)) return {};
    collection all = input_;
    collection other = arg(0);
    all.insert(all.end(), other.begin(), other.end());
    return distinct_of(all);
  }
  if (name == "combine") {
    if (!arity(1, 1)) return {};
    collection all = input_;
    collection other = arg(0);
    all.insert(all.end(), other.begin(), other.end());
    return all;
  }
  // utility / logic
  if (name == "iif") {
    if (!arity(2, 3)) return {};
    if (input_.size() > 1) return error("input must be a single item");
    frame inner = ctx_;
    if (!input_.empty()) inner.this_items = input_;
    auto branch = [&](size_t i) { return e_.eval(*fn_.children[i], inner); };
    collection criterion = branch(0);
    if (criterion.size() > 1 || (criterion.size() == 1 && criterion[0].kind != value_kind::boolean))
      return error("criterion must be a Boolean", error_kind::semantic);
    bool yes = !criterion.empty() && criterion[0].boolean;
    if (yes) return branch(1);
    if (fn_.children.size() < 3) return {};
    return branch(2);
  }
  if (name == "not") {
    if (!arity(0, 0)) return {};
    auto b = e_.to_boolean(input_, fn_.position);
    if (!b) return {};
    return {make_bool(!*b)};
  }
  if (name == "trace") {
    if (!arity(1, 2)) return {};
    return input_;
  }
  if (name == "today" || name == "now" || name == "timeOfDay") {
    if (!arity(0, 0)) return {};
    temporal t = e_.now();
    if (name == "today") {
      t.precision = 3;
      t.tz_minutes.reset();
      return {value::make_temporal(value_kind::date, t)};
    }
    if (name == "timeOfDay") {
      t.tz_minutes.reset();
      return {value::make_temporal(value_kind::time, t)};
    }
    return {value::make_temporal(value_kind::date_time, t)};
  }
  // conversions
  if (name == "toBoolean") return convert(convert_to_boolean, false);
  if (name == "convertsToBoolean") return convert(convert_to_boolean, true);
  if (name == "toInteger") return convert(convert_to_integer, false);
  if (name == "convertsToInteger") return convert(convert_to_integer, true);
  if (name == "toDecimal") return convert(convert_to_decimal, false);
  if (name == "convertsToDecimal") return convert(convert_to_decimal, true);
  if (name == "toString") return convert(convert_to_string, false);
  if (name == "convertsToString") return convert(convert_to_string, true);
  if (name == "toQuantity" || name == "convertsToQuantity") {
    if (!arity(0, 1)) return {};
    auto v = single_input();
    if (!v) return {};
    auto q = convert_to_quantity(*v);
    if (q && fn_.children.size() == 1) {
      auto unit = string_arg(0);
      if (unit && *unit != q->text) q.reset();  // no UCUM conversion
    }
    if (name == "convertsToQuantity") return {make_bool(q.has_value())};
    if (!q) return {};
    return {*q};
  }
  auto temporal_conversion = [&](value_kind kind, bool test) {
    return convert([kind](const value& v) { return convert_to_temporal(v, kind); }, test);
  };
  if (name == "toDate") return temporal_conversion(value_kind::date, false);
  if (name == "convertsToDate") return temporal_conversion(value_kind::date, true);
  if (name == "toDateTime") return temporal_conversion(value_kind::date_time, false);
  if (name == "convertsToDateTime") return temporal_conversion(value_kind::date_time, true);
  if (name == "toTime") return temporal_conversion(value_kind::time, false);
  if (name == "convertsToTime") return temporal_conversion(value_kind::time, true);
  // strings
  if (name == "startsWith" || name == "endsWith" || name == "contains") {
    if (!arity(1, 1)) return {};
    auto s = string_input();
    auto a = string_arg(0);
    if (!s || !a) return {};
    bool r = name == "startsWith"
                 ? s->rfind(*a, 0) == 0
                 : (name == "endsWith"
                        ? s->size() >= a->size() && s->compare(s->size() - a->size(), a->size(), *a) == 0
                        : s->find(*a) != std::string::npos);
    return {make_bool(r)};
  }
  if (name == "indexOf") {
    if (!arity(1, 1)) return {};
    auto s = string_input();
    auto a = string_arg(0);
    if (!s || !a) return {};
    auto p = s->find(*a);
    return {value::make_integer(p == std::string::npos ? -1 : static_cast<std::int64_t>(p))};
  }
  if (name == "substring") {
    if (!arity(1, 2)) return {};
    auto s = string_input();
    auto start = integer_arg(0);
    if (!s || !start) return {};
    if (*start < 0 || static_cast<size_t>(*start) >= s->size()) return {};
    std::optional<std::int64_t> length;
    if (fn_.children.size() == 2) {
      length = integer_arg(1);
      if (!length) return {value::make_string(s->substr(static_cast<size_t>(*start)))};
      if (*length < 0) length = 0;
    }
    return {value::make_string(length ? s->substr(static_cast<size_t>(*start), static_cast<size_t>(*length))
                                      : s->substr(static_cast<size_t>(*start)))};
  }
  if (name == "upper" || name == "lower") {
    if (!arity(0, 0)) return {};
    auto s = string_input();
    if (!s) return {};
    for (char& c : *s)
      c = static_cast<char>(name == "upper" ? std::toupper(static_cast<unsigned char>(c))
                                            : std::tolower(static_cast<unsigned char>(c)));
    return {value::make_string(*s)};
  }
  if (name == "trim") {
    if (!arity(0, 0)) return {};
    auto s = string_input();
    if (!s) return {};
    auto b = s->find_first_not_of(" \t\r\n");
    if (b == std::string::npos) return {value::make_string("")};
    auto e = s->find_last_not_of(" \t\r\n");
    return {value::make_string(s->substr(b, e - b + 1))};
  }
  if (name == "replace") {
    if (!arity(2, 2)) return {};
    auto s = string_input();
    auto pattern = string_arg(0);
    auto substitution = string_arg(1);
    if (!s || !pattern || !substitution) return {};
    std::string out;
    if (pattern->empty()) {
      out = *substitution;
      for (char c : *s) {
        out += c;
        out += *substitution;
      }
      return {value::make_string(out)};
    }
    size_t pos = 0;
    while (true) {
      auto found = s->find(*pattern, pos);
      if (found == std::string::npos) break;
      out += s->substr(pos, found - pos) + *substitution;
      pos = found + pattern->size();
    }
    out += s->substr(pos);
    return {value::make_string(out)};
  }
  if (name == "matches" || name == "matchesFull" || name == "replaceMatches") {
    bool replace = name == "replaceMatches";
    if (!arity(replace ? 2 : 1, replace ? 2 : 1)) return {};
    auto s = string_input();
    auto pattern = string_arg(0);
    if (!s || !pattern) return {};
    std::string problem;
    auto re = regex::compile(*pattern, &problem);
    if (!re) return error("invalid regular expression: " + problem);
    if (name == "matches") return {make_bool(re->search(*s))};
    if (name == "matchesFull") return {make_bool(re->full_match(*s))};
    auto substitution = string_arg(1);
    if (!substitution) return {};
    if (pattern->empty()) return {value::make_string(*s)};
    return {value::make_string(re->replace_all(*s, *substitution))};
  }
  if (name == "length") {
    if (!arity(0, 0)) return {};
    auto s = string_input();
    if (!s) return {};
    return {value::make_integer(static_cast<std::int64_t>(s->size()))};
  }
  if (name == "toChars") {
    if (!arity(0, 0)) return {};
    auto s = string_input();
    if (!s) return {};
    collection out;
    for (char c : *s) out.push_back(value::make_string(std::string(1, c)));
    return out;
  }
  if (name == "split") {
    if (!arity(1, 1)) return {};
    auto s = string_input();
    auto sep = string_arg(0);
    if (!s || !sep) return {};
    collection out;
    size_t pos = 0;
    while (!sep->empty()) {
      auto found = s->find(*sep, pos);
      if (found == std::string::npos) break;
      out.push_back(value::make_string(s->substr(pos, found - pos)));
      pos = found + sep->size();
    }
    out.push_back(value::make_string(s->substr(pos)));
    return out;
  }
  if (name == "join") {
    if (!arity(0, 1)) return {};
    std::string sep = fn_.children.empty() ? "" : string_arg(0).value_or("");
    std::string out;
    for (size_t i = 0; i < input_.size(); ++i) {
      if (input_[i].kind != value_kind::string) return error("input must be Strings");
      if (i > 0) out += sep;
      out += input_[i].text;
    }
    return {value::make_string(out)};
  }
  // math
  if (name == "abs")
    return math([](const value& v) -> collection {
      value r = v;
      if (v.kind == value_kind::integer)
        r.integer = std::llabs(v.integer);
      else
        r.decimal = std::fabs(v.decimal);
      return {r};
    });
  if (name == "ceiling" || name == "floor")
    return math([&](const value& v) -> collection {
      double d = name == "ceiling" ? std::ceil(number_of(v)) : std::floor(number_of(v));
      return {value::make_integer(static_cast<std::int64_t>(d))};
    });
  if (name == "truncate")
    return math([](const value& v) -> collection {
      return {value::make_integer(static_cast<std::int64_t>(std::trunc(number_of(v))))};
    });
  if (name == "round") {
    if (!arity(0, 1)) return {};
    auto v = single_input();
    if (!v) return {};
    if (!is_number(*v)) return error("input must be a number");
    std::int64_t precision = 0;
    if (fn_.children.size() == 1) {
      auto p = integer_arg(0);
      if (!p) return {};
      if (*p < 0) return error("precision must be >= 0");
      precision = *p;
    }
    double factor = std::pow(10.0, static_cast<double>(precision));
    double r = std::round(number_of(*v) * factor) / factor;
    return {value::make_decimal(r, static_cast<int>(precision))};
  }
  if (name == "sqrt")
    return math([](const value& v) -> collection {
      if (number_of(v) < 0) return {};
      return decimal_result(std::sqrt(number_of(v)));
    });
  if (name == "ln")
    return math([](const value& v) -> collection { return decimal_result(std::log(number_of(v))); });
  if (name == "exp")
    return math([](const value& v) -> collection { return decimal_result(std::exp(number_of(v))); });
  if (name == "log") {
    if (!arity(1, 1)) return {};
    auto v = single_input();
    auto base = single_arg(0);
    if (!v || !base) return {};
    if (!is_number(*v) || !is_number(*base)) return error("operands must be numbers");
    return decimal_result(std::log(number_of(*v)) / std::log(number_of(*base)));
  }
  if (name == "power") {
    if (!arity(1, 1)) return {};
    auto v = single_input();
    auto exponent = single_arg(0);
    if (!v || !exponent) return {};
    if (!is_number(*v) || !is_number(*exponent)) return error("operands must be numbers");
    double r = std::pow(number_of(*v), number_of(*exponent));
    if (std::isnan(r)) return {};
    if (v->kind == value_kind::integer && exponent->kind == value_kind::integer && exponent->integer >= 0)
      return {value::make_integer(static_cast<std::int64_t>(r))};
    return decimal_result(r);
  }
  // tree navigation
  if (name == "children" || name == "descendants") {
    if (!arity(0, 0)) return {};
    collection out;
    for (const auto& v : input_) e_.children_of(v, out);
    if (name == "children") return out;
    collection all;
    collection work = out;
    while (!work.empty()) {
      all.insert(all.end(), work.begin(), work.end());
      collection next;
      for (const auto& v : work) e_.children_of(v, next);
      work = std::move(next);
    }
    return all;
  }
  if (name == "hasValue") {
    if (!arity(0, 0)) return {};
    return {make_bool(input_.size() == 1 && input_[0].kind != value_kind::node)};
  }
  if (name == "extension") {
    if (!arity(1, 1)) return {};
    auto url = string_arg(0);
    if (!url) return {};
    collection out;
    for (const auto& v : input_) {
      collection extensions;
      e_.navigate(v, "extension", extensions);
      for (const auto& x : extensions) {
        collection u;
        e_.navigate(x, "url", u);
        if (u.size() == 1 && u[0].kind == value_kind::string && u[0].text == *url) out.push_back(x);
      }
    }
    return out;
  }
  if (name == "encode" || name == "decode" || name == "escape" || name == "unescape") {
    if (!arity(1, 1)) return {};
    auto s = string_input();
    auto format = string_arg(0);
    if (!s || !format) return {};
    if (name == "escape" || name == "unescape") {
      if (*format != "html" && *format != "json") return error("unknown format " + *format);
      bool html = *format == "html";
      return {value::make_string(name == "escape" ? escape_text(*s, html) : unescape_text(*s, html))};
    }
    if (*format == "hex") {
      static constexpr std::string_view digits = "0123456789abcdef";
      std::string out;
      if (name == "encode") {
        for (char c : *s) {
          out += digits[(static_cast<unsigned char>(c) >> 4) & 0xF];
          out += digits[static_cast<unsigned char>(c) & 0xF];
        }
        return {value::make_string(out)};
      }
      if (s->size() % 2 != 0) return {};
      for (std::size_t i = 0; i < s->size(); i += 2)
        out += static_cast<char>(std::strtol(s->substr(i, 2).c_str(), nullptr, 16));
      return {value::make_string(out)};
    }
    if (*format != "base64" && *format != "urlbase64") return error("unknown format " + *format);
    if (name == "encode") return {value::make_string(base64_encode(*s, *format == "urlbase64"))};
    auto decoded = base64_decode(*s);
    if (!decoded) return {};
    return {value::make_string(*decoded)};
  }
  if (name == "precision") {
    if (!arity(0, 0)) return {};
    auto v = single_input();
    if (!v) return {};
    if (v->kind == value_kind::decimal) return {value::make_integer(v->scale)};
    static constexpr std::array<int, 8> date_digits{0, 4, 6, 8, 10, 12, 14, 17};
    static constexpr std::array<int, 8> time_digits{0, 0, 0, 0, 2, 4, 6, 9};
    auto p = static_cast<std::size_t>(std::clamp(v->time_value.precision, 0, 7));
    if (v->kind == value_kind::date || v->kind == value_kind::date_time)
      return {value::make_integer(date_digits[p])};
    if (v->kind == value_kind::time) return {value::make_integer(time_digits[p])};
    return {};
  }
  if (name == "sort") {
    struct key_spec {
      const node* expr;
      bool descending;
    };
    std::vector<key_spec> keys;
    for (const auto& child : fn_.children) {
      if (child->kind == node_kind::unary && child->name == "-")
        keys.push_back({child->children[0].get(), true});
      else
        keys.push_back({child.get(), false});
    }
    std::vector<std::pair<std::vector<collection>, value>> rows;
    for (size_t i = 0; i < input_.size(); ++i) {
      frame f;
      f.this_items = {input_[i]};
      f.index = static_cast<std::int64_t>(i);
      std::vector<collection> values;
      for (const auto& k : keys) values.push_back(e_.eval(*k.expr, f));
      if (keys.empty()) values.push_back({input_[i]});
      rows.emplace_back(std::move(values), input_[i]);
    }
    auto ordering = [&](const auto& a, const auto& b) {
      for (size_t k = 0; k < a.first.size(); ++k) {
        const collection& x = a.first[k];
        const collection& y = b.first[k];
        bool descending = !keys.empty() && keys[k].descending;
        if (x.empty() || y.empty()) {
          if (x.empty() == y.empty()) continue;
          return x.empty();  // empty keys sort first in either direction
        }
        bool comparable = true;
        auto c = compare(x[0], y[0], comparable);
        if (!c || *c == 0) continue;
        return (*c < 0) != descending;
      }
      return false;
    };
    std::stable_sort(rows.begin(), rows.end(), ordering);
    collection out;
    for (auto& row : rows) out.push_back(std::move(row.second));
    return out;
  }
  if (is_known_function(name)) return error("not implemented", error_kind::semantic);
  return error("unknown function", error_kind::semantic);
}

}  // namespace

collection call_function(engine& e, const node& fn, const collection& input, const frame& ctx) {
  return call(e, fn, input, ctx).run();
}

}  // namespace detail

}  // namespace homebase::fhir::fhirpath
