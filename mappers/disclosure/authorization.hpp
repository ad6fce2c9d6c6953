// authorization: a family's disclosure authorization (domain.md §5.1 DisclosureAuthorization), read from
// the R4 Consent the family signed. Pure; the gateway stores the raw Consent and reads it again with this
// whenever it decides (disclosure_gate), so a stored Consent is always judged by the current rules.
//
// The Consent shape (domain.md §4.4, fhir-rules §3.6 and §5):
//   scope consentscope#patient-privacy; patient.identifier = the child; performer[0] = the grantor, a
//   RelatedPerson named by identifier; policyRule consentpolicycodes#hipaa-auth (45 CFR 164.508) or the
//   local disclosure-basis#immunization-agreement (164.512(b)(1)(vi): documented parental agreement,
//   immunization proof only); provision.period = validity (end = expiry); provision.actor with role
//   v3-ParticipationType#IRCP and reference.identifier = the school district Organization;
//   provision.action consentaction#disclose; provision.purpose (v3-ActReason); provision.code = the
//   permitted data classes; nested provisions of type deny with code = the excluded ones.
//   The grantor's legal authority may be documented in the Consent itself with the extension
//   `grantor_authority_url` (valueReference to the court order or placement papers); otherwise it comes
//   from the child's record (family_member.legal_authority).
#pragma once

#include <rapidjson/document.h>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "mappers/disclosure/data_class.hpp"
#include "mappers/model/coordination_record.hpp"

namespace homebase::mappers::disclosure {

inline constexpr std::string_view consent_scope_system = "http://terminology.hl7.org/CodeSystem/consentscope";
inline constexpr std::string_view consent_policy_system =
    "http://terminology.hl7.org/CodeSystem/consentpolicycodes";
inline constexpr std::string_view disclosure_basis_system =
    "http://homebase.example.org/fhir/CodeSystem/disclosure-basis";
inline constexpr std::string_view participation_type_system =
    "http://terminology.hl7.org/CodeSystem/v3-ParticipationType";
inline constexpr std::string_view consent_action_system =
    "http://terminology.hl7.org/CodeSystem/consentaction";
inline constexpr std::string_view act_reason_system = "http://terminology.hl7.org/CodeSystem/v3-ActReason";
inline constexpr std::string_view grantor_authority_url =
    "http://homebase.example.org/fhir/StructureDefinition/grantor-legal-authority";

enum class authorization_basis {
  hipaa_authorization,     // 45 CFR 164.508: any data class it names, to the recipient it names
  immunization_agreement,  // 45 CFR 164.512(b)(1)(vi): immunization proof only
};

struct authorization {
  std::string consent_id;  // the Consent's logical id at the gateway
  std::string status;      // Consent.status: only "active" is enforceable (fhir-rules CON-01)
  authorization_basis basis = authorization_basis::hipaa_authorization;
  model::identifier patient;
  model::identifier grantor;  // the RelatedPerson who signed
  std::string grantor_display;
  std::string authority_document;  // documentation of the grantor's legal authority, when the Consent has it
  std::string signed_on;           // Consent.dateTime
  std::string period_start;        // provision.period
  std::string period_end;          // expiry; empty: none given (then the authorization is defective)
  std::vector<model::identifier> recipients;  // IRCP actors (Organization identifiers)
  bool disclose_action = true;                // provision.action is absent or includes disclose
  std::vector<model::coding> purposes;        // provision.purpose
  std::vector<data_class> permitted;
  std::vector<data_class> excluded;
};

struct authorization_result {
  std::optional<authorization> value;
  std::string error;       // why the Consent is not a disclosure authorization the gateway can use
  std::string expression;  // where, e.g. "Consent.provision.actor"
};

// Reads a Consent (already valid R4). `consent_id` is the id the gateway keeps it under.
[[nodiscard]] authorization_result authorization_from_consent(const rapidjson::Value& consent,
                                                              std::string consent_id);

[[nodiscard]] std::string_view to_string(authorization_basis basis);

}  // namespace homebase::mappers::disclosure
