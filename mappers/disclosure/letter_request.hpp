// letter_request: what `POST /fhir/$school-letter` asks for, read from its R4 Parameters body
// (domain.md §5.1 SchoolDisclosure). The record supplies the diagnoses and the medications; what only the
// clinician can write (functional impact, accommodations, the emergency plan, the immunization summary)
// comes with the request. Parameters:
//   patient                  valueIdentifier  the child (one of its identifiers)                    1..1
//   school                   valueIdentifier  the school district Organization (config schools[])  1..1
//   kind                     valueCode        iep_support | 504_support | emergency_plan |
//                                             immunization_proof                                  1..1
//   purpose                  valueCoding      v3-ActReason PurposeOfUse (default COC)              0..1
//   section                  valueCode        a data_class code; one per requested section        1..*
//   signer                   valueIdentifier  the clinician who signs (NPI), on the care team     1..1
//   addressee                valueString      e.g. "Section 504 coordinator"                     0..1
//   functional-impact, accommodations, emergency-plan, immunizations
//                            valueString      the text of that section, required when requested
//   school-hours-medication  valueCoding      a medication of the record given during school hours
//                                             (required, 1..*, when school_hours_medications is requested)
//   channel                  valueCode        email | fhir | hand_carry: one of the school's channels   0..1
//                                             (default: the school's first, config schools[].channels)
#pragma once

#include <rapidjson/document.h>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "mappers/disclosure/data_class.hpp"
#include "mappers/model/coordination_record.hpp"

namespace homebase::mappers::disclosure {

inline constexpr std::string_view letter_kind_system =
    "http://homebase.example.org/fhir/CodeSystem/school-letter-kind";

struct letter_request {
  model::identifier patient;
  model::identifier school;
  std::string kind;  // iep_support | 504_support | emergency_plan | immunization_proof
  model::coding purpose;
  std::vector<data_class> sections;
  model::identifier signer;
  std::string addressee;
  std::string functional_impact;
  std::string accommodations;
  std::string emergency_plan;
  std::string immunizations;
  std::vector<model::coding> school_hours_medications;
  std::string channel;  // empty: the school's first channel
};

struct letter_request_result {
  std::optional<letter_request> value;
  std::string error;
  std::string expression;
};

// Reads a Parameters resource (already valid R4).
[[nodiscard]] letter_request_result letter_request_from_parameters(const rapidjson::Value& parameters);

[[nodiscard]] bool is_letter_kind(std::string_view kind);
[[nodiscard]] std::string letter_title(std::string_view kind);

}  // namespace homebase::mappers::disclosure
