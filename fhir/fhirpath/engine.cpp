#include "fhir/fhirpath/engine.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <chrono>
#include <cmath>
#include <ctime>

namespace homebase::fhir::fhirpath::detail {

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

// The FHIR type named by a choice suffix: "Quantity" -> "Quantity"; "DateTime" -> "dateTime" (primitive
// type names are capitalised in choice element names). The result points at static storage or at the
// suffix itself (the JSON member name).
std::string_view choice_type(std::string_view suffix) {
  if (suffix.empty()) return suffix;
  for (std::string_view p : primitive_types) {
    if (p.size() == suffix.size() && p[0] == std::tolower(static_cast<unsigned char>(suffix[0])) &&
        p.substr(1) == suffix.substr(1))
      return p;
  }
  return suffix;
}

std::string_view json_text(const rapidjson::Value& v) {
  return {v.GetString(), v.GetStringLength()};
}

bool is_upper(char c) {
  return c >= 'A' && c <= 'Z';
}

bool starts_upper(std::string_view s) {
  return !s.empty() && is_upper(s[0]);
}

// Member `name` of `object`, or null.
const rapidjson::Value* find_member(const rapidjson::Value& object, std::string_view name) {
  for (const auto& m : object.GetObject())
    if (json_text(m.name) == name) return &m.value;
  return nullptr;
}

// Member "_" + `name` of `object`, or null.
const rapidjson::Value* find_underscored(const rapidjson::Value& object, std::string_view name) {
  for (const auto& m : object.GetObject()) {
    std::string_view key = json_text(m.name);
    if (key.size() == name.size() + 1 && key[0] == '_' && key.substr(1) == name) return &m.value;
  }
  return nullptr;
}

std::string_view system_name(std::string_view type_name) {
  if (type_name.substr(0, 7) == "System.") return type_name.substr(7);
  return {};
}

constexpr std::array<std::string_view, 8> system_types{"Boolean", "String",   "Integer", "Decimal",
                                                       "Date",    "DateTime", "Time",    "Quantity"};

bool is_system_type(std::string_view name) {
  return std::find(system_types.begin(), system_types.end(), name) != system_types.end();
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

constexpr std::string_view ucum_url = "http://unitsofmeasure.org";
constexpr std::string_view sct_url = "http://snomed.info/sct";
constexpr std::string_view loinc_url = "http://loinc.org";

}  // namespace

engine::engine(const environment& env, const rapidjson::Value* resource,
               const rapidjson::Value* root_resource)
    : env_(env), resource_(resource), root_resource_(root_resource) {}

const temporal& engine::now() {
  if (!now_) now_ = env_.now ? *env_.now : system_now();
  return *now_;
}

collection engine::fail(error_kind kind, std::string message, std::size_t position) {
  if (!error_) error_ = error{kind, std::move(message), position};
  return {};
}

value engine::wrap(const rapidjson::Value& json, std::string_view fhir_type,
                   std::string_view model_key) const {
  value v;  // filled in place: this runs for every node navigation visits
  v.node = &json;
  if (json.IsObject()) {
    const rapidjson::Value* rt = find_member(json, "resourceType");
    if (rt != nullptr && rt->IsString()) {
      fhir_type = json_text(*rt);
      if (env_.model != nullptr) model_key = fhir_type;  // a resource's definitions live under its type
    }
    v.kind = value_kind::node;
  } else if (json.IsBool()) {
    v.kind = value_kind::boolean;
    v.boolean = json.GetBool();
  } else if (json.IsInt64() && fhir_type != "decimal") {
    v.kind = value_kind::integer;
    v.integer = json.GetInt64();
  } else if (json.IsNumber()) {
    v.kind = value_kind::decimal;
    v.decimal = json.GetDouble();
    v.scale = infer_scale(v.decimal);
  } else if (json.IsString()) {
    v.kind = value_kind::string;
    v.text = json_text(json);
    if (fhir_type == "date" || fhir_type == "dateTime" || fhir_type == "instant" || fhir_type == "time") {
      value_kind k = fhir_type == "date" ? value_kind::date
                                         : (fhir_type == "time" ? value_kind::time : value_kind::date_time);
      if (auto t = parse_temporal(v.text, k)) {
        v.kind = k;
        v.time_value = *t;
      }
    }
  } else {
    v.kind = value_kind::node;
  }
  v.fhir_type = fhir_type;
  v.model_key = model_key;
  return v;
}

void engine::append_member(const rapidjson::Value* json, const rapidjson::Value* elements,
                           std::string_view fhir_type, std::string_view model_key, collection& out) const {
  auto element_at = [&](rapidjson::SizeType i) -> const rapidjson::Value* {
    if (elements == nullptr) return nullptr;
    if (elements->IsArray())
      return i < elements->Size() && (*elements)[i].IsObject() ? &(*elements)[i] : nullptr;
    return i == 0 && elements->IsObject() ? elements : nullptr;
  };
  auto add = [&](const rapidjson::Value* v, const rapidjson::Value* element) {
    if (v != nullptr && !v->IsNull()) {
      out.push_back(wrap(*v, fhir_type, model_key));
      if (!v->IsObject()) out.back().element = element;
    } else if (element != nullptr) {
      // a primitive with no value, only an id or extensions
      value item = value::make_node(nullptr, fhir_type);
      item.element = element;
      item.model_key = model_key;
      out.push_back(std::move(item));
    }
  };
  if (json != nullptr && json->IsArray()) {
    rapidjson::SizeType count = json->Size();
    if (elements != nullptr && elements->IsArray()) count = std::max(count, elements->Size());
    for (rapidjson::SizeType i = 0; i < count; ++i)
      add(i < json->Size() ? &(*json)[i] : nullptr, element_at(i));
    return;
  }
  if (json == nullptr && elements != nullptr && elements->IsArray()) {
    for (rapidjson::SizeType i = 0; i < elements->Size(); ++i) add(nullptr, element_at(i));
    return;
  }
  add(json, element_at(0));
}

void engine::navigate(const value& item, std::string_view name, collection& out) {
  if (item.element != nullptr && (item.kind != value_kind::node || item.node == nullptr)) {
    // a primitive: its id and extensions live in the "_name" object
    if (name == "extension" || name == "id")
      append_member(find_member(*item.element, name), nullptr, name == "id" ? "string" : "Extension",
                    name == "id" ? "string" : "Extension", out);
    return;
  }
  if (item.kind == value_kind::type_info) {
    if (name == "namespace") out.push_back(value::make_string_view(item.model_key));
    if (name == "name") out.push_back(value::make_string_view(item.fhir_type));
    return;
  }
  if (item.kind != value_kind::node || item.node == nullptr || !item.node->IsObject()) return;
  const rapidjson::Value& object = *item.node;
  if (env_.model != nullptr && !item.model_key.empty() && navigate_with_model(item, name, out)) return;
  const rapidjson::Value* member = nullptr;
  const rapidjson::Value* elements = nullptr;
  std::string_view choice_key;
  const rapidjson::Value* choice = nullptr;
  for (const auto& m : object.GetObject()) {
    std::string_view key = json_text(m.name);
    if (key.size() == name.size()) {
      if (key == name) member = &m.value;
    } else if (key.size() == name.size() + 1 && key[0] == '_') {
      if (key.substr(1) == name) elements = &m.value;
    } else if (choice == nullptr && key.size() > name.size() && key.compare(0, name.size(), name) == 0 &&
               is_upper(key[name.size()])) {
      choice = &m.value;
      choice_key = key;
    }
  }
  if (member != nullptr || elements != nullptr) {
    append_member(member, elements, {}, {}, out);
    return;
  }
  if (choice != nullptr) {
    // choice type: name followed by an upper-case type name ("valueQuantity")
    append_member(choice, find_underscored(object, choice_key), choice_type(choice_key.substr(name.size())),
                  {}, out);
  }
}

bool engine::navigate_with_model(const value& item, std::string_view name, collection& out) {
  const fhirpath::model& m = *env_.model;
  const rapidjson::Value& object = *item.node;
  if (auto info = m.child(item.model_key, name)) {
    if (env_.strict) {
      // FHIRPath names a choice element without its type: `value`, not `valueQuantity`
      for (std::size_t i = 1; i < name.size(); ++i) {
        if (is_upper(name[i]) && m.is_choice(item.model_key, name.substr(0, i))) {
          fail(error_kind::semantic,
               "'" + std::string(name) + "': a choice element is named '" + std::string(name.substr(0, i)) +
                   "'",
               0);
          return true;
        }
      }
    }
    const rapidjson::Value* member = nullptr;
    const rapidjson::Value* elements = nullptr;
    for (const auto& entry : object.GetObject()) {
      std::string_view key = json_text(entry.name);
      if (key == name) member = &entry.value;
      if (key.size() == name.size() + 1 && key[0] == '_' && key.substr(1) == name) elements = &entry.value;
    }
    append_member(member, elements, info->type, info->key, out);
    return true;
  }
  if (m.is_choice(item.model_key, name)) {
    // value[x]: the JSON name carries the type ("valueQuantity"); a value-less primitive only "_valueString"
    for (const auto& entry : object.GetObject()) {
      std::string_view key = json_text(entry.name);
      bool underscored = !key.empty() && key[0] == '_';
      std::string_view bare = underscored ? key.substr(1) : key;
      if (bare.size() <= name.size() || bare.compare(0, name.size(), name) != 0 ||
          !is_upper(bare[name.size()]))
        continue;
      if (underscored && find_member(object, bare) != nullptr) continue;  // handled with its value
      auto info = m.child(item.model_key, bare);
      if (!info) continue;
      if (underscored)
        append_member(nullptr, &entry.value, info->type, info->key, out);
      else
        append_member(&entry.value, find_underscored(object, key), info->type, info->key, out);
    }
    return true;
  }
  // an element the model does not know (probing "id", which every element and resource has, tells
  // whether the model knows the parent at all)
  if (env_.strict && m.child(item.model_key, "id").has_value()) {
    fail(error_kind::semantic,
         "'" + std::string(name) + "' is not an element of " + std::string(item.model_key), 0);
    return true;
  }
  return false;  // plain JSON navigation
}

void engine::children_of(const value& item, collection& out) {
  if (item.element != nullptr && (item.kind != value_kind::node || item.node == nullptr)) {
    navigate(item, "id", out);
    navigate(item, "extension", out);
    return;
  }
  if (item.kind != value_kind::node || item.node == nullptr || !item.node->IsObject()) return;
  const rapidjson::Value& object = *item.node;
  const fhirpath::model* m = item.model_key.empty() ? nullptr : env_.model;
  for (const auto& member : object.GetObject()) {
    std::string_view key = json_text(member.name);
    if (key.empty() || key == "resourceType") continue;
    std::optional<child_info> info;
    if (key[0] == '_') {
      // "_name" alone: primitives with no value
      if (find_member(object, key.substr(1)) != nullptr) continue;
      if (m != nullptr) info = m->child(item.model_key, key.substr(1));
      append_member(nullptr, &member.value, info ? info->type : std::string_view{},
                    info ? info->key : std::string_view{}, out);
      continue;
    }
    if (m != nullptr) info = m->child(item.model_key, key);
    bool objects = member.value.IsObject() ||
                   (member.value.IsArray() && !member.value.Empty() && member.value[0].IsObject());
    append_member(&member.value, objects ? nullptr : find_underscored(object, key),
                  info ? info->type : std::string_view{}, info ? info->key : std::string_view{}, out);
  }
}

bool engine::known_type(std::string_view type_name) const {
  if (env_.model == nullptr) return true;
  // System.X is never an unknown name: a type outside the System namespace just does not match
  if (!system_name(type_name).empty()) return true;
  if (type_name.substr(0, 5) == "FHIR.") return env_.model->is_type(type_name.substr(5));
  return is_system_type(type_name) || env_.model->is_type(type_name);
}

bool engine::is_type(const value& item, std::string_view type_name, bool exact) const {
  std::string_view sys = system_name(type_name);
  std::string_view name = type_name;
  if (name.substr(0, 5) == "FHIR.") name = name.substr(5);
  if (!sys.empty()) name = sys;
  if (item.kind == value_kind::type_info) return false;
  if (env_.model != nullptr && !item.fhir_type.empty()) {
    // a FHIR-typed item: FHIR types only (System.X never matches one)
    if (!sys.empty()) return false;
    if (item.fhir_type == name) return true;
    // as()/ofType() on primitives match the exact type, as the R4 suite expects (code.as(string) is
    // empty, code.is(string) true); for other types a derived type matches (Age as Quantity)
    if (exact && is_primitive_type(item.fhir_type)) return false;
    return env_.model->derives_from(item.fhir_type, name);
  }
  if (item.kind == value_kind::node) {
    if (!sys.empty()) return false;
    if (item.fhir_type == name) return true;
    bool is_resource =
        item.node != nullptr && item.node->IsObject() && find_member(*item.node, "resourceType") != nullptr;
    return is_resource && (name == "Resource" || name == "DomainResource");
  }
  bool from_json_tree = item.node != nullptr;
  if (!sys.empty()) return !from_json_tree && system_type_name(item.kind) == name;
  if (!item.fhir_type.empty()) return item.fhir_type == name;
  if (from_json_tree && !is_primitive_type(name)) return false;
  // a system value or a JSON primitive of unknown FHIR type
  if (system_type_name(item.kind) == name) return true;
  std::string_view kind = system_type_name(item.kind);
  bool capitalised = !name.empty() && kind.size() == name.size() &&
                     kind[0] == std::toupper(static_cast<unsigned char>(name[0])) &&
                     kind.substr(1) == name.substr(1);
  if (is_primitive_type(name) && capitalised) return true;
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
  if (n.name == "context") return {context_};
  if (n.name == "resource") return resource_ != nullptr ? collection{wrap(*resource_, {}, {})} : collection{};
  if (n.name == "rootResource")
    return root_resource_ != nullptr ? collection{wrap(*root_resource_, {}, {})} : collection{};
  if (n.name == "ucum") return {value::make_string_view(ucum_url)};
  if (n.name == "sct") return {value::make_string_view(sct_url)};
  if (n.name == "loinc") return {value::make_string_view(loinc_url)};
  if (n.name.rfind("vs-", 0) == 0)
    return {value::make_string("http://hl7.org/fhir/ValueSet/" + n.name.substr(3))};
  if (n.name.rfind("ext-", 0) == 0)
    return {value::make_string("http://hl7.org/fhir/StructureDefinition/" + n.name.substr(4))};
  return fail(error_kind::semantic, "unknown variable %" + n.name, n.position);
}

bool engine::charge(std::size_t steps, std::size_t position) {
  steps_ += steps;
  if (env_.max_steps == 0 || steps_ <= env_.max_steps) return true;
  if (!error_) {
    fail(error_kind::execution,
         "too costly: more than " + std::to_string(env_.max_steps) + " evaluation steps", position);
  }
  return false;
}

collection engine::eval(const node& n, const frame& ctx) {
  if (error_ || !charge(1, n.position)) return {};
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
      if (error_) return {};
      return eval_on(*n.children[1], left, ctx);
    }
    case node_kind::indexer: {
      collection left = eval(*n.children[0], ctx);
      collection index = eval(*n.children[1], ctx);
      if (error_ || index.empty()) return {};
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
      value& v = operand[0];
      if (n.op == operator_id::plus) {
        if (v.kind != value_kind::integer && v.kind != value_kind::decimal && v.kind != value_kind::quantity)
          return fail(error_kind::execution, "unary + on a non-number", n.position);
        return operand;
      }
      if (v.kind == value_kind::integer)
        v.integer = -v.integer;
      else if (v.kind == value_kind::decimal || v.kind == value_kind::quantity)
        v.decimal = v.decimal == 0 ? 0.0 : -v.decimal;  // no negative zero
      else
        return fail(error_kind::execution, "unary - on a non-number", n.position);
      return operand;
    }
    case node_kind::binary:
      return eval_binary(n, ctx);
    case node_kind::type_op: {
      collection operand = eval(*n.children[0], ctx);
      if (!known_type(n.type_name))
        return fail(error_kind::execution, "unknown type '" + n.type_name + "'", n.position);
      if (operand.empty()) return {};
      if (operand.size() > 1)
        return fail(error_kind::execution, "'" + n.name + "' on a collection", n.position);
      bool as = n.op == operator_id::as_type;
      bool match = is_type(operand[0], n.type_name, as);
      if (!as) return {value::make_boolean(match)};
      if (!match) operand.clear();
      return operand;
    }
    case node_kind::variable:
      return eval_variable(n);
    case node_kind::this_ref:
      return collection(ctx.this_items.begin(), ctx.this_items.end());
    case node_kind::index_ref:
      return {value::make_integer(ctx.index)};
    case node_kind::total_ref:
      return ctx.total != nullptr ? *ctx.total : collection{};
  }
  return {};
}

