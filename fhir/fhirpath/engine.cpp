#include "fhir/fhirpath/engine.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <chrono>
#include <cmath>
#include <ctime>

namespace homebase::fhir::fhirpath::detail {

collection engine::fail(error_kind kind, std::string message, std::size_t position) {
  if (!error_) error_ = error{kind, std::move(message), position};
  return {};
}

namespace {

temporal system_now() {
  auto now = std::chrono::system_clock::now();
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count();
  std::time_t seconds = static_cast<std::time_t>(ms / 1000);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  temporal t;
  t.fields = {utc.tm_year + 1900,         utc.tm_mon + 1, utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec,
              static_cast<int>(ms % 1000)};
  t.precision = 7;
  t.tz_minutes = 0;
  return t;
}

constexpr std::array<std::string_view, 20> primitive_types{
    "boolean",      "integer",  "string",      "decimal",     "uri",  "url",  "canonical",
    "base64Binary", "instant",  "date",        "dateTime",    "time", "code", "oid",
    "id",           "markdown", "unsignedInt", "positiveInt", "uuid", "xhtml"};

bool is_primitive_type(std::string_view name) {
  return std::find(primitive_types.begin(), primitive_types.end(), name) != primitive_types.end();
}

// "Quantity" -> "Quantity"; "DateTime" -> "dateTime" (choice suffixes of primitives are capitalised).
std::string choice_type(std::string_view suffix) {
  std::string lowered(suffix);
  lowered[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(lowered[0])));
  if (is_primitive_type(lowered)) return lowered;
  return std::string(suffix);
}

// Appends the items of member `json`; `elements` is the matching "_name" member of primitives, if any.
void append_json(const rapidjson::Value& json, const std::string& fhir_type, collection& out,
                 const rapidjson::Value* elements = nullptr) {
  auto element_at = [&](rapidjson::SizeType i) -> const rapidjson::Value* {
    if (elements == nullptr) return nullptr;
    if (elements->IsArray())
      return i < elements->Size() && (*elements)[i].IsObject() ? &(*elements)[i] : nullptr;
    return elements->IsObject() ? elements : nullptr;
  };
  if (json.IsArray()) {
    for (rapidjson::SizeType i = 0; i < json.Size(); ++i) {
      if (json[i].IsNull()) continue;
      out.push_back(from_json(json[i], fhir_type));
      if (!json[i].IsObject()) out.back().element = element_at(i);
    }
  } else if (!json.IsNull()) {
    out.push_back(from_json(json, fhir_type));
    if (!json.IsObject()) out.back().element = element_at(0);
  }
}

std::string system_name(std::string_view type_name) {
  if (type_name.substr(0, 7) == "System.") return std::string(type_name.substr(7));
  return {};
}

}  // namespace

value from_json(const rapidjson::Value& json, std::string fhir_type) {
  if (json.IsObject()) {
    auto rt = json.FindMember("resourceType");
    if (rt != json.MemberEnd() && rt->value.IsString()) fhir_type = rt->value.GetString();
    return value::make_node(&json, std::move(fhir_type));
  }
  value v;
  if (json.IsBool()) {
    v = value::make_boolean(json.GetBool());
  } else if (json.IsInt64() && fhir_type != "decimal") {
    v = value::make_integer(json.GetInt64());
  } else if (json.IsNumber()) {
    double d = json.GetDouble();
    v = value::make_decimal(d, infer_scale(d));
  } else if (json.IsString()) {
    std::string_view s(json.GetString(), json.GetStringLength());
    v = value::make_string(std::string(s));
    if (fhir_type == "date" || fhir_type == "dateTime" || fhir_type == "instant" || fhir_type == "time") {
      value_kind k = fhir_type == "date" ? value_kind::date
                                         : (fhir_type == "time" ? value_kind::time : value_kind::date_time);
      if (k == value_kind::date_time && s.find('T') == std::string_view::npos) k = value_kind::date_time;
      auto t = parse_temporal(s, k);
      if (t) v = value::make_temporal(k, *t);
    }
  } else {
    v = value::make_node(&json, fhir_type);
    return v;
  }
  v.fhir_type = std::move(fhir_type);
  v.node = &json;
  return v;
}

