#include "mappers/outbound/provenance_entries.hpp"

#include "fhir/validation/primitive_format.hpp"
#include "mappers/outbound/care_plan_entries.hpp"
#include "mappers/outbound/outbound_uris.hpp"
#include "mappers/outbound/stable_uuid.hpp"
#include "mappers/outbound/transfer_farewell.hpp"

namespace homebase::mappers::outbound {
namespace {

using model::coding;
using model::identifier;

// Sources that are Homebase itself rather than a partner.
bool is_homebase(std::string_view source) {
  return source == "rules" || source == "scheduler" || source.empty();
}

bool is_discharge(std::string_view kind) {
  return kind.find("Discharge") != std::string_view::npos;
}

void provenance(entry_writer& w, const model::record_event& e, bool first) {
  auto key_id = record_event_key(e);
  const auto& r = w.record();
  w.begin_create_once("Provenance", key_id);
  w.key("target");
  w.start_array();
  w.reference_value("Patient", w.patient_key());
  if (is_discharge(e.kind)) {
    if (r.encounter && !r.encounter->class_code.empty()) w.reference_value("Encounter", r.encounter->key);
    if (auto team = care_team_key(w); has(team)) w.reference_value("CareTeam", team);
    if (auto plan = care_plan_key(w); has(plan)) w.reference_value("CarePlan", plan);
  }
  if (e.kind == transfer_event_kind)  // a change of medical home: the care team's membership changed
    if (auto team = care_team_key(w); has(team)) w.reference_value("CareTeam", team);
  w.end_array();
  w.field("recorded", e.at);
  w.codeable_concept("activity",
                     {first ? coding{std::string(data_operation_system), "CREATE", "create"}
                            : coding{std::string(data_operation_system), "UPDATE", "revise"},
                      coding{std::string(record_event_kind_system), e.kind, ""}},
                     e.detail);
  w.key("agent");
  w.start_array();
  w.start_object();
  w.key("type");
  w.concept_value({coding{std::string(provenance_participant_type_system), "author", "Author"}}, "");
  w.key("who");
  if (is_homebase(e.source)) {
    w.display_reference("Device", e.source.empty() ? "Homebase" : "Homebase " + e.source);
  } else {
    w.display_reference("Organization", e.source);
  }
  w.end_object();
  if (!is_homebase(e.source)) {
    w.start_object();
    w.key("type");
    w.concept_value({coding{std::string(provenance_participant_type_system), "assembler", "Assembler"}}, "");
    w.key("who");
    w.display_reference("Device", "Homebase");
    w.end_object();
  }
  w.end_array();
  if (!e.message_id.empty()) {
    w.key("entity");
    w.start_array();
    w.start_object();
    w.field("role", "source");
    w.key("what");
    w.logical_reference("", {std::string(message_sid), e.message_id}, "");
    w.end_object();
    w.end_array();
  }
  w.end_entry();
}

}  // namespace

identifier record_event_key(const model::record_event& e) {
  std::string name = e.at;
  for (const auto* part : {&e.kind, &e.source, &e.message_id, &e.detail}) name.append("\x1f").append(*part);
  return {std::string(record_event_sid), uuid_v5(name)};
}

void write_provenance(entry_writer& w) {
  bool first = true;
  for (const auto& e : w.record().events) {
    // Provenance.recorded is an instant, 1..1: an event the intake has not stamped cannot be sent yet.
    if (fhir::valid_primitive_text("instant", e.at)) provenance(w, e, first);
    first = false;
  }
}

}  // namespace homebase::mappers::outbound
