// audit_event_builder: one R4 AuditEvent (IHE BALP, fhir-rules §7) from the facts of one event that
// touched a child's data or was refused (DESIGN promise 5, issue 9 item 5). Every AuditEvent the gateway
// keeps is built here; mappers/disclosure/disclosure_audit maps a school letter onto an audit_record.
//
// What each kind becomes (type / subtype / action; meta.profile only when the event succeeded, as the
// BALP RESTful profiles fix the outcome to success):
//   patient_create       rest / restful-interaction#create / C   IHE.BasicAudit.PatientCreate
//   patient_read         rest / restful-interaction#read / R     IHE.BasicAudit.PatientRead
//   patient_query        rest / restful-interaction#search / E   IHE.BasicAudit.PatientQuery (Query when no
//                        patient); the raw query base64 in entity[query].query
//   consent_created      rest / restful-interaction#create / C   IHE.BasicAudit.PatientCreate (data: Consent)
//   consent_revised      rest / restful-interaction#update / U   IHE.BasicAudit.PatientUpdate
//   consent_revoked      rest / restful-interaction#update / U   IHE.BasicAudit.PatientUpdate
//   patient_update       rest / restful-interaction#update / U   IHE.BasicAudit.PatientUpdate (a medical
//                        home's PUT/PATCH of a coordination Task, gateway/api/task_update_api)
//   privacy_disclosure   DCM#110106 Export / iso-21089-lifecycle#disclose / R
//                        IHE.BasicAudit.PrivacyDisclosure.Source (agents source = the gateway, recipient,
//                        authorizer when a guardian's Consent authorised it)
//   disclosure_blocked   DCM#110113 Security Alert / - / E (BALP AuthZconsent pattern: a letter refused by
//                        the disclosure gate), same agents and entities as a disclosure
//   admin_action         DCM#110110 Patient Record / admin-action#<action_name> / E (match, transfer: U)
//   security_alert       DCM#110113 Security Alert / refusal-reason#<action_name> / E
//   refusal_summary      as security_alert, with the number of refusals counted (entity detail "count")
// Agents of RESTful, admin and security events: client (DCM#110153, the caller, network = its IP address)
// and server (DCM#110152, the gateway, also source.observer: val-audit-source). Entities: the patient
// (audit-entity-type#1, object-role#1; BALP patient slice), the data, and the X-Request-Id
// (BasicAuditEntityType#XrequestId) when known.
// Parties are named by identifier (logical references): the reader of the trail needs who, not a link.
// Pure: no I/O, no clock (recorded_ms is passed in), no exceptions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "mappers/model/coordination_record.hpp"

namespace homebase::mappers::audit {

enum class audit_kind {
  patient_create,  // a message received about a child
  patient_read,
  patient_query,
  privacy_disclosure,  // a delivery to a medical home, a school letter sent
  disclosure_blocked,  // a school letter blocked or cancelled by the gate
  consent_created,
  consent_revised,
  consent_revoked,
  patient_update,   // a medical home updated a coordination Task through the API (issue 11)
  admin_action,     // retry, match, replay, transfer (a child changed medical home)
  letter_step,      // a school letter's step (action_name: requested, drafted, approved, queued, cancelled,
                    // reminded), by the client that took it (or the gateway)
  security_alert,   // a refused authentication or authorization
  refusal_summary,  // the refusals of one (address, reason) beyond the per-minute allowance, counted
};

// AuditEvent.outcome (required binding audit-event-outcome).
enum class audit_outcome : int { success = 0, minor_failure = 4, serious_failure = 8, major_failure = 12 };

// An agent other than the gateway itself: the client that asked, or the recipient of a disclosure.
struct audit_party {
  std::string id;    // the configured client, medical home or school id
  std::string kind;  // client kind (config::to_string(client_kind)): partner, medical_home, school, operator
  std::string name;
  model::identifier identifier;  // how the party is known outside (optional; id is used when empty)
  std::string address;           // client: its IP address; recipient: its base URL
};

struct audit_record {
  audit_kind kind = audit_kind::patient_read;
  std::int64_t recorded_ms = 0;  // unix milliseconds
  audit_outcome outcome = audit_outcome::success;
  std::string outcome_desc;  // why it failed, or what was done
  audit_party client;        // who asked; empty id: not identified (a refused credential)
  std::string request_id;    // X-Request-Id, or the correlation id (MessageHeader.id) of a message
  // The patient: the Patient resource id (read API) and/or a business identifier of the child.
  std::string patient_id;
  model::identifier patient_identifier;
  // The data: a resource (entity_type/entity_id), or one named by identifier (entity_identifier), or the
  // query (patient_query: the raw request target, e.g. "/fhir/Observation?patient=p1").
  std::string entity_type;
  std::string entity_id;
  model::identifier entity_identifier;
  std::string query;
  // admin_action: retry | match | replay; security_alert, refusal_summary: the reason code
  // (e.g. invalid_token, forbidden, unknown_client).
  std::string action_name;
  int count = 0;  // refusal_summary: how many refusals were counted
  // Disclosures.
  audit_party recipient;
  model::coding purpose;
  model::identifier authorizer;  // the guardian whose Consent authorised it
  std::string authorizer_display;
  std::string consent_id;   // the Consent relied on; may be empty
  std::string gateway_url;  // the gateway's public base URL (its network address as an agent)
};

// The searchable codes of a record (what store/audit_table indexes): AuditEvent.type, the first subtype,
// action.
struct audit_codes {
  std::string_view type_system;
  std::string_view type_code;
  std::string_view subtype_system;
  std::string subtype_code;
  std::string_view action;
};

inline constexpr std::string_view dicom_system = "http://dicom.nema.org/resources/ontology/DCM";
inline constexpr std::string_view audit_event_type_system =
    "http://terminology.hl7.org/CodeSystem/audit-event-type";
inline constexpr std::string_view restful_interaction_system = "http://hl7.org/fhir/restful-interaction";
inline constexpr std::string_view lifecycle_system =
    "http://terminology.hl7.org/CodeSystem/iso-21089-lifecycle";
inline constexpr std::string_view admin_action_system =
    "http://homebase.example.org/fhir/CodeSystem/admin-action";
inline constexpr std::string_view letter_step_system =
    "http://homebase.example.org/fhir/CodeSystem/school-letter-step";
inline constexpr std::string_view refusal_reason_system =
    "http://homebase.example.org/fhir/CodeSystem/refusal-reason";
inline constexpr std::string_view gateway_id_system = "http://homebase.example.org/fhir/sid/gateway";
inline constexpr std::string_view client_id_system = "http://homebase.example.org/fhir/sid/client";
inline constexpr std::string_view balp_profile_base =
    "https://profiles.ihe.net/ITI/BALP/StructureDefinition/";

[[nodiscard]] audit_codes codes_of(const audit_record& record);

// The BALP profile the event claims (full canonical URL), empty when none fits (failures, blocks, admin
// and security events).
[[nodiscard]] std::string profile_of(const audit_record& record);

// The AuditEvent JSON, with `id` as AuditEvent.id.
[[nodiscard]] std::string build_audit_event(const audit_record& record, std::string_view id);

}  // namespace homebase::mappers::audit
