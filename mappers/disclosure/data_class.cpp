#include "mappers/disclosure/data_class.hpp"

namespace homebase::mappers::disclosure {

std::string_view to_string(data_class c) {
  switch (c) {
    case data_class::diagnoses:
      return "diagnoses";
    case data_class::functional_impact:
      return "functional_impact";
    case data_class::accommodations:
      return "accommodations";
    case data_class::school_hours_medications:
      return "school_hours_medications";
    case data_class::emergency_plan:
      return "emergency_plan";
    case data_class::immunizations:
      return "immunizations";
    case data_class::behavioral_health:
      return "behavioral_health";
  }
  return "";
}

std::string_view display(data_class c) {
  switch (c) {
    case data_class::diagnoses:
      return "Diagnoses";
    case data_class::functional_impact:
      return "Functional impact";
    case data_class::accommodations:
      return "Accommodations and related services";
    case data_class::school_hours_medications:
      return "Medications during school hours";
    case data_class::emergency_plan:
      return "Emergency plan";
    case data_class::immunizations:
      return "Immunizations";
    case data_class::behavioral_health:
      return "Behavioral health";
  }
  return "";
}

std::optional<data_class> data_class_from_string(std::string_view code) {
  for (auto c : all_data_classes)
    if (to_string(c) == code) return c;
  return std::nullopt;
}

}  // namespace homebase::mappers::disclosure