engine::engine(const rapidjson::Value& resource, const environment& env)
    : resource_(resource), env_(env), now_(env.now ? *env.now : system_now()) {}

void engine::navigate(const value& item, std::string_view name, collection& out) const {
  if (item.kind != value_kind::node && item.element != nullptr && (name == "extension" || name == "id")) {
    auto it = item.element->FindMember(rapidjson::Value(rapidjson::StringRef(name.data(), name.size())));
    if (it != item.element->MemberEnd()) append_json(it->value, {}, out);
    return;
  }
  if (item.kind != value_kind::node || item.node == nullptr || !item.node->IsObject()) return;
  const rapidjson::Value& object = *item.node;
  auto it = object.FindMember(rapidjson::Value(rapidjson::StringRef(name.data(), name.size())));
  if (it != object.MemberEnd()) {
    std::string underscored(1, '_');
    underscored.append(name);
    auto elements = object.FindMember(underscored.c_str());
    append_json(it->value, {}, out, elements == object.MemberEnd() ? nullptr : &elements->value);
    return;
  }
  // choice type: name followed by an upper-case type name
  for (const auto& member : object.GetObject()) {
    std::string_view key(member.name.GetString(), member.name.GetStringLength());
    if (key.size() > name.size() && key.substr(0, name.size()) == name &&
        std::isupper(static_cast<unsigned char>(key[name.size()]))) {
      append_json(member.value, choice_type(key.substr(name.size())), out);
      return;
    }
  }
}

void engine::children_of(const value& item, collection& out) const {
  if (item.kind != value_kind::node || item.node == nullptr || !item.node->IsObject()) return;
  for (const auto& member : item.node->GetObject()) {
    std::string_view key(member.name.GetString(), member.name.GetStringLength());
    if (key.empty() || key[0] == '_' || key == "resourceType") continue;
    append_json(member.value, {}, out);
  }
}

bool engine::is_type(const value& item, std::string_view type_name) const {
  std::string sys = system_name(type_name);
  std::string_view name = type_name;
  if (name.substr(0, 5) == "FHIR.") name = name.substr(5);
  if (!sys.empty()) name = sys;
  auto kind_name = [](value_kind k) -> std::string_view {
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
        return "";
    }
    return "";
  };
  if (item.kind == value_kind::node) {
    if (!sys.empty()) return false;
    if (item.fhir_type == name) return true;
    bool is_resource = item.node != nullptr && item.node->IsObject() && item.node->HasMember("resourceType");
    return is_resource && (name == "Resource" || name == "DomainResource");
  }
  bool from_json_tree = item.node != nullptr;
  if (!sys.empty()) return !from_json_tree && kind_name(item.kind) == name;
  if (!item.fhir_type.empty()) return item.fhir_type == name;
  if (from_json_tree && !is_primitive_type(name)) return false;
  // a system value or a JSON primitive of unknown FHIR type
  if (kind_name(item.kind) == name) return true;
  std::string capital(name);
  if (!capital.empty()) capital[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(capital[0])));
  if (is_primitive_type(name) && kind_name(item.kind) == capital) return true;
  if (item.kind == value_kind::string && is_primitive_type(name) && name != "boolean" && name != "integer" &&
      name != "decimal")
    return true;
  return false;
}

std::optional<bool> engine::to_boolean(const collection& c, std::size_t position) {
  if (c.empty()) return std::nullopt;
  if (c.size() > 1) {
    fail(error_kind::execution, "expected a single Boolean, got a collection", position);
    return std::nullopt;
  }
  if (c[0].kind == value_kind::boolean) return c[0].boolean;
  return true;  // singleton evaluation: a single non-Boolean item is true
}

