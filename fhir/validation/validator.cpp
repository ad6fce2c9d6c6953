#include "fhir/validation/validator.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "fhir/fhirpath/evaluator.hpp"
#include "fhir/validation/primitive_format.hpp"

namespace homebase::fhir {
namespace {

using definitions::element_definition;
using definitions::member_match;
using definitions::type_choice;
using definitions::type_definition;
using definitions::type_kind;
using definitions::type_registry;

std::string_view sv(const rapidjson::Value& v) {
  return {v.GetString(), v.GetStringLength()};
}

std::string_view json_kind_name(const rapidjson::Value& v) {
  if (v.IsObject()) return "an object";
  if (v.IsArray()) return "an array";
  if (v.IsString()) return "a string";
  if (v.IsBool()) return "a boolean";
  if (v.IsNull()) return "null";
  return "a number";
}

// Keys whose rules are checked natively rather than through FHIRPath (same meaning, much cheaper).
// ref-1 and dom-3 are also native: their FHIRPath walks every descendant of the resource for each
// Reference (ref-1 through %rootResource) or contained resource (dom-3).
bool checked_natively(std::string_view key) {
  return key == "ele-1" || key == "ext-1" || key == "ref-1" || key == "dom-3";
}

// Bundle rules with a native check (same verdicts as their FHIRPath, which a test compares on the
// corpus): bdl-3, bdl-4 and bdl-7 walk every entry once per Bundle through %resource and select(),
// and bdl-5/bdl-8 run on every entry; together they were half the invariant time of a message.
enum class bundle_rule { none, bdl_3, bdl_4, bdl_5, bdl_7, bdl_8 };

bundle_rule bundle_rule_of(std::string_view key) {
  if (key.size() != 5 || !key.starts_with("bdl-")) return bundle_rule::none;
  switch (key[4]) {
    case '3':
      return bundle_rule::bdl_3;
    case '4':
      return bundle_rule::bdl_4;
    case '5':
      return bundle_rule::bdl_5;
    case '7':
      return bundle_rule::bdl_7;
    case '8':
      return bundle_rule::bdl_8;
    default:
      return bundle_rule::none;
  }
}

const rapidjson::Value* member_of(const rapidjson::Value& object, std::string_view name) {
  if (!object.IsObject()) return nullptr;
  auto it = object.FindMember(rapidjson::StringRef(name.data(), name.size()));
  return it == object.MemberEnd() ? nullptr : &it->value;
}

bool has_member(const rapidjson::Value& object, std::string_view name) {
  const rapidjson::Value* v = member_of(object, name);
  return v && !v->IsNull();
}

// Whether `rule` holds at `node` (the Bundle for bdl-3/4/7, an entry for bdl-5/8).
bool bundle_rule_holds(bundle_rule rule, const rapidjson::Value& node) {
  switch (rule) {
    case bundle_rule::bdl_5:  // resource.exists() or request.exists() or response.exists()
      return has_member(node, "resource") || has_member(node, "request") || has_member(node, "response");
    case bundle_rule::bdl_8: {  // fullUrl.contains('/_history/').not()
      const rapidjson::Value* url = member_of(node, "fullUrl");
      return !(url && url->IsString() && sv(*url).find("/_history/") != std::string_view::npos);
    }
    default:
      break;
  }
  const rapidjson::Value* type_value = member_of(node, "type");
  // A type that is not a string (a structure error reported elsewhere) equals no code; an absent one
  // makes the comparisons empty.
  const bool has_type = type_value && !type_value->IsNull();
  const std::string_view type = has_type && type_value->IsString() ? sv(*type_value) : std::string_view{};
  const rapidjson::Value* entries = member_of(node, "entry");
  if (!entries || !entries->IsArray()) return true;
  if (rule == bundle_rule::bdl_3 || rule == bundle_rule::bdl_4) {
    // entry.all(request.exists() = (%resource.type = 'batch' or ...)); with no type the comparison is
    // empty, which all() does not count as true.
    const bool requests = rule == bundle_rule::bdl_3;
    const bool wanted =
        requests ? (type == "batch" || type == "transaction" || type == "history")
                 : (type == "batch-response" || type == "transaction-response" || type == "history");
    for (const auto& e : entries->GetArray()) {
      if (!has_type) return false;
      if (has_member(e, requests ? "request" : "response") != wanted) return false;
    }
    return true;
  }
  // bdl-7: (type = 'history') or entry.where(fullUrl.exists()).select(fullUrl & iif(resource.meta.versionId
  // .exists(), resource.meta.versionId, '')).isDistinct()
  if (type == "history") return true;
  std::vector<std::string> keys;
  for (const auto& e : entries->GetArray()) {
    const rapidjson::Value* url = member_of(e, "fullUrl");
    if (!url || !url->IsString()) continue;
    std::string k(sv(*url));
    const rapidjson::Value* resource = member_of(e, "resource");
    const rapidjson::Value* meta = resource ? member_of(*resource, "meta") : nullptr;
    const rapidjson::Value* version = meta ? member_of(*meta, "versionId") : nullptr;
    if (version && version->IsString()) k.append(sv(*version));
    keys.push_back(std::move(k));
  }
  std::sort(keys.begin(), keys.end());
  return std::adjacent_find(keys.begin(), keys.end()) == keys.end();
}

// Whether `node` has a member that one of `names` navigates to (see constraint_guard).
bool navigates_present_member(const rapidjson::Value& node, const std::vector<std::string>& names) {
  if (!node.IsObject()) return true;
  for (const auto& m : node.GetObject()) {
    for (const auto& name : names) {
      if (definitions::member_matches(sv(m.name), name)) return true;
    }
  }
  return false;
}

// Adds every string value below `v` that starts with '#' to `out`.
void collect_local_strings(const rapidjson::Value& v, std::unordered_set<std::string_view>& out) {
  std::vector<const rapidjson::Value*> stack{&v};
  while (!stack.empty()) {
    const rapidjson::Value* n = stack.back();
    stack.pop_back();
    auto visit = [&](const rapidjson::Value& item) {
      if (item.IsString()) {
        if (item.GetStringLength() > 0 && item.GetString()[0] == '#') out.insert(sv(item));
      } else if (item.IsObject() || item.IsArray()) {
        stack.push_back(&item);
      }
    };
    if (n->IsObject()) {
      for (const auto& m : n->GetObject()) visit(m.value);
    } else if (n->IsArray()) {
      for (const auto& item : n->GetArray()) visit(item);
    }
  }
}

// Whether any string value below `v` equals `text`.
bool has_string(const rapidjson::Value& v, std::string_view text) {
  std::vector<const rapidjson::Value*> stack{&v};
  while (!stack.empty()) {
    const rapidjson::Value* n = stack.back();
    stack.pop_back();
    if (n->IsObject()) {
      for (const auto& m : n->GetObject()) {
        if (m.value.IsString()) {
          if (sv(m.value) == text) return true;
        } else if (m.value.IsObject() || m.value.IsArray()) {
          stack.push_back(&m.value);
        }
      }
    } else if (n->IsArray()) {
      for (const auto& item : n->GetArray()) {
        if (item.IsString()) {
          if (sv(item) == text) return true;
        } else if (item.IsObject() || item.IsArray()) {
          stack.push_back(&item);
        }
      }
    }
  }
  return false;
}

// State of one validate() call.
class walker {
 public:
  walker(const type_registry& registry, const validation_options& options, operation_outcome& out)
      : reg_(registry), opt_(options), out_(out) {
    env_.model = &reg_;
    env_.steps_used = &steps_used_;
    element_ = reg_.find_type("Element");
  }

