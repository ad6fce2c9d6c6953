// disclosure_audit: the AuditEvent kept for every letter sent to a school and every letter blocked or
// cancelled (fhir-rules §7; DESIGN promise 3 "nothing leaves without a reason").
//   sent:    IHE BALP PrivacyDisclosure.Source: type DCM#110106 Export, subtype iso-21089#disclose,
//            action R, agents source (the gateway, also source.observer: val-audit-source), recipient (the
//            school) and authorizer (SNOMED 429577009, the grantor); entities: the patient, the letter,
//            the Consent it relied on.
//   blocked: the consent authorization decision (BALP AuthZconsent pattern): type DCM#110113 Security
//            Alert, action E, outcome 4 with outcomeDesc = the reason; same agents and entities.
// Parties are named by identifier (logical references): the reader of the audit trail needs who, not a
// resolvable link into the gateway. The AuditEvent itself is built by mappers/audit/audit_event_builder
// (kinds privacy_disclosure and disclosure_blocked); this unit only maps a letter's facts onto it.
#pragma once

#include <string>

#include "mappers/audit/audit_event_builder.hpp"
#include "mappers/model/coordination_record.hpp"

namespace homebase::mappers::disclosure {

struct audit_facts {
  std::string id;        // AuditEvent.id
  std::string recorded;  // FHIR instant
  bool disclosed = false;
  std::string outcome_desc;  // why blocked, or what was sent
  model::coding purpose;
  model::identifier patient;
  model::identifier school;
  std::string school_name;
  std::string school_url;
  std::string gateway_url;  // the gateway's public base URL (the source's network address)
  model::identifier grantor;
  std::string grantor_display;
  std::string consent_id;  // the Consent relied on or the one the reason is about; may be empty
  std::string letter_id;
};

// The general audit record of a letter sent or blocked (what gateway/audit/audit_trail keeps and
// store/audit_table indexes).
[[nodiscard]] audit::audit_record letter_audit_record(const audit_facts& facts);
[[nodiscard]] std::string build_audit_event(const audit_facts& facts);

}  // namespace homebase::mappers::disclosure
