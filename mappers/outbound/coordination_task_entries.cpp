#include "mappers/outbound/coordination_task_entries.hpp"

#include <cctype>

#include "mappers/model/code_systems.hpp"
#include "mappers/outbound/outbound_uris.hpp"

namespace homebase::mappers::outbound {
namespace {

using model::coding;
using model::identifier;

// "schedule_followup" -> "Schedule followup": the code's own words, so no display is invented.
std::string display_of(std::string_view type) {
  std::string out(type);
  for (auto& c : out) {
    if (c == '_' || c == '-') c = ' ';
  }
  if (!out.empty()) out[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(out[0])));
  return out;
}

// The type of the entry an action item is about, or empty when the Bundle does not write it.
std::string_view focus_type(const entry_writer& w, const identifier& id) {
  if (!has(id)) return {};
  if (w.referral_by_key(id) != nullptr) return "ServiceRequest";
  if (w.appointment_by_key(id) != nullptr) return "Appointment";
  const auto& r = w.record();
  auto in = [&](const auto& list) {
    for (const auto& x : list) {
      if (x.key == id) return true;
    }
    return false;
  };
  if (in(r.problems) || in(r.social_needs)) return "Condition";
  if (in(r.goals)) return "Goal";
  if (in(r.medications)) return "MedicationStatement";
  if (in(r.devices)) return "Device";
  if (in(r.family)) return "RelatedPerson";
  if (in(r.measurements)) return "Observation";
  if (const auto* m = w.team_member_by_key(id)) return m->member_type;
  return {};
}

// performerType = the role; owner = whom the practice made the owner (its display), else the current team
// member holding the role, when the team has one.
void owner_role(entry_writer& w, std::string_view role_name, std::string_view practice_owner = {}) {
  if (role_name.empty()) return;
  auto role = model::team_role_from_string(role_name);
  std::string code = role ? role_code_of(*role) : "";
  std::string text = role ? role_text_of(*role) : display_of(role_name);
  coding local;
  if (!code.empty()) local = {std::string(model::care_team_role_system), code, ""};
  w.concept_list("performerType", {local}, text);
  if (!practice_owner.empty()) {
    w.key("owner");
    w.start_object();
    w.field("display", practice_owner);
    w.end_object();
    return;
  }
  if (!role) return;
  if (const auto* member = w.team_member_with_role(*role)) {
    w.reference("owner", member->member_type, member->key);
  }
}

void action_item(entry_writer& w, const model::action_item& item) {
  w.begin_entry("Task", item.key);
  w.identifiers({item.key});
  auto status = action_task_status(item.status);
  w.field("status", status);
  if (!item.status_reason.empty() || item.status == "blocked") {
    w.key("statusReason");
    w.concept_value({}, item.status_reason.empty() ? std::string("Blocked") : item.status_reason);
  }
  w.field("intent", "order");
  if (one_of(item.priority, {"routine", "urgent", "asap", "stat"})) w.field("priority", item.priority);
  if (!item.type.empty()) {
    w.codeable_concept("code", {coding{std::string(action_type_system), item.type, display_of(item.type)}},
                       "");
  }
  w.field("description", item.description);
  if (auto type = focus_type(w, item.focus); !type.empty()) w.reference("focus", type, item.focus);
  w.reference("for", "Patient", w.patient_key());
  w.date_time_field("authoredOn", item.created);
  w.restriction_until(item.due);
  owner_role(w, item.owner_role, item.owner);
  // The rule's note, then the practice's own notes and outputs (practice-owned: written back as it left
  // them, so a full re-send carries them instead of dropping them).
  std::vector<std::string> notes;
  if (!item.rule.empty()) notes.push_back("Made by rule " + item.rule);
  notes.insert(notes.end(), item.notes.begin(), item.notes.end());
  w.annotation_list("note", notes);
  if (!item.outputs.empty()) {
    w.key("output");
    w.start_array();
    for (const auto& o : item.outputs) {
      w.start_object();
      w.codeable_concept("type", {}, "Result");
      w.field("valueString", o);
      w.end_object();
    }
    w.end_array();
  }
  w.end_entry();
}

void agenda_item(entry_writer& w, const model::conference_item& item) {
  w.begin_entry("Task", item.key);
  w.identifiers({item.key});
  w.field("status", item.status == "discussed"   ? "completed"
                    : item.status == "cancelled" ? "cancelled"
                                                 : "requested");
  w.field("intent", "order");
  w.codeable_concept(
      "code", {coding{std::string(action_type_system), "case-conference-item", "Case conference item"}}, "");
  w.field("description", item.reason.empty() ? "Discuss at the case conference" : item.reason);
  w.reference("for", "Patient", w.patient_key());
  w.period("executionPeriod", item.conference_date, "");
  owner_role(w, model::to_string(model::team_role::care_coordinator));
  std::vector<std::string> notes;
  if (!item.added_by.empty()) notes.push_back("Added by " + item.added_by);
  notes.insert(notes.end(), item.notes.begin(), item.notes.end());  // the team's (practice-owned)
  w.annotation_list("note", notes);
  w.end_entry();
}

}  // namespace

std::string_view action_task_status(std::string_view status) {
  if (status == "in_progress") return "in-progress";
  if (status == "done") return "completed";
  if (status == "cancelled") return "cancelled";
  if (status == "blocked") return "on-hold";
  return "requested";  // open: ready to be acted upon, action is sought
}

void write_action_items(entry_writer& w) {
  for (const auto& item : w.record().actions) action_item(w, item);
}

void write_agenda_items(entry_writer& w) {
  for (const auto& item : w.record().agenda) agenda_item(w, item);
}

}  // namespace homebase::mappers::outbound
