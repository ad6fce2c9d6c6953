#include "mappers/outbound/care_plan_entries.hpp"

#include <algorithm>

#include "fhir/validation/primitive_format.hpp"
#include "fhir/xml_text.hpp"
#include "mappers/model/code_systems.hpp"
#include "mappers/outbound/outbound_uris.hpp"

namespace homebase::mappers::outbound {
namespace {

using fhir::escape_xml;
using model::coding;
using model::identifier;

identifier derived_key(const entry_writer& w, std::string_view system) {
  if (!has(w.patient_key())) return {};
  return {std::string(system), derived_key_value(w.patient_key())};
}

// SNOMED CT occupations for the roles that have one (domain.md §3.7); the others have the local code only.
coding snomed_role(model::team_role role) {
  if (role == model::team_role::pcp)
    return {std::string(snomed_system), "446050000", "Primary care physician"};
  if (role == model::team_role::care_coordinator)
    return {std::string(snomed_system), "768820003", "Care coordinator"};
  return {};
}

std::string role_label(const model::team_member& m) {
  if (m.role == model::team_role::other && !m.role_code.display.empty()) return m.role_code.display;
  return role_text_of(m.role);
}

std::string li(const std::string& text) {
  return "<li>" + escape_xml(text) + "</li>";
}

// "<p><b>Heading</b></p><ul>...</ul>", or nothing for an empty list.
std::string section(std::string_view heading, const std::vector<std::string>& items) {
  if (items.empty()) return {};
  std::string out = "<p><b>" + escape_xml(heading) + "</b></p><ul>";
  for (const auto& i : items) out += li(i);
  return out + "</ul>";
}

std::string referral_line(const model::referral& r) {
  std::string what = r.specialty_code.display.empty() ? r.specialty : r.specialty_code.display;
  std::string line = "Referral: " + (what.empty() ? std::string("unspecified") : what);
  std::string flow = r.flow;
  std::replace(flow.begin(), flow.end(), '_', ' ');
  line += " (" + flow;
  if (!r.due_by.empty()) line += ", due by " + r.due_by;
  return line + ")";
}

std::string appointment_line(const model::appointment& a) {
  std::string what = a.specialty_code.display.empty() ? a.specialty : a.specialty_code.display;
  std::string line = "Appointment: " + (what.empty() ? a.description : what);
  if (!a.start.empty()) line += " on " + a.start;
  if (!a.status.empty()) line += " (" + a.status + ")";
  return line;
}

std::string action_line(const model::action_item& t) {
  std::string line = "Task: " + (t.description.empty() ? t.type : t.description);
  std::string owner = t.owner_role;
  std::replace(owner.begin(), owner.end(), '_', ' ');
  if (!owner.empty()) line += " (" + owner;
  if (!t.due.empty()) line += (owner.empty() ? " (due " : ", due ") + t.due;
  if (!owner.empty() || !t.due.empty()) line += ")";
  return line;
}

std::string plan_narrative(const entry_writer& w, const model::care_plan_info& cp) {
  const auto& r = w.record();
  std::string div = "<p><b>" + escape_xml(cp.title.empty() ? "Shared plan of care" : cp.title) + "</b></p>";
  if (!cp.description.empty()) div += "<p>" + escape_xml(cp.description) + "</p>";
  std::string review = "Version " + std::to_string(cp.version);
  if (!cp.last_reviewed.empty()) review += "; last reviewed " + cp.last_reviewed;
  review +=
      "; next review " + (cp.next_review_due.empty() ? std::string("not set") : "due " + cp.next_review_due);
  div += "<p>" + escape_xml(review) + "</p>";

  std::vector<std::string> problems;
  for (const auto& p : r.problems) {
    std::string text = p.text.empty() ? p.code.display : p.text;
    if (!p.clinical_status.empty()) text += " (" + p.clinical_status + ")";
    problems.push_back(text);
  }
  for (const auto& n : r.social_needs) {
    std::string text = n.code.display.empty() ? n.domain : n.code.display;
    problems.push_back("Social need: " + text + " (" + n.status + ")");
  }
  div += section("Problems", problems);

  std::vector<std::string> goals;
  for (const auto& g : r.goals) goals.push_back(g.text + (g.status.empty() ? "" : " (" + g.status + ")"));
  div += section("Family goals", goals);

  std::vector<std::string> activities;
  for (const auto& a : r.activities) {
    std::string text = a.description.empty() ? a.code.display : a.description;
    if (!a.scheduled.empty()) text += " (" + a.scheduled + ")";
    if (a.to_be_scheduled) text += " - to be scheduled";
    activities.push_back(text);
  }
  for (const auto* ref : w.referrals()) activities.push_back(referral_line(*ref));
  for (const auto& a : r.appointments) activities.push_back(appointment_line(a));
  for (const auto& t : r.actions) activities.push_back(action_line(t));
  div += section("Activities", activities);

  std::vector<std::string> medications;
  for (const auto& m : r.medications) {
    medications.push_back((m.text.empty() ? m.code.display : m.text) +
                          (m.dosage.empty() ? "" : ": " + m.dosage));
  }
  div += section("Medications", medications);
  std::vector<std::string> devices;
  for (const auto& d : r.devices) {
    devices.push_back((d.text.empty() ? d.code.display : d.text) +
                      (d.setting.empty() ? "" : ": " + d.setting));
  }
  div += section("Devices", devices);
  div += section("Family preferences", r.patient.cultural_preferences);
  return div;
}

bool is_date_time(std::string_view v) {
  return fhir::valid_primitive_text("dateTime", v);
}

void date_extension(entry_writer& w, std::string_view url, const std::string& value) {
  if (!is_date_time(value)) return;
  w.start_object();
  w.field("url", url);
  w.field("valueDateTime", value);
  w.end_object();
}

}  // namespace

identifier care_team_key(const entry_writer& w) {
  const auto& r = w.record();
  if (r.care_team && has(r.care_team->key)) return r.care_team->key;
  if (r.care_team || !r.team.empty()) return derived_key(w, care_team_sid);
  return {};
}

identifier care_plan_key(const entry_writer& w) {
  const auto& r = w.record();
  if (r.care_plan && has(r.care_plan->key)) return r.care_plan->key;
  bool content = r.care_plan || !r.activities.empty() || !r.problems.empty() || !r.goals.empty() ||
                 !r.social_needs.empty();
  return content ? derived_key(w, care_plan_sid) : identifier{};
}

void write_care_team(entry_writer& w) {
  auto key_id = care_team_key(w);
  if (!has(key_id)) return;
  const auto& r = w.record();
  model::care_team_info ct = r.care_team.value_or(model::care_team_info{});

  std::string div = "<p><b>" + escape_xml(ct.name.empty() ? "Care team" : ct.name) + "</b></p><ul>";
  std::string start;
  for (const auto& m : r.team) {
    div += "<li>" + escape_xml(full_name(m.name)) + " (" + escape_xml(role_label(m));
    if (!m.specialty.empty()) div += ", " + escape_xml(m.specialty);
    if (!m.organization_name.empty() && m.member_type != "Organization")
      div += ", " + escape_xml(m.organization_name);
    if (!m.period_end.empty()) div += ", until " + escape_xml(m.period_end);
    div += ")</li>";
    if (!m.period_start.empty() && (start.empty() || m.period_start < start)) start = m.period_start;
  }
  div += "</ul>";

  w.begin_entry("CareTeam", key_id);
  w.narrative(div);
  w.identifiers({key_id});
  bool known = one_of(ct.status, {"proposed", "active", "suspended", "inactive", "entered-in-error"});
  w.field("status", known ? ct.status : "active");
  w.field("name", ct.name);
  w.subject();
  w.period("period", start, "");
  w.key("participant");
  w.start_array();
  for (const auto& m : r.team) {
    if (!has(m.key) || !w.written_as_entry(m)) continue;
    w.start_object();
    coding local;
    if (auto code = role_code_of(m.role); !code.empty())
      local = {std::string(model::care_team_role_system), code, ""};
    coding snomed = m.role_code.system == snomed_system ? coding{} : snomed_role(m.role);
    std::string role_text = m.role_code.display.empty() ? role_label(m) : m.role_code.display;
    w.concept_list("role", {m.role_code, snomed, local}, role_text);
    w.reference("member", m.member_type, m.key);
    // ctm-1: onBehalfOf only for a Practitioner member.
    if (m.member_type == "Practitioner" && has(m.organization)) {
      w.key("onBehalfOf");
      w.logical_reference("Organization", m.organization, m.organization_name);
    }
    w.period("period", m.period_start, m.period_end);
    w.end_object();
  }
  w.end_array();
  if (!ct.managing_organizations.empty()) {
    w.key("managingOrganization");
    w.start_array();
    for (const auto& org : ct.managing_organizations) w.logical_reference("Organization", org, "");
    w.end_array();
  }
  w.end_entry();
}

void write_care_plan(entry_writer& w) {
  auto key_id = care_plan_key(w);
  if (!has(key_id)) return;
  const auto& r = w.record();
  model::care_plan_info cp = r.care_plan.value_or(model::care_plan_info{});

  w.begin_entry("CarePlan", key_id);
  w.narrative(plan_narrative(w, cp));
  bool extensions = cp.version >= 1 || is_date_time(cp.last_reviewed) || is_date_time(cp.next_review_due);
  if (extensions) {
    w.key("extension");
    w.start_array();
  }
  if (cp.version >= 1) {
    w.start_object();
    w.field("url", care_plan_version_url);
    w.key("valuePositiveInt");
    w.integer(cp.version);
    w.end_object();
  }
  date_extension(w, care_plan_last_reviewed_url, cp.last_reviewed);
  date_extension(w, care_plan_next_review_url, cp.next_review_due);
  if (extensions) w.end_array();
  w.identifiers({key_id});
  bool known = one_of(cp.status,
                      {"draft", "active", "on-hold", "revoked", "completed", "entered-in-error", "unknown"});
  w.field("status", known ? cp.status : (r.care_plan ? "unknown" : "active"));
  w.field("intent", one_of(cp.intent, {"proposal", "plan", "order", "option"}) ? cp.intent : "plan");
  w.concept_list(
      "category",
      {coding{std::string(careplan_category_system), "assess-plan", "Assessment and Plan of Treatment"}}, "");
  w.field("title", cp.title);
  w.field("description", cp.description);
  w.subject();
  w.period("period", cp.period_start, "");
  if (auto team = care_team_key(w); has(team)) {
    w.key("careTeam");
    w.start_array();
    w.reference_value("CareTeam", team);
    w.end_array();
  }
  if (!r.problems.empty() || !r.social_needs.empty()) {
    w.key("addresses");
    w.start_array();
    for (const auto& p : r.problems) w.reference_value("Condition", p.key);
    for (const auto& n : r.social_needs) w.reference_value("Condition", n.key);
    w.end_array();
  }
  if (!r.goals.empty()) {
    w.key("goal");
    w.start_array();
    for (const auto& g : r.goals) w.reference_value("Goal", g.key);
    w.end_array();
  }
  auto referrals = w.referrals();
  if (!r.activities.empty() || !referrals.empty() || !r.appointments.empty() || !r.actions.empty()) {
    w.key("activity");
    w.start_array();
    for (const auto& a : r.activities) {
      w.start_object();
      w.key("detail");
      w.start_object();
      w.codeable_concept("code", {a.code}, "");
      bool known_status = one_of(a.status, {"not-started", "scheduled", "in-progress", "on-hold", "completed",
                                            "cancelled", "stopped", "unknown", "entered-in-error"});
      w.field("status", known_status ? a.status : "unknown");
      w.field("scheduledString", a.scheduled);
      w.field("description", a.description);
      w.end_object();
      w.end_object();
    }
    // cpl-3: an activity is a reference or a detail, never both.
    auto activity_reference = [&](std::string_view type, const identifier& id) {
      w.start_object();
      w.reference("reference", type, id);
      w.end_object();
    };
    for (const auto* ref : referrals) activity_reference("ServiceRequest", ref->key);
    for (const auto& a : r.appointments) activity_reference("Appointment", a.key);
    for (const auto& t : r.actions) activity_reference("Task", t.key);
    w.end_array();
  }
  std::vector<std::string> notes;
  for (const auto& p : r.patient.cultural_preferences) notes.push_back("Family preference: " + p);
  w.annotation_list("note", notes);
  w.end_entry();
}

}  // namespace homebase::mappers::outbound