collection engine::eval_on(const node& n, std::span<const value> input, const frame& ctx) {
  if (error_) return {};
  if (n.kind == node_kind::function) return call_function(*this, n, input, ctx);
  if (n.kind != node_kind::identifier) {
    // $this / $index / $total after a dot, e.g. `name.$this`
    frame inner = ctx;
    inner.this_items = input;
    return eval(n, inner);
  }
  collection out;
  bool type_name = starts_upper(n.name);
  for (const auto& item : input) {
    if (type_name && item.kind == value_kind::node && item.node != nullptr && item.node->IsObject() &&
        (item.fhir_type == n.name || (env_.model != nullptr && !item.fhir_type.empty() &&
                                      env_.model->derives_from(item.fhir_type, n.name))) &&
        find_member(*item.node, n.name) == nullptr) {
      out.push_back(item);  // a type name as the first step: `Patient.name`
      continue;
    }
    navigate(item, n.name, out);
  }
  return out;
}

collection engine::arithmetic(const node& n, const value& a, const value& b) {
  const operator_id op = n.op;
  const std::size_t position = n.position;
  auto concat = [](std::string_view x, std::string_view y) {
    std::string s;
    s.reserve(x.size() + y.size());
    s.append(x).append(y);
    return value::make_string(std::move(s));
  };
  if (op == operator_id::concatenate) return {concat(a.text, b.text)};
  if (op == operator_id::plus && a.kind == value_kind::string && b.kind == value_kind::string)
    return {concat(a.text, b.text)};
  bool temporal_a =
      a.kind == value_kind::date || a.kind == value_kind::date_time || a.kind == value_kind::time;
  if (temporal_a && (op == operator_id::plus || op == operator_id::minus)) {
    auto q = node_as_quantity(b);
    if (!q) return fail(error_kind::execution, "date arithmetic needs a Quantity", position);
    auto r = add_duration(a, *q, op == operator_id::plus ? 1 : -1);
    if (!r)
      return fail(error_kind::execution, "unsupported duration unit '" + std::string(q->text) + "'",
                  position);
    return {*r};
  }
  if (a.kind == value_kind::quantity || b.kind == value_kind::quantity) {
    auto qa = node_as_quantity(a);
    auto qb = node_as_quantity(b);
    if (!qa && is_number(a))
      qa = value::make_quantity_view(number_of(a), a.kind == value_kind::decimal ? a.scale : 0, "1");
    if (!qb && is_number(b))
      qb = value::make_quantity_view(number_of(b), b.kind == value_kind::decimal ? b.scale : 0, "1");
    if (!qa || !qb) return fail(error_kind::execution, "invalid Quantity operands for " + n.name, position);
    if (op == operator_id::plus || op == operator_id::minus) {
      if (qa->text != qb->text) {
        qb = convert_quantity(*qb, qa->text);  // into the unit of the left operand
        if (!qb) return {};
      }
      double r = op == operator_id::plus ? qa->decimal + qb->decimal : qa->decimal - qb->decimal;
      value q = *qa;
      q.decimal = r;
      q.scale = std::max(qa->scale, qb->scale);
      return {q};
    }
    if (op == operator_id::multiply || op == operator_id::divide) {
      if (op == operator_id::divide && qb->decimal == 0) return {};
      double r = op == operator_id::multiply ? qa->decimal * qb->decimal : qa->decimal / qb->decimal;
      std::string unit;
      if (op == operator_id::multiply) {
        if (qa->text == "1")
          unit = qb->text;
        else if (qb->text == "1")
          unit = qa->text;
        else
          unit.append(qa->text).append(".").append(qb->text);
      } else {
        if (qb->text == "1")
          unit = qa->text;
        else if (qa->text == qb->text)
          unit = "1";
        else
          unit.append(qa->text).append("/").append(qb->text);
      }
      return {value::make_quantity(r, infer_scale(r), std::move(unit))};
    }
    return fail(error_kind::execution, "operator " + n.name + " not supported on Quantity", position);
  }
  if (!is_number(a) || !is_number(b))
    return fail(error_kind::execution, "operator " + n.name + " needs numbers", position);
  bool integers = a.kind == value_kind::integer && b.kind == value_kind::integer;
  double x = number_of(a);
  double y = number_of(b);
  int scale_a = a.kind == value_kind::decimal ? a.scale : 0;
  int scale_b = b.kind == value_kind::decimal ? b.scale : 0;
  switch (op) {
    case operator_id::plus:
    case operator_id::minus:
    case operator_id::multiply: {
      if (integers) {
        std::int64_t r = op == operator_id::plus
                             ? a.integer + b.integer
                             : (op == operator_id::minus ? a.integer - b.integer : a.integer * b.integer);
        return {value::make_integer(r)};
      }
      double r = op == operator_id::plus ? x + y : (op == operator_id::minus ? x - y : x * y);
      int scale = std::min(op == operator_id::multiply ? scale_a + scale_b : std::max(scale_a, scale_b), 8);
      double factor = std::pow(10.0, scale);
      return {value::make_decimal(std::round(r * factor) / factor, scale)};
    }
    case operator_id::divide: {
      if (y == 0) return {};
      double r = x / y;
      return {value::make_decimal(r, infer_scale(r))};
    }
    case operator_id::div:
      if (y == 0) return {};
      if (integers) return {value::make_integer(a.integer / b.integer)};
      return {value::make_integer(static_cast<std::int64_t>(std::trunc(x / y)))};
    case operator_id::mod: {
      if (y == 0) return {};
      if (integers) return {value::make_integer(a.integer % b.integer)};
      int scale = std::max(scale_a, scale_b);
      double factor = std::pow(10.0, scale);
      return {value::make_decimal(std::round(std::fmod(x, y) * factor) / factor, scale)};
    }
    default:
      return fail(error_kind::execution, "unknown operator " + n.name, position);
  }
}