collection engine::eval_variable(const node& n) {
  auto it = env_.variables.find(n.name);
  if (it != env_.variables.end()) return it->second;
  if (n.name == "context" || n.name == "resource" || n.name == "rootResource")
    return {from_json(resource_, {})};
  if (n.name == "ucum") return {value::make_string("http://unitsofmeasure.org")};
  if (n.name == "sct") return {value::make_string("http://snomed.info/sct")};
  if (n.name == "loinc") return {value::make_string("http://loinc.org")};
  if (n.name.rfind("vs-", 0) == 0)
    return {value::make_string("http://hl7.org/fhir/ValueSet/" + n.name.substr(3))};
  if (n.name.rfind("ext-", 0) == 0)
    return {value::make_string("http://hl7.org/fhir/StructureDefinition/" + n.name.substr(4))};
  return fail(error_kind::semantic, "unknown variable %" + n.name, n.position);
}

collection engine::eval(const node& n, const frame& ctx) {
  if (error_) return {};
  switch (n.kind) {
    case node_kind::literal:
      return {n.literal_value};
    case node_kind::empty:
      return {};
    case node_kind::identifier:
    case node_kind::function:
      return eval_on(n, ctx.this_items, ctx);
    case node_kind::invocation: {
      collection left = eval(*n.children[0], ctx);
      return eval_on(*n.children[1], left, ctx);
    }
    case node_kind::indexer: {
      collection left = eval(*n.children[0], ctx);
      collection index = eval(*n.children[1], ctx);
      if (index.empty()) return {};
      if (index.size() != 1 || index[0].kind != value_kind::integer)
        return fail(error_kind::execution, "indexer requires a single Integer", n.position);
      auto i = index[0].integer;
      if (i < 0 || static_cast<std::size_t>(i) >= left.size()) return {};
      return {left[static_cast<std::size_t>(i)]};
    }
    case node_kind::unary: {
      collection operand = eval(*n.children[0], ctx);
      if (operand.empty()) return {};
      if (operand.size() > 1)
        return fail(error_kind::execution, "unary operator on a collection", n.position);
      value v = operand[0];
      if (n.name == "+") {
        if (v.kind != value_kind::integer && v.kind != value_kind::decimal && v.kind != value_kind::quantity)
          return fail(error_kind::execution, "unary + on a non-number", n.position);
        return {v};
      }
      if (v.kind == value_kind::integer)
        v.integer = -v.integer;
      else if (v.kind == value_kind::decimal || v.kind == value_kind::quantity)
        v.decimal = -v.decimal;
      else
        return fail(error_kind::execution, "unary - on a non-number", n.position);
      return {v};
    }
    case node_kind::binary:
      return eval_binary(n, ctx);
    case node_kind::type_op: {
      collection operand = eval(*n.children[0], ctx);
      if (operand.empty()) return {};
      if (operand.size() > 1)
        return fail(error_kind::execution, "'" + n.name + "' on a collection", n.position);
      bool match = is_type(operand[0], n.type_name);
      if (n.name == "is") return {value::make_boolean(match)};
      return match ? operand : collection{};
    }
    case node_kind::variable:
      return eval_variable(n);
    case node_kind::this_ref:
      return ctx.this_items;
    case node_kind::index_ref:
      return {value::make_integer(ctx.index)};
    case node_kind::total_ref:
      return ctx.total;
  }
  return {};
}

collection engine::eval_on(const node& n, const collection& input, const frame& ctx) {
  if (n.kind == node_kind::function) return call_function(*this, n, input, ctx);
  if (n.kind != node_kind::identifier) {
    // $this / $index / $total after a dot, e.g. `name.$this`
    frame inner = ctx;
    inner.this_items = input;
    return eval(n, inner);
  }
  collection out;
  bool type_name = !n.name.empty() && std::isupper(static_cast<unsigned char>(n.name[0]));
  for (const auto& item : input) {
    if (type_name && item.kind == value_kind::node && item.fhir_type == n.name && item.node->IsObject() &&
        !item.node->HasMember(n.name.c_str())) {
      out.push_back(item);
      continue;
    }
    navigate(item, n.name, out);
  }
  return out;
}

namespace {

bool is_number(const value& v) {
  return v.kind == value_kind::integer || v.kind == value_kind::decimal;
}
double number_of(const value& v) {
  return v.kind == value_kind::integer ? static_cast<double>(v.integer) : v.decimal;
}

}  // namespace

