#include "mappers/disclosure/disclosure_audit.hpp"

#include "fhir/fhir_time.hpp"
#include "mappers/disclosure/school_letter.hpp"

namespace homebase::mappers::disclosure {

audit::audit_record letter_audit_record(const audit_facts& f) {
  audit::audit_record r;
  r.kind = f.disclosed ? audit::audit_kind::privacy_disclosure : audit::audit_kind::disclosure_blocked;
  if (auto t = fhir::first_second(f.recorded))
    r.recorded_ms = static_cast<std::int64_t>(t->time_since_epoch().count()) * 1000;
  r.outcome = f.disclosed ? audit::audit_outcome::success : audit::audit_outcome::minor_failure;
  r.outcome_desc = f.outcome_desc;
  if (f.outcome_desc.empty())
    r.outcome_desc = (f.disclosed ? "school letter " : "school letter blocked: ") + f.letter_id;
  r.purpose = f.purpose;
  r.patient_identifier = f.patient;
  r.recipient.id = f.school.value;
  r.recipient.kind = "school";
  r.recipient.name = f.school_name;
  r.recipient.identifier = f.school;
  r.recipient.address = f.school_url;
  r.gateway_url = f.gateway_url;
  r.authorizer = f.grantor;
  r.authorizer_display = f.grantor_display;
  r.consent_id = f.consent_id;
  r.entity_type = "Bundle";
  r.entity_identifier = {std::string(school_letter_id_system), f.letter_id};
  return r;
}

std::string build_audit_event(const audit_facts& f) {
  return audit::build_audit_event(letter_audit_record(f), f.id);
}

}  // namespace homebase::mappers::disclosure