  void resource(const rapidjson::Value& json, std::string_view expected, const rapidjson::Value* container);

  // Errors and other issues are capped separately, so that warnings never hide that errors exist; and
  // when errors were dropped the closing issue is itself an error.
  void finish() {
    if (dropped_errors_ > 0) {
      out_.add(issue_severity::error, "too-costly",
               std::to_string(dropped_errors_) + " further errors were not reported (limit " +
                   std::to_string(opt_.max_issues) + ")");
    }
    if (dropped_ > 0) {
      out_.add(issue_severity::warning, "too-costly",
               std::to_string(dropped_) + " further warnings were not reported (limit " +
                   std::to_string(opt_.max_issues) + ")");
    }
  }

 private:
  struct resource_context {
    const rapidjson::Value* resource = nullptr;
    const rapidjson::Value* root = nullptr;  // %rootResource: the container of a contained resource
  };

  void report(issue_severity severity, std::string_view code, std::string diagnostics) {
    const bool is_error = severity == issue_severity::error || severity == issue_severity::fatal;
    std::size_t& reported = is_error ? reported_errors_ : reported_;
    if (reported >= opt_.max_issues) {
      ++(is_error ? dropped_errors_ : dropped_);
      return;
    }
    ++reported;
    out_.add(severity, std::string(code), std::move(diagnostics), path_);
  }
  void error(std::string_view code, std::string diagnostics) {
    report(issue_severity::error, code, std::move(diagnostics));
  }