collection engine::arithmetic(const std::string& op, const value& a, const value& b, std::size_t position) {
  if (op == "&") {
    return {value::make_string(a.text + b.text)};
  }
  if (op == "+" && a.kind == value_kind::string && b.kind == value_kind::string)
    return {value::make_string(a.text + b.text)};
  bool temporal_a =
      a.kind == value_kind::date || a.kind == value_kind::date_time || a.kind == value_kind::time;
  if (temporal_a && (op == "+" || op == "-")) {
    auto q = node_as_quantity(b);
    if (!q) return fail(error_kind::execution, "date arithmetic needs a Quantity", position);
    auto r = add_duration(a, *q, op == "+" ? 1 : -1);
    if (!r) return fail(error_kind::execution, "unsupported duration unit '" + q->text + "'", position);
    return {*r};
  }
  if (a.kind == value_kind::quantity || b.kind == value_kind::quantity) {
    auto qa = node_as_quantity(a);
    auto qb = node_as_quantity(b);
    if (!qa && is_number(a))
      qa = value::make_quantity(number_of(a), a.kind == value_kind::decimal ? a.scale : 0, "1");
    if (!qb && is_number(b))
      qb = value::make_quantity(number_of(b), b.kind == value_kind::decimal ? b.scale : 0, "1");
    if (!qa || !qb) return fail(error_kind::execution, "invalid Quantity operands for " + op, position);
    if (op == "+" || op == "-") {
      if (qa->text != qb->text) return {};
      double r = op == "+" ? qa->decimal + qb->decimal : qa->decimal - qb->decimal;
      return {value::make_quantity(r, std::max(qa->scale, qb->scale), qa->text)};
    }
    if (op == "*" || op == "/") {
      if (op == "/" && qb->decimal == 0) return {};
      double r = op == "*" ? qa->decimal * qb->decimal : qa->decimal / qb->decimal;
      std::string unit;
      if (op == "*")
        unit = qa->text == "1" ? qb->text : (qb->text == "1" ? qa->text : qa->text + "." + qb->text);
      else
        unit = qb->text == "1" ? qa->text : (qa->text == qb->text ? "1" : qa->text + "/" + qb->text);
      return {value::make_quantity(r, infer_scale(r), unit)};
    }
    return fail(error_kind::execution, "operator " + op + " not supported on Quantity", position);
  }
  if (!is_number(a) || !is_number(b))
    return fail(error_kind::execution, "operator " + op + " needs numbers", position);
  bool integers = a.kind == value_kind::integer && b.kind == value_kind::integer;
  double x = number_of(a);
  double y = number_of(b);
  int scale_a = a.kind == value_kind::decimal ? a.scale : 0;
  int scale_b = b.kind == value_kind::decimal ? b.scale : 0;
  if (op == "+" || op == "-" || op == "*") {
    if (integers) {
      std::int64_t r =
          op == "+" ? a.integer + b.integer : (op == "-" ? a.integer - b.integer : a.integer * b.integer);
      return {value::make_integer(r)};
    }
    double r = op == "+" ? x + y : (op == "-" ? x - y : x * y);
    int scale = std::min(op == "*" ? scale_a + scale_b : std::max(scale_a, scale_b), 8);
    double factor = std::pow(10.0, scale);
    return {value::make_decimal(std::round(r * factor) / factor, scale)};
  }
  if (op == "/") {
    if (y == 0) return {};
    double r = x / y;
    return {value::make_decimal(r, infer_scale(r))};
  }
  if (op == "div") {
    if (y == 0) return {};
    if (integers) return {value::make_integer(a.integer / b.integer)};
    return {value::make_integer(static_cast<std::int64_t>(std::trunc(x / y)))};
  }
  if (op == "mod") {
    if (y == 0) return {};
    if (integers) return {value::make_integer(a.integer % b.integer)};
    int scale = std::max(scale_a, scale_b);
    double factor = std::pow(10.0, scale);
    return {value::make_decimal(std::round(std::fmod(x, y) * factor) / factor, scale)};
  }
  return fail(error_kind::execution, "unknown operator " + op, position);
}

namespace {

bool contains_item(const collection& c, const value& v) {
  return std::any_of(c.begin(), c.end(), [&](const value& x) { return equals(x, v).value_or(false); });
}

}  // namespace

