// evaluator: the public entry point that runs a parsed FHIRPath expression against a FHIR JSON
// resource (a rapidjson tree, borrowed for the duration of the call and by the JSON items of the result).
#pragma once

#include <rapidjson/document.h>

#include <map>
#include <optional>
#include <string>

#include "fhir/fhirpath/parser.hpp"
#include "fhir/fhirpath/result.hpp"
#include "fhir/fhirpath/value.hpp"

namespace homebase::fhir::fhirpath {

struct environment {
  // External constants, referenced as %name. %context, %resource, %rootResource (the resource), %ucum,
  // %sct and %loinc are predefined unless set here.
  std::map<std::string, collection, std::less<>> variables;
  // The instant today()/now()/timeOfDay() report; the system clock (UTC) when unset.
  std::optional<temporal> now;
};

// Evaluates `expr` with `resource` as %context and %resource. Errors carry kind semantic or execution.
[[nodiscard]] result<collection> evaluate(const expression& expr, const rapidjson::Value& resource,
                                          const environment& env = {});

}  // namespace homebase::fhir::fhirpath