  // Appends ".name" or "[i]" to the path for the lifetime of the guard.
  class path_guard {
   public:
    path_guard(std::string& path, std::string_view member) : path_(path), size_(path.size()) {
      path_.push_back('.');
      path_.append(member);
    }
    path_guard(std::string& path, std::size_t index) : path_(path), size_(path.size()) {
      path_.push_back('[');
      path_.append(std::to_string(index));
      path_.push_back(']');
    }
    ~path_guard() { path_.resize(size_); }
    path_guard(const path_guard&) = delete;
    path_guard& operator=(const path_guard&) = delete;

   private:
    std::string& path_;
    std::size_t size_;
  };

  void object(const rapidjson::Value& json, const element_definition& scope, bool resource_root);
  void member_value(const rapidjson::Value& v, const member_match& m, const rapidjson::Value* extensions);
  void item(const rapidjson::Value& v, const member_match& m);
  void primitive(const rapidjson::Value& v, const member_match& m);
  // A primitive's "_name" companion; ele-1 holds when the primitive has a value or the companion has
  // extensions.
  void primitive_element(const rapidjson::Value& v, bool has_value);
  void complex(const rapidjson::Value& v, const member_match& m, const type_definition& type);
  void reference(const rapidjson::Value& v, const type_choice& t);
  void codeable(const rapidjson::Value& v, const element_definition& el, std::string_view type);
  void constraints(const rapidjson::Value& node, std::string_view key, std::string_view type,
                   const element_definition* el, const element_definition* type_root);
  void required_elements(const rapidjson::Value& json, const element_definition& scope);
  void contained_references(const rapidjson::Value& resource);
  // The ids of the contained resources of `root`, collected once per root (hostile input may hold tens of
  // thousands of contained resources and references).
  const std::unordered_set<std::string_view>& contained_ids(const rapidjson::Value& root) {
    auto [it, added] = contained_ids_.try_emplace(&root);
    if (added) {
      auto contained = root.FindMember("contained");
      if (contained != root.MemberEnd() && contained->value.IsArray()) {
        for (const auto& c : contained->value.GetArray()) {
          if (!c.IsObject()) continue;
          auto id = c.FindMember("id");
          if (id != c.MemberEnd() && id->value.IsString()) it->second.insert(sv(id->value));
        }
      }
    }
    return it->second;
  }
  std::unordered_map<const rapidjson::Value*, std::unordered_set<std::string_view>> contained_ids_;
  // The element's invariants at `node`, with the R4 model for typed navigation.
  [[nodiscard]] fhirpath::result<fhirpath::collection> evaluate_constraint(const fhirpath::expression& expr,
                                                                           const rapidjson::Value& node,
                                                                           std::string_view key,
                                                                           std::string_view type) {
    fhirpath::focus where;
    where.node = &node;
    where.model_key = key;
    where.type = type;
    where.resource = ctx_.resource;
    where.root_resource = ctx_.root;
    // Each invariant may take up to 1,000,000 steps (about 10-50 ms; no R4 invariant needs that much on a
    // real message), and a whole message 20,000,000, so hostile input cannot hold a thread for long.
    constexpr std::size_t per_invariant = 1'000'000;
    constexpr std::size_t per_message = 20'000'000;
    if (steps_used_ >= per_message) {
      return fhirpath::error{fhirpath::error_kind::execution,
                             "too costly: the message used up its budget of " + std::to_string(per_message) +
                                 " evaluation steps",
                             0};
    }
    env_.max_steps = std::min(per_invariant, per_message - steps_used_);
    return fhirpath::evaluate(expr, where, env_);
  }
  fhirpath::environment env_;
  std::size_t steps_used_ = 0;
  const type_definition* element_ = nullptr;  // the members of a primitive's "_name" companion