collection engine::eval_binary(const node& n, const frame& ctx) {
  const std::string& op = n.name;
  if (op == "and" || op == "or" || op == "xor" || op == "implies") {
    auto a = to_boolean(eval(*n.children[0], ctx), n.position);
    if (error_) return {};
    if (op == "and" && a == false) return {value::make_boolean(false)};
    if (op == "or" && a == true) return {value::make_boolean(true)};
    if (op == "implies" && a == false) return {value::make_boolean(true)};
    auto b = to_boolean(eval(*n.children[1], ctx), n.position);
    if (op == "and") {
      if (b == false) return {value::make_boolean(false)};
      if (a && b) return {value::make_boolean(true)};
      return {};
    }
    if (op == "or") {
      if (b == true) return {value::make_boolean(true)};
      if (a && b) return {value::make_boolean(false)};
      return {};
    }
    if (op == "xor") {
      if (!a || !b) return {};
      return {value::make_boolean(*a != *b)};
    }
    // implies, a is true or empty
    if (b == true) return {value::make_boolean(true)};
    if (!a) return {};
    if (b == false) return {value::make_boolean(false)};
    return {};
  }
  collection left = eval(*n.children[0], ctx);
  collection right = eval(*n.children[1], ctx);
  if (error_) return {};
  if (op == "|") {
    collection out;
    for (const auto* side : {&left, &right})
      for (const auto& v : *side)
        if (!contains_item(out, v)) out.push_back(v);
    return out;
  }
  if (op == "=" || op == "!=") {
    if (left.empty() || right.empty()) return {};
    bool negate = op == "!=";
    if (left.size() != right.size()) return {value::make_boolean(negate)};
    for (std::size_t i = 0; i < left.size(); ++i) {
      auto e = equals(left[i], right[i]);
      if (!e) return {};
      if (!*e) return {value::make_boolean(negate)};
    }
    return {value::make_boolean(!negate)};
  }
  if (op == "~" || op == "!~") {
    bool negate = op == "!~";
    bool result = left.size() == right.size();
    if (result) {
      std::vector<bool> used(right.size(), false);
      for (const auto& l : left) {
        bool found = false;
        for (std::size_t i = 0; i < right.size() && !found; ++i) {
          if (!used[i] && equivalent(l, right[i])) {
            used[i] = true;
            found = true;
          }
        }
        if (!found) {
          result = false;
          break;
        }
      }
    }
    return {value::make_boolean(result != negate)};
  }
  if (op == "in" || op == "contains") {
    const collection& item = op == "in" ? left : right;
    const collection& container = op == "in" ? right : left;
    if (item.empty()) return {};
    if (item.size() > 1) return fail(error_kind::execution, "'" + op + "' needs a single item", n.position);
    return {value::make_boolean(contains_item(container, item[0]))};
  }
  if (op == "&") {
    if (left.size() > 1 || right.size() > 1)
      return fail(error_kind::execution, "'&' on a collection", n.position);
    value a = left.empty() ? value::make_string("") : left[0];
    value b = right.empty() ? value::make_string("") : right[0];
    if (a.kind != value_kind::string || b.kind != value_kind::string)
      return fail(error_kind::execution, "'&' needs strings", n.position);
    return arithmetic(op, a, b, n.position);
  }
  if (left.empty() || right.empty()) return {};
  if (left.size() > 1 || right.size() > 1)
    return fail(error_kind::execution, "operator " + op + " needs single items", n.position);
  if (op == "<" || op == ">" || op == "<=" || op == ">=") {
    bool comparable = true;
    auto c = compare(left[0], right[0], comparable);
    if (!comparable)
      return fail(error_kind::execution, "operands of " + op + " are not comparable", n.position);
    if (!c) return {};
    bool r = op == "<" ? *c < 0 : (op == ">" ? *c > 0 : (op == "<=" ? *c <= 0 : *c >= 0));
    return {value::make_boolean(r)};
  }
  return arithmetic(op, left[0], right[0], n.position);
}

}  // namespace homebase::fhir::fhirpath::detail
