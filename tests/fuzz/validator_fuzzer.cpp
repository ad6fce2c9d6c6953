// validator_fuzzer: bytes -> JSON -> fhir::validator (R4 structure, cardinality, formats, bindings and the
// FHIRPath invariants) on whatever resource the input is. The first byte picks the options the gateway
// uses (strict or lenient, invariants on or off, native or FHIRPath Bundle rules); the rest is the
// resource. Every input is answered with issues; the OperationOutcome must be writable.
#include <rapidjson/document.h>

#include <cstddef>
#include <cstdint>
#include <string>

#include "fhir/json_document.hpp"
#include "fhir/operation_outcome.hpp"
#include "fhir/validation/validator.hpp"

namespace fhir = homebase::fhir;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const fhir::validator validator;  // the R4 registry, loaded once
  if (size == 0) return 0;
  const std::uint8_t mode = data[0];
  std::string buffer(reinterpret_cast<const char*>(data + 1), size - 1);
  rapidjson::Document doc;
  if (fhir::parse_json_in_place(buffer, doc, {64})) return 0;

  fhir::validation_options options;
  options.unknown_elements_are_warnings = (mode & 1) != 0;
  options.invariants = (mode & 2) == 0;
  options.native_bundle_rules = (mode & 4) == 0;
  fhir::operation_outcome outcome;
  validator.validate(doc, outcome, options, (mode & 8) != 0 ? "Bundle" : "");
  (void)outcome.to_json();
  return 0;
}
