// evaluator: the public entry points that run a parsed FHIRPath expression against FHIR JSON (rapidjson
// trees, borrowed for the duration of the call). Results borrow from the JSON, the expression and the
// model: keep them alive while a result is in use.
//
// Evaluation never throws and keeps all its state on the stack: one expression may be evaluated by any
// number of threads at once, against the same or different documents.
#pragma once

#include <rapidjson/document.h>

#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "fhir/fhirpath/model.hpp"
#include "fhir/fhirpath/parser.hpp"
#include "fhir/fhirpath/result.hpp"
#include "fhir/fhirpath/value.hpp"

namespace homebase::fhir::fhirpath {

struct environment {
  // External constants, referenced as %name. %context, %resource, %rootResource, %ucum, %sct, %loinc,
  // %vs-name and %ext-name are predefined unless set here.
  std::map<std::string, collection, std::less<>> variables;
  // The instant today()/now()/timeOfDay() report; the system clock (UTC) when unset.
  std::optional<temporal> now;
  // The FHIR type system (fhir/definitions implements it). With a model, navigation knows the FHIR type
  // of every node, is/as/ofType follow the type hierarchy (unknown type names are errors), and
  // memberOf()/conformsTo() can answer. Without one, types are guessed from JSON shapes and choice names.
  const fhirpath::model* model = nullptr;
  // Work allowed to one evaluation, in steps (each evaluated node, and each comparison inside distinct(),
  // isDistinct(), intersect(), exclude(), subsetOf(), repeat() and '|'); 0 means no limit. Past it the
  // evaluation fails with an execution error whose message starts with "too costly".
  std::size_t max_steps = 0;
  // When set, each evaluation adds the steps it took here (a caller's budget across evaluations).
  std::size_t* steps_used = nullptr;
  // Strict mode (needs a model): navigating to an element the model does not know, or naming a choice
  // element with its type ("valueQuantity" for value[x]), is a semantic error instead of an empty result.
  bool strict = false;
};

// Where an expression is evaluated: the element a constraint is defined on, and the resources around it.
struct focus {
  const rapidjson::Value* node = nullptr;  // $this and %context (an object, or a JSON primitive)
  std::string_view model_key;              // its model key ("Patient", "Observation.component"), or empty
  std::string_view type;                   // its FHIR type ("Patient", "BackboneElement", "code"), or empty
  const rapidjson::Value* resource = nullptr;       // %resource: the resource that contains the node
  const rapidjson::Value* root_resource = nullptr;  // %rootResource: the enclosing Bundle or container
                                                    // resource (resolve() looks there), else = resource
  // For a JSON primitive focus: its "_name" companion object (id, extension), if any. A primitive with
  // no value but extensions is given as node = null and primitive_element set.
  const rapidjson::Value* primitive_element = nullptr;
};

// Evaluates `expr` at `where`. Errors carry kind semantic or execution. Model keys and types given in
// `where` must outlive the result (they normally point into the model).
[[nodiscard]] result<collection> evaluate(const expression& expr, const focus& where, const environment& env);

// Evaluates `expr` with `resource` as %context, %resource and %rootResource.
[[nodiscard]] result<collection> evaluate(const expression& expr, const rapidjson::Value& resource,
                                          const environment& env = {});

// Evaluates an invariant (an R4 constraint: true = OK) at `where`: true when the result is true (or, by
// singleton evaluation, one non-Boolean item); false when it is false or empty. Several items, or an
// evaluation error, give an error. The validator reads an empty result the other way (it holds, see
// definitions::invariant_holds): with this strict reading official R4 examples fail ras-2 and bdl-8.
[[nodiscard]] result<bool> evaluate_constraint(const expression& expr, const focus& where,
                                               const environment& env);

}  // namespace homebase::fhir::fhirpath
