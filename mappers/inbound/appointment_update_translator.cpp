#include "mappers/inbound/appointment_update_translator.hpp"

#include <algorithm>

#include "mappers/inbound/bundle_mapper.hpp"
#include "mappers/inbound/fhir_reading.hpp"
#include "mappers/inbound/visit_summary_translator.hpp"

namespace homebase::mappers::inbound {

using rapidjson::Value;

namespace {

constexpr std::string_view cancellation_reason_system =
    "http://terminology.hl7.org/CodeSystem/appointment-cancellation-reason";
// Gateway-made key of a social need found in a message (contract: under .../fhir/sid/).
constexpr std::string_view social_need_sid = "http://homebase.example.org/fhir/sid/social-need";

bool ended_unattended(const model::appointment& a) {
  return a.status == "cancelled" || a.status == "noshow";
}

// The booked appointment of the message that replaces `old`: same referral, else same specialty.
model::appointment* replacement_for(std::vector<model::appointment>& all, const model::appointment& old) {
  for (auto& a : all) {
    if (a.status != "booked" || a.key == old.key) continue;
    if (!old.based_on_referral.value.empty() ? a.based_on_referral == old.based_on_referral
                                             : !old.specialty.empty() && a.specialty == old.specialty)
      return &a;
  }
  return nullptr;
}

}  // namespace

translate_result translate_appointment_update(const Value& bundle, std::string_view source) {
  mapping_context context;
  context.translator = "appointment update translator";
  context.source = std::string(source);
  bundle_mapper mapper(bundle, std::move(context));
  translate_result failed;
  const fhir::bundle_entry* header = open_message(mapper, bundle, "appointment-update", failed);
  if (header == nullptr) return failed;
  std::vector<std::pair<const fhir::bundle_entry*, model::identifier>> mapped;
  for (const auto& e : mapper.index().entries()) {
    if (&e == header) continue;
    if (e.resource_type == "Appointment") {
      mapped.emplace_back(&e, mapper.map_appointment(e).key);
    } else if (e.resource_type == "Patient" && &e == mapper.child()) {
      mapper.map_patient(e);
    } else if (e.resource_type == "ServiceRequest") {
      mapper.map_service_request(e).flow.clear();  // restated; the appointment says where it stands
    } else if (e.resource_type == "RelatedPerson") {
      mapper.map_related_person(e);
    } else if (e.resource_type == "Encounter") {
      mapper.mark_used(e);
      mapper.note("information", bundle_mapper::path(e), "Encounter sent for context; not mapped");
    } else if (e.resource_type != "Organization" && e.resource_type != "Practitioner" &&
               e.resource_type != "PractitionerRole" && e.resource_type != "Location" &&
               e.resource_type != "HealthcareService" && e.resource_type != "Patient") {
      mapper.note("warning", bundle_mapper::path(e),
                  std::string(e.resource_type) + " is not mapped by the appointment update translator");
    }
  }
  if (mapped.empty()) {
    failed.error = translate_error::missing_content;
    failed.message = "an appointment-update message needs at least one Appointment";
    return failed;
  }
  auto& appointments = mapper.out().record.appointments;
  // A rebooked appointment that names the one it replaces (R5 previousAppointment): the replaced one gets
  // the forward link, even when the message does not carry it (a stub with only key and link: the merge
  // applies it to the appointment it knows and adds no appointment for it).
  for (std::size_t i = 0, n = appointments.size(); i < n; ++i) {
    if (appointments[i].replaces.value.empty()) continue;
    auto old_key = appointments[i].replaces;
    auto new_key = appointments[i].key;
    auto it = std::find_if(appointments.begin(), appointments.end(),
                           [&](const model::appointment& a) { return a.key == old_key; });
    if (it != appointments.end()) {
      it->replaced_by = new_key;
    } else {
      model::appointment stub;
      stub.key = old_key;
      stub.replaced_by = new_key;
      appointments.push_back(std::move(stub));
    }
  }
  std::string detail;
  for (const auto& [entry, key] : mapped) {
    // clang 14 (the sanitizer tree) cannot capture a structured binding in a lambda: compare through a name.
    const auto& wanted = key;
    auto it = std::find_if(appointments.begin(), appointments.end(),
                           [&](const model::appointment& a) { return a.key == wanted; });
    if (it == appointments.end()) continue;
    auto& a = *it;
    std::string where = bundle_mapper::path(*entry);
    if (!detail.empty()) detail += "; ";
    detail += "appointment " + a.key.system + "|" + a.key.value + ": " + a.status;
    if (a.status == "cancelled" && a.cancel_reason.code.empty())
      mapper.note("information", where + ".cancelationReason",
                  "the appointment is cancelled without a cancelationReason");
    if (ended_unattended(a) && a.cancel_reason.code == "pat-lt" &&
        a.cancel_reason.system == cancellation_reason_system) {
      // THO "Patient: Lack of Transportation": the ride is a need of this visit and of the family
      // (Gravity SDOH: a transportation-insecurity health concern).
      a.transport_needed = true;
      model::social_need need;
      need.key = {std::string(social_need_sid), "transportation|" + a.key.value};
      need.domain = "transportation";
      need.code = {"http://snomed.info/sct", "713458007", "Lack of access to transportation"};
      need.status = "identified";
      auto& needs = mapper.out().record.social_needs;
      if (std::none_of(needs.begin(), needs.end(), [&](const auto& n) { return n.key == need.key; }))
        needs.push_back(std::move(need));
      detail += " (lack of transportation)";
    }
    if (ended_unattended(a) && a.replaced_by.value.empty()) {
      if (model::appointment* next = replacement_for(appointments, a)) {
        a.replaced_by = next->key;
        next->replaces = a.key;
        detail += " (rescheduled to " + next->start + ")";
      }
    }
    if (a.based_on_referral.value.empty()) continue;
    const std::string status = a.status;
    const std::string start = date_part(a.start);
    const auto referral_key = a.based_on_referral;
    auto& r = mapper.referral_for(referral_key);  // may reallocate referrals, not appointments
    if (status == "fulfilled") {
      r.flow = "seen";
      r.seen_on = start;
      r.loop_close_due = add_days(start, loop_close_days);
    } else if (status == "booked" && r.flow != "seen") {
      r.flow = "scheduled";
    }
  }
  return finish_translation(mapper, appointment_changed_event, *header, std::move(detail));
}

}  // namespace homebase::mappers::inbound
