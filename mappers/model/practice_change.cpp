#include "mappers/model/practice_change.hpp"

#include <rapidjson/document.h>

#include <algorithm>
#include <cctype>

#include "fhir/json_document.hpp"
#include "mappers/coordination/coordination_rules.hpp"
#include "mappers/inbound/fhir_reading.hpp"
#include "mappers/model/referral_flow.hpp"
#include "mappers/outbound/appointment_entries.hpp"
#include "mappers/outbound/outbound_uris.hpp"
#include "mappers/outbound/referral_entries.hpp"

namespace homebase::mappers::model {
namespace {

using inbound::array_member;
using inbound::concept_text;
using inbound::lower;
using inbound::object_member;
using inbound::text;

// The identifier systems Homebase keys its coordination Tasks on (action items, case-conference items,
// referral Tasks: coordination::action_item_system, conference_item_system, outbound::referral_task_sid)
// all lie under the project's contract prefix for gateway-made identifiers (outbound_uris.hpp).
constexpr std::string_view homebase_sid_prefix = "http://homebase.example.org/fhir/sid/";
static_assert(coordination::action_item_system.substr(0, homebase_sid_prefix.size()) == homebase_sid_prefix);
static_assert(coordination::conference_item_system.substr(0, homebase_sid_prefix.size()) ==
              homebase_sid_prefix);
static_assert(outbound::referral_task_sid.substr(0, homebase_sid_prefix.size()) == homebase_sid_prefix);

bool homebase_task_system(std::string_view system) {
  return system.substr(0, homebase_sid_prefix.size()) == homebase_sid_prefix;
}

std::string key_text(const identifier& id) {
  return id.system + "|" + id.value;
}

// The text of one Task.output: value[x] as a person reads it.
std::string output_text(const rapidjson::Value& output) {
  if (!output.IsObject()) return {};
  for (auto it = output.MemberBegin(); it != output.MemberEnd(); ++it) {
    std::string_view name(it->name.GetString(), it->name.GetStringLength());
    if (name.substr(0, 5) != "value") continue;
    const auto& v = it->value;
    if (v.IsString()) return std::string(v.GetString(), v.GetStringLength());
    if (v.IsBool()) return v.GetBool() ? "true" : "false";
    if (v.IsNumber()) return inbound::number_text(&v);
    if (!v.IsObject()) return {};
    if (name == "valueReference") {
      auto display = text(v, "display");
      return display.empty() ? text(v, "reference") : display;
    }
    if (name == "valueCodeableConcept") return concept_text(&v);
    auto display = text(v, "display");
    if (!display.empty()) return display;
    return text(v, "text");
  }
  return {};
}

void read_task(const rapidjson::Value& task, practice_change& out) {
  out.business_status = concept_text(object_member(task, "businessStatus"));
  out.status_reason = concept_text(object_member(task, "statusReason"));
  if (const auto* owner = object_member(task, "owner")) {
    out.owner = text(*owner, "display");
    if (out.owner.empty()) out.owner = text(*owner, "reference");
  }
  if (const auto* notes = array_member(task, "note")) {
    for (const auto& n : notes->GetArray()) {
      if (!n.IsObject()) continue;
      auto t = text(n, "text");
      if (!t.empty()) out.notes.push_back(std::move(t));
    }
  }
  if (const auto* outputs = array_member(task, "output")) {
    for (const auto& o : outputs->GetArray()) {
      auto t = output_text(o);
      if (!t.empty()) out.outputs.push_back(std::move(t));
    }
  }
}

// A Task.owner Homebase itself writes is a bare reference to the team member holding the role; the
// practice's reassignment is recognised by its display. A text that reads as a literal reference
// ("Practitioner/12", "urn:uuid:...") is therefore not taken as news.
bool reads_as_reference(std::string_view owner) {
  if (owner.rfind("urn:", 0) == 0 || owner.rfind("http://", 0) == 0 || owner.rfind("https://", 0) == 0)
    return true;
  auto slash = owner.find('/');
  if (slash == std::string_view::npos || slash == 0 || slash + 1 >= owner.size()) return false;
  if (owner.find(' ') != std::string_view::npos) return false;
  return std::isupper(static_cast<unsigned char>(owner.front())) != 0;
}

bool closed_action(std::string_view status) {
  return status == "done" || status == "cancelled";
}

// The action item status a practice's Task status stands for; empty when it says nothing Homebase does
// not already write for an open item (requested, received, accepted, ready, draft).
std::string_view action_status_of(std::string_view task_status) {
  if (task_status == "in-progress") return "in_progress";
  if (task_status == "completed") return "done";
  if (task_status == "on-hold") return "blocked";
  if (task_status == "cancelled" || task_status == "rejected" || task_status == "failed" ||
      task_status == "entered-in-error")
    return "cancelled";
  return {};
}

void append_new(std::vector<std::string>& into, const std::vector<std::string>& from,
                std::vector<std::string>& what, std::string_view label, std::string_view skip = {}) {
  for (const auto& t : from) {
    if (t.empty() || t == skip) continue;
    if (std::find(into.begin(), into.end(), t) != into.end()) continue;
    into.push_back(t);
    what.push_back(std::string(label) + " '" + t + "'");
  }
}

void apply_to_action(action_item& item, const practice_change& change, std::vector<std::string>& what,
                     practice_change_result& result) {
  auto status = action_status_of(change.status);
  if (!status.empty() && status != item.status) {
    if (closed_action(item.status)) {
      result.notes.push_back("action item " + key_text(item.key) + " is already " + item.status +
                             "; the practice's status '" + change.status + "' does not reopen it");
    } else {
      item.status = std::string(status);
      what.push_back("status " + item.status);
    }
  }
  if (!change.owner.empty() && change.owner != item.owner && !reads_as_reference(change.owner)) {
    item.owner = change.owner;
    what.push_back("owner '" + item.owner + "'");
  }
  // Homebase writes statusReason "Blocked" for a blocked item: that is its own text coming back.
  if (!change.status_reason.empty() && change.status_reason != item.status_reason &&
      !(change.status_reason == "Blocked" && item.status_reason.empty())) {
    item.status_reason = change.status_reason;
    what.push_back("reason '" + item.status_reason + "'");
  }
  append_new(item.notes, change.notes, what, "note", item.rule.empty() ? "" : "Made by rule " + item.rule);
  append_new(item.outputs, change.outputs, what, "output");
}

void apply_to_agenda(conference_item& item, const practice_change& change, std::vector<std::string>& what,
                     practice_change_result& result) {
  std::string status;
  if (change.status == "completed") status = "discussed";
  if (change.status == "cancelled" || change.status == "rejected" || change.status == "entered-in-error")
    status = "cancelled";
  if (!status.empty() && status != item.status) {
    if (item.status != "pending") {
      result.notes.push_back("agenda item " + key_text(item.key) + " is already " + item.status +
                             "; the practice's status '" + change.status + "' is not applied");
    } else {
      item.status = status;
      what.push_back("status " + status + " (off the agenda)");
    }
  }
  append_new(item.notes, change.notes, what, "note",
             item.added_by.empty() ? "" : "Added by " + item.added_by);
}

// The referral flow a practice's referral Task says (fhir-rules §4.3, the inverse of
// outbound::task_state_of); empty when it says nothing the flow can use.
std::string flow_of(const practice_change& change, const referral& r) {
  const auto& s = change.status;
  if (s == "received") return "sent";
  if (s == "accepted") return "accepted";
  if (s == "rejected") return "declined";
  if (s == "cancelled") return "cancelled";
  if (s == "failed") return "failed";
  if (s == "in-progress") {
    auto business = lower(change.business_status);
    if (business.find("5.1.4") != std::string::npos || business.find("event completed") != std::string::npos)
      return "seen";
    return "scheduled";
  }
  // Homebase writes completed for both report_received and closed: either is what it said.
  if (s == "completed") return r.flow == "closed" ? "closed" : "report_received";
  return {};
}

void apply_to_referral(referral& r, const practice_change& change, std::vector<std::string>& what,
                       practice_change_result& result) {
  auto flow = flow_of(change, r);
  if (flow.empty() || flow == r.flow) return;
  if (!referral_transition_allowed(r.flow, flow)) {
    result.notes.push_back("referral " + key_text(r.key) + " may not move from " + r.flow + " to " + flow +
                           " (the practice's Task status '" + change.status + "'); not applied");
    return;
  }
  what.push_back("referral flow " + r.flow + " -> " + flow);
  r.flow = flow;
  r.status = std::string(request_status_for_flow(flow));
  if ((flow == "declined" || flow == "cancelled" || flow == "failed") && !change.status_reason.empty())
    r.status_reason = change.status_reason;
  if (flow == "seen" && r.seen_on.empty()) r.seen_on = inbound::date_part(change.changed_at);
}

void apply_to_appointment(appointment& a, const practice_change& change, std::vector<std::string>& what,
                          practice_change_result& result) {
  const auto& s = change.status;
  bool practice_status = s == "booked" || s == "cancelled" || s == "noshow" || s == "fulfilled";
  // What Homebase itself last wrote for the appointment comes back as no change.
  if (!practice_status || s == outbound::appointment_status_written(a)) return;
  bool settled = a.status == "cancelled" || a.status == "noshow" || a.status == "fulfilled";
  if (settled && s == "booked") {
    result.notes.push_back("appointment " + key_text(a.key) + " is " + a.status +
                           "; booking it again is not applied (a new appointment is booked instead)");
    return;
  }
  a.status = s;
  a.practice_status = s;
  what.push_back("appointment status " + s);
  if ((s == "cancelled" || s == "noshow") && !change.status_reason.empty() &&
      change.status_reason != a.cancel_reason.display && change.status_reason != a.cancel_reason.code) {
    a.cancel_reason = coding{"", "", change.status_reason};
    what.push_back("reason '" + change.status_reason + "'");
  }
}

template <class T>
T* find_keyed(std::vector<T>& list, const identifier& key) {
  for (auto& x : list)
    if (x.key == key) return &x;
  return nullptr;
}

referral* find_referral_by_task(coordination_record& record, const identifier& key) {
  for (auto& r : record.referrals) {
    if (outbound::referral_task_key(r) == key) return &r;
    if (!r.task_key.value.empty() && r.task_key == key) return &r;
  }
  return nullptr;
}

}  // namespace

std::optional<practice_change> practice_change_from_resource(std::string_view resource_json,
                                                             std::string_view source) {
  rapidjson::Document doc;
  if (fhir::parse_json(resource_json, doc) || !doc.IsObject()) return std::nullopt;
  practice_change out;
  out.resource_type = text(doc, "resourceType");
  if (out.resource_type != "Task" && out.resource_type != "Appointment" && out.resource_type != "CarePlan")
    return std::nullopt;
  // A Task is Homebase's when it carries one of the systems Homebase keys its Tasks on. An Appointment or
  // a CarePlan keeps the business identifier its sender gave it (or Homebase's derived plan key): its
  // first identifier; apply_practice_change tells when the record has no such entity.
  bool found = false;
  for (const auto& id : inbound::identifiers_of(doc)) {
    if (id.system.empty() || id.value.empty()) continue;
    if (out.resource_type == "Task" && !homebase_task_system(id.system)) continue;
    out.key = id;
    found = true;
    break;
  }
  if (!found) return std::nullopt;
  out.status = text(doc, "status");
  if (out.resource_type == "Task") read_task(doc, out);
  if (out.resource_type == "Appointment")
    out.status_reason = concept_text(object_member(doc, "cancelationReason"));
  if (const auto* meta = object_member(doc, "meta")) out.changed_at = text(*meta, "lastUpdated");
  out.source = std::string(source);
  return out;
}

practice_change_result apply_practice_change(coordination_record& record, const practice_change& change,
                                             std::string_view now) {
  practice_change_result result;
  std::vector<std::string> what;
  std::string subject;
  bool known = false;
  if (change.resource_type == "Task") {
    if (auto* item = find_keyed(record.actions, change.key)) {
      known = true;
      subject = "action item " + item->key.value;
      apply_to_action(*item, change, what, result);
    } else if (auto* agenda = find_keyed(record.agenda, change.key)) {
      known = true;
      subject = "agenda item " + agenda->key.value;
      apply_to_agenda(*agenda, change, what, result);
    } else if (auto* r = find_referral_by_task(record, change.key)) {
      known = true;
      subject = "referral " + key_text(r->key);
      apply_to_referral(*r, change, what, result);
    }
  } else if (change.resource_type == "Appointment") {
    if (auto* a = find_keyed(record.appointments, change.key)) {
      known = true;
      subject = "appointment " + key_text(a->key);
      apply_to_appointment(*a, change, what, result);
    }
  } else if (change.resource_type == "CarePlan") {
    if (record.care_plan && record.care_plan->key == change.key) {
      // The activities the practice adds to its copy of the plan are its own: they stay at the practice.
      return result;
    }
  }
  if (!known) {
    result.notes.push_back("no " + change.resource_type + " " + key_text(change.key) + " in the record");
    return result;
  }
  if (what.empty()) return result;
  result.changed = true;
  record_event e;
  e.at = std::string(now);
  e.kind = "PracticeChangeReceived";
  e.source = change.source;
  e.detail = subject + ": ";
  for (std::size_t i = 0; i < what.size(); ++i) e.detail += (i == 0 ? "" : ", ") + what[i];
  if (!change.changed_at.empty()) e.detail += " (changed at the practice " + change.changed_at + ")";
  record.events.push_back(std::move(e));
  return result;
}

}  // namespace homebase::mappers::model
