#include "mappers/inbound/visit_summary_translator.hpp"

#include <algorithm>
#include <vector>

#include "mappers/inbound/bundle_mapper.hpp"
#include "mappers/inbound/fhir_reading.hpp"

namespace homebase::mappers::inbound {

using rapidjson::Value;

translate_result translate_visit_summary(const Value& bundle, std::string_view source) {
  mapping_context context;
  context.translator = "visit summary translator";
  context.source = std::string(source);
  context.referral_origin = "specialist";
  context.team_source = "visit_summary";
  bundle_mapper mapper(bundle, std::move(context));
  translate_result failed;
  const fhir::bundle_entry* header = open_message(mapper, bundle, "specialist-visit-summary", failed);
  if (header == nullptr) return failed;

  // The visit: the Encounter the header focuses on (else every Encounter that is not an inpatient stay);
  // another Encounter (the NICU stay, sent along for context) is not the visit.
  std::vector<const fhir::bundle_entry*> encounters;
  auto all_encounters = mapper.index().of_type("Encounter");
  if (const Value* focus = array_member(*header->resource, "focus")) {
    for (const auto& f : focus->GetArray())
      if (const fhir::bundle_entry* e = mapper.resolve(&f, *header);
          e != nullptr && e->resource_type == "Encounter")
        encounters.push_back(e);
  }
  if (encounters.empty()) {
    for (const fhir::bundle_entry* e : all_encounters)
      if (text(object_member(*e->resource, "class"), "code") != "IMP") encounters.push_back(e);
  }
  for (const fhir::bundle_entry* e : all_encounters) {
    if (std::find(encounters.begin(), encounters.end(), e) == encounters.end()) {
      mapper.mark_used(*e);
      mapper.note("information", bundle_mapper::path(*e),
                  "Encounter sent for context (not the visit); not mapped by the visit summary translator");
    }
  }
  auto compositions = mapper.index().of_type("Composition");
  std::vector<const fhir::bundle_entry*> skip{header};
  skip.insert(skip.end(), all_encounters.begin(), all_encounters.end());
  skip.insert(skip.end(), compositions.begin(), compositions.end());
  for (const auto& e : mapper.index().entries()) {
    if (e.resource == nullptr || std::find(skip.begin(), skip.end(), &e) != skip.end()) continue;
    if (e.resource_type == "Organization" || e.resource_type == "Practitioner" ||
        e.resource_type == "PractitionerRole" || e.resource_type == "Location" ||
        e.resource_type == "Medication" || e.resource_type == "Device" ||
        e.resource_type == "HealthcareService")
      continue;
    if (!mapper.map_entry(e))
      mapper.note("warning", bundle_mapper::path(e),
                  std::string(e.resource_type) + " is not mapped by the visit summary translator");
  }
  auto& record = mapper.out().record;
  // A recommendation is a referral the medical home still has to send, unless the specialist sent it.
  for (auto& r : record.referrals) {
    if (r.origin == "specialist" && (r.intent == "proposal" || r.intent == "plan")) r.flow = "draft";
  }

  std::string detail;
  if (encounters.empty())
    mapper.note("warning", "Bundle", "the visit summary has no Encounter: no referral is marked as seen");
  for (const fhir::bundle_entry* e : encounters) {
    const Value& enc = *e->resource;
    std::string seen_on = date_part(text(object_member(enc, "period"), "start"));
    std::string specialty;
    if (const Value* service_type = object_member(enc, "serviceType"))
      specialty = normalised_specialty(first_coding(service_type), concept_text(service_type));
    if (specialty.empty()) specialty = specialty_of({array_member(enc, "type")}, false).first;
    if (!detail.empty()) detail += "; ";
    auto key = bundle_mapper::key_of(*e);
    detail += "visit " + key.system + "|" + key.value + (seen_on.empty() ? "" : " on " + seen_on);
    // The referral answered: Encounter.basedOn, or the basedOn of the visit's Appointment.
    std::vector<model::identifier> answered;
    auto add_referrals = [&](const Value* list, const fhir::bundle_entry& from) {
      if (list == nullptr || !list->IsArray()) return;
      for (const auto& ref : list->GetArray()) {
        auto referral = mapper.reference_key(&ref, from);
        if (!referral.value.empty() &&
            std::find(answered.begin(), answered.end(), referral) == answered.end())
          answered.push_back(std::move(referral));
      }
    };
    add_referrals(array_member(enc, "basedOn"), *e);
    if (const Value* appointments = array_member(enc, "appointment")) {
      for (const auto& ref : appointments->GetArray())
        if (const fhir::bundle_entry* a = mapper.resolve(&ref, *e);
            a != nullptr && a->resource_type == "Appointment")
          add_referrals(array_member(*a->resource, "basedOn"), *a);
    }
    if (answered.empty()) {
      mapper.note(
          "information", bundle_mapper::path(*e) + ".basedOn",
          "the visit names no referral (Encounter.basedOn, or its Appointment's basedOn); no referral "
          "is marked as seen");
    } else {
      for (const auto& referral_key : answered) {
        auto& r = mapper.referral_for(referral_key);
        // The referral is the one being answered, not a recommendation of this visit. The specialist's
        // visit summary is the report the referral asked for (CMS50 counts its receipt): the loop can close.
        r.origin.clear();
        r.flow = "report_received";
        r.status.clear();  // the merge derives the ServiceRequest status from the flow (completed)
        r.report_ref = key.system + "|" + key.value;
        r.seen_on = seen_on;
        r.loop_close_due = add_days(seen_on, loop_close_days);
        if (specialty.empty()) specialty = r.specialty;
      }
    }
    if (const Value* participants = array_member(enc, "participant")) {
      for (const auto& p : participants->GetArray()) {
        if (const fhir::bundle_entry* who = mapper.resolve(object_member(p, "individual"), *e)) {
          if (who->resource_type == "Practitioner" || who->resource_type == "PractitionerRole")
            mapper.add_team_member(*who, specialty);
        }
      }
    }
    (void)mapper.resolve(object_member(enc, "serviceProvider"), *e);
    (void)mapper.resolve(object_member(enc, "subject"), *e);
  }
  for (const fhir::bundle_entry* c : compositions) {
    // The visit note: its sections point at entries that are mapped by their type.
    if (const Value* authors = array_member(*c->resource, "author"))
      for (const auto& a : authors->GetArray()) (void)mapper.resolve(&a, *c);
    mapper.note("information", bundle_mapper::path(*c),
                "Composition '" + text(*c->resource, "title") +
                    "' is read as the visit note; its section entries are mapped by their type");
  }
  return finish_translation(mapper, visit_summary_event, *header, std::move(detail));
}

}  // namespace homebase::mappers::inbound
