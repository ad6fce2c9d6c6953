#include "mappers/outbound/appointment_entries.hpp"

#include "mappers/outbound/outbound_uris.hpp"

namespace homebase::mappers::outbound {
namespace {

using model::coding;
using model::identifier;

void chain_link(entry_writer& w, std::string_view url, const identifier& other) {
  w.start_object();
  w.field("url", url);
  w.key("valueReference");
  if (w.appointment_by_key(other) != nullptr) {
    w.reference_value("Appointment", other);
  } else {
    w.logical_reference("Appointment", other, "");
  }
  w.end_object();
}

std::string comment_of(const model::appointment& a, bool interpreter_participant) {
  std::string out;
  auto add = [&](const std::string& s) {
    if (!out.empty()) out += " ";
    out += s;
  };
  if (a.interpreter_required && !interpreter_participant) {
    std::string language = a.interpreter_language.empty() ? "" : " (" + a.interpreter_language + ")";
    add("Interpreter required" + language + ", not booked yet.");
  }
  if (a.transport_needed) {
    add(a.transport_arranged ? "Transport needed: arranged." : "Transport needed: not arranged yet.");
  }
  return out;
}

void appointment(entry_writer& w, const model::appointment& a) {
  w.begin_entry("Appointment", a.key);
  bool chained = has(a.replaces) || has(a.replaced_by);
  if (chained) {
    w.key("extension");
    w.start_array();
    if (has(a.replaces)) chain_link(w, appointment_replaces_url, a.replaces);
    if (has(a.replaced_by)) chain_link(w, appointment_replaced_by_url, a.replaced_by);
    w.end_array();
  }
  w.identifiers({a.key});
  bool timed = !a.start.empty() && !a.end.empty();
  std::string status = appointment_status_written(a);
  w.field("status", status);
  // app-4: a cancellation reason only on a cancelled or no-show appointment.
  if ((status == "cancelled" || status == "noshow") && has(a.cancel_reason)) {
    w.codeable_concept("cancelationReason", {a.cancel_reason}, "");
  }
  const std::string& specialty_text =
      a.specialty_code.display.empty() ? a.specialty : a.specialty_code.display;
  w.concept_list("serviceType", {a.specialty_code}, specialty_text);
  w.concept_list("specialty", {a.specialty_code}, specialty_text);
  w.field("description", a.description);
  if (timed) {
    w.field("start", a.start);
    w.field("end", a.end);
  }
  bool interpreter_participant = a.interpreter_booked;
  w.field("comment", comment_of(a, interpreter_participant));
  if (has(a.based_on_referral)) {
    w.key("basedOn");
    w.start_array();
    if (w.referral_by_key(a.based_on_referral) != nullptr) {
      w.reference_value("ServiceRequest", a.based_on_referral);
    } else {
      w.logical_reference("ServiceRequest", a.based_on_referral, "");
    }
    w.end_array();
  }
  bool confirmed = one_of(status, {"booked", "arrived", "fulfilled", "checked-in"});
  w.key("participant");
  w.start_array();
  w.start_object();
  w.reference("actor", "Patient", w.patient_key());
  w.field("status", "accepted");
  w.end_object();
  if (has(a.practitioner)) {
    w.start_object();
    w.key("actor");
    if (const auto* member = w.team_member_by_key(a.practitioner)) {
      w.reference_value(member->member_type, member->key);
    } else {
      w.logical_reference("Practitioner", a.practitioner, "");
    }
    w.field("status", confirmed ? "accepted" : "needs-action");
    w.end_object();
  }
  if (!a.location.empty()) {
    w.start_object();
    w.key("actor");
    w.display_reference("Location", a.location);
    w.field("status", confirmed ? "accepted" : "needs-action");
    w.end_object();
  }
  if (interpreter_participant) {
    // R4 participant type `translator` (participant-type, part of the encounter-participant-type set).
    w.start_object();
    std::string language = a.interpreter_language.empty() ? "" : " (" + a.interpreter_language + ")";
    w.concept_list("type", {coding{std::string(participant_type_system), "translator", "Translator"}},
                   "Interpreter" + language);
    w.field("required", "required");
    w.field("status", "accepted");
    w.end_object();
  }
  w.end_array();
  w.end_entry();
}

}  // namespace

std::string appointment_status_written(const model::appointment& a) {
  bool timed = !a.start.empty() && !a.end.empty();
  bool known = one_of(a.status, {"proposed", "pending", "booked", "arrived", "fulfilled", "cancelled",
                                 "noshow", "entered-in-error", "checked-in", "waitlist"});
  std::string status = known ? a.status : (timed ? "booked" : "proposed");
  // app-3: only proposed, cancelled or waitlist appointments may lack start and end.
  if (!timed && status != "proposed" && status != "cancelled" && status != "waitlist") status = "proposed";
  return status;
}

void write_appointments(entry_writer& w) {
  for (const auto& a : w.record().appointments) appointment(w, a);
}

}  // namespace homebase::mappers::outbound
