#include "fhir/fhirpath/functions.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <unordered_set>
#include <utility>

#include "fhir/fhirpath/engine.hpp"
#include "fhir/fhirpath/regex.hpp"
#include "fhir/fhirpath/xhtml.hpp"
#include "fhir/xml_text.hpp"

namespace homebase::fhir::fhirpath {

namespace {

struct function_name {
  std::string_view name;
  function_id id;
};

constexpr std::array<function_name, 96> function_names{{
    {"empty", function_id::empty},
    {"exists", function_id::exists},
    {"all", function_id::all},
    {"allTrue", function_id::all_true},
    {"anyTrue", function_id::any_true},
    {"allFalse", function_id::all_false},
    {"anyFalse", function_id::any_false},
    {"count", function_id::count},
    {"first", function_id::first},
    {"last", function_id::last},
    {"tail", function_id::tail},
    {"skip", function_id::skip},
    {"take", function_id::take},
    {"single", function_id::single},
    {"where", function_id::where},
    {"select", function_id::select},
    {"repeat", function_id::repeat},
    {"distinct", function_id::distinct},
    {"isDistinct", function_id::is_distinct},
    {"ofType", function_id::of_type},
    {"is", function_id::is},
    {"as", function_id::as},
    {"iif", function_id::iif},
    {"not", function_id::not_fn},
    {"union", function_id::union_fn},
    {"combine", function_id::combine},
    {"intersect", function_id::intersect},
    {"exclude", function_id::exclude},
    {"subsetOf", function_id::subset_of},
    {"supersetOf", function_id::superset_of},
    {"toString", function_id::to_string},
    {"toInteger", function_id::to_integer},
    {"toDecimal", function_id::to_decimal},
    {"toBoolean", function_id::to_boolean},
    {"toQuantity", function_id::to_quantity},
    {"toDate", function_id::to_date},
    {"toDateTime", function_id::to_date_time},
    {"toTime", function_id::to_time},
    {"convertsToString", function_id::converts_to_string},
    {"convertsToInteger", function_id::converts_to_integer},
    {"convertsToDecimal", function_id::converts_to_decimal},
    {"convertsToBoolean", function_id::converts_to_boolean},
    {"convertsToQuantity", function_id::converts_to_quantity},
    {"convertsToDate", function_id::converts_to_date},
    {"convertsToDateTime", function_id::converts_to_date_time},
    {"convertsToTime", function_id::converts_to_time},
    {"startsWith", function_id::starts_with},
    {"endsWith", function_id::ends_with},
    {"contains", function_id::contains},
    {"indexOf", function_id::index_of},
    {"substring", function_id::substring},
    {"upper", function_id::upper},
    {"lower", function_id::lower},
    {"replace", function_id::replace},
    {"matches", function_id::matches},
    {"matchesFull", function_id::matches_full},
    {"replaceMatches", function_id::replace_matches},
    {"length", function_id::length},
    {"toChars", function_id::to_chars},
    {"trim", function_id::trim},
    {"split", function_id::split},
    {"join", function_id::join},
    {"encode", function_id::encode},
    {"decode", function_id::decode},
    {"escape", function_id::escape},
    {"unescape", function_id::unescape},
    {"children", function_id::children},
    {"descendants", function_id::descendants},
    {"trace", function_id::trace},
    {"today", function_id::today},
    {"now", function_id::now},
    {"timeOfDay", function_id::time_of_day},
    {"abs", function_id::abs},
    {"ceiling", function_id::ceiling},
    {"floor", function_id::floor},
    {"round", function_id::round},
    {"sqrt", function_id::sqrt},
    {"ln", function_id::ln},
    {"log", function_id::log},
    {"power", function_id::power},
    {"exp", function_id::exp},
    {"truncate", function_id::truncate},
    {"precision", function_id::precision},
    {"lowBoundary", function_id::low_boundary},
    {"highBoundary", function_id::high_boundary},
    {"comparable", function_id::comparable},
    {"type", function_id::type},
    {"hasValue", function_id::has_value},
    {"getValue", function_id::get_value},
    {"extension", function_id::extension},
    {"aggregate", function_id::aggregate},
    {"sort", function_id::sort},
    {"resolve", function_id::resolve},
    {"memberOf", function_id::member_of},
    {"conformsTo", function_id::conforms_to},
    {"htmlChecks", function_id::html_checks},
}};

}  // namespace

function_id find_function(std::string_view name) {
  for (const auto& f : function_names)
    if (f.name == name) return f.id;
  return function_id::unknown;
}

bool is_known_function(std::string_view name) {
  return find_function(name) != function_id::unknown;
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

bool contains_item(std::span<const value> c, const value& v) {
  return std::any_of(c.begin(), c.end(), [&](const value& x) { return equals(x, v).value_or(false); });
}

// Whether every item is a String (codes, ids, urls: what R4's uniqueness invariants compare).
bool all_strings(std::span<const value> c) {
  return std::all_of(c.begin(), c.end(), [](const value& v) { return v.kind == value_kind::string; });
}

collection distinct_of(std::span<const value> c) {
  collection out;
  if (all_strings(c)) {  // linear: String equality is equality of the text
    std::unordered_set<std::string_view> seen;
    seen.reserve(c.size());
    for (const auto& v : c)
      if (seen.insert(v.text).second) out.push_back(v);
    return out;
  }
  for (const auto& v : c)
    if (!contains_item(out, v)) out.push_back(v);
  return out;
}

// The comparisons distinct_of() makes: linear for Strings, quadratic otherwise.
std::size_t distinct_cost(std::span<const value> c) {
  return all_strings(c) ? c.size() : c.size() * c.size() / 2;
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
    std::string lower(v.text);
    for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
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
    return value::make_quantity_view(number_of(v), v.kind == value_kind::decimal ? v.scale : 0, "1");
  if (v.kind == value_kind::boolean) return value::make_quantity_view(v.boolean ? 1 : 0, 1, "1");
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
    if (space == std::string_view::npos) return value::make_quantity_view(d->decimal, d->scale, "1");
    std::string_view unit = s.substr(space + 1);
    while (!unit.empty() && unit.front() == ' ') unit.remove_prefix(1);
    if (unit.size() >= 2 && unit.front() == '\'' && unit.back() == '\'')
      unit = unit.substr(1, unit.size() - 2);
    else if (calendar_unit(unit).empty())
      return std::nullopt;
    value q = value::make_quantity_view(d->decimal, d->scale, unit);
    q.storage = v.storage;  // the unit points into the input's text
    return q;
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
  if (v.kind == value_kind::node || v.kind == value_kind::type_info) return std::nullopt;
  if (v.kind == value_kind::string) {
    value r = value::make_string_view(v.text);
    r.storage = v.storage;
    return r;
  }
  return value::make_string(to_text(v));
}

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

class call {
 public:
  call(engine& e, const node& fn, std::span<const value> input, const frame& ctx)
      : e_(e), fn_(fn), input_(input), ctx_(ctx) {}

  collection run();

 private:
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

  [[nodiscard]] collection input_copy() const { return collection(input_.begin(), input_.end()); }

  // Evaluates argument i against the context of the call (not per item).
  collection arg(size_t i) const { return e_.eval(*fn_.children[i], ctx_); }

  // Evaluates argument i with $this = item, $index = index (and $total for aggregate()).
  collection arg_for(size_t i, const value& item, std::int64_t index,
                     const collection* total = nullptr) const {
    frame f;
    f.this_items = std::span<const value>(&item, 1);
    f.index = index;
    f.total = total;
    return e_.eval(*fn_.children[i], f);
  }

  // Whether argument i is true for `item` (an error is recorded when it is a collection).
  bool criterion(const value& item, size_t index) const {
    return e_.to_boolean(arg_for(0, item, static_cast<std::int64_t>(index)), fn_.position) == true;
  }

  std::optional<value> single_arg(size_t i) const {
    collection c = arg(i);
    if (c.empty()) return std::nullopt;
    if (c.size() > 1) {
      error("argument must be a single item");
      return std::nullopt;
    }
    return std::move(c[0]);
  }

  // A String argument (the value keeps its text alive).
  std::optional<value> string_arg(size_t i) const {
    auto v = single_arg(i);
    if (v && v->kind != value_kind::string) {
      error("argument must be a String");
      return std::nullopt;
    }
    return v;
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

  std::optional<value> string_input() const {
    auto v = single_input();
    if (v && v->kind != value_kind::string) {
      error("input must be a String");
      return std::nullopt;
    }
    return v;
  }

  // The type named by the single argument of is()/as()/ofType() ("Patient", "FHIR.Patient").
  std::optional<std::string> type_arg() const {
    if (!arity(1, 1)) return std::nullopt;
    const node& a = *fn_.children[0];
    std::optional<std::string> name;
    if (a.kind == node_kind::identifier) name = a.name;
    if (a.kind == node_kind::invocation && a.children[0]->kind == node_kind::identifier &&
        a.children[1]->kind == node_kind::identifier)
      name = a.children[0]->name + "." + a.children[1]->name;
    if (!name) {
      error("type name expected", error_kind::semantic);
      return std::nullopt;
    }
    if (!e_.known_type(*name)) {
      error("unknown type '" + *name + "'");
      return std::nullopt;
    }
    return name;
  }

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
    return {std::move(*r)};
  }

  template <typename F>
  collection math(F f) const {
    if (!arity(0, 0)) return {};
    auto v = single_input();
    if (!v) return {};
    if (!is_number(*v) && v->kind != value_kind::quantity) return error("input must be a number");
    return f(*v);
  }

  collection string_test();
  collection string_transform();
  collection regex_function();
  collection math_function();
  collection encoding();
  collection sort();
  collection boundary(bool high);
  collection type_of();
  collection resolve();
  collection member_of();
  collection conforms_to();
  collection html_checks();
  collection comparable();

  engine& e_;
  const node& fn_;
  std::span<const value> input_;
  const frame& ctx_;
};

collection call::run() {
  const function_id id = fn_.function;
  switch (id) {
    // existence
    case function_id::empty:
      if (!arity(0, 0)) return {};
      return {make_bool(input_.empty())};
    case function_id::exists:
      if (!arity(0, 1)) return {};
      if (fn_.children.empty()) return {make_bool(!input_.empty())};
      for (size_t i = 0; i < input_.size() && !e_.failed(); ++i)
        if (criterion(input_[i], i)) return {make_bool(true)};
      return {make_bool(false)};
    case function_id::all:
      if (!arity(1, 1)) return {};
      for (size_t i = 0; i < input_.size() && !e_.failed(); ++i)
        if (!criterion(input_[i], i)) return {make_bool(false)};
      return {make_bool(true)};
    case function_id::all_true:
      return boolean_aggregate(true, true);
    case function_id::all_false:
      return boolean_aggregate(true, false);
    case function_id::any_true:
      return boolean_aggregate(false, true);
    case function_id::any_false:
      return boolean_aggregate(false, false);
    case function_id::count:
      if (!arity(0, 0)) return {};
      return {value::make_integer(static_cast<std::int64_t>(input_.size()))};
    case function_id::is_distinct:
      if (!arity(0, 0) || !e_.charge(distinct_cost(input_), fn_.position)) return {};
      return {make_bool(distinct_of(input_).size() == input_.size())};
    case function_id::distinct:
      if (!arity(0, 0) || !e_.charge(distinct_cost(input_), fn_.position)) return {};
      return distinct_of(input_);
    case function_id::subset_of:
    case function_id::superset_of: {
      if (!arity(1, 1)) return {};
      collection other = arg(0);
      bool subset = id == function_id::subset_of;
      std::span<const value> small = subset ? input_ : std::span<const value>(other);
      std::span<const value> big = subset ? std::span<const value>(other) : input_;
      if (!e_.charge(small.size() * big.size(), fn_.position)) return {};
      for (const auto& v : small)
        if (!contains_item(big, v)) return {make_bool(false)};
      return {make_bool(true)};
    }
    // filtering and projection
    case function_id::where: {
      if (!arity(1, 1)) return {};
      collection out;
      for (size_t i = 0; i < input_.size() && !e_.failed(); ++i)
        if (criterion(input_[i], i)) out.push_back(input_[i]);
      return out;
    }
    case function_id::select: {
      if (!arity(1, 1)) return {};
      collection out;
      for (size_t i = 0; i < input_.size() && !e_.failed(); ++i) {
        collection r = arg_for(0, input_[i], static_cast<std::int64_t>(i));
        if (out.empty())
          out = std::move(r);
        else
          out.insert(out.end(), std::make_move_iterator(r.begin()), std::make_move_iterator(r.end()));
      }
      return out;
    }
    case function_id::repeat: {
      if (!arity(1, 1)) return {};
      collection out;
      collection work = input_copy();
      while (!work.empty() && !e_.failed()) {
        collection next;
        for (size_t i = 0; i < work.size(); ++i) {
          for (auto& r : arg_for(0, work[i], static_cast<std::int64_t>(i))) {
            if (!e_.charge(out.size(), fn_.position)) return {};
            if (contains_item(out, r)) continue;
            out.push_back(r);
            next.push_back(std::move(r));
          }
        }
        work = std::move(next);
      }
      return out;
    }
    case function_id::aggregate: {
      if (!arity(1, 2)) return {};
      collection total = fn_.children.size() > 1 ? arg(1) : collection{};
      for (size_t i = 0; i < input_.size() && !e_.failed(); ++i)
        total = arg_for(0, input_[i], static_cast<std::int64_t>(i), &total);
      return total;
    }
    case function_id::of_type: {
      auto type = type_arg();
      if (!type) return {};
      collection out;
      for (const auto& v : input_)
        if (e_.is_type(v, *type, true)) out.push_back(v);
      return out;
    }
    case function_id::is:
    case function_id::as: {
      auto type = type_arg();
      if (!type || input_.empty()) return {};
      if (input_.size() > 1) return error("input must be a single item");
      bool as = id == function_id::as;
      bool match = e_.is_type(input_[0], *type, as);
      if (!as) return {make_bool(match)};
      return match ? input_copy() : collection{};
    }
    // subsetting
    case function_id::single:
      if (!arity(0, 0)) return {};
      if (input_.size() > 1) return error("input has more than one item");
      return input_copy();
    case function_id::first:
      if (!arity(0, 0)) return {};
      return input_.empty() ? collection{} : collection{input_.front()};
    case function_id::last:
      if (!arity(0, 0)) return {};
      return input_.empty() ? collection{} : collection{input_.back()};
    case function_id::tail:
      if (!arity(0, 0)) return {};
      return input_.size() <= 1 ? collection{} : collection(input_.begin() + 1, input_.end());
    case function_id::skip:
    case function_id::take: {
      if (!arity(1, 1)) return {};
      auto n = integer_arg(0);
      bool skip = id == function_id::skip;
      if (!n) return skip && !e_.failed() ? input_copy() : collection{};
      auto count = static_cast<std::ptrdiff_t>(
          std::clamp<std::int64_t>(*n, 0, static_cast<std::int64_t>(input_.size())));
      if (skip) return collection(input_.begin() + count, input_.end());
      return collection(input_.begin(), input_.begin() + count);
    }
    case function_id::intersect:
    case function_id::exclude: {
      if (!arity(1, 1)) return {};
      collection other = arg(0);
      if (!e_.charge(input_.size() * (other.size() + input_.size()), fn_.position)) return {};
      collection out;
      for (const auto& v : input_) {
        bool in_other = contains_item(other, v);
        if (id == function_id::intersect && in_other && !contains_item(out, v)) out.push_back(v);
        if (id == function_id::exclude && !in_other) out.push_back(v);
      }
      return out;
    }
    // combining
    case function_id::union_fn:
    case function_id::combine: {
      if (!arity(1, 1)) return {};
      collection all = input_copy();
      collection other = arg(0);
      all.insert(all.end(), other.begin(), other.end());
      if (id == function_id::union_fn && !e_.charge(distinct_cost(all), fn_.position)) return {};
      return id == function_id::union_fn ? distinct_of(all) : all;
    }
    // utility / logic
    case function_id::iif: {
      if (!arity(2, 3)) return {};
      if (input_.size() > 1) return error("input must be a single item");
      frame inner = ctx_;
      inner.this_items =
          input_;  // arguments see the input, also when it is empty (ctm-1: resolve().iif(empty(), ...))
      auto branch = [&](size_t i) { return e_.eval(*fn_.children[i], inner); };
      collection condition = branch(0);
      if (condition.size() > 1 || (condition.size() == 1 && condition[0].kind != value_kind::boolean))
        return error("criterion must be a Boolean", error_kind::semantic);
      bool yes = !condition.empty() && condition[0].boolean;
      if (yes) return branch(1);
      if (fn_.children.size() < 3) return {};
      return branch(2);
    }
    case function_id::not_fn: {
      if (!arity(0, 0)) return {};
      auto b = e_.to_boolean(input_copy(), fn_.position);
      if (!b) return {};
      return {make_bool(!*b)};
    }
    case function_id::trace:
      if (!arity(1, 2)) return {};
      return input_copy();
    case function_id::today:
    case function_id::now:
    case function_id::time_of_day: {
      if (!arity(0, 0)) return {};
      temporal t = e_.now();
      if (id == function_id::today) {
        t.precision = 3;
        t.tz_minutes.reset();
        return {value::make_temporal(value_kind::date, t)};
      }
      if (id == function_id::time_of_day) {
        t.tz_minutes.reset();
        return {value::make_temporal(value_kind::time, t)};
      }
      return {value::make_temporal(value_kind::date_time, t)};
    }
    // conversions
    case function_id::to_boolean:
    case function_id::converts_to_boolean:
      return convert(convert_to_boolean, id == function_id::converts_to_boolean);
    case function_id::to_integer:
    case function_id::converts_to_integer:
      return convert(convert_to_integer, id == function_id::converts_to_integer);
    case function_id::to_decimal:
    case function_id::converts_to_decimal:
      return convert(convert_to_decimal, id == function_id::converts_to_decimal);
    case function_id::to_string:
    case function_id::converts_to_string:
      return convert(convert_to_string, id == function_id::converts_to_string);
    case function_id::to_quantity:
    case function_id::converts_to_quantity: {
      if (!arity(0, 1)) return {};
      auto v = single_input();
      if (!v) return {};
      auto q = convert_to_quantity(*v);
      if (q && fn_.children.size() == 1) {
        auto unit = string_arg(0);
        if (!unit) return {};
        q = convert_quantity(*q, unit->text);
        if (q) q->storage = unit->storage;  // the unit may point into the argument's text
      }
      if (id == function_id::converts_to_quantity) return {make_bool(q.has_value())};
      if (!q) return {};
      return {std::move(*q)};
    }
    case function_id::to_date:
    case function_id::converts_to_date:
    case function_id::to_date_time:
    case function_id::converts_to_date_time:
    case function_id::to_time:
    case function_id::converts_to_time: {
      value_kind kind = (id == function_id::to_date || id == function_id::converts_to_date) ? value_kind::date
                        : (id == function_id::to_time || id == function_id::converts_to_time)
                            ? value_kind::time
                            : value_kind::date_time;
      bool test = id == function_id::converts_to_date || id == function_id::converts_to_date_time ||
                  id == function_id::converts_to_time;
      return convert([kind](const value& v) { return convert_to_temporal(v, kind); }, test);
    }
    // strings
    case function_id::starts_with:
    case function_id::ends_with:
    case function_id::contains:
    case function_id::index_of:
      return string_test();
    case function_id::substring:
    case function_id::upper:
    case function_id::lower:
    case function_id::trim:
    case function_id::replace:
    case function_id::length:
    case function_id::to_chars:
    case function_id::split:
    case function_id::join:
      return string_transform();
    case function_id::matches:
    case function_id::matches_full:
    case function_id::replace_matches:
      return regex_function();
    case function_id::encode:
    case function_id::decode:
    case function_id::escape:
    case function_id::unescape:
      return encoding();
    // math
    case function_id::abs:
    case function_id::ceiling:
    case function_id::floor:
    case function_id::truncate:
    case function_id::round:
    case function_id::sqrt:
    case function_id::ln:
    case function_id::exp:
    case function_id::log:
    case function_id::power:
      return math_function();
    case function_id::precision: {
      if (!arity(0, 0)) return {};
      auto v = single_input();
      if (!v) return {};
      if (v->kind == value_kind::decimal) return {value::make_integer(v->scale)};
      if (v->kind == value_kind::integer) return {value::make_integer(0)};
      static constexpr std::array<int, 8> date_digits{0, 4, 6, 8, 10, 12, 14, 17};
      static constexpr std::array<int, 8> time_digits{0, 0, 0, 0, 2, 4, 6, 9};
      auto p = static_cast<std::size_t>(std::clamp(v->time_value.precision, 0, 7));
      if (v->kind == value_kind::date || v->kind == value_kind::date_time)
        return {value::make_integer(date_digits[p])};
      if (v->kind == value_kind::time) return {value::make_integer(time_digits[p])};
      return {};
    }
    case function_id::low_boundary:
    case function_id::high_boundary:
      return boundary(id == function_id::high_boundary);
    case function_id::comparable:
      return comparable();
    case function_id::type:
      return type_of();
    case function_id::sort:
      return sort();
    // tree navigation
    case function_id::children:
    case function_id::descendants: {
      if (!arity(0, 0)) return {};
      collection out;
      for (const auto& v : input_) e_.children_of(v, out);
      if (id == function_id::children) return out;
      collection all;
      collection work = std::move(out);
      while (!work.empty()) {
        collection next;
        for (const auto& v : work) e_.children_of(v, next);
        all.insert(all.end(), std::make_move_iterator(work.begin()), std::make_move_iterator(work.end()));
        work = std::move(next);
      }
      return all;
    }
    // FHIR additions
    case function_id::has_value:
      if (!arity(0, 0)) return {};
      return {make_bool(input_.size() == 1 && input_[0].kind != value_kind::node &&
                        input_[0].kind != value_kind::type_info)};
    case function_id::get_value: {
      if (!arity(0, 0)) return {};
      if (input_.size() != 1 || input_[0].kind == value_kind::node || input_[0].kind == value_kind::type_info)
        return {};
      value v = input_[0];
      v.node = nullptr;  // the System value of a FHIR primitive
      v.element = nullptr;
      v.fhir_type = {};
      v.model_key = {};
      return {std::move(v)};
    }
    case function_id::extension: {
      if (!arity(1, 1)) return {};
      auto url = string_arg(0);
      if (!url) return {};
      collection out;
      collection extensions;
      collection u;
      for (const auto& v : input_) {
        extensions.clear();
        e_.navigate(v, "extension", extensions);
        for (const auto& x : extensions) {
          u.clear();
          e_.navigate(x, "url", u);
          if (u.size() == 1 && u[0].kind == value_kind::string && u[0].text == url->text) out.push_back(x);
        }
      }
      return out;
    }
    case function_id::resolve:
      return resolve();
    case function_id::member_of:
      return member_of();
    case function_id::conforms_to:
      return conforms_to();
    case function_id::html_checks:
      return html_checks();
    case function_id::unknown:
      break;
  }
  return error("unknown function", error_kind::semantic);
}

collection call::string_test() {
  if (!arity(1, 1)) return {};
  auto s = string_input();
  auto a = string_arg(0);
  if (!s || !a) return {};
  std::string_view text = s->text;
  std::string_view part = a->text;
  switch (fn_.function) {
    case function_id::starts_with:
      return {make_bool(text.substr(0, part.size()) == part)};
    case function_id::ends_with:
      return {make_bool(text.size() >= part.size() && text.substr(text.size() - part.size()) == part)};
    case function_id::contains:
      return {make_bool(text.find(part) != std::string_view::npos)};
    default: {
      auto p = text.find(part);
      return {value::make_integer(p == std::string_view::npos ? -1 : static_cast<std::int64_t>(p))};
    }
  }
}

collection call::string_transform() {
  const function_id id = fn_.function;
  // a borrowed part of the input's text (kept alive with the input's storage)
  auto part = [](const value& s, std::string_view text) {
    value r = value::make_string_view(text);
    r.storage = s.storage;
    return r;
  };
  switch (id) {
    case function_id::substring: {
      if (!arity(1, 2)) return {};
      auto s = string_input();
      auto start = integer_arg(0);
      if (!s || !start) return {};
      std::string_view text = s->text;
      if (*start < 0 || static_cast<size_t>(*start) >= text.size()) return {};
      auto from = static_cast<size_t>(*start);
      if (fn_.children.size() == 2) {
        auto length = integer_arg(1);
        if (!length) return e_.failed() ? collection{} : collection{part(*s, text.substr(from))};
        return {part(*s, text.substr(from, static_cast<size_t>(std::max<std::int64_t>(*length, 0))))};
      }
      return {part(*s, text.substr(from))};
    }
    case function_id::upper:
    case function_id::lower: {
      if (!arity(0, 0)) return {};
      auto s = string_input();
      if (!s) return {};
      std::string out(s->text);
      for (char& c : out)
        c = static_cast<char>(id == function_id::upper ? std::toupper(static_cast<unsigned char>(c))
                                                       : std::tolower(static_cast<unsigned char>(c)));
      return {value::make_string(std::move(out))};
    }
    case function_id::trim: {
      if (!arity(0, 0)) return {};
      auto s = string_input();
      if (!s) return {};
      std::string_view text = s->text;
      auto b = text.find_first_not_of(" \t\r\n");
      if (b == std::string_view::npos) return {value::make_string_view("")};
      auto e = text.find_last_not_of(" \t\r\n");
      return {part(*s, text.substr(b, e - b + 1))};
    }
    case function_id::replace: {
      if (!arity(2, 2)) return {};
      auto s = string_input();
      auto pattern = string_arg(0);
      auto substitution = string_arg(1);
      if (!s || !pattern || !substitution) return {};
      std::string_view text = s->text;
      std::string_view from = pattern->text;
      std::string_view to = substitution->text;
      std::string out;
      if (from.empty()) {
        out = to;
        for (char c : text) {
          out += c;
          out.append(to);
        }
        return {value::make_string(std::move(out))};
      }
      size_t pos = 0;
      while (true) {
        auto found = text.find(from, pos);
        if (found == std::string_view::npos) break;
        out.append(text.substr(pos, found - pos)).append(to);
        pos = found + from.size();
      }
      out.append(text.substr(pos));
      return {value::make_string(std::move(out))};
    }
    case function_id::length: {
      if (!arity(0, 0)) return {};
      auto s = string_input();
      if (!s) return {};
      return {value::make_integer(static_cast<std::int64_t>(s->text.size()))};
    }
    case function_id::to_chars: {
      if (!arity(0, 0)) return {};
      auto s = string_input();
      if (!s) return {};
      collection out;
      for (size_t i = 0; i < s->text.size(); ++i) out.push_back(part(*s, s->text.substr(i, 1)));
      return out;
    }
    case function_id::split: {
      if (!arity(1, 1)) return {};
      auto s = string_input();
      auto sep = string_arg(0);
      if (!s || !sep) return {};
      std::string_view text = s->text;
      std::string_view separator = sep->text;
      collection out;
      size_t pos = 0;
      while (!separator.empty()) {
        auto found = text.find(separator, pos);
        if (found == std::string_view::npos) break;
        out.push_back(part(*s, text.substr(pos, found - pos)));
        pos = found + separator.size();
      }
      out.push_back(part(*s, text.substr(pos)));
      return out;
    }
    default: {  // join
      if (!arity(0, 1)) return {};
      std::optional<value> sep;
      if (!fn_.children.empty()) sep = string_arg(0);
      std::string out;
      for (size_t i = 0; i < input_.size(); ++i) {
        if (input_[i].kind != value_kind::string) return error("input must be Strings");
        if (i > 0 && sep) out.append(sep->text);
        out.append(input_[i].text);
      }
      return {value::make_string(std::move(out))};
    }
  }
}

collection call::regex_function() {
  const function_id id = fn_.function;
  bool replace = id == function_id::replace_matches;
  if (!arity(replace ? 2 : 1, replace ? 2 : 1)) return {};
  auto s = string_input();
  auto pattern = string_arg(0);
  if (!s || !pattern) return {};
  std::optional<regex> compiled;
  const regex* re = fn_.pattern.get();
  if (re == nullptr) {
    std::string problem;
    compiled = regex::compile(pattern->text, &problem);
    if (!compiled) return error("invalid regular expression: " + problem);
    re = &*compiled;
  }
  if (id == function_id::matches) return {make_bool(re->search(s->text))};
  if (id == function_id::matches_full) return {make_bool(re->full_match(s->text))};
  auto substitution = string_arg(1);
  if (!substitution) return {};
  if (pattern->text.empty()) return {*s};
  return {value::make_string(re->replace_all(s->text, substitution->text))};
}

collection call::math_function() {
  const function_id id = fn_.function;
  switch (id) {
    case function_id::abs:
      return math([](const value& v) -> collection {
        value r = v;
        if (v.kind == value_kind::integer)
          r.integer = v.integer < 0 ? -v.integer : v.integer;
        else
          r.decimal = std::fabs(v.decimal);
        return {r};
      });
    case function_id::ceiling:
    case function_id::floor:
      return math([id](const value& v) -> collection {
        double d = id == function_id::ceiling ? std::ceil(number_of(v)) : std::floor(number_of(v));
        return {value::make_integer(static_cast<std::int64_t>(d))};
      });
    case function_id::truncate:
      return math([](const value& v) -> collection {
        return {value::make_integer(static_cast<std::int64_t>(std::trunc(number_of(v))))};
      });
    case function_id::round: {
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
    case function_id::sqrt:
      return math([](const value& v) -> collection {
        if (number_of(v) < 0) return {};
        return decimal_result(std::sqrt(number_of(v)));
      });
    case function_id::ln:
      return math([](const value& v) -> collection { return decimal_result(std::log(number_of(v))); });
    case function_id::exp:
      return math([](const value& v) -> collection { return decimal_result(std::exp(number_of(v))); });
    case function_id::log: {
      if (!arity(1, 1)) return {};
      auto v = single_input();
      auto base = single_arg(0);
      if (!v || !base) return {};
      if (!is_number(*v) || !is_number(*base)) return error("operands must be numbers");
      return decimal_result(std::log(number_of(*v)) / std::log(number_of(*base)));
    }
    default: {  // power
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
  }
}

collection call::encoding() {
  const function_id id = fn_.function;
  if (!arity(1, 1)) return {};
  auto s = string_input();
  auto format_arg = string_arg(0);
  if (!s || !format_arg) return {};
  std::string_view text = s->text;
  std::string_view format = format_arg->text;
  if (id == function_id::escape || id == function_id::unescape) {
    if (format != "html" && format != "json") return error("unknown format " + std::string(format));
    bool html = format == "html";
    return {
        value::make_string(id == function_id::escape ? escape_text(text, html) : unescape_text(text, html))};
  }
  if (format == "hex") {
    static constexpr std::string_view digits = "0123456789abcdef";
    std::string out;
    if (id == function_id::encode) {
      for (char c : text) {
        out += digits[(static_cast<unsigned char>(c) >> 4) & 0xF];
        out += digits[static_cast<unsigned char>(c) & 0xF];
      }
      return {value::make_string(std::move(out))};
    }
    if (text.size() % 2 != 0) return {};
    for (std::size_t i = 0; i < text.size(); i += 2) {
      auto hi = digits.find(static_cast<char>(std::tolower(static_cast<unsigned char>(text[i]))));
      auto lo = digits.find(static_cast<char>(std::tolower(static_cast<unsigned char>(text[i + 1]))));
      if (hi == std::string_view::npos || lo == std::string_view::npos) return {};
      out += static_cast<char>(hi * 16 + lo);
    }
    return {value::make_string(std::move(out))};
  }
  if (format != "base64" && format != "urlbase64") return error("unknown format " + std::string(format));
  if (id == function_id::encode) return {value::make_string(base64_encode(text, format == "urlbase64"))};
  auto decoded = base64_decode(text);
  if (!decoded) return {};
  return {value::make_string(std::move(*decoded))};
}

collection call::sort() {
  struct key_spec {
    const node* expr;
    bool descending;
  };
  std::vector<key_spec> keys;
  for (const auto& child : fn_.children) {
    if (child->kind == node_kind::unary && child->op == operator_id::minus)
      keys.push_back({child->children[0].get(), true});
    else
      keys.push_back({child.get(), false});
  }
  std::vector<std::pair<std::vector<collection>, value>> rows;
  for (size_t i = 0; i < input_.size(); ++i) {
    frame f;
    f.this_items = input_.subspan(i, 1);
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

collection call::boundary(bool high) {
  if (!arity(0, 1)) return {};
  auto v = single_input();
  if (!v) return {};
  std::optional<std::int64_t> precision;
  if (fn_.children.size() == 1) {
    precision = integer_arg(0);
    if (!precision) return {};
  }
  if (v->kind == value_kind::node) v = node_as_quantity(*v);
  if (!v) return {};
  auto r = fhirpath::boundary(*v, precision, high);
  if (!r) return {};
  return {std::move(*r)};
}

collection call::comparable() {
  if (!arity(1, 1)) return {};
  auto v = single_input();
  auto other = single_arg(0);
  if (!v || !other) return {};
  auto a = node_as_quantity(*v);
  auto b = node_as_quantity(*other);
  if (!a || !b) return error("input and argument must be Quantities");
  return {make_bool(quantities_comparable(*a, *b))};
}

collection call::type_of() {
  if (!arity(0, 0)) return {};
  collection out;
  for (const auto& v : input_) {
    if (v.kind == value_kind::type_info) {
      out.push_back(value::make_type_info("System", "Object"));
    } else if (v.node != nullptr || v.kind == value_kind::node) {
      // from the FHIR tree: its FHIR type, or what the JSON shape says when no model named it
      std::string_view name = v.fhir_type;
      if (name.empty()) {
        switch (v.kind) {
          case value_kind::boolean:
            name = "boolean";
            break;
          case value_kind::integer:
            name = "integer";
            break;
          case value_kind::decimal:
            name = "decimal";
            break;
          case value_kind::string:
            name = "string";
            break;
          default:
            name = "Element";
            break;
        }
      }
      out.push_back(value::make_type_info("FHIR", name));
    } else {
      out.push_back(value::make_type_info("System", system_type_name(v.kind).empty()
                                                        ? std::string_view("Object")
                                                        : system_type_name(v.kind)));
    }
  }
  return out;
}

// The resource a reference points at, within the evaluation's resources: "#id" among the contained
// resources of %resource (or of %rootResource), "#" the container itself, and other references among
// the entries of the Bundle that is %rootResource (or %resource): by fullUrl, or for a relative
// "Type/id" (optionally "/_history/v") by the entry resource's type and id or a fullUrl ending in it.
const rapidjson::Value* find_reference(std::string_view reference, const rapidjson::Value* resource,
                                       const rapidjson::Value* root) {
  auto text = [](const rapidjson::Value& object, const char* name) -> std::string_view {
    if (!object.IsObject()) return {};
    auto it = object.FindMember(name);
    if (it == object.MemberEnd() || !it->value.IsString()) return {};
    return {it->value.GetString(), it->value.GetStringLength()};
  };
  auto members = [](const rapidjson::Value* object, const char* name) -> const rapidjson::Value* {
    if (object == nullptr || !object->IsObject()) return nullptr;
    auto it = object->FindMember(name);
    return it != object->MemberEnd() && it->value.IsArray() ? &it->value : nullptr;
  };
  if (!reference.empty() && reference[0] == '#') {
    std::string_view id = reference.substr(1);
    for (const rapidjson::Value* container : {resource, root}) {
      if (container == nullptr || text(*container, "resourceType") == "Bundle") continue;
      if (id.empty()) return container;
      if (const rapidjson::Value* contained = members(container, "contained"))
        for (const auto& r : contained->GetArray())
          if (text(r, "id") == id) return &r;
    }
    return nullptr;
  }
  const rapidjson::Value* bundle = nullptr;
  for (const rapidjson::Value* candidate : {root, resource})
    if (candidate != nullptr && text(*candidate, "resourceType") == "Bundle") {
      bundle = candidate;
      break;
    }
  const rapidjson::Value* entries = members(bundle, "entry");
  if (entries == nullptr) return nullptr;
  auto resource_of = [](const rapidjson::Value& entry) -> const rapidjson::Value* {
    if (!entry.IsObject()) return nullptr;
    auto it = entry.FindMember("resource");
    return it != entry.MemberEnd() && it->value.IsObject() ? &it->value : nullptr;
  };
  for (const auto& entry : entries->GetArray())
    if (text(entry, "fullUrl") == reference && resource_of(entry) != nullptr) return resource_of(entry);
  bool absolute = reference.find("://") != std::string_view::npos || reference.substr(0, 4) == "urn:";
  if (absolute) return nullptr;
  std::string_view relative = reference.substr(0, reference.find("/_history/"));
  auto slash = relative.find('/');
  if (slash == std::string_view::npos || relative.find('/', slash + 1) != std::string_view::npos)
    return nullptr;
  std::string_view type = relative.substr(0, slash);
  std::string_view id = relative.substr(slash + 1);
  for (const auto& entry : entries->GetArray()) {
    const rapidjson::Value* r = resource_of(entry);
    if (r == nullptr) continue;
    std::string_view full = text(entry, "fullUrl");
    bool by_url = full.size() > relative.size() && full.substr(full.size() - relative.size()) == relative &&
                  full[full.size() - relative.size() - 1] == '/';
    if (by_url || (text(*r, "resourceType") == type && text(*r, "id") == id)) return r;
  }
  return nullptr;
}

collection call::resolve() {
  if (!arity(0, 0)) return {};
  collection out;
  for (const auto& v : input_) {
    std::string_view reference;
    if (v.kind == value_kind::string) {
      reference = v.text;
    } else if (v.kind == value_kind::node && v.node != nullptr && v.node->IsObject()) {
      auto it = v.node->FindMember("reference");
      if (it != v.node->MemberEnd() && it->value.IsString())
        reference = std::string_view(it->value.GetString(), it->value.GetStringLength());
    }
    if (reference.empty()) continue;
    if (const rapidjson::Value* target = find_reference(reference, e_.resource(), e_.root_resource()))
      out.push_back(e_.wrap(*target, {}, {}));
  }
  return out;
}

collection call::member_of() {
  if (!arity(1, 1)) return {};
  auto v = single_input();
  auto url = string_arg(0);
  if (!v || !url) return {};
  const model* m = e_.model();
  if (m == nullptr) return error("needs a terminology model (environment::model)");
  // a code, a Coding or a CodeableConcept: any of its codings in the value set
  std::vector<std::pair<std::string_view, std::string_view>> codes;
  auto text_of = [](const rapidjson::Value& object, const char* name) -> std::string_view {
    auto it = object.FindMember(name);
    if (it == object.MemberEnd() || !it->value.IsString()) return {};
    return {it->value.GetString(), it->value.GetStringLength()};
  };
  auto add_coding = [&](const rapidjson::Value& coding) {
    if (!coding.IsObject()) return;
    std::string_view code = text_of(coding, "code");
    if (!code.empty()) codes.emplace_back(text_of(coding, "system"), code);
  };
  if (v->kind == value_kind::string) {
    codes.emplace_back(std::string_view{}, v->text);
  } else if (v->kind == value_kind::node && v->node != nullptr && v->node->IsObject()) {
    auto coding = v->node->FindMember("coding");
    if (coding != v->node->MemberEnd() && coding->value.IsArray()) {
      for (const auto& c : coding->value.GetArray()) add_coding(c);
    } else {
      add_coding(*v->node);
    }
  } else {
    return {};
  }
  bool unknown = false;
  for (const auto& [system, code] : codes) {
    auto in = m->member_of(url->text, system, code);
    if (!in) unknown = true;
    if (in == true) return {make_bool(true)};
  }
  if (unknown || codes.empty()) return {};  // the model cannot tell
  return {make_bool(false)};
}

collection call::conforms_to() {
  if (!arity(1, 1)) return {};
  auto v = single_input();
  auto url = string_arg(0);
  if (!v || !url) return {};
  const model* m = e_.model();
  if (m == nullptr) return error("needs the R4 profiles (environment::model)");
  if (v->kind != value_kind::node || v->fhir_type.empty()) return {make_bool(false)};
  auto conforms = m->conforms_to(v->fhir_type, url->text);
  if (!conforms) return error("unknown profile " + std::string(url->text));
  return {make_bool(*conforms)};
}

collection call::html_checks() {
  if (!arity(0, 0)) return {};
  auto v = single_input();
  if (!v) return {};
  std::string_view div;
  if (v->kind == value_kind::string) {
    div = v->text;
  } else if (v->kind == value_kind::node && v->node != nullptr && v->node->IsObject()) {
    auto it = v->node->FindMember("div");  // a Narrative
    if (it == v->node->MemberEnd() || !it->value.IsString()) return {make_bool(false)};
    div = std::string_view(it->value.GetString(), it->value.GetStringLength());
  } else {
    return {make_bool(false)};
  }
  return {make_bool(!narrative_problem(div).has_value())};
}

}  // namespace

collection call_function(engine& e, const node& fn, std::span<const value> input, const frame& ctx) {
  return call(e, fn, input, ctx).run();
}

}  // namespace detail

}  // namespace homebase::fhir::fhirpath
