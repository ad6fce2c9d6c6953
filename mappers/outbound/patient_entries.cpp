#include "mappers/outbound/patient_entries.hpp"

#include "mappers/model/code_systems.hpp"
#include "mappers/outbound/outbound_uris.hpp"

namespace homebase::mappers::outbound {
namespace {

using model::coding;
using model::identifier;

void related_person(entry_writer& w, const model::family_member& m) {
  w.begin_entry("RelatedPerson", m.key);
  if (m.interpreter_needed) {
    w.key("extension");
    w.start_array();
    w.start_object();
    w.field("url", model::us_core_interpreter_needed_url);
    w.key("valueCoding");
    w.coding_value({std::string(v2_0136_system), "Y", "Yes"});
    w.end_object();
    w.end_array();
  }
  w.identifiers({m.key});
  w.reference("patient", "Patient", w.patient_key());
  if (has(m.relationship)) w.concept_list("relationship", {m.relationship}, "");
  if (m.name != model::human_name{}) w.names({m.name});
  if (!m.telecom.empty()) {
    w.key("telecom");
    w.start_array();
    for (const auto& t : m.telecom) {
      w.start_object();
      w.field("system", t.system);
      w.field("value", t.value);
      w.field("use", t.use);
      w.end_object();
    }
    w.end_array();
  }
  if (!m.language.empty()) {
    w.key("communication");
    w.start_array();
    w.start_object();
    w.codeable_concept("language", {coding{std::string(bcp47_system), m.language, ""}}, "");
    if (m.preferred_language) {
      w.key("preferred");
      w.boolean(true);
    }
    w.end_object();
    w.end_array();
  }
  w.end_entry();
}

void observation(entry_writer& w, const identifier& key_id, const coding& code, const model::quantity& value,
                 const std::string& effective, bool vital_sign) {
  w.begin_entry("Observation", key_id);
  w.identifiers({key_id});
  w.field("status", "final");
  if (vital_sign) {
    w.concept_list("category",
                   {coding{std::string(observation_category_system), "vital-signs", "Vital Signs"}}, "");
  }
  w.codeable_concept("code", {code}, "");
  w.subject();
  w.field("effectiveDateTime", effective);
  w.quantity_value("valueQuantity", value);
  w.end_entry();
}

}  // namespace

void write_patient(entry_writer& w) {
  const auto& c = w.record().patient;
  w.begin_entry("Patient", w.patient_key());
  if (c.interpreter_needed) {
    w.key("extension");
    w.start_array();
    w.start_object();
    w.field("url", model::interpreter_required_url);
    w.key("valueBoolean");
    w.boolean(true);
    w.end_object();
    w.end_array();
  }
  w.identifiers(c.identifiers);
  w.names(c.names);
  w.field("gender", c.gender);
  w.field("birthDate", c.birth_date);
  if (c.status == "deceased") {
    w.key("deceasedBoolean");
    w.boolean(true);
  }
  if (c.multiple_birth_order > 0) {
    w.key("multipleBirthInteger");
    w.integer(c.multiple_birth_order);
  } else if (c.multiple_birth) {
    w.key("multipleBirthBoolean");
    w.boolean(true);
  }
  if (!c.languages.empty()) {
    w.key("communication");
    w.start_array();
    for (const auto& language : c.languages) {
      w.start_object();
      w.codeable_concept("language", {coding{std::string(bcp47_system), language, ""}}, "");
      if (!c.preferred_language.empty() && language == c.preferred_language) {
        w.key("preferred");
        w.boolean(true);
      }
      w.end_object();
    }
    w.end_array();
  }
  if (!c.general_practitioner_orgs.empty()) {
    w.key("generalPractitioner");
    w.start_array();
    for (const auto& org : c.general_practitioner_orgs) w.logical_reference("Organization", org, "");
    w.end_array();
  }
  w.end_entry();
}

void write_family(entry_writer& w) {
  for (const auto& m : w.record().family) related_person(w, m);
  // A team member who is a relative but not in the family list (e.g. a grandparent named as a carer)
  // still needs an entry for CareTeam.participant.member to point at.
  for (const auto& m : w.record().team) {
    if (m.member_type != "RelatedPerson" || w.is_family(m.key) || !has(m.key)) continue;
    model::family_member relative;
    relative.key = m.key;
    relative.name = m.name;
    relative.relationship = m.role_code;
    related_person(w, relative);
  }
}

void write_team_members(entry_writer& w) {
  for (const auto& m : w.record().team) {
    if (m.member_type != "Practitioner" && m.member_type != "Organization") continue;
    w.begin_entry(m.member_type, m.key);
    w.identifiers({m.key});
    if (m.member_type == "Organization") {
      w.field("name", m.organization_name.empty() ? full_name(m.name) : m.organization_name);
    } else if (m.name != model::human_name{}) {
      w.names({m.name});
    }
    w.end_entry();
  }
}

void write_encounter(entry_writer& w) {
  if (!w.record().encounter || w.record().encounter->class_code.empty()) return;
  const auto& e = *w.record().encounter;
  w.begin_entry("Encounter", e.key);
  w.identifiers({e.key});
  w.field("status", e.status.empty() ? "unknown" : e.status);
  w.key("class");
  w.coding_value({std::string(act_code_system), e.class_code, ""});
  w.subject();
  w.period("period", e.period_start, e.period_end);
  if (!e.discharge_disposition.empty()) {
    w.key("hospitalization");
    w.start_object();
    w.codeable_concept("dischargeDisposition", {}, e.discharge_disposition);
    w.end_object();
  }
  if (!e.location.empty()) {
    w.key("location");
    w.start_array();
    w.start_object();
    w.key("location");
    w.start_object();
    w.field("display", e.location);
    w.end_object();
    w.end_object();
    w.end_array();
  }
  w.end_entry();
}

void write_observations(entry_writer& w) {
  const auto& c = w.record().patient;
  if (c.gestational_age_at_birth && has(c.gestational_age_key)) {
    observation(w, c.gestational_age_key,
                {std::string(model::loinc_system), "76516-4", "Gestational age--at birth"},
                *c.gestational_age_at_birth, c.birth_date, false);
  }
  if (c.birth_weight && has(c.birth_weight_key)) {
    observation(w, c.birth_weight_key, {std::string(model::loinc_system), "8339-4", "Birth weight Measured"},
                *c.birth_weight, c.birth_date, true);
  }
  for (const auto& m : w.record().measurements) {
    observation(w, m.key, m.code, m.value, m.effective,
                m.code.system == model::loinc_system && m.code.code == "29463-7");
  }
}

}  // namespace homebase::mappers::outbound
