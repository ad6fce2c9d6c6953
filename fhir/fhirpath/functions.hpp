// functions: the FHIRPath function library (existence, filtering, subsetting, combining, conversion,
// string, math, tree navigation, utility, and the FHIR additions). The entry point, call_function, is
// declared in engine.hpp; this header maps names to the ids the parser stores in the AST.
#pragma once

#include <string_view>

#include "fhir/fhirpath/ast.hpp"

namespace homebase::fhir::fhirpath {

// The id of function `name`, or function_id::unknown.
[[nodiscard]] function_id find_function(std::string_view name);

// Whether `name` is a function this engine implements.
[[nodiscard]] bool is_known_function(std::string_view name);

}  // namespace homebase::fhir::fhirpath
