// fhir_reading: reading FHIR R4 datatypes out of a RapidJSON tree, for the inbound translators.
// Everything tolerates absent or wrongly shaped members (an empty value comes back): the Bundle has
// been validated before translation, and a translator notes what it cannot map instead of failing.
#pragma once

#include <rapidjson/document.h>

#include <algorithm>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "mappers/model/code_systems.hpp"
#include "mappers/model/coordination_record.hpp"

namespace homebase::mappers::inbound {

inline constexpr std::string_view message_event_system =
    "http://homebase.example.org/fhir/CodeSystem/message-event";
using model::derived_key_system;
inline constexpr std::string_view activity_key_system = "urn:homebase:careplan-activity";
inline constexpr std::string_view specialty_system = "http://homebase.example.org/fhir/CodeSystem/specialty";
inline constexpr std::string_view snomed_system = "http://snomed.info/sct";
inline constexpr std::string_view nucc_system = "http://nucc.org/provider-taxonomy";

// ---- reading JSON ----
[[nodiscard]] std::string_view view(const rapidjson::Value& v);
[[nodiscard]] const rapidjson::Value* member(const rapidjson::Value& object, const char* name);
[[nodiscard]] const rapidjson::Value* object_member(const rapidjson::Value& object, const char* name);
[[nodiscard]] const rapidjson::Value* array_member(const rapidjson::Value& object, const char* name);
[[nodiscard]] const rapidjson::Value* first_object(const rapidjson::Value& object, const char* name);
[[nodiscard]] std::string text(const rapidjson::Value* object, const char* name);
[[nodiscard]] std::string text(const rapidjson::Value& object, const char* name);
// A JSON number (or a number kept as text by a lossless parse) as the sender's decimal text.
[[nodiscard]] std::string number_text(const rapidjson::Value* v);
[[nodiscard]] std::string lower(std::string_view s);
[[nodiscard]] bool contains(std::string_view haystack, std::string_view needle);
template <class Range>
[[nodiscard]] bool one_of(std::string_view value, const Range& values) {
  return std::find(std::begin(values), std::end(values), value) != std::end(values);
}

// ---- FHIR datatypes ----
[[nodiscard]] std::vector<model::identifier> identifiers_of(const rapidjson::Value& resource);
[[nodiscard]] model::coding coding_of(const rapidjson::Value& c);
[[nodiscard]] model::coding first_coding(const rapidjson::Value* cc);
// The coding of `system` in a CodeableConcept, else an empty one.
[[nodiscard]] model::coding coding_in(const rapidjson::Value* cc, std::string_view system);
// The text a person would read: CodeableConcept.text, else the first coding's display, else its code.
[[nodiscard]] std::string concept_text(const rapidjson::Value* cc);
[[nodiscard]] model::human_name name_of(const rapidjson::Value& n);
[[nodiscard]] std::vector<model::human_name> names_of(const rapidjson::Value& resource);
[[nodiscard]] model::human_name first_name(const rapidjson::Value& resource);
[[nodiscard]] std::optional<model::quantity> quantity_of(const rapidjson::Value* q);
// The value of a recognised interpreter extension, or nullopt when `ext` is another extension.
[[nodiscard]] std::optional<bool> interpreter_extension(const rapidjson::Value& ext);
// BCP-47 code of a communication.language CodeableConcept.
[[nodiscard]] std::string language_of(const rapidjson::Value& communication);
[[nodiscard]] bool preferred(const rapidjson::Value& communication);
// The date part (YYYY-MM-DD) of a FHIR date or dateTime; empty when it has no full date.
[[nodiscard]] std::string date_part(std::string_view date_time);
// A FHIR date plus `days` (YYYY-MM-DD); empty when `date` has no full date.
[[nodiscard]] std::string add_days(std::string_view date, int days);

// ---- specialties and roles ----
// A normalised specialty name for a coding or text, or empty when none is recognised.
[[nodiscard]] std::string normalised_specialty(const model::coding& c, std::string_view free_text);
// Specialty of a list of CodeableConcepts: the first one that normalises, else the first one's text.
[[nodiscard]] std::pair<std::string, model::coding> specialty_of(
    std::initializer_list<const rapidjson::Value*> concepts, bool fallback_to_text = true);
// Care-team role classification (domain.md §2.4, §3.7).
[[nodiscard]] model::team_role classify_role(const model::coding& c, std::string_view role_text);

}  // namespace homebase::mappers::inbound
