// code_systems: the code system and extension URIs that both directions of translation use, named once.
#pragma once

#include <string_view>

namespace homebase::mappers::model {

inline constexpr std::string_view loinc_system = "http://loinc.org";
// The system of a key the translator derives from a resource's fullUrl when the resource has no business
// identifier. It names the resource within one sender's messages, never a person: patient matching must not
// take two such keys for the same parent.
inline constexpr std::string_view derived_key_system = "urn:homebase:source-id";
// Project-local systems (no verified standard codes exist for these roles).
inline constexpr std::string_view care_team_role_system =
    "http://homebase.example.org/fhir/CodeSystem/care-team-role";
inline constexpr std::string_view interpreter_required_url =
    "http://hl7.org/fhir/StructureDefinition/patient-interpreterRequired";
inline constexpr std::string_view us_core_interpreter_needed_url =
    "http://hl7.org/fhir/us/core/StructureDefinition/us-core-interpreter-needed";

}  // namespace homebase::mappers::model
