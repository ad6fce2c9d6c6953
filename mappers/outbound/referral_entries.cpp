#include "mappers/outbound/referral_entries.hpp"

#include "mappers/outbound/outbound_uris.hpp"

namespace homebase::mappers::outbound {
namespace {

using model::coding;

// ServiceRequest.status kept in step with the flow when the record holds no valid FHIR status
// (fhir-rules §4.4: active while open, completed on the outcome, revoked when it ended otherwise).
std::string request_status(const model::referral& r) {
  if (one_of(r.status, {"draft", "active", "on-hold", "revoked", "completed", "entered-in-error", "unknown"}))
    return r.status;
  if (r.flow == "draft") return "draft";
  if (one_of(r.flow, {"sent", "accepted", "scheduled", "seen"})) return "active";
  if (one_of(r.flow, {"report_received", "closed"})) return "completed";
  if (one_of(r.flow, {"declined", "cancelled", "failed"})) return "revoked";
  return "unknown";
}

// The deadline the referral is working to now: after the visit, the loop must close by loop_close_due.
const std::string& current_deadline(const model::referral& r) {
  if (r.flow == "seen" && !r.loop_close_due.empty()) return r.loop_close_due;
  return r.due_by;
}

std::string early_intervention_note(const model::ei_episode& e) {
  std::string out = "Early intervention (IDEA Part C):";
  auto add = [&](std::string_view label, const std::string& value) {
    if (value.empty()) return;
    out.append(" ").append(label).append(" ").append(value).append(";");
  };
  add("identified on", e.identified_on);
  add("referral due by", e.referral_due_by);
  add("referred on", e.referred_on);
  add("acknowledged on", e.acknowledged_on);
  add("IFSP due by", e.ifsp_due_by);
  add("IFSP held on", e.ifsp_held_on);
  if (e.family_declined) out += " the family declined services;";
  out.pop_back();
  return out;
}

bool is_early_intervention(const entry_writer& w, const model::referral& r) {
  const auto& ei = w.record().early_intervention;
  if (!ei) return false;
  if (has(ei->referral_key)) return r.key == ei->referral_key;
  return r.key.system == early_intervention_sid;
}

void service_request(entry_writer& w, const model::referral& r) {
  w.begin_entry("ServiceRequest", r.key);
  w.identifiers({r.key});
  w.field("status", request_status(r));
  bool known_intent = one_of(r.intent, {"proposal", "plan", "directive", "order", "original-order",
                                        "reflex-order", "filler-order", "instance-order", "option"});
  w.field("intent", known_intent ? r.intent : "order");
  w.codeable_concept("code", {r.specialty_code},
                     r.specialty_code.display.empty() ? r.specialty : r.specialty_code.display);
  w.subject();
  w.period("occurrencePeriod", "", r.due_by);
  w.date_time_field("authoredOn", r.authored_on);
  if (has(r.performer_org) || !r.performer.empty()) {
    w.key("performer");
    w.start_array();
    if (has(r.performer_org)) {
      w.logical_reference("Organization", r.performer_org, r.performer);
    } else {
      w.display_reference("Organization", r.performer);
    }
    w.end_array();
  }
  w.concept_list("reasonCode", {r.reason_code}, r.reason);
  if (is_early_intervention(w, r))
    w.annotation_list("note", {early_intervention_note(*w.record().early_intervention)});
  w.end_entry();
}

void referral_task(entry_writer& w, const model::referral& r) {
  auto task_key = referral_task_key(r);
  auto state = task_state_of(r.flow);
  w.begin_entry("Task", task_key);
  // The sender's own Task id (BSeR PLAC) is a second identifier, never the key: the Task the medical home
  // got at discharge is the one a later referral update changes, not a second Task for the same referral.
  if (has(r.task_key) && !(r.task_key == task_key))
    w.identifiers({task_key, r.task_key});
  else
    w.identifiers({task_key});
  w.field("status", state.status);
  if (state.status == "rejected" || state.status == "cancelled" || state.status == "failed") {
    std::string why = r.status_reason;
    if (why.empty()) {
      why = state.status == "rejected"    ? "Declined by the recipient"
            : state.status == "cancelled" ? "The referral was cancelled"
                                          : "The referral failed";
    }
    w.key("statusReason");
    w.concept_value({}, why);  // BSeR: statusReason.text 1..1
  }
  if (!state.business_code.empty()) {
    w.codeable_concept(
        "businessStatus",
        {coding{std::string(bser_business_status_system), state.business_code, state.business_display}}, "");
  }
  w.field("intent", "order");
  w.codeable_concept("code", {coding{std::string(task_code_system), "fulfill", "Fulfill the focal request"}},
                     "");
  std::string what = r.specialty_code.display.empty() ? r.specialty : r.specialty_code.display;
  w.field("description", what.empty() ? "Referral" : "Referral: " + what);
  w.reference("focus", "ServiceRequest", r.key);
  w.reference("for", "Patient", w.patient_key());
  w.date_time_field("authoredOn", r.authored_on);
  if (has(r.performer_org) || !r.performer.empty()) {
    w.key("owner");
    if (has(r.performer_org)) {
      w.logical_reference("Organization", r.performer_org, r.performer);
    } else {
      w.display_reference("Organization", r.performer);
    }
  }
  w.restriction_until(current_deadline(r));
  if (state.status == "completed" && !r.report_ref.empty()) {
    w.key("output");
    w.start_array();
    w.start_object();
    w.codeable_concept("type", {}, "Referral report");
    w.key("valueReference");
    // The report lives at the recipient's system: a logical reference, never a dangling literal one.
    w.display_reference("", r.report_ref);
    w.end_object();
    w.end_array();
  }
  w.end_entry();
}

}  // namespace

model::identifier referral_task_key(const model::referral& r) {
  return {std::string(referral_task_sid), derived_key_value(r.key)};
}

referral_task_state task_state_of(std::string_view flow) {
  // fhir-rules §4.3. Displays as TaskBusinessStatusCS spells them (5.1.1 carries its typo).
  if (flow == "draft") return {"draft", "", ""};
  if (flow == "sent") return {"received", "2.0", "Service Request Created"};
  if (flow == "accepted") return {"accepted", "3.0", "Service Request Accepted"};
  if (flow == "declined") return {"rejected", "4.0", "Service Request Declined"};
  if (flow == "scheduled") return {"in-progress", "5.1.1", "Serivce Request Event Scheduled"};
  if (flow == "seen") return {"in-progress", "5.1.4", "Service Request Event Completed"};
  if (flow == "report_received" || flow == "closed")
    return {"completed", "7.0", "Service Request Fulfillment Completed"};
  if (flow == "cancelled") return {"cancelled", "6.0", "Service Request Fulfillment Cancelled"};
  if (flow == "failed") return {"failed", "", ""};  // BSeR has no failed state
  return {"draft", "", ""};
}

std::optional<model::referral> early_intervention_referral(const entry_writer& w) {
  const auto& ei = w.record().early_intervention;
  if (!ei || w.referral_by_key(ei->referral_key) != nullptr) return std::nullopt;
  model::referral r;
  r.key = has(ei->referral_key)
              ? ei->referral_key
              : model::identifier{std::string(early_intervention_sid), derived_key_value(w.patient_key())};
  r.specialty = "Early intervention (IDEA Part C)";
  r.performer = "Early intervention program";
  r.authored_on = ei->referred_on;
  // Before the referral the 7-day clock runs; after it, the 45-day IFSP clock.
  r.due_by = ei->referred_on.empty() ? ei->referral_due_by : ei->ifsp_due_by;
  r.seen_on = ei->ifsp_held_on;
  if (ei->family_declined) {
    r.flow = "cancelled";
    r.status = "revoked";
    r.status_reason = "The family declined early intervention services";
  } else if (!ei->ifsp_held_on.empty()) {
    r.flow = "closed";
    r.status = "completed";
  } else if (!ei->acknowledged_on.empty()) {
    r.flow = "accepted";
    r.status = "active";
  } else if (!ei->referred_on.empty()) {
    r.flow = "sent";
    r.status = "active";
  } else {
    r.flow = "draft";
    r.status = "draft";
  }
  return r;
}

void write_referrals(entry_writer& w) {
  for (const auto* r : w.referrals()) {
    service_request(w, *r);
    if (has(r->key)) referral_task(w, *r);
  }
}

}  // namespace homebase::mappers::outbound
