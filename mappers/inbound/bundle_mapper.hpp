// bundle_mapper: maps the resources of one inbound Bundle (message or document) into a
// coordination_record, one resource type at a time. The event translators (discharge, visit summary,
// referral update, appointment update) share it and differ only in what they do with their own
// resources (Task, the visit Encounter, Composition) and in the context they give it.
//
// Pure: no I/O, no clock. Anything it cannot map becomes a note with its element path.
// Not thread-safe; one mapper per translation, on the caller's thread.
#pragma once

#include <rapidjson/document.h>

#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include "fhir/bundle_index.hpp"
#include "mappers/inbound/translation.hpp"

namespace homebase::mappers::inbound {

struct mapping_context {
  std::string translator = "discharge translator";  // named in notes
  std::string source;           // the sending partner (medication.source, appointment.source)
  std::string referral_origin;  // origin of the referrals it maps: nicu_discharge | specialist | ...
  std::string team_source;      // team_member.source: discharge | visit_summary | referral
};

class bundle_mapper {
 public:
  bundle_mapper(const rapidjson::Value& bundle, mapping_context context);

  [[nodiscard]] const fhir::bundle_index& index() const { return index_; }
  [[nodiscard]] const mapping_context& context() const { return context_; }
  [[nodiscard]] translation& out() { return out_; }
  [[nodiscard]] const fhir::bundle_entry* child() const { return child_; }
  [[nodiscard]] const fhir::bundle_entry* focus_encounter() const { return focus_encounter_; }

  // The child: the Patient among `focus` references (or the subject of a focused Encounter, which becomes
  // the focus encounter), else the first Patient of the Bundle.
  const fhir::bundle_entry* find_child(const rapidjson::Value* focus_list, const fhir::bundle_entry& from);
  void set_focus_encounter(const fhir::bundle_entry* e) { focus_encounter_ = e; }

  // Maps every entry except `skip` by its type (the discharge content); reference targets
  // (Organization, Practitioner, PractitionerRole, Location, Medication, Device) only through references.
  void map_entries(std::initializer_list<const fhir::bundle_entry*> skip);
  // Maps one entry by its type; false when the type is not one the mapper knows.
  bool map_entry(const fhir::bundle_entry& e);
  // Links appointments to their referrals' flow, notes unreferenced reference targets.
  void finish();

  static std::string path(const fhir::bundle_entry& e);
  void note(std::string severity, std::string expression, std::string message);
  void note_unmapped(const fhir::bundle_entry& e, std::initializer_list<std::string_view> handled);
  void note_extension(const fhir::bundle_entry& e, std::size_t k, const rapidjson::Value& ext);
  // Resolves a Reference object inside the Bundle and marks the target as used.
  const fhir::bundle_entry* resolve(const rapidjson::Value* reference, const fhir::bundle_entry& from);
  void mark_used(const fhir::bundle_entry& e);
  static model::identifier key_of(const fhir::bundle_entry& e);
  // Key of the referenced entry, else the Reference.identifier.
  model::identifier reference_key(const rapidjson::Value* reference, const fhir::bundle_entry& from);
  // Organisation identifiers named by a Reference(Organization | PractitionerRole).
  std::vector<model::identifier> organization_ids(const rapidjson::Value* reference,
                                                  const fhir::bundle_entry& from);
  // Display name of a referenced Organization / Practitioner / PractitionerRole / HealthcareService.
  std::string display_of(const rapidjson::Value* reference, const fhir::bundle_entry& from);
  std::string location_name(const rapidjson::Value* reference, const fhir::bundle_entry& from);

  void map_patient(const fhir::bundle_entry& e);
  void map_related_person(const fhir::bundle_entry& e);
  void map_encounter(const fhir::bundle_entry& e);
  void map_care_team(const fhir::bundle_entry& e);
  void map_participant(const fhir::bundle_entry& e, std::size_t k, const rapidjson::Value& participant);
  void map_care_plan(const fhir::bundle_entry& e);
  model::appointment& map_appointment(const fhir::bundle_entry& e);
  model::referral& map_service_request(const fhir::bundle_entry& e);
  void map_observation(const fhir::bundle_entry& e);
  void map_condition(const fhir::bundle_entry& e);
  void map_medication(const fhir::bundle_entry& e);
  void map_device(const fhir::bundle_entry& e);
  void map_device_use(const fhir::bundle_entry& e);
  void map_goal(const fhir::bundle_entry& e);
  // A team member for a practitioner seen at a visit (source and specialty from the context).
  void add_team_member(const fhir::bundle_entry& practitioner, const std::string& specialty);

  // The referral of `key` in the output, added (key only, nothing else said) when absent.
  model::referral& referral_for(const model::identifier& key);

 private:
  std::size_t position(const fhir::bundle_entry& e) const;
  void map_early_intervention(const model::referral& r);

  fhir::bundle_index index_;
  std::vector<bool> used_;
  mapping_context context_;
  translation out_;
  const fhir::bundle_entry* child_ = nullptr;
  const fhir::bundle_entry* focus_encounter_ = nullptr;
};

// The MessageHeader of `mapper`'s Bundle when it is a message of our event `event_code` whose Patient is
// found (the mapper's child is then set); otherwise nullptr, with `failed` holding the reason.
const fhir::bundle_entry* open_message(bundle_mapper& mapper, const rapidjson::Value& bundle,
                                       std::string_view event_code, translate_result& failed);

// The successful result of a translation: the mapper's output and one record event.
[[nodiscard]] translate_result finish_translation(bundle_mapper& mapper, const char* event_kind,
                                                  const fhir::bundle_entry& header, std::string detail);

// True for an early-intervention (IDEA Part C) referral's specialty or text.
[[nodiscard]] bool is_early_intervention(std::string_view specialty_or_text);

// The coordination flow a ServiceRequest status says (draft -> draft, active -> sent, ...); empty when it
// says nothing about the flow.
[[nodiscard]] std::string flow_of_request_status(std::string_view status);

}  // namespace homebase::mappers::inbound
