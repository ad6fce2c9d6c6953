// validator: checks a FHIR R4 JSON resource of any type against the R4 definitions (type_registry):
// unknown elements, JSON kinds (array vs single, object vs primitive), cardinality, primitive formats,
// empty values (ele-1 and the JSON rules), primitive extensions (`_name`, null placeholders), required
// bindings, Reference shape and target types, contained and nested resources (Bundle entries,
// Parameters), and every resource and data-type invariant through the FHIRPath engine. Issues carry
// the constraint's own severity, an R4 issue-type code, and the element path of the instance
// ("Bundle.entry[3].resource.participant[0].actor").
//
// A validator is immutable and can be shared between threads; each call keeps its own state.
#pragma once

#include <rapidjson/document.h>

#include <cstddef>
#include <string_view>

#include "fhir/definitions/type_registry.hpp"
#include "fhir/operation_outcome.hpp"

namespace homebase::fhir {

struct validation_options {
  // Per-partner lenient mode: unknown elements are reported as warnings, not errors.
  bool unknown_elements_are_warnings = false;
  // Evaluate FHIRPath invariants (structure, cardinality, formats and bindings are always checked).
  bool invariants = true;
  // Check bdl-3, -4, -5, -7 and -8 natively (same verdicts, much faster); off evaluates their FHIRPath,
  // which the tests use to compare both.
  bool native_bundle_rules = true;
  // Stop reporting after this many errors, and separately this many other issues (hostile input); one
  // more issue of each kind says how many were dropped (an error when errors were dropped).
  std::size_t max_issues = 500;
};

class validator {
 public:
  validator();  // the R4 registry
  explicit validator(const definitions::type_registry& registry);

  // Validates `resource`; appends issues to `out`. When `expected_type` is not empty the resource must
  // be of that type (or derive from it). Paths start with the resource type.
  void validate(const rapidjson::Value& resource, operation_outcome& out,
                const validation_options& options = {}, std::string_view expected_type = {}) const;

  [[nodiscard]] const definitions::type_registry& registry() const { return registry_; }

 private:
  const definitions::type_registry& registry_;
};

}  // namespace homebase::fhir
