#include "mappers/outbound/clinical_summary_entries.hpp"

#include "mappers/outbound/outbound_uris.hpp"

namespace homebase::mappers::outbound {
namespace {

using model::coding;

// Condition.clinicalStatus is a required binding: anything else is left out rather than sent invalid.
void clinical_status(entry_writer& w, std::string_view status) {
  if (!one_of(status, {"active", "recurrence", "relapse", "inactive", "remission", "resolved"})) return;
  w.codeable_concept("clinicalStatus",
                     {coding{std::string(condition_clinical_system), std::string(status), ""}}, "");
}

std::string social_need_status_text(std::string_view status) {
  if (status == "referred") return "Referred for help";
  if (status == "declined") return "The family declined help";
  if (status == "resolved") return "Resolved";
  return "Identified";
}

}  // namespace

model::identifier device_use_key(const model::device& device) {
  return {std::string(device_use_sid), derived_key_value(device.key)};
}

void write_problems(entry_writer& w) {
  for (const auto& p : w.record().problems) {
    w.begin_entry("Condition", p.key);
    w.identifiers({p.key});
    clinical_status(w, p.clinical_status);
    w.concept_list("category",
                   {coding{std::string(condition_category_system), "problem-list-item", "Problem List Item"}},
                   "");
    w.codeable_concept("code", {p.code}, p.text.empty() ? p.code.display : p.text);
    w.subject();
    w.end_entry();
  }
}

// Gravity (SDOH Clinical Care) pattern: a health concern in the SDOH category.
void write_social_needs(entry_writer& w) {
  for (const auto& n : w.record().social_needs) {
    w.begin_entry("Condition", n.key);
    w.identifiers({n.key});
    clinical_status(w, n.status == "resolved" ? "resolved" : "active");
    w.key("category");
    w.start_array();
    w.concept_value(
        {coding{std::string(us_core_condition_category_system), "health-concern", "Health Concern"}}, "");
    w.concept_value({coding{std::string(us_core_category_system), "sdoh", "SDOH"}}, "");
    w.end_array();
    w.codeable_concept("code", {n.code}, n.code.display.empty() ? n.domain : n.code.display);
    w.subject();
    w.annotation_list("note", {social_need_status_text(n.status)});
    w.end_entry();
  }
}

void write_medications(entry_writer& w) {
  for (const auto& m : w.record().medications) {
    w.begin_entry("MedicationStatement", m.key);
    w.identifiers({m.key});
    bool known = one_of(m.status, {"active", "completed", "entered-in-error", "intended", "stopped",
                                   "on-hold", "unknown", "not-taken"});
    w.field("status", known ? m.status : (m.status.empty() ? "active" : "unknown"));
    w.codeable_concept("medicationCodeableConcept", {m.code}, m.text.empty() ? m.code.display : m.text);
    w.subject();
    if (!m.source.empty()) {
      w.key("informationSource");
      w.display_reference("Organization", m.source);
    }
    if (!m.dosage.empty()) {
      w.key("dosage");
      w.start_array();
      w.start_object();
      w.field("text", m.dosage);
      w.end_object();
      w.end_array();
    }
    w.end_entry();
  }
}

void write_devices(entry_writer& w) {
  for (const auto& d : w.record().devices) {
    w.begin_entry("Device", d.key);
    w.identifiers({d.key});
    bool known = one_of(d.status, {"active", "inactive", "entered-in-error", "unknown"});
    w.field("status", known ? d.status : (d.status.empty() ? "active" : "unknown"));
    w.codeable_concept("type", {d.code}, d.text.empty() ? d.code.display : d.text);
    w.reference("patient", "Patient", w.patient_key());
    w.end_entry();

    // The use of the device by the child (and its setting) is a statement of its own in R4.
    auto use_key = device_use_key(d);
    w.begin_entry("DeviceUseStatement", use_key);
    w.identifiers({use_key});
    std::string status = "active";
    if (d.status == "inactive") status = "completed";
    if (d.status == "entered-in-error") status = "entered-in-error";
    w.field("status", status);
    w.subject();
    w.reference("device", "Device", d.key);
    w.annotation_list("note", {d.setting.empty() ? "" : "Setting: " + d.setting});
    w.end_entry();
  }
}

void write_goals(entry_writer& w) {
  const auto* voice = w.family_voice();
  for (const auto& g : w.record().goals) {
    w.begin_entry("Goal", g.key);
    w.identifiers({g.key});
    bool known = one_of(g.status, {"proposed", "planned", "accepted", "active", "on-hold", "completed",
                                   "cancelled", "entered-in-error", "rejected"});
    w.field("lifecycleStatus", known ? g.status : "active");
    if (one_of(g.priority, {"high-priority", "medium-priority", "low-priority"})) {
      std::string display = g.priority == "high-priority"     ? "High Priority"
                            : g.priority == "medium-priority" ? "Medium Priority"
                                                              : "Low Priority";
      w.codeable_concept("priority", {coding{std::string(goal_priority_system), g.priority, display}}, "");
    }
    w.codeable_concept("description", {}, g.text.empty() ? "Family goal" : g.text);
    w.subject();
    // A family goal is the family's own words: expressed by the family member who speaks for it.
    if (voice != nullptr && has(voice->key)) w.reference("expressedBy", "RelatedPerson", voice->key);
    w.end_entry();
  }
}

}  // namespace homebase::mappers::outbound