  const type_registry& reg_;
  const validation_options& opt_;
  operation_outcome& out_;
  std::string path_;
  resource_context ctx_;
  std::size_t reported_ = 0;  // warnings and information
  std::size_t dropped_ = 0;
  std::size_t reported_errors_ = 0;
  std::size_t dropped_errors_ = 0;
};

void walker::resource(const rapidjson::Value& json, std::string_view expected,
                      const rapidjson::Value* container) {
  if (!json.IsObject()) {
    error("structure", "A resource must be a JSON object, not " + std::string(json_kind_name(json)));
    return;
  }
  auto rt = json.FindMember("resourceType");
  if (rt == json.MemberEnd() || !rt->value.IsString()) {
    error("required", "The resource has no resourceType");
    return;
  }
  const std::string_view type_name = sv(rt->value);
  const type_definition* type = reg_.find_type(type_name);
  if (!type || type->kind != type_kind::resource || type->is_abstract) {
    error("not-supported", "Unknown resource type '" + std::string(type_name) + "'");
    return;
  }
  const bool top = path_.empty();
  if (top) path_ = type->name;
  if (!expected.empty() && !reg_.derives_from(type_name, expected)) {
    error("structure",
          "A " + std::string(type_name) + " is not allowed here (expected " + std::string(expected) + ")");
    if (top) path_.clear();
    return;
  }
  const resource_context saved = ctx_;
  ctx_.resource = &json;
  ctx_.root = container ? container : &json;
  object(json, *type->root, true);
  contained_references(json);
  constraints(json, type->name, type->name, type->root, nullptr);
  if (top) path_.clear();
  ctx_ = saved;
}

void walker::object(const rapidjson::Value& json, const element_definition& scope, bool resource_root) {
  // Choice elements seen in this object, with the type chosen (one type each; "valueString" and its
  // "_valueString" companion are the same choice).
  std::array<const member_match*, 8> choices{};
  std::size_t choice_count = 0;
  auto repeated_choice = [&](const member_match* match) {
    if (!match->element->choice) return false;
    for (std::size_t i = 0; i < choice_count; ++i) {
      if (choices[i]->element == match->element) return choices[i]->type != match->type;
    }
    if (choice_count < choices.size()) choices[choice_count++] = match;
    return false;
  };

  for (const auto& m : json.GetObject()) {
    const std::string_view key = sv(m.name);
    if (resource_root && key == "resourceType") continue;
    if (key.size() > 1 && key[0] == '_') {
      const std::string_view base = key.substr(1);
      const member_match* match = scope.find_member(base);
      path_guard guard(path_, key);
      if (!match || !match->type || !match->type->type || match->type->type->kind != type_kind::primitive) {
        report(opt_.unknown_elements_are_warnings ? issue_severity::warning : issue_severity::error,
               "structure", "Unknown element '" + std::string(key) + "'");
        continue;
      }
      if (repeated_choice(match)) {
        error("structure", "Only one type of '" + match->element->name + "[x]' may be present");
        continue;
      }
      const rapidjson::Value* values = nullptr;
      if (auto it = json.FindMember(rapidjson::StringRef(base.data(), base.size())); it != json.MemberEnd()) {
        values = &it->value;
      }
      if (match->element->max > 1) {
        if (!m.value.IsArray()) {
          error("structure",
                "'" + std::string(key) + "' must be an array, not " + std::string(json_kind_name(m.value)));
          continue;
        }
        if (values && values->IsArray() && values->Size() != m.value.Size()) {
          error("structure", "'" + std::string(key) + "' has " + std::to_string(m.value.Size()) +
                                 " entries but '" + std::string(base) + "' has " +
                                 std::to_string(values->Size()));
        }
        for (rapidjson::SizeType i = 0; i < m.value.Size(); ++i) {
          if (m.value[i].IsNull()) continue;
          path_guard at(path_, i);
          const bool has_value = values && values->IsArray() && i < values->Size() && !(*values)[i].IsNull();
          primitive_element(m.value[i], has_value);
        }
      } else {
        primitive_element(m.value, values != nullptr && !values->IsNull());
      }
      continue;
    }
    const member_match* match = scope.find_member(key);
    if (!match) {
      path_guard guard(path_, key);
      report(opt_.unknown_elements_are_warnings ? issue_severity::warning : issue_severity::error,
             "structure", "Unknown element '" + std::string(key) + "'");
      continue;
    }
    if (repeated_choice(match)) {
      path_guard guard(path_, key);
      error("structure", "Only one type of '" + match->element->name + "[x]' may be present");
    }
    const rapidjson::Value* extensions = nullptr;
    if (match->type && match->type->type && match->type->type->kind == type_kind::primitive) {
      std::string underscored = "_";
      underscored.append(key);
      if (auto it = json.FindMember(rapidjson::StringRef(underscored.data(), underscored.size()));
          it != json.MemberEnd()) {
        extensions = &it->value;
      }
    }
    path_guard guard(path_, key);
    member_value(m.value, *match, extensions);
  }
  required_elements(json, scope);
}

// dom-3: every contained resource is referred to from elsewhere in the resource ("#id" as a reference,
// canonical or uri), or itself refers to its container ("#").
void walker::contained_references(const rapidjson::Value& resource) {
  auto contained = resource.FindMember("contained");
  if (contained == resource.MemberEnd() || !contained->value.IsArray() || contained->value.Empty()) return;
  // Every "#..." string of the resource, in one pass (then each contained resource is one lookup).
  std::unordered_set<std::string_view> local_strings;
  collect_local_strings(resource, local_strings);
  for (const auto& c : contained->value.GetArray()) {
    if (!c.IsObject()) continue;
    auto id = c.FindMember("id");
    if (id == c.MemberEnd() || !id->value.IsString()) continue;
    const std::string local = "#" + std::string(sv(id->value));
    if (local_strings.count(local) != 0 || has_string(c, "#")) continue;
    error("invariant",
          "dom-3: If the resource is contained in another resource, it SHALL be referred to from elsewhere "
          "in the "
          "resource or SHALL refer to the containing resource ('" +
              local + "' is not referred to)");
  }
}

void walker::required_elements(const rapidjson::Value& json, const element_definition& scope) {
  for (const element_definition* child : scope.children) {
    if (child->min == 0) continue;
    bool present = false;
    if (child->choice) {
      for (const auto& m : json.GetObject()) {
        std::string_view key = sv(m.name);
        if (key.size() > 1 && key[0] == '_') key.remove_prefix(1);  // _occurrenceDateTime with extensions
        const member_match* match = scope.find_member(key);
        if (match && match->element == child) present = true;
      }
    } else {
      auto it = json.FindMember(rapidjson::StringRef(child->name.data(), child->name.size()));
      present = it != json.MemberEnd() && !it->value.IsNull();
      if (!present) {
        const std::string underscored = "_" + child->name;
        present = json.HasMember(rapidjson::StringRef(underscored.data(), underscored.size()));
      }
    }
    if (!present) {
      path_guard guard(path_, child->choice ? child->name + "[x]" : child->name);
      error("required", "Minimum required = " + std::to_string(child->min) + ", but '" + child->name +
                            (child->choice ? "[x]" : "") + "' is missing");
    }
  }
}

void walker::member_value(const rapidjson::Value& v, const member_match& m,
                          const rapidjson::Value* extensions) {
  const element_definition& el = *m.element;
  if (el.max > 1) {
    if (!v.IsArray()) {
      error("structure",
            "'" + el.name + "' repeats and must be an array, not " + std::string(json_kind_name(v)));
      return;
    }
    if (v.Empty()) {
      error("structure", "Arrays must not be empty ('" + el.name + "')");
      return;
    }
    if (el.max != definitions::unbounded && v.Size() > el.max) {
      error("structure",
            "Maximum allowed = " + std::to_string(el.max) + ", found " + std::to_string(v.Size()));
    }
    const bool has_extensions = extensions && extensions->IsArray();
    for (rapidjson::SizeType i = 0; i < v.Size(); ++i) {
      path_guard at(path_, i);
      if (v[i].IsNull()) {
        const bool covered = has_extensions && i < extensions->Size() && !(*extensions)[i].IsNull();
        if (!covered) error("structure", "null is only allowed where '_" + el.name + "' has an entry");
        continue;
      }
      item(v[i], m);
    }
    return;
  }
  if (v.IsArray()) {
    error("structure", "'" + el.name + "' does not repeat and must not be an array");
    return;
  }
  if (v.IsNull()) {
    error("structure", "'" + el.name + "' must not be null");
    return;
  }
  item(v, m);
}

void walker::item(const rapidjson::Value& v, const member_match& m) {
  if (!m.type && m.element->content_reference && !m.element->content_reference->types.empty()) {
    // Questionnaire.item.item: untyped in the snapshot, it is a Questionnaire.item.
    const member_match referenced{m.element, &m.element->content_reference->types.front()};
    if (referenced.type->type) complex(v, referenced, *referenced.type->type);
    return;
  }
  if (!m.type || !m.type->type) return;  // an element the definitions leave untyped
  const type_definition& type = *m.type->type;
  if (type.kind == type_kind::primitive) {
    primitive(v, m);
    return;
  }
  if (type.kind == type_kind::resource) {
    const bool contained = m.element->name == "contained";
    resource(v, type.name == "Resource" || type.name == "DomainResource" ? std::string_view{} : type.name,
             contained ? ctx_.resource : nullptr);
    return;
  }
  complex(v, m, type);
}

void walker::primitive(const rapidjson::Value& v, const member_match& m) {
  const type_choice& t = *m.type;
  // Resource.id is an `id` although R4's definitions type it as a plain string.
  const bool resource_id = m.element->name == "id" && m.element->owner->kind == type_kind::resource &&
                           m.element->path.find('.') == m.element->path.rfind('.');
  const std::string_view type = resource_id ? std::string_view("id") : std::string_view(t.code);
  if (v.IsString() && json_kind_of(type) == json_kind::string) {
    if (v.GetStringLength() == 0) {
      error("value", "'" + m.element->name + "' must not be an empty string (R4 JSON)");
      return;
    }
    constexpr std::size_t one_megabyte = 1024 * 1024;
    if (v.GetStringLength() > one_megabyte && type != "xhtml" && type != "base64Binary") {
      error("value", "'" + m.element->name + "' is longer than 1 MB, the R4 limit for strings");
      return;
    }
  }
  if (!valid_primitive(type, v)) {
    const json_kind want = json_kind_of(type);
    const bool kind_ok = (want == json_kind::string && v.IsString()) ||
                         (want == json_kind::number && v.IsNumber()) ||
                         (want == json_kind::boolean && v.IsBool());
    if (!kind_ok) {
      error("structure", "'" + m.element->name + "' is a " + std::string(type) + " and must be " +
                             (want == json_kind::string
                                  ? "a JSON string"
                                  : (want == json_kind::number ? "a JSON number" : "true or false")) +
                             ", not " + std::string(json_kind_name(v)));
    } else {
      std::string shown = v.IsString() ? std::string(sv(v)) : std::string();
      if (shown.size() > 80) shown = shown.substr(0, 80) + "...";
      error("value", v.IsString()
                         ? "'" + shown + "' is not a valid " + std::string(type)
                         : "The number is not a valid " + std::string(type) +
                               (type == "decimal" ? std::string() : " (a whole number within 32 bits)"));
    }
    return;
  }
  if (type == "code" && m.element->binding && m.element->binding->expandable && v.IsString()) {
    if (!m.element->binding->contains_code(sv(v))) {
      error("code-invalid", "The code '" + std::string(sv(v)) + "' is not in the required value set " +
                                m.element->binding_url);
    }
  }
  // Invariants on primitive elements: txt-1/txt-2 (htmlChecks on Narrative.div), eld-3.
  if (!m.element->constraints.empty()) constraints(v, t.code, t.code, m.element, nullptr);
}

void walker::primitive_element(const rapidjson::Value& v, bool has_value) {
  if (!v.IsObject()) {
    error("structure", "A primitive's '_' companion must be an object (id, extension), not " +
                           std::string(json_kind_name(v)));
    return;
  }
  // Its members are those of Element (id, extension), checked like any other object.
  if (element_ != nullptr) object(v, *element_->root, false);
  if (!has_value && !v.HasMember("extension"))
    error("invariant", "ele-1: All FHIR elements must have a @value or children");
}

void walker::complex(const rapidjson::Value& v, const member_match& m, const type_definition& type) {
  if (!v.IsObject()) {
    error("structure", "'" + m.element->name + "' is a " + m.type->code + " and must be a JSON object, not " +
                           std::string(json_kind_name(v)));
    return;
  }
  bool has_content = false;
  for (const auto& member : v.GetObject()) {
    if (sv(member.name) != "id") {
      has_content = true;
      break;
    }
  }
  if (!has_content) {
    error("invariant", "ele-1: All FHIR elements must have a @value or children");
    return;
  }
  const element_definition* own_scope = m.element->scope();
  const type_definition* effective = m.type->profile ? m.type->profile : &type;
  const element_definition& scope = own_scope ? *own_scope : *effective->root;
  object(v, scope, false);

  const std::string_view code = m.type->code;
  if (code == "Extension") {
    bool has_extension = false;
    bool has_value = false;
    for (const auto& member : v.GetObject()) {
      const std::string_view key = sv(member.name);
      has_extension = has_extension || key == "extension";
      // value[x], or only its primitive companion ("_valueString" with extensions and no value)
      has_value = has_value || (key.starts_with("value") && key.size() > 5) ||
                  (key.starts_with("_value") && key.size() > 6);
    }
    if (has_extension == has_value)
      error("invariant", "ext-1: Must have either extensions or value[x], not both");
  } else if (code == "Reference") {
    reference(v, *m.type);
  }
  if (m.element->binding && m.element->binding->expandable &&
      (code == "CodeableConcept" || code == "Coding")) {
    codeable(v, *m.element, code);
  }
  // A content reference brings the referenced element's invariants (que-1.. on every nested item).
  const element_definition* second =
      m.element->content_reference ? m.element->content_reference : (own_scope ? nullptr : effective->root);
  constraints(v, type_registry::key_of(m), code, m.element, second);
}

void walker::reference(const rapidjson::Value& v, const type_choice& t) {
  auto it = v.FindMember("reference");
  if (it == v.MemberEnd() || !it->value.IsString()) return;
  const std::string_view ref = sv(it->value);
  if (ref.empty()) return;
  if (ref[0] == '#') {
    // ref-1: a local reference names a contained resource of the root resource. "#" alone names the
    // container (and its FHIRPath, '#'.substring(1), is empty, which holds).
    if (ref.size() == 1) return;
    if (contained_ids(*ctx_.root).count(ref.substr(1)) != 0) return;
    error("invariant", "ref-1: SHALL have a contained resource if a local reference is provided ('" +
                           std::string(ref) + "' names no contained resource)");
    return;
  }
  path_guard guard(path_, "reference");
  if (ref.starts_with("urn:uuid:")) {
    // Reference.reference is a string: upper-case hex (RFC 4122 reads UUIDs case-insensitively) is fine.
    std::string lower(ref);
    for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (!valid_primitive_text("uuid", lower))
      error("value", "'" + std::string(ref) + "' is not a valid urn:uuid");
    return;
  }
  if (ref.starts_with("urn:oid:")) {
    if (!valid_primitive_text("oid", ref))
      error("value", "'" + std::string(ref) + "' is not a valid urn:oid");
    return;
  }
  if (ref.find("://") != std::string_view::npos || ref.starts_with("urn:")) return;  // absolute
  // Relative: Type/id, Type/id/_history/version, or a conditional reference Type?query (transactions).
  const std::size_t cut = ref.find_first_of("/?");
  const std::string_view type_name = ref.substr(0, cut);
  const type_definition* target = reg_.find_type(type_name);
  if (!target || target->kind != type_kind::resource || cut == std::string_view::npos) {
    error("value",
          "The reference '" + std::string(ref) + "' is neither Type/id, a local #id nor an absolute URL");
    return;
  }
  if (ref[cut] == '/') {
    std::string_view rest = ref.substr(cut + 1);
    const std::size_t slash = rest.find('/');
    const std::string_view id = rest.substr(0, slash);
    constexpr std::string_view history = "/_history/";
    const bool versioned = slash != std::string_view::npos;
    if (!valid_primitive_text("id", id) ||
        (versioned && (!rest.substr(slash).starts_with(history) ||
                       !valid_primitive_text("id", rest.substr(slash + history.size()))))) {
      error("value",
            "The reference '" + std::string(ref) + "' is not of the form Type/id[/_history/version]");
      return;
    }
  }
  if (t.targets.empty()) return;
  for (const auto& allowed : t.targets) {
    if (allowed == "Resource" || reg_.derives_from(type_name, allowed)) return;
  }
  std::string list;
  for (const auto& allowed : t.targets) list += (list.empty() ? "" : ", ") + allowed;
  error("structure",
        "A reference to a " + std::string(type_name) + " is not allowed here (allowed: " + list + ")");
}

void walker::codeable(const rapidjson::Value& v, const element_definition& el, std::string_view type) {
  const definitions::value_set& vs = *el.binding;
  auto coding_in = [&](const rapidjson::Value& coding) {
    if (!coding.IsObject()) return false;
    auto code = coding.FindMember("code");
    if (code == coding.MemberEnd() || !code->value.IsString()) return false;
    auto system = coding.FindMember("system");
    if (system == coding.MemberEnd() || !system->value.IsString()) return vs.contains_code(sv(code->value));
    return vs.contains(sv(system->value), sv(code->value));
  };
  if (type == "Coding") {
    if (v.HasMember("code") && !coding_in(v)) {
      error("code-invalid", "The coding is not in the required value set " + el.binding_url);
    }
    return;
  }
  auto codings = v.FindMember("coding");
  if (codings == v.MemberEnd() || !codings->value.IsArray() || codings->value.Empty()) return;
  for (const auto& c : codings->value.GetArray()) {
    if (coding_in(c)) return;
  }
  error("code-invalid", "None of the codings is in the required value set " + el.binding_url);
}

void walker::constraints(const rapidjson::Value& node, std::string_view key, std::string_view type,
                         const element_definition* el, const element_definition* type_root) {
  if (!opt_.invariants) return;
  std::array<const definitions::constraint_definition*, 32> seen{};
  std::size_t seen_count = 0;
  auto run = [&](const definitions::constraint_definition* c) {
    if (checked_natively(c->key)) return;
    for (std::size_t i = 0; i < seen_count; ++i) {
      if (seen[i] == c || seen[i]->key == c->key) return;
    }
    if (seen_count < seen.size()) seen[seen_count++] = c;
    if (const bundle_rule rule = bundle_rule_of(c->key);
        rule != bundle_rule::none && opt_.native_bundle_rules) {
      if (!bundle_rule_holds(rule, node)) report(c->severity, "invariant", c->key + ": " + c->human);
      return;
    }
    if (!c->expression) return;
    if (c->guard.guardable && !navigates_present_member(node, c->guard.root_names)) {
      if (!c->passes_when_absent) report(c->severity, "invariant", c->key + ": " + c->human);
      return;
    }
    auto result = evaluate_constraint(*c->expression, node, key, type);
    if (!result.ok()) {
      // Too costly fails closed (an error): otherwise a crafted message would pass unchecked.
      if (result.failure().message.starts_with("too costly")) {
        error("too-costly", c->key + ": the constraint could not be checked: " + result.failure().message);
      } else {
        report(issue_severity::warning, "processing",
               c->key + ": the constraint could not be evaluated: " + result.failure().message);
      }
      return;
    }
    if (!definitions::invariant_holds(result.value()))
      report(c->severity, "invariant", c->key + ": " + c->human);
  };
  if (el) {
    for (const auto* c : el->constraints) run(c);
  }
  if (type_root) {
    for (const auto* c : type_root->constraints) run(c);
  }
}

}  // namespace

validator::validator() : registry_(definitions::type_registry::r4()) {}

validator::validator(const definitions::type_registry& registry) : registry_(registry) {}

void validator::validate(const rapidjson::Value& resource, operation_outcome& out,
                         const validation_options& options, std::string_view expected_type) const {
  walker w(registry_, options, out);
  w.resource(resource, expected_type, nullptr);
  w.finish();
}

}  // namespace homebase::fhir
