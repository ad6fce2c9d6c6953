// constraint_guard: when an invariant need not be evaluated. Most R4 invariants only navigate from
// their focus through member names ("start.hasValue().not() or end.hasValue().not() or (start <= end)",
// "contained.contained.empty()"). On a node that has none of those members, such an expression gives
// the same answer as on an empty object, which can be computed once. The guard is found from the
// expression text: every identifier that does not follow a '.' may be a member of the focus; anything
// that looks at the focus itself ($this, %variables, a function called on the focus, a type name at
// the start of a path) makes the constraint unguardable, so it is always evaluated.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "fhir/fhirpath/value.hpp"

namespace homebase::fhir::definitions {

struct constraint_guard {
  bool guardable = false;
  std::vector<std::string> root_names;  // members of the focus the expression may navigate
};

[[nodiscard]] constraint_guard analyse_constraint(std::string_view expression);

// Whether an invariant's result means it holds. Only a single `false` violates it. An empty result holds:
// the expression found nothing to check (ras-2, "probability is decimal implies ...", on a prediction
// without probability; bdl-8 on an entry without fullUrl), which is how the official R4 examples pass.
// A non-Boolean single item holds by singleton evaluation; several items hold as well (the R4
// invariants are Boolean expressions; such a result would be a defect of the expression, not the data).
[[nodiscard]] bool invariant_holds(const fhirpath::collection& result);

// Whether a JSON member key may be reached by navigating `name` (itself, its primitive companion
// "_name", or a choice type "nameQuantity").
[[nodiscard]] bool member_matches(std::string_view key, std::string_view name);

}  // namespace homebase::fhir::definitions
