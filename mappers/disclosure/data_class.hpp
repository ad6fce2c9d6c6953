// data_class: the classes of health information a family can allow (or forbid) in a disclosure to a
// school, as codes of the project-local CodeSystem `data_class_system`. A Consent names them in
// provision.code; a letter request names its sections with them; each letter section is one class.
// Project-local because no published value set covers "what goes into an IEP/504 letter" (domain.md §3.8).
#pragma once

#include <optional>
#include <string_view>

namespace homebase::mappers::disclosure {

inline constexpr std::string_view data_class_system =
    "http://homebase.example.org/fhir/CodeSystem/disclosure-data-class";

enum class data_class {
  diagnoses,                 // active problems, except those that are behavioral health
  functional_impact,         // how the condition limits access to education (504's core)
  accommodations,            // needs described for the IEP/504 team
  school_hours_medications,  // medications given during school hours
  emergency_plan,            // seizure / asthma / anaphylaxis action plan
  immunizations,             // proof of immunization
  behavioral_health,         // mental and behavioral diagnoses: never implied by `diagnoses`
};

inline constexpr data_class all_data_classes[] = {
    data_class::diagnoses,        data_class::functional_impact,
    data_class::accommodations,   data_class::school_hours_medications,
    data_class::emergency_plan,   data_class::immunizations,
    data_class::behavioral_health};

[[nodiscard]] std::string_view to_string(data_class c);
[[nodiscard]] std::string_view display(data_class c);
[[nodiscard]] std::optional<data_class> data_class_from_string(std::string_view code);

}  // namespace homebase::mappers::disclosure
