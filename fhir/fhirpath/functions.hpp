// functions: the FHIRPath function library (existence, filtering, subsetting, combining, conversion,
// string, math, tree navigation, utility). The entry point, call_function, is declared in engine.hpp;
// this header lists the names it knows.
#pragma once

#include <string_view>

namespace homebase::fhir::fhirpath {

// Whether `name` is a function this engine implements.
[[nodiscard]] bool is_known_function(std::string_view name);

}  // namespace homebase::fhir::fhirpath
