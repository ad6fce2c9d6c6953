// type_registry: every FHIR R4 resource, data type and primitive as the validator and the FHIRPath engine
// need them: element tree with JSON member lookup (choice types expanded: valueQuantity, valueString...),
// cardinality, types, Reference targets, required bindings with their expanded codes, and constraints
// with their compiled FHIRPath. Loaded once from the model that homebase_defgen generated from the
// official definitions (embedded_model.hpp); immutable afterwards and safe to share between threads.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <variant>
#include <vector>

#include "fhir/definitions/constraint_guard.hpp"
#include "fhir/fhirpath/model.hpp"
#include "fhir/fhirpath/parser.hpp"
#include "fhir/operation_outcome.hpp"

namespace homebase::fhir::definitions {

enum class type_kind : std::uint8_t { primitive, complex, resource };

inline constexpr std::uint32_t unbounded = UINT32_MAX;

struct type_definition;
struct element_definition;

struct constraint_definition {
  std::string key;  // "dom-2", "bdl-7"
  issue_severity severity = issue_severity::error;
  std::string expression_text;
  std::string human;
  std::optional<fhirpath::expression> expression;  // empty when the engine cannot parse the text
  std::string parse_error;
  // When `guard.guardable` and a node has none of `guard.root_names`, the constraint's verdict is
  // `passes_when_absent` (computed once on an empty object) and need not be evaluated.
  constraint_guard guard;
  bool passes_when_absent = true;
};

// The codes of a value set named by a required binding, expanded at generation time.
struct value_set {
  std::string url;
  bool expandable = false;
  std::string reason;  // why not expandable (an external code system such as UCUM or BCP-47)
  std::unordered_set<std::string> system_codes;  // "system|code"
  std::unordered_set<std::string> codes;         // every code, of any system

  [[nodiscard]] bool contains(std::string_view system, std::string_view code) const;
  [[nodiscard]] bool contains_code(std::string_view code) const;
};

struct type_choice {
  std::string code;                          // "Quantity", "Reference", "BackboneElement", "string"
  const type_definition* type = nullptr;     // the definition of `code`
  const type_definition* profile = nullptr;  // a required profile on the type (SimpleQuantity), if any
  std::vector<std::string> targets;          // Reference/canonical target type names ("Patient")
};

struct member_match;

// A place in a definition whose JSON object members are defined: a type's root element, or an element
// with inline children (backbone elements such as Patient.contact).
struct element_definition {
  std::string path;  // "Patient.contact.name"
  std::string name;  // "name"; "value" for value[x]
  std::uint32_t min = 0;
  std::uint32_t max = 1;
  bool choice = false;
  std::vector<type_choice> types;
  const element_definition* content_reference = nullptr;  // Questionnaire.item.item -> Questionnaire.item
  std::vector<const element_definition*> children;        // inline children, in definition order
  std::string binding_url;                                // required binding, or empty
  const value_set* binding = nullptr;
  std::vector<const constraint_definition*> constraints;
  const type_definition* owner = nullptr;

  // The definition whose children apply to this element's JSON object (itself, its content reference,
  // or null when the element's children come from its type).
  [[nodiscard]] const element_definition* scope() const;
  // The member named by JSON key `json_name` (no leading '_'); null when not defined here.
  [[nodiscard]] const member_match* find_member(std::string_view json_name) const;

  std::unordered_map<std::string_view, const member_match*> members;  // built by the registry
};

// One JSON key of a scope: the element it names and, for choice elements, which type the key selects.
struct member_match {
  const element_definition* element = nullptr;
  const type_choice* type = nullptr;  // the chosen type for choice keys; the single type otherwise
};

struct type_definition {
  std::string name;  // "Patient", "HumanName", "date", "SimpleQuantity"
  std::string url;
  type_kind kind = type_kind::complex;
  bool is_abstract = false;
  bool is_profile = false;  // derivation = constraint (SimpleQuantity, MoneyQuantity)
  std::string base_name;
  const type_definition* base = nullptr;
  std::string regex;  // primitives: the official regex of the value, when the definitions give one
  const element_definition* root = nullptr;
  std::vector<std::unique_ptr<element_definition>> elements;  // root first, then definition order
};

struct registry_stats {
  std::size_t types = 0;
  std::size_t elements = 0;
  std::size_t constraints = 0;
  std::size_t constraints_not_compiled = 0;
  std::size_t value_sets = 0;
  std::size_t value_sets_not_expandable = 0;
};

// The expression the registry uses for R4 constraint `key` published as `text`: `text` itself, or its
// correction where R4 published a wrong expression (que-7; see type_registry.cpp).
[[nodiscard]] std::string_view corrected_expression(std::string_view key, std::string_view text);

class type_registry final : public fhirpath::model {
 public:
  // The R4 registry from the embedded model, loaded on first use (thread-safe). Call it once at
  // start-up to keep the load (tens of milliseconds) off the first request.
  [[nodiscard]] static const type_registry& r4();

  // Builds a registry from model JSON as homebase_defgen writes it. Error text on malformed input.
  [[nodiscard]] static std::variant<std::unique_ptr<type_registry>, std::string> load(
      std::string_view model_json);

  [[nodiscard]] const type_definition* find_type(std::string_view name) const;
  [[nodiscard]] const element_definition* find_element(std::string_view path) const;
  [[nodiscard]] const value_set* find_value_set(std::string_view url) const;
  [[nodiscard]] const std::vector<std::unique_ptr<type_definition>>& types() const { return types_; }
  [[nodiscard]] const std::vector<std::unique_ptr<constraint_definition>>& constraints() const {
    return constraints_;
  }
  [[nodiscard]] const registry_stats& stats() const { return stats_; }

  // fhirpath::model
  [[nodiscard]] std::optional<fhirpath::child_info> child(std::string_view parent_key,
                                                          std::string_view json_name) const override;
  [[nodiscard]] bool is_choice(std::string_view parent_key, std::string_view name) const override;
  [[nodiscard]] bool is_type(std::string_view type_name) const override;
  [[nodiscard]] bool derives_from(std::string_view type_name, std::string_view ancestor) const override;
  [[nodiscard]] std::optional<bool> member_of(std::string_view value_set_url, std::string_view system,
                                              std::string_view code) const override;
  [[nodiscard]] std::optional<bool> conforms_to(std::string_view resource_type,
                                                std::string_view profile_url) const override;

  // The model key of the element matched by `m` (a backbone path or the chosen type's name).
  [[nodiscard]] static std::string_view key_of(const member_match& m);

 private:
  type_registry() = default;
  [[nodiscard]] const element_definition* scope_for_key(std::string_view key) const;

  std::vector<std::unique_ptr<type_definition>> types_;
  std::vector<std::unique_ptr<constraint_definition>> constraints_;
  std::vector<std::unique_ptr<value_set>> value_sets_;
  std::vector<std::unique_ptr<member_match>> matches_;
  std::vector<std::unique_ptr<std::string>> keys_;  // expanded choice names ("valueQuantity")
  std::unordered_map<std::string_view, const type_definition*> types_by_name_;
  std::unordered_map<std::string_view, const element_definition*> elements_by_path_;
  std::unordered_map<std::string_view, const value_set*> value_sets_by_url_;
  registry_stats stats_;
};

}  // namespace homebase::fhir::definitions
