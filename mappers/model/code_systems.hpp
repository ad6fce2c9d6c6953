// code_systems: the code system and extension URIs that both directions of translation use, named once.
#pragma once

#include <string_view>

namespace homebase::mappers::model {

inline constexpr std::string_view loinc_system = "http://loinc.org";
// Project-local systems (no verified standard codes exist for these roles).
inline constexpr std::string_view care_team_role_system =
    "http://homebase.example.org/fhir/CodeSystem/care-team-role";
inline constexpr std::string_view interpreter_required_url =
    "http://hl7.org/fhir/StructureDefinition/patient-interpreterRequired";
inline constexpr std::string_view us_core_interpreter_needed_url =
    "http://hl7.org/fhir/us/core/StructureDefinition/us-core-interpreter-needed";

}  // namespace homebase::mappers::model
