#include "mappers/disclosure/letter_request.hpp"

#include <algorithm>

#include "mappers/disclosure/authorization.hpp"
#include "mappers/disclosure/fhir_read.hpp"

namespace homebase::mappers::disclosure {
namespace {

namespace rd = fhir_read;

letter_request_result fail(std::string error, std::string expression = "Parameters") {
  letter_request_result r;
  r.error = std::move(error);
  r.expression = std::move(expression);
  return r;
}

bool has(const std::vector<data_class>& list, data_class c) {
  return std::find(list.begin(), list.end(), c) != list.end();
}

}  // namespace

bool is_letter_kind(std::string_view kind) {
  return kind == "iep_support" || kind == "504_support" || kind == "emergency_plan" ||
         kind == "immunization_proof";
}

std::string letter_title(std::string_view kind) {
  if (kind == "iep_support") return "Medical information for the IEP team";
  if (kind == "504_support") return "Medical information for the Section 504 team";
  if (kind == "emergency_plan") return "Emergency care plan for school";
  return "Proof of immunization";
}

letter_request_result letter_request_from_parameters(const rapidjson::Value& parameters) {
  if (rd::string(parameters, "resourceType") != "Parameters") return fail("the body must be a Parameters");
  letter_request req;
  req.purpose = {std::string(act_reason_system), "COC", "coordination of care"};
  auto params = rd::array(parameters, "parameter");
  for (std::size_t i = 0; i < params.size(); ++i) {
    const auto& p = *params[i];
    auto name = rd::string(p, "name");
    auto path = "Parameters.parameter[" + std::to_string(i) + "]";
    const auto* ident = rd::member(p, "valueIdentifier");
    const auto* coding = rd::member(p, "valueCoding");
    auto code = rd::string(p, "valueCode");
    auto text = rd::string(p, "valueString");
    if (name == "patient" && ident != nullptr) {
      req.patient = rd::identifier(*ident);
    } else if (name == "school" && ident != nullptr) {
      req.school = rd::identifier(*ident);
    } else if (name == "signer" && ident != nullptr) {
      req.signer = rd::identifier(*ident);
    } else if (name == "kind" && !code.empty()) {
      if (!is_letter_kind(code))
        return fail("kind '" + code +
                        "' is not one of iep_support, 504_support, emergency_plan, "
                        "immunization_proof",
                    path);
      req.kind = code;
    } else if (name == "purpose" && coding != nullptr) {
      req.purpose = {rd::string(*coding, "system"), rd::string(*coding, "code"),
                     rd::string(*coding, "display")};
    } else if (name == "section" && !code.empty()) {
      auto cls = data_class_from_string(code);
      if (!cls)
        return fail("section '" + code + "' is not a data class of " + std::string(data_class_system), path);
      if (!has(req.sections, *cls)) req.sections.push_back(*cls);
    } else if (name == "addressee" && !text.empty()) {
      req.addressee = text;
    } else if (name == "functional-impact" && !text.empty()) {
      req.functional_impact = text;
    } else if (name == "accommodations" && !text.empty()) {
      req.accommodations = text;
    } else if (name == "emergency-plan" && !text.empty()) {
      req.emergency_plan = text;
    } else if (name == "immunizations" && !text.empty()) {
      req.immunizations = text;
    } else if (name == "channel" && !code.empty()) {
      if (code != "email" && code != "fhir" && code != "hand_carry")
        return fail("channel '" + code + "' is not one of email, fhir, hand_carry", path);
      req.channel = code;
    } else if (name == "school-hours-medication" && coding != nullptr) {
      req.school_hours_medications.push_back(
          {rd::string(*coding, "system"), rd::string(*coding, "code"), rd::string(*coding, "display")});
    } else {
      return fail("unknown parameter '" + name + "' or wrong value type", path);
    }
  }
  if (req.patient.value.empty()) return fail("parameter 'patient' (valueIdentifier) is required");
  if (req.school.value.empty()) return fail("parameter 'school' (valueIdentifier) is required");
  if (req.kind.empty()) return fail("parameter 'kind' (valueCode) is required");
  if (req.signer.value.empty()) return fail("parameter 'signer' (valueIdentifier) is required");
  if (req.sections.empty()) return fail("at least one parameter 'section' (valueCode) is required");
  if (req.kind == "immunization_proof" &&
      (req.sections.size() != 1 || req.sections[0] != data_class::immunizations))
    return fail("an immunization_proof letter has exactly one section: immunizations");
  auto needs_text = [&](data_class c, const std::string& value,
                        const char* param) -> std::optional<std::string> {
    if (has(req.sections, c) && value.empty())
      return "section " + std::string(to_string(c)) + " needs the parameter '" + param + "' (valueString)";
    return std::nullopt;
  };
  for (auto missing : {needs_text(data_class::functional_impact, req.functional_impact, "functional-impact"),
                       needs_text(data_class::accommodations, req.accommodations, "accommodations"),
                       needs_text(data_class::emergency_plan, req.emergency_plan, "emergency-plan"),
                       needs_text(data_class::immunizations, req.immunizations, "immunizations")})
    if (missing) return fail(*missing);
  if (has(req.sections, data_class::school_hours_medications) && req.school_hours_medications.empty())
    return fail(
        "section school_hours_medications needs at least one 'school-hours-medication' (valueCoding)");
  letter_request_result r;
  r.value = std::move(req);
  return r;
}

}  // namespace homebase::mappers::disclosure
