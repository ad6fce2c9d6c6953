// search_parameters: the R4 search parameters the read API serves, per resource type, with the element
// each one reads (names and expressions of R4 search-parameters.json), and the extraction of their values
// from a resource, which the resource index stores (child/child_resources) and searches (fhir_rest_api).
//   token      identifier                 Resource.identifier (system, value)
//   reference  patient, subject           e.g. CarePlan.subject, Appointment.participant.actor, Task.for;
//                                         `patient` only where the target is a Patient
//   date       date, birthdate, authored, authored-on, occurrence, period: a range per value
//   status                                Resource.status, kept as a column of the index
// Pure; no exceptions.
#pragma once

#include <rapidjson/document.h>

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "gateway/store/sqlite_store.hpp"

namespace homebase::gateway::api {

enum class param_kind { token, reference, date, status };

struct search_parameter {
  std::string_view name;
  param_kind kind;
  std::string_view element;      // the member read: "subject", "participant.actor", "occurrence[x]", ...
  std::string_view target_type;  // reference: only references to this type count ("" = any)
  std::string_view definition;   // the R4 SearchParameter's canonical URL
};

// One value of one parameter of one resource, as the index keeps it: token (identifier.system, value),
// reference (target type, target id), date (the half-open range in UTC milliseconds).
using search_value = store::index_value;

// The resource types the outbound mapper produces today (read only, unless also searchable); the
// CapabilityStatement lists them. The index itself keeps whatever types the Bundle holds.
[[nodiscard]] std::span<const std::string_view> readable_types();
// The resource types whose search the API serves.
[[nodiscard]] std::span<const std::string_view> searchable_types();
[[nodiscard]] bool is_searchable(std::string_view type);
// The parameters of `type` (empty for a type not searched).
[[nodiscard]] std::span<const search_parameter> search_parameters_of(std::string_view type);
[[nodiscard]] const search_parameter* find_search_parameter(std::string_view type, std::string_view name);

// Every indexed value (token, reference, date) of `resource`, whose type is `type`. Status is not among
// them: it is the index's own column.
[[nodiscard]] std::vector<search_value> extract_search_values(std::string_view type,
                                                              const rapidjson::Value& resource);

// "Patient/123", "http://x/fhir/Patient/123", "Patient/123/_history/2" -> {"Patient", "123"}; a bare id
// -> {"", id}.
struct reference_target {
  std::string type;
  std::string id;
};
[[nodiscard]] reference_target parse_reference(std::string_view reference);

}  // namespace homebase::gateway::api
