#include "mappers/model/record_merge.hpp"

#include <algorithm>
#include <cctype>
#include <tuple>

#include "mappers/model/referral_flow.hpp"

namespace homebase::mappers::model {
namespace {

constexpr const char* discharge_received = "DischargeRecordReceived";
constexpr const char* discharge_amended = "DischargeRecordAmended";

bool has_identifier(const identifier& id) {
  return !id.system.empty() || !id.value.empty();
}

std::string key_text(const identifier& id) {
  return id.system + "|" + id.value;
}

// ---- field by field: what the message said wins, what it left empty stays ----
void take(std::string& into, const std::string& from) {
  if (!from.empty()) into = from;
}
void take(identifier& into, const identifier& from) {
  if (has_identifier(from)) into = from;
}
void take(coding& into, const coding& from) {
  if (!from.code.empty() || !from.display.empty()) into = from;
}
void take(human_name& into, const human_name& from) {
  if (!(from == human_name{})) into = from;
}
// A flag a message sets is news; a flag it leaves false may only mean "not said".
void take(bool& into, bool from) {
  into = into || from;
}
template <class T>
void take(std::vector<T>& into, const std::vector<T>& from) {
  if (!from.empty()) into = from;
}
template <class T>
void append_unique(std::vector<T>& into, const std::vector<T>& from) {
  for (const auto& item : from) {
    if (std::find(into.begin(), into.end(), item) == into.end()) into.push_back(item);
  }
}

void count(merge_summary& summary, bool existed, bool changed) {
  if (!existed) {
    ++summary.added;
  } else if (changed) {
    ++summary.updated;
  } else {
    ++summary.unchanged;
  }
}

void fields(family_member& a, const family_member& b) {
  take(a.name, b.name);
  take(a.relationship, b.relationship);
  take(a.language, b.language);
  take(a.interpreter_needed, b.interpreter_needed);
  take(a.preferred_language, b.preferred_language);
  take(a.telecom, b.telecom);
  take(a.legal_authority, b.legal_authority);
  take(a.primary_contact, b.primary_contact);
}

void fields(team_member& a, const team_member& b) {
  take(a.name, b.name);
  if (b.role != team_role::other) a.role = b.role;
  take(a.role_code, b.role_code);
  take(a.specialty, b.specialty);
  take(a.organization, b.organization);
  take(a.organization_name, b.organization_name);
  take(a.member_type, b.member_type);
  take(a.period_start, b.period_start);
  take(a.period_end, b.period_end);
  take(a.source, b.source);
}

void fields(plan_activity& a, const plan_activity& b) {
  take(a.code, b.code);
  take(a.description, b.description);
  take(a.status, b.status);
  take(a.scheduled, b.scheduled);
  // The latest plan says whether it is still to be scheduled.
  a.to_be_scheduled = b.to_be_scheduled;
}

void fields(appointment& a, const appointment& b) {
  take(a.specialty, b.specialty);
  take(a.specialty_code, b.specialty_code);
  take(a.start, b.start);
  take(a.end, b.end);
  take(a.location, b.location);
  take(a.status, b.status);
  take(a.description, b.description);
  take(a.practitioner, b.practitioner);
  take(a.based_on_referral, b.based_on_referral);
  take(a.cancel_reason, b.cancel_reason);
  take(a.replaces, b.replaces);
  take(a.replaced_by, b.replaced_by);
  take(a.interpreter_required, b.interpreter_required);
  take(a.interpreter_booked, b.interpreter_booked);
  take(a.interpreter_language, b.interpreter_language);
  take(a.transport_needed, b.transport_needed);
  take(a.transport_arranged, b.transport_arranged);
  take(a.source, b.source);
  take(a.practice_status, b.practice_status);
}

void fields(referral& a, const referral& b) {
  take(a.specialty, b.specialty);
  take(a.specialty_code, b.specialty_code);
  take(a.reason, b.reason);
  take(a.reason_code, b.reason_code);
  take(a.status, b.status);
  take(a.intent, b.intent);
  take(a.due_by, b.due_by);
  take(a.authored_on, b.authored_on);
  take(a.flow, b.flow);
  take(a.origin, b.origin);
  take(a.performer, b.performer);
  take(a.performer_org, b.performer_org);
  take(a.task_key, b.task_key);
  take(a.status_reason, b.status_reason);
  take(a.seen_on, b.seen_on);
  take(a.report_ref, b.report_ref);
  take(a.loop_close_due, b.loop_close_due);
}

void fields(measurement& a, const measurement& b) {
  take(a.code, b.code);
  if (!b.value.value.empty()) a.value = b.value;
  take(a.effective, b.effective);
}

void fields(problem& a, const problem& b) {
  take(a.code, b.code);
  take(a.text, b.text);
  take(a.clinical_status, b.clinical_status);
}

void fields(medication& a, const medication& b) {
  take(a.code, b.code);
  take(a.text, b.text);
  take(a.dosage, b.dosage);
  take(a.status, b.status);
  take(a.source, b.source);
}

void fields(device& a, const device& b) {
  take(a.code, b.code);
  take(a.text, b.text);
  take(a.status, b.status);
  take(a.setting, b.setting);
}

void fields(family_goal& a, const family_goal& b) {
  take(a.text, b.text);
  take(a.priority, b.priority);
  take(a.status, b.status);
}

// A need of a domain the child already has open (transportation found again at another missed visit) is
// that need, not a second one: the family lacks transport, not each appointment.
std::vector<social_need> one_need_per_domain(const coordination_record& existing,
                                             const coordination_record& incoming) {
  auto needs = incoming.social_needs;
  for (auto& n : needs) {
    auto same_key = [&](const social_need& e) { return e.key == n.key; };
    if (std::any_of(existing.social_needs.begin(), existing.social_needs.end(), same_key)) continue;
    for (const auto& e : existing.social_needs) {
      if (e.domain == n.domain && e.status != "resolved" && e.status != "declined") {
        n.key = e.key;
        break;
      }
    }
  }
  return needs;
}

// A rebooked appointment still needs the ride the one it replaces needed (and had not got): the need
// belongs to the family's trip to the same clinic, and would otherwise be lost with the old date.
void carry_transport_need(coordination_record& r) {
  for (auto& a : r.appointments) {
    if (a.transport_needed || a.replaces.value.empty()) continue;
    for (const auto& old : r.appointments) {
      if (old.key == a.replaces && old.transport_needed && !old.transport_arranged) a.transport_needed = true;
    }
  }
}

// Derived by the coordination rules, which always state them whole: the newer one replaces the older.
template <class T>
void fields(T& a, const T& b) {
  a = b;
}

// Action items and agenda items are derived by the rules too, but their status and the fields the medical
// home owns (owner, status reason, notes, outputs) are the practice's once it changed them: an item it
// completed or cancelled stays closed, a discussed agenda item stays off the agenda, and a restatement
// without the practice's fields keeps them (issue 11, mappers/model/practice_change).
void fields(action_item& a, const action_item& b) {
  action_item merged = b;
  if (a.status == "done" || a.status == "cancelled") merged.status = a.status;
  if (merged.owner.empty()) merged.owner = a.owner;
  if (merged.status_reason.empty()) merged.status_reason = a.status_reason;
  merged.notes = a.notes;
  append_unique(merged.notes, b.notes);
  merged.outputs = a.outputs;
  append_unique(merged.outputs, b.outputs);
  a = std::move(merged);
}

void fields(conference_item& a, const conference_item& b) {
  conference_item merged = b;
  if (a.status != "pending") merged.status = a.status;
  merged.notes = a.notes;
  append_unique(merged.notes, b.notes);
  a = std::move(merged);
}

// Entities keyed on `key`: merge field by field into the matching one, append a new one.
template <class T>
void merge_keyed(std::vector<T>& existing, const std::vector<T>& incoming, merge_summary& summary) {
  for (const auto& item : incoming) {
    auto it = std::find_if(existing.begin(), existing.end(), [&](const T& e) { return e.key == item.key; });
    if (it == existing.end()) {
      existing.push_back(item);
      count(summary, false, true);
    } else {
      T merged = *it;
      fields(merged, item);
      bool changed = !(merged == *it);
      if (changed) *it = std::move(merged);
      count(summary, true, changed);
    }
  }
}

void merge_encounter(std::optional<encounter_info>& existing, const std::optional<encounter_info>& incoming,
                     merge_summary& summary) {
  if (!incoming) return;
  if (!existing) {
    existing = incoming;
    count(summary, false, true);
    return;
  }
  // A new encounter (a readmission) replaces the one the record describes; the same one is amended.
  encounter_info merged = existing->key == incoming->key ? *existing : encounter_info{};
  merged.key = incoming->key;
  take(merged.class_code, incoming->class_code);
  take(merged.period_start, incoming->period_start);
  take(merged.period_end, incoming->period_end);
  take(merged.discharge_disposition, incoming->discharge_disposition);
  take(merged.location, incoming->location);
  take(merged.status, incoming->status);
  bool changed = !(merged == *existing);
  if (changed) existing = std::move(merged);
  count(summary, true, changed);
}

void merge_care_team(std::optional<care_team_info>& existing, const std::optional<care_team_info>& incoming,
                     merge_summary& summary) {
  if (!incoming) return;
  if (!existing) {
    existing = incoming;
    count(summary, false, true);
    return;
  }
  care_team_info merged = *existing;
  if (merged.key == incoming->key) {
    take(merged.name, incoming->name);
    take(merged.status, incoming->status);
  }
  append_unique(merged.managing_organizations, incoming->managing_organizations);
  bool changed = !(merged == *existing);
  if (changed) existing = std::move(merged);
  count(summary, true, changed);
}

// The plan the record has is the medical home's one plan: another plan (a specialist's) contributes its
// activities, not its identity. The version is the merge's to keep.
void merge_care_plan(std::optional<care_plan_info>& existing, const std::optional<care_plan_info>& incoming,
                     merge_summary& summary) {
  if (!incoming) return;
  if (!existing) {
    existing = incoming;
    count(summary, false, true);
    return;
  }
  if (!(existing->key == incoming->key)) {
    summary.notes.push_back({"information", key_text(incoming->key),
                             "CarePlan " + key_text(incoming->key) + " is not the child's plan of care (" +
                                 key_text(existing->key) + "); its activities are added to that plan"});
    count(summary, true, false);
    return;
  }
  care_plan_info merged = *existing;
  take(merged.title, incoming->title);
  take(merged.status, incoming->status);
  take(merged.intent, incoming->intent);
  take(merged.description, incoming->description);
  take(merged.period_start, incoming->period_start);
  take(merged.last_reviewed, incoming->last_reviewed);
  take(merged.next_review_due, incoming->next_review_due);
  bool changed = !(merged == *existing);
  if (changed) existing = std::move(merged);
  count(summary, true, changed);
}

void merge_child(child& existing, const child& incoming, merge_summary& summary) {
  child merged = existing;
  append_unique(merged.identifiers, incoming.identifiers);
  append_unique(merged.names, incoming.names);
  take(merged.gender, incoming.gender);
  take(merged.birth_date, incoming.birth_date);
  if (incoming.gestational_age_at_birth) merged.gestational_age_at_birth = incoming.gestational_age_at_birth;
  if (incoming.birth_weight) merged.birth_weight = incoming.birth_weight;
  take(merged.gestational_age_key, incoming.gestational_age_key);
  take(merged.birth_weight_key, incoming.birth_weight_key);
  append_unique(merged.general_practitioner_orgs, incoming.general_practitioner_orgs);
  append_unique(merged.languages, incoming.languages);
  take(merged.preferred_language, incoming.preferred_language);
  take(merged.interpreter_needed, incoming.interpreter_needed);
  append_unique(merged.cultural_preferences, incoming.cultural_preferences);
  if (incoming.status != "active" && !incoming.status.empty()) merged.status = incoming.status;
  if (incoming.multiple_birth_order != 0) merged.multiple_birth_order = incoming.multiple_birth_order;
  take(merged.multiple_birth, incoming.multiple_birth);
  bool changed = !(merged == existing);
  if (changed) existing = std::move(merged);
  count(summary, true, changed);
}

void add_event(coordination_record& record, const record_event& incoming_event, std::string kind,
               std::string detail) {
  record_event ev;
  ev.at = incoming_event.at;
  ev.kind = std::move(kind);
  ev.source = incoming_event.source;
  ev.message_id = incoming_event.message_id;
  ev.detail = std::move(detail);
  record.events.push_back(std::move(ev));
}

// Referrals: field by field, with the state machine on the flow.
void merge_referrals(coordination_record& existing, const coordination_record& incoming, bool restating,
                     const record_event& cause, merge_summary& summary) {
  for (const auto& item : incoming.referrals) {
    auto it = std::find_if(existing.referrals.begin(), existing.referrals.end(),
                           [&](const referral& r) { return r.key == item.key; });
    if (it == existing.referrals.end()) {
      referral added = item;
      if (added.flow.empty()) added.flow = "draft";
      if (added.status.empty() && item.flow != "")
        added.status = std::string(request_status_for_flow(added.flow));
      existing.referrals.push_back(std::move(added));
      count(summary, false, true);
      continue;
    }
    referral merged = *it;
    referral update = item;
    bool flow_changes = !update.flow.empty() && update.flow != it->flow;
    if (flow_changes && !referral_transition_allowed(it->flow, update.flow)) {
      if (restating) {
        // A discharge restating an older state of the referral: the newer state stays.
        update.flow.clear();
        update.status.clear();
        flow_changes = false;
      } else {
        std::string text = "referral " + key_text(item.key) + " cannot go from " + it->flow + " to " +
                           update.flow + "; the update is not applied";
        summary.notes.push_back({"warning", key_text(item.key), text});
        add_event(existing, cause, "ReferralTransitionRejected", text);
        count(summary, true, false);
        continue;
      }
    }
    fields(merged, update);
    // ServiceRequest.status follows the flow, unless the message said it.
    if (flow_changes && update.status.empty())
      merged.status = std::string(request_status_for_flow(merged.flow));
    bool changed = !(merged == *it);
    if (changed) *it = std::move(merged);
    count(summary, true, changed);
  }
}

// Appointments: field by field; a discharge restating a booked appointment does not undo a later
// cancellation, no-show, visit or reschedule.
void merge_appointments(coordination_record& existing, const coordination_record& incoming, bool restating,
                        merge_summary& summary) {
  for (const auto& item : incoming.appointments) {
    auto it = std::find_if(existing.appointments.begin(), existing.appointments.end(),
                           [&](const appointment& a) { return a.key == item.key; });
    if (it == existing.appointments.end()) {
      // A link-only stub (no status: an appointment named by a reschedule link, not described) adds no
      // appointment the record could not describe.
      if (item.status.empty()) continue;
      existing.appointments.push_back(item);
      count(summary, false, true);
      continue;
    }
    appointment update = item;
    bool settled = it->status == "cancelled" || it->status == "noshow" || it->status == "fulfilled" ||
                   has_identifier(it->replaced_by);
    if (restating && settled) update.status.clear();
    // A status the practice set (it booked, cancelled or marked a no-show) is undone by no partner's
    // restatement of an earlier one; only news that the visit took place or is under way moves it on.
    bool news = update.status == "fulfilled" || update.status == "arrived" || update.status == "checked-in";
    if (!it->practice_status.empty() && !news) update.status.clear();
    update.practice_status.clear();
    appointment merged = *it;
    fields(merged, update);
    bool changed = !(merged == *it);
    if (changed) *it = std::move(merged);
    count(summary, true, changed);
  }
}

// An appointment that took place (fulfilled) means its referral was seen, whichever message said so; a
// referral further along (report received, closed) or ended stays as it is.
void mark_seen_referrals(coordination_record& existing, const coordination_record& incoming,
                         merge_summary& summary) {
  for (const auto& item : incoming.appointments) {
    if (item.status != "fulfilled") continue;
    auto a = std::find_if(existing.appointments.begin(), existing.appointments.end(),
                          [&](const appointment& x) { return x.key == item.key; });
    if (a == existing.appointments.end() || !has_identifier(a->based_on_referral)) continue;
    for (auto& r : existing.referrals) {
      if (!(r.key == a->based_on_referral)) continue;
      if (r.flow != "draft" && r.flow != "sent" && r.flow != "accepted" && r.flow != "scheduled") continue;
      r.flow = "seen";
      r.status = std::string(request_status_for_flow(r.flow));
      if (r.seen_on.empty()) r.seen_on = a->start.substr(0, std::min<std::size_t>(10, a->start.size()));
      ++summary.updated;
    }
  }
}

bool same_drug(const medication& a, const medication& b) {
  if (!a.code.code.empty() && a.code.system == b.code.system && a.code.code == b.code.code) return true;
  auto lower = [](std::string s) {
    for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
  };
  return !a.text.empty() && lower(a.text) == lower(b.text);
}

// Medications: by key; a new key for a drug already on the list with another dosage or status is a
// conflict for a person to resolve (medication reconciliation), not an update.
void merge_medications(coordination_record& existing, const coordination_record& incoming,
                       const record_event& cause, bool amended, merge_summary& summary) {
  for (const auto& item : incoming.medications) {
    auto same_key = std::find_if(existing.medications.begin(), existing.medications.end(),
                                 [&](const medication& m) { return m.key == item.key; });
    if (same_key == existing.medications.end()) {
      auto listed = std::find_if(existing.medications.begin(), existing.medications.end(),
                                 [&](const medication& m) { return same_drug(m, item); });
      if (listed != existing.medications.end()) {
        bool differs = (!item.dosage.empty() && item.dosage != listed->dosage) ||
                       (!item.status.empty() && item.status != listed->status);
        if (differs) {
          std::string text = "medication '" + item.text + "' (" + key_text(item.key) + ", " +
                             (item.dosage.empty() ? item.status : item.dosage) + ") from " +
                             (item.source.empty() ? std::string("the sender") : item.source) +
                             " conflicts with the current list ('" + listed->text + "', " +
                             (listed->dosage.empty() ? listed->status : listed->dosage) + ", " +
                             key_text(listed->key) + "); both are kept: reconcile the medication list";
          // Both instructions stay on the list, each with its source, until a person reconciles them.
          summary.notes.push_back({"warning", key_text(item.key), text});
          add_event(existing, cause, "MedicationConflict", text);
        }
      } else if (amended) {
        // A drug the amended discharge adds to the list the medical home already has: the list must be
        // reconciled (a rule makes the task; the event's detail is the medication's key).
        add_event(existing, cause, "MedicationAdded", item.key.value);
      }
    }
    std::vector<medication> one{item};
    merge_keyed(existing.medications, one, summary);
  }
}

void merge_ei(std::optional<ei_episode>& existing, const std::optional<ei_episode>& incoming,
              merge_summary& summary) {
  if (!incoming) return;
  if (!existing) {
    existing = incoming;
    count(summary, false, true);
    return;
  }
  ei_episode merged = *existing;
  // The first identification starts the clock; a later message does not restart it.
  if (merged.identified_on.empty()) {
    merged.identified_on = incoming->identified_on;
    merged.referral_due_by = incoming->referral_due_by;
  }
  if (merged.referred_on.empty()) {
    merged.referred_on = incoming->referred_on;
    merged.ifsp_due_by = incoming->ifsp_due_by;
  }
  take(merged.acknowledged_on, incoming->acknowledged_on);
  take(merged.ifsp_held_on, incoming->ifsp_held_on);
  take(merged.family_declined, incoming->family_declined);
  take(merged.referral_key, incoming->referral_key);
  bool changed = !(merged == *existing);
  if (changed) existing = std::move(merged);
  count(summary, true, changed);
}

auto plan_content(const coordination_record& r) {
  return std::tie(r.problems, r.medications, r.devices, r.goals, r.activities);
}

}  // namespace

bool same_child(const child& a, const child& b) {
  for (const auto& id : a.identifiers) {
    if (id.value.empty()) continue;
    if (std::find(b.identifiers.begin(), b.identifiers.end(), id) != b.identifiers.end()) return true;
  }
  return false;
}

merge_summary merge(coordination_record& existing, const coordination_record& incoming) {
  merge_summary summary;
  // The message's own event, the cause of what the merge itself records.
  record_event cause = incoming.events.empty() ? record_event{} : incoming.events.front();
  const bool restating = cause.kind == discharge_received || cause.kind == discharge_amended;
  const bool amended = restating && existing.encounter && incoming.encounter &&
                       existing.encounter->key == incoming.encounter->key;
  const bool had_plan = existing.care_plan.has_value();
  const auto before = std::make_tuple(existing.problems, existing.medications, existing.devices,
                                      existing.goals, existing.activities);

  merge_child(existing.patient, incoming.patient, summary);
  merge_encounter(existing.encounter, incoming.encounter, summary);
  merge_keyed(existing.family, incoming.family, summary);
  merge_care_team(existing.care_team, incoming.care_team, summary);
  merge_keyed(existing.team, incoming.team, summary);
  merge_care_plan(existing.care_plan, incoming.care_plan, summary);
  merge_keyed(existing.activities, incoming.activities, summary);
  merge_appointments(existing, incoming, restating, summary);
  merge_referrals(existing, incoming, restating, cause, summary);
  mark_seen_referrals(existing, incoming, summary);
  merge_keyed(existing.measurements, incoming.measurements, summary);
  merge_keyed(existing.problems, incoming.problems, summary);
  merge_medications(existing, incoming, cause, amended, summary);
  merge_keyed(existing.devices, incoming.devices, summary);
  merge_keyed(existing.goals, incoming.goals, summary);
  merge_keyed(existing.actions, incoming.actions, summary);
  merge_keyed(existing.agenda, incoming.agenda, summary);
  merge_keyed(existing.social_needs, one_need_per_domain(existing, incoming), summary);
  carry_transport_need(existing);
  merge_ei(existing.early_intervention, incoming.early_intervention, summary);

  summary.plan_changed = before != plan_content(existing);
  if (summary.plan_changed && had_plan && existing.care_plan) ++existing.care_plan->version;

  // The message's events (a record_event is not an entity: it is appended once, never merged).
  for (auto ev : incoming.events) {
    if (amended && ev.kind == discharge_received) ev.kind = discharge_amended;
    if (std::find(existing.events.begin(), existing.events.end(), ev) == existing.events.end())
      existing.events.push_back(std::move(ev));
  }
  return summary;
}

}  // namespace homebase::mappers::model
