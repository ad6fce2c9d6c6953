// message_rules_fuzzer: bytes -> JSON (the intake's reader and depth limit) -> the R4 message-Bundle rules
// the intake applies before validation (fhir/message_bundle: bdl-*, MessageHeader first, references that
// resolve) and the Bundle index they use. Whatever the input, the check answers 200, 400 or 422, and a
// refusal carries at least one error issue whose OperationOutcome can be written.
#include <rapidjson/document.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "fhir/bundle_index.hpp"
#include "fhir/json_document.hpp"
#include "fhir/message_bundle.hpp"

namespace fhir = homebase::fhir;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string buffer(reinterpret_cast<const char*>(data), size);
  rapidjson::Document doc;
  if (fhir::parse_json_in_place(buffer, doc, {64})) return 0;

  auto check = fhir::check_message_bundle(doc);
  if (check.http_status != 200 && check.http_status != 400 && check.http_status != 422) std::abort();
  if (check.http_status != 200 && !check.outcome.has_errors()) std::abort();
  (void)check.outcome.to_json();

  if (doc.IsObject()) {
    fhir::bundle_index index(doc);
    for (const auto& entry : index.entries()) {
      if (entry.resource == nullptr) continue;
      (void)index.resolve(entry.full_url, &entry);
      (void)index.of_type(entry.resource_type);
    }
  }
  return 0;
}
