// outbound_uris: the code systems, identifier systems and extension URLs that only the outbound translation
// writes, named once. Project-local URIs live under http://homebase.example.org/fhir/ where no standard
// code or element exists (each says why at its use).
#pragma once

#include <string_view>

namespace homebase::mappers::outbound {

// Standard systems.
inline constexpr std::string_view ucum_system = "http://unitsofmeasure.org";
inline constexpr std::string_view bcp47_system = "urn:ietf:bcp:47";
inline constexpr std::string_view snomed_system = "http://snomed.info/sct";
inline constexpr std::string_view act_code_system = "http://terminology.hl7.org/CodeSystem/v3-ActCode";
inline constexpr std::string_view observation_category_system =
    "http://terminology.hl7.org/CodeSystem/observation-category";
inline constexpr std::string_view careplan_category_system =
    "http://hl7.org/fhir/us/core/CodeSystem/careplan-category";
inline constexpr std::string_view condition_clinical_system =
    "http://terminology.hl7.org/CodeSystem/condition-clinical";
inline constexpr std::string_view condition_category_system =
    "http://terminology.hl7.org/CodeSystem/condition-category";
inline constexpr std::string_view us_core_condition_category_system =
    "http://hl7.org/fhir/us/core/CodeSystem/condition-category";
inline constexpr std::string_view us_core_category_system =
    "http://hl7.org/fhir/us/core/CodeSystem/us-core-category";
inline constexpr std::string_view goal_priority_system =
    "http://terminology.hl7.org/CodeSystem/goal-priority";
inline constexpr std::string_view task_code_system = "http://hl7.org/fhir/CodeSystem/task-code";
inline constexpr std::string_view bser_business_status_system =
    "http://hl7.org/fhir/us/bser/CodeSystem/TaskBusinessStatusCS";
inline constexpr std::string_view participant_type_system =
    "http://terminology.hl7.org/CodeSystem/participant-type";
inline constexpr std::string_view provenance_participant_type_system =
    "http://terminology.hl7.org/CodeSystem/provenance-participant-type";
inline constexpr std::string_view provenance_entity_role_system =
    "http://hl7.org/fhir/provenance-entity-role";
inline constexpr std::string_view data_operation_system =
    "http://terminology.hl7.org/CodeSystem/v3-DataOperation";
inline constexpr std::string_view v2_0136_system = "http://terminology.hl7.org/CodeSystem/v2-0136";

// Project-local code systems.
// The kinds of coordination work the gateway derives (action items) and the case-conference agenda item:
// no standard task-code fits them (R4 task-code only has approve/fulfill/abort/...).
inline constexpr std::string_view action_type_system =
    "http://homebase.example.org/fhir/CodeSystem/action-type";
// The record event kinds (DischargeRecordReceived, ...), shown next to v3 DataOperation in
// Provenance.activity.
inline constexpr std::string_view record_event_kind_system =
    "http://homebase.example.org/fhir/CodeSystem/record-event-kind";

// Gateway-made business identifier systems (contract: under .../fhir/sid/).
inline constexpr std::string_view referral_task_sid = "http://homebase.example.org/fhir/sid/referral-task";
inline constexpr std::string_view device_use_sid = "http://homebase.example.org/fhir/sid/device-use";
inline constexpr std::string_view record_event_sid = "http://homebase.example.org/fhir/sid/record-event";
inline constexpr std::string_view message_sid = "http://homebase.example.org/fhir/sid/message";
// Keys of the CareTeam and CarePlan when the record has a team or a plan's content but no key for them.
inline constexpr std::string_view care_team_sid = "http://homebase.example.org/fhir/sid/care-team";
inline constexpr std::string_view care_plan_sid = "http://homebase.example.org/fhir/sid/care-plan";
inline constexpr std::string_view early_intervention_sid =
    "http://homebase.example.org/fhir/sid/early-intervention-referral";

// Project-local extensions (R4 core has no element for these).
inline constexpr std::string_view care_plan_version_url =
    "http://homebase.example.org/fhir/StructureDefinition/care-plan-version";
inline constexpr std::string_view care_plan_last_reviewed_url =
    "http://homebase.example.org/fhir/StructureDefinition/care-plan-last-reviewed";
inline constexpr std::string_view care_plan_next_review_url =
    "http://homebase.example.org/fhir/StructureDefinition/care-plan-next-review";
inline constexpr std::string_view appointment_replaces_url =
    "http://homebase.example.org/fhir/StructureDefinition/appointment-replaces";
inline constexpr std::string_view appointment_replaced_by_url =
    "http://homebase.example.org/fhir/StructureDefinition/appointment-replaced-by";

inline constexpr std::string_view xhtml_open = "<div xmlns=\"http://www.w3.org/1999/xhtml\">";

}  // namespace homebase::mappers::outbound
