// embedded_model: the compact R4 model that homebase_defgen generates at build time from the official
// definitions (fhir/definitions/r4/*.json.xz), compiled into the library as one string constant.
#pragma once

#include <string_view>

namespace homebase::fhir::definitions {

// The generated model JSON (format: fhir/definitions/README.md).
[[nodiscard]] std::string_view embedded_r4_model();

}  // namespace homebase::fhir::definitions
