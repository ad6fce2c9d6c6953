#include "gateway/delivery/outbound_check.hpp"

#include <rapidjson/document.h>

#include "fhir/json_document.hpp"
#include "fhir/validation/validator.hpp"

namespace homebase::gateway::delivery {

std::optional<std::string> outbound_problems(std::string_view payload) {
  rapidjson::Document doc;
  if (auto error = fhir::parse_json(payload, doc, {128})) {
    return "the outbound Bundle is not JSON: " + error->message;
  }
  fhir::operation_outcome outcome;
  fhir::validator().validate(doc, outcome);
  if (!outcome.has_errors()) return std::nullopt;
  std::string why = "the outbound Bundle is not valid R4:";
  int shown = 0;
  for (const auto& i : outcome.issues()) {
    if (i.severity != fhir::issue_severity::error && i.severity != fhir::issue_severity::fatal) continue;
    if (++shown > 3) {
      why += " ...";
      break;
    }
    why += " " + i.expression + ": " + i.diagnostics + ";";
  }
  return why;
}

}  // namespace homebase::gateway::delivery