collection engine::eval_binary(const node& n, const frame& ctx) {
  const operator_id op = n.op;
  if (op == operator_id::and_op || op == operator_id::or_op || op == operator_id::xor_op ||
      op == operator_id::implies) {
    auto a = to_boolean(eval(*n.children[0], ctx), n.position);
    if (error_) return {};
    if (op == operator_id::and_op && a == false) return {value::make_boolean(false)};
    if (op == operator_id::or_op && a == true) return {value::make_boolean(true)};
    if (op == operator_id::implies && a == false) return {value::make_boolean(true)};
    auto b = to_boolean(eval(*n.children[1], ctx), n.position);
    if (error_) return {};
    switch (op) {
      case operator_id::and_op:
        if (b == false) return {value::make_boolean(false)};
        if (a && b) return {value::make_boolean(true)};
        return {};
      case operator_id::or_op:
        if (b == true) return {value::make_boolean(true)};
        if (a && b) return {value::make_boolean(false)};
        return {};
      case operator_id::xor_op:
        if (!a || !b) return {};
        return {value::make_boolean(*a != *b)};
      default:  // implies, a is true or empty
        if (b == true) return {value::make_boolean(true)};
        if (!a) return {};
        if (b == false) return {value::make_boolean(false)};
        return {};
    }
  }
  collection left = eval(*n.children[0], ctx);
  collection right = eval(*n.children[1], ctx);
  if (error_) return {};
  switch (op) {
    case operator_id::union_op: {
      const std::size_t all = left.size() + right.size();
      if (!charge(all * all / 2, n.position)) return {};
      collection out;
      out.reserve(left.size() + right.size());
      for (const auto* side : {&left, &right})
        for (const auto& v : *side)
          if (!contains_item(out, v)) out.push_back(v);
      return out;
    }
    case operator_id::equal:
    case operator_id::not_equal: {
      if (left.empty() || right.empty()) return {};
      bool negate = op == operator_id::not_equal;
      if (left.size() != right.size()) return {value::make_boolean(negate)};
      for (std::size_t i = 0; i < left.size(); ++i) {
        auto e = equals(left[i], right[i]);
        if (!e) return {};
        if (!*e) return {value::make_boolean(negate)};
      }
      return {value::make_boolean(!negate)};
    }
    case operator_id::equivalent:
    case operator_id::not_equivalent: {
      bool negate = op == operator_id::not_equivalent;
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
    case operator_id::in:
    case operator_id::contains: {
      const collection& item = op == operator_id::in ? left : right;
      const collection& container = op == operator_id::in ? right : left;
      if (item.empty()) return {};
      if (item.size() > 1)
        return fail(error_kind::execution, "'" + n.name + "' needs a single item", n.position);
      return {value::make_boolean(contains_item(container, item[0]))};
    }
    case operator_id::concatenate: {
      if (left.size() > 1 || right.size() > 1)
        return fail(error_kind::execution, "'&' on a collection", n.position);
      value a = left.empty() ? value::make_string_view("") : left[0];
      value b = right.empty() ? value::make_string_view("") : right[0];
      if (a.kind != value_kind::string || b.kind != value_kind::string)
        return fail(error_kind::execution, "'&' needs strings", n.position);
      return arithmetic(n, a, b);
    }
    default:
      break;
  }
  if (left.empty() || right.empty()) return {};
  if (left.size() > 1 || right.size() > 1)
    return fail(error_kind::execution, "operator " + n.name + " needs single items", n.position);
  if (op == operator_id::less || op == operator_id::greater || op == operator_id::less_or_equal ||
      op == operator_id::greater_or_equal) {
    bool comparable = true;
    auto c = compare(left[0], right[0], comparable);
    if (!comparable)
      return fail(error_kind::execution, "operands of " + n.name + " are not comparable", n.position);
    if (!c) return {};
    bool r =
        op == operator_id::less
            ? *c < 0
            : (op == operator_id::greater ? *c > 0 : (op == operator_id::less_or_equal ? *c <= 0 : *c >= 0));
    return {value::make_boolean(r)};
  }
  return arithmetic(n, left[0], right[0]);
}

}  // namespace homebase::fhir::fhirpath::detail
