#include "gateway/console/coordinator_view.hpp"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <map>
#include <optional>
#include <set>

#include "fhir/fhir_time.hpp"
#include "gateway/store/letter_table.hpp"
#include "mappers/coordination/coordination_rules.hpp"
#include "mappers/model/corrected_age.hpp"
#include "mappers/model/record_codec.hpp"
#include "mappers/outbound/medical_home_checklist.hpp"

namespace homebase::gateway::console {
namespace {

using namespace std::chrono;
namespace model = mappers::model;
using json_writer = rapidjson::Writer<rapidjson::StringBuffer>;
using outcome = coordinator_answer::outcome;

// At most this many children are read for one view of a home (the page says when a list was cut).
constexpr int max_children = 2000;
// How many weekly weight checks follow a NICU discharge (as the weight-check rule counts them).
constexpr int weight_check_weeks = 12;
constexpr std::string_view body_weight_loinc = "29463-7";

// ---- small helpers ----

void put(json_writer& w, std::string_view key, std::string_view value) {
  w.Key(key.data(), static_cast<rapidjson::SizeType>(key.size()));
  w.String(value.data(), static_cast<rapidjson::SizeType>(value.size()));
}
void put(json_writer& w, std::string_view key, const char* value) {
  put(w, key, std::string_view(value));
}
void put(json_writer& w, std::string_view key, const std::string& value) {
  put(w, key, std::string_view(value));
}
void put(json_writer& w, std::string_view key, bool value) {
  w.Key(key.data(), static_cast<rapidjson::SizeType>(key.size()));
  w.Bool(value);
}
void put(json_writer& w, std::string_view key, std::int64_t value) {
  w.Key(key.data(), static_cast<rapidjson::SizeType>(key.size()));
  w.Int64(value);
}
void put(json_writer& w, std::string_view key, int value) {
  put(w, key, static_cast<std::int64_t>(value));
}
void key(json_writer& w, std::string_view k) {
  w.Key(k.data(), static_cast<rapidjson::SizeType>(k.size()));
}
// A text member only when it is not empty.
void put_text(json_writer& w, std::string_view k, const std::string& value) {
  if (!value.empty()) put(w, k, value);
}

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
  return out;
}

template <class... T>
bool one_of(const std::string& value, T... options) {
  return ((value == options) || ...);
}

std::string date_text(sys_days d) {
  return fhir::format_date(d);
}

sys_days today_of(std::int64_t now_ms) {
  return floor<days>(sys_seconds(seconds(now_ms / 1000)));
}

coordinator_answer failure(outcome why, std::string_view message) {
  coordinator_answer a;
  a.result = why;
  rapidjson::StringBuffer b;
  json_writer w(b);
  w.StartObject();
  put(w, "error", message);
  w.EndObject();
  a.json.assign(b.GetString(), b.GetSize());
  return a;
}

coordinator_answer success(rapidjson::StringBuffer& b, std::vector<std::string> patients) {
  coordinator_answer a;
  a.json.assign(b.GetString(), b.GetSize());
  a.patients = std::move(patients);
  return a;
}

std::string person(const model::human_name& n) {
  if (!n.text.empty()) return n.text;
  std::string out;
  for (const auto& g : n.given) out += g + " ";
  out += n.family;
  return out;
}

// The name the family uses: the official name, else the usual one, else any but the hospital's temporary
// "Baby Girl ..." name, else that.
std::string child_name(const model::child& c) {
  for (const char* use : {"official", "usual", ""})
    for (const auto& n : c.names)
      if ((*use != '\0' ? n.use == use : n.use != "temp") && !person(n).empty()) return person(n);
  for (const auto& n : c.names)
    if (!person(n).empty()) return person(n);
  return "(unnamed)";
}

// The language a family decision-maker needs an interpreter for (a legal representative or the primary
// contact; failing any, any family member; for a newborn the Patient's flag stands for the family's);
// nullopt when nobody needs one. "" when one is needed in a language not given.
std::optional<std::string> interpreter_language(const model::coordination_record& r) {
  bool any_authority = std::any_of(r.family.begin(), r.family.end(),
                                   [](const model::family_member& f) { return f.legal_authority; });
  for (const auto& f : r.family)
    if (f.interpreter_needed && (f.legal_authority || f.primary_contact || !any_authority)) return f.language;
  if (r.patient.interpreter_needed)
    return !r.patient.preferred_language.empty()
               ? r.patient.preferred_language
               : (r.patient.languages.empty() ? std::string() : r.patient.languages.front());
  return std::nullopt;
}

bool is_open(const model::action_item& a) {
  return one_of(a.status, "open", "in_progress", "blocked");
}

bool is_upcoming(const model::appointment& a) {
  return one_of(a.status, "proposed", "pending", "booked", "arrived", "checked-in", "waitlist");
}
bool is_visit(const model::appointment& a) {
  return is_upcoming(a) || a.status == "fulfilled";
}

bool referral_ended(const model::referral& r) {
  return one_of(r.flow, "declined", "cancelled", "failed") ||
         one_of(r.status, "revoked", "entered-in-error", "completed");
}
bool loop_closed(const model::referral& r) {
  return !r.report_ref.empty() || one_of(r.flow, "report_received", "closed");
}
bool referral_open(const model::referral& r) {
  return !referral_ended(r) && !loop_closed(r);
}

bool is_weight_check(const model::appointment& a) {
  return lower(a.description).find("weight") != std::string::npos ||
         lower(a.specialty_code.display).find("weight") != std::string::npos ||
         lower(a.specialty).find("weight") != std::string::npos;
}

std::string specialty_display(const std::string& specialty, const model::coding& code) {
  if (!code.display.empty()) return code.display;
  if (!specialty.empty()) return specialty;
  return code.code;
}

// "specialist", "weight-check", "primary-care" or "other".
std::string visit_kind(const model::appointment& a, const model::coordination_record& r) {
  if (is_weight_check(a)) return "weight-check";
  if (a.specialty == "primary-care") return "primary-care";
  bool pcp = !a.practitioner.value.empty() &&
             std::any_of(r.team.begin(), r.team.end(), [&](const model::team_member& m) {
               return m.role == model::team_role::pcp && m.key == a.practitioner;
             });
  if (pcp) return "primary-care";
  return a.specialty.empty() && a.specialty_code.code.empty() ? "other" : "specialist";
}

std::optional<sys_days> day_of(const std::string& text) {
  return fhir::written_date(text);
}

// "09:00" as the sender wrote it; empty for a date alone.
std::string time_of(const std::string& text) {
  if (text.size() < 16 || text[10] != 'T') return {};
  return text.substr(11, 5);
}

std::string discharge_subject(const model::coordination_record& r) {
  if (r.encounter && !r.encounter->key.value.empty()) return r.encounter->key.value;
  for (const auto& id : r.patient.identifiers)
    if (!id.value.empty()) return id.value;
  return "child";
}

std::optional<sys_days> discharge_day(const model::coordination_record& r) {
  if (!r.encounter || r.encounter->period_end.empty()) return std::nullopt;
  return day_of(r.encounter->period_end);
}

// ---- the home's children ----

struct home_child {
  std::int64_t child_id = 0;
  std::string patient_id;
  model::coordination_record record;
  std::string name;
};

struct home_children {
  std::vector<home_child> children;
  bool truncated = false;
};

// Every child routed to `home`, with its record, by name. nullopt (and `error`) when a read failed.
std::optional<home_children> load_children(store::sqlite_store& store, const std::string& home,
                                           std::string& error) {
  home_children out;
  store::index_search search;
  search.type = "Patient";
  search.count = 100;
  search.medical_home = home;
  for (;;) {
    auto page = store.search_indexed(search);
    if (!page) {
      error = "the children of the medical home cannot be read";
      return std::nullopt;
    }
    for (auto& row : page->rows) {
      if (static_cast<int>(out.children.size()) >= max_children) {
        out.truncated = true;
        break;
      }
      auto stored = store.read_child_record(row.child_id);
      auto record = stored ? model::decode(*stored) : std::nullopt;
      if (!record) {
        error = "the coordination record of Patient '" + row.id + "' cannot be read";
        return std::nullopt;
      }
      home_child c;
      c.child_id = row.child_id;
      c.patient_id = row.id;
      c.name = child_name(record->patient);
      c.record = std::move(*record);
      out.children.push_back(std::move(c));
    }
    if (out.truncated || !page->more || page->rows.empty()) break;
    search.after_seq = page->rows.back().seq;
  }
  std::stable_sort(out.children.begin(), out.children.end(),
                   [](const home_child& a, const home_child& b) { return a.name < b.name; });
  return out;
}

void write_home(json_writer& w, const config::medical_home& home) {
  key(w, "medical_home");
  w.StartObject();
  put(w, "id", home.id);
  put(w, "name", home.name.empty() ? home.id : home.name);
  w.EndObject();
}

void write_child_ref(json_writer& w, const home_child& c) {
  key(w, "child");
  w.StartObject();
  put(w, "patient_id", c.patient_id);
  put(w, "name", c.name);
  w.EndObject();
}

// ---- tasks ----

bool overdue(const std::string& due, sys_days today) {
  auto d = day_of(due);
  return d && *d < today;
}

int priority_rank(const std::string& p) {
  if (p == "stat") return 3;
  if (p == "asap") return 2;
  if (p == "urgent") return 1;
  return 0;
}

// Earliest due first (no due date last), then the more pressing, then by description.
bool task_before(const model::action_item& a, const model::action_item& b) {
  auto da = day_of(a.due), db = day_of(b.due);
  if (da.has_value() != db.has_value()) return da.has_value();
  if (da && *da != *db) return *da < *db;
  if (a.due != b.due) return a.due < b.due;
  if (priority_rank(a.priority) != priority_rank(b.priority))
    return priority_rank(a.priority) > priority_rank(b.priority);
  return a.description < b.description;
}

void write_task(json_writer& w, const model::action_item& a, sys_days today, const home_child* child) {
  w.StartObject();
  if (child != nullptr) write_child_ref(w, *child);
  put(w, "key", a.key.value);
  put(w, "type", a.type);
  put(w, "owner_role", a.owner_role);
  put(w, "description", a.description);
  put_text(w, "due", a.due);
  put(w, "overdue", overdue(a.due, today));
  put(w, "priority", a.priority);
  put(w, "status", a.status);
  put_text(w, "rule", a.rule);
  put_text(w, "created", a.created);
  w.EndObject();
}

std::vector<const model::action_item*> open_tasks(const model::coordination_record& r) {
  std::vector<const model::action_item*> out;
  for (const auto& a : r.actions)
    if (is_open(a)) out.push_back(&a);
  std::stable_sort(out.begin(), out.end(), [](const model::action_item* a, const model::action_item* b) {
    return task_before(*a, *b);
  });
  return out;
}

// Owner roles in the order a care coordinator reads them: their own first.
int role_rank(const std::string& role) {
  static constexpr std::array<std::string_view, 5> order{"care_coordinator", "pcp", "parent_partner",
                                                         "social_worker", "ei_coordinator"};
  for (std::size_t i = 0; i < order.size(); ++i)
    if (order[i] == role) return static_cast<int>(i);
  return static_cast<int>(order.size());
}

// ---- agenda ----

sys_days next_conference(sys_days today, int weekday_index) {
  auto target = weekday(static_cast<unsigned>(weekday_index));
  auto d = today;
  while (weekday(d) != target) d += days(1);
  return d;
}

std::string weekday_name(int index) {
  static constexpr std::array<const char*, 7> names{"Sunday",   "Monday", "Tuesday", "Wednesday",
                                                    "Thursday", "Friday", "Saturday"};
  return index >= 0 && index < 7 ? names[static_cast<std::size_t>(index)] : "";
}

// ---- timeline ----

struct visit_row {
  const model::appointment* appointment = nullptr;
  sys_days day;
  std::string site;
  int cluster = 0;  // 1-based id of the cluster it is in; 0: none
  bool crowded_day = false;
};

struct cluster_row {
  int id = 0;
  sys_days first, last;
  std::vector<std::size_t> members;  // indexes into the visits
  std::set<std::string> sites;
  bool flagged = false;  // the appointment-burden rule raised an item for it
};

// Clusters: rolling 7-day windows, one starting on each visit day, that hold more visits than
// coordination.appointment_burden.max_visits_per_week; overlapping windows are one cluster (as the
// appointment-burden rule counts them). A day with more sites than max_sites_per_day is crowded.
std::vector<cluster_row> find_clusters(std::vector<visit_row>& visits, const model::coordination_record& r,
                                       const config::coordination_settings& settings) {
  const auto& cfg = settings.appointment_burden;
  std::vector<cluster_row> clusters;
  for (std::size_t i = 0; i < visits.size(); ++i) {
    if (i > 0 && visits[i].day == visits[i - 1].day) continue;
    std::vector<std::size_t> in;
    for (std::size_t j = i; j < visits.size() && visits[j].day < visits[i].day + days(7); ++j)
      in.push_back(j);
    if (static_cast<int>(in.size()) <= cfg.max_visits_per_week) continue;
    // A window that starts within the current cluster's stretch overlaps it: the same cluster.
    bool joins = !clusters.empty() && visits[i].day <= clusters.back().last;
    if (!joins) {
      cluster_row c;
      c.id = static_cast<int>(clusters.size()) + 1;
      c.first = visits[i].day;
      c.last = visits[i].day;
      clusters.push_back(std::move(c));
    }
    auto& c = clusters.back();
    for (auto j : in)
      if (std::find(c.members.begin(), c.members.end(), j) == c.members.end()) c.members.push_back(j);
    c.last = std::max(c.last, visits[in.back()].day);
  }
  for (auto& c : clusters) {
    std::sort(c.members.begin(), c.members.end());
    for (auto m : c.members) {
      visits[m].cluster = c.id;
      c.sites.insert(visits[m].site);
    }
    // The rule keys its items "appointment-burden|window-<first day of the window>".
    const std::string prefix = "appointment-burden|window-";
    for (const auto& a : r.actions)
      if (a.key.value.rfind(prefix, 0) == 0)
        if (auto d = day_of(a.key.value.substr(prefix.size())); d && *d + days(6) >= c.first && *d <= c.last)
          c.flagged = true;
  }
  std::map<sys_days, std::set<std::string>> sites_per_day;
  for (const auto& v : visits) sites_per_day[v.day].insert(v.site);
  for (auto& v : visits)
    v.crowded_day = static_cast<int>(sites_per_day[v.day].size()) > cfg.max_sites_per_day;
  return clusters;
}

std::string team_member_name(const model::coordination_record& r, const model::identifier& key) {
  if (key.value.empty()) return {};
  for (const auto& m : r.team)
    if (m.key == key) return person(m.name);
  return {};
}

const model::appointment* appointment_for(const model::coordination_record& r, const model::referral& ref) {
  const model::appointment* best = nullptr;
  for (const auto& a : r.appointments) {
    bool match = !a.based_on_referral.value.empty() ? a.based_on_referral == ref.key
                                                    : !ref.specialty.empty() && a.specialty == ref.specialty;
    if (!match) continue;
    // Prefer a visit to a missed or cancelled one, and the latest of those.
    if (best == nullptr || (is_visit(a) && !is_visit(*best)) ||
        (is_visit(a) == is_visit(*best) && a.start > best->start))
      best = &a;
  }
  return best;
}

void write_visit(json_writer& w, const visit_row& v, const model::coordination_record& r) {
  const auto& a = *v.appointment;
  w.StartObject();
  put(w, "key", a.key.value);
  put(w, "kind", visit_kind(a, r));
  put(w, "specialty", a.specialty.empty() ? a.specialty_code.code : a.specialty);
  put(w, "specialty_display", specialty_display(a.specialty, a.specialty_code));
  put(w, "date", date_text(v.day));
  put(w, "time", time_of(a.start));
  put(w, "start", a.start);
  put_text(w, "end", a.end);
  put(w, "location", a.location);
  put(w, "status", a.status);
  put_text(w, "description", a.description);
  put_text(w, "with", team_member_name(r, a.practitioner));
  if (a.interpreter_required || a.interpreter_booked) {
    key(w, "interpreter");
    w.StartObject();
    put(w, "required", a.interpreter_required);
    put(w, "booked", a.interpreter_booked);
    put_text(w, "language", a.interpreter_language);
    w.EndObject();
  }
  if (a.transport_needed || a.transport_arranged) {
    key(w, "transport");
    w.StartObject();
    put(w, "needed", a.transport_needed);
    put(w, "arranged", a.transport_arranged);
    w.EndObject();
  }
  if (a.cancel_reason.code.size() + a.cancel_reason.display.size() > 0)
    put(w, "cancel_reason", a.cancel_reason.display.empty() ? a.cancel_reason.code : a.cancel_reason.display);
  if (!a.replaces.value.empty()) put(w, "replaces", a.replaces.value);
  if (v.cluster > 0) put(w, "cluster", v.cluster);
  put(w, "crowded_day", v.crowded_day);
  w.EndObject();
}

// One expected weekly weight check after the NICU discharge, and what the record says of it.
struct weight_check {
  int week = 0;
  sys_days due;
  std::string status;  // weighed | booked | missed | due | overdue | expected | not-recorded
  std::string detail;  // the weight, the visit's time, the task's text
};

std::vector<weight_check> weight_checks(const model::coordination_record& r, sys_days today) {
  std::vector<weight_check> out;
  auto discharged = discharge_day(r);
  if (!discharged) return out;
  auto near = [](sys_days d, sys_days due) { return d > due - days(4) && d <= due + days(3); };
  for (int n = 1; n <= weight_check_weeks; ++n) {
    weight_check c;
    c.week = n;
    c.due = *discharged + days(7 * n);
    for (const auto& m : r.measurements) {
      auto d = day_of(m.effective);
      if (m.code.code != body_weight_loinc || !d || *d <= *discharged || !near(*d, c.due)) continue;
      c.status = "weighed";
      c.detail =
          m.value.value + " " + (m.value.unit.empty() ? m.value.code : m.value.unit) + " on " + date_text(*d);
    }
    if (c.status.empty())
      for (const auto& a : r.appointments) {
        auto d = day_of(a.start);
        if (!is_weight_check(a) || !d || !near(*d, c.due)) continue;
        if (is_visit(a)) {
          c.status = "booked";
          c.detail = date_text(*d) + (time_of(a.start).empty() ? "" : " " + time_of(a.start)) +
                     (a.location.empty() ? "" : ", " + a.location);
          break;
        }
        c.status = a.status == "noshow" ? "missed" : a.status;
        c.detail = date_text(*d);
      }
    if (c.status.empty() || c.status == "missed" || c.status == "cancelled") {
      for (const auto& a : r.actions) {
        if (a.key.system != mappers::coordination::action_item_system ||
            a.key.value != "weight-check|" + discharge_subject(r) + "|week-" + std::to_string(n) ||
            !is_open(a))
          continue;
        if (c.status.empty()) c.status = overdue(a.due, today) ? "overdue" : "due";
        c.detail = a.description + (a.due.empty() ? "" : " (due " + a.due + ")");
      }
    }
    if (c.status.empty()) c.status = c.due < today ? "not-recorded" : "expected";
    out.push_back(std::move(c));
  }
  return out;
}

void write_weight_check(json_writer& w, const weight_check& c) {
  w.StartObject();
  put(w, "week", c.week);
  put(w, "due", date_text(c.due));
  put(w, "status", c.status);
  put_text(w, "detail", c.detail);
  w.EndObject();
}

// A clock: something due by a date, and where it stands today.
void write_clock(json_writer& w, std::string_view name, const std::string& due, bool met, sys_days today,
                 std::string_view note = {}) {
  w.StartObject();
  put(w, "name", name);
  put(w, "due", due);
  auto d = day_of(due);
  std::string state = met ? "met" : (!d ? "not-started" : (*d < today ? "overdue" : "running"));
  put(w, "state", state);
  if (!met && d) put(w, "days_left", static_cast<std::int64_t>((*d - today).count()));
  if (!note.empty()) put(w, "note", note);
  w.EndObject();
}

void write_referral(json_writer& w, const model::referral& ref, const model::coordination_record& r,
                    sys_days today) {
  w.StartObject();
  put(w, "key", ref.key.value);
  put(w, "specialty", ref.specialty);
  put(w, "specialty_display", specialty_display(ref.specialty, ref.specialty_code));
  put_text(w, "reason", ref.reason);
  put(w, "status", ref.status);
  put(w, "flow", ref.flow);
  put_text(w, "performer", ref.performer);
  put_text(w, "due_by", ref.due_by);
  put_text(w, "authored_on", ref.authored_on);
  put_text(w, "seen_on", ref.seen_on);
  if (const auto* a = appointment_for(r, ref)) {
    key(w, "appointment");
    w.StartObject();
    put(w, "start", a->start);
    if (auto d = day_of(a->start)) put(w, "date", date_text(*d));
    put(w, "time", time_of(a->start));
    put(w, "status", a->status);
    put(w, "location", a->location);
    w.EndObject();
  }
  // The loop-closure clock (coordination.referral_loop): the specialist's report is due
  // `close_within` after the visit; before the visit it has not started.
  key(w, "loop_clock");
  if (ref.loop_close_due.empty()) {
    w.StartObject();
    put(w, "name", "report back");
    put(w, "state", "not-started");
    put(w, "note", "starts at the visit: the report is due 30 days after it");
    w.EndObject();
  } else {
    write_clock(w, "report back", ref.loop_close_due, loop_closed(ref), today);
  }
  w.EndObject();
}

}  // namespace

std::optional<sys_days> parse_from_date(std::string_view text) {
  if (text.size() != 10 || !fhir::is_date_only(text)) return std::nullopt;
  if (!fhir::parse_date_range(text, fhir::date_syntax::resource)) return std::nullopt;
  return fhir::written_date(text);
}

// ---- the views ----

coordinator_answer coordinator_children(store::sqlite_store& store, const config::gateway_config& config,
                                        const coordinator_request& request) {
  const auto* home = config.find_medical_home(request.medical_home);
  if (home == nullptr) return failure(outcome::not_found, "no medical home '" + request.medical_home + "'");
  std::string error;
  auto loaded = load_children(store, home->id, error);
  if (!loaded) return failure(outcome::store_failed, error);
  const auto today = today_of(request.now_ms);
  const auto today_text = date_text(today);
  const auto horizon = today + days(7 * timeline_weeks);

  rapidjson::StringBuffer b;
  json_writer w(b);
  std::vector<std::string> patients;
  w.StartObject();
  write_home(w, *home);
  put(w, "today", today_text);
  put(w, "truncated", loaded->truncated);
  key(w, "children");
  w.StartArray();
  for (const auto& c : loaded->children) {
    const auto& r = c.record;
    patients.push_back(c.patient_id);
    w.StartObject();
    put(w, "patient_id", c.patient_id);
    put(w, "name", c.name);
    put(w, "birth_date", r.patient.birth_date);
    put(w, "gender", r.patient.gender);
    put(w, "status", r.patient.status);
    if (auto age = model::corrected_age(r.patient, today_text)) put(w, "corrected_age", age->text);
    put_text(w, "preferred_language", r.patient.preferred_language);
    if (auto lang = interpreter_language(r)) put(w, "interpreter_language", lang->empty() ? "?" : *lang);
    if (auto d = discharge_day(r)) put(w, "discharged", date_text(*d));
    int open = 0, late = 0;
    for (const auto& a : r.actions)
      if (is_open(a)) {
        ++open;
        if (overdue(a.due, today)) ++late;
      }
    put(w, "open_tasks", open);
    put(w, "overdue_tasks", late);
    put(w, "open_referrals",
        static_cast<int>(std::count_if(r.referrals.begin(), r.referrals.end(), referral_open)));
    put(w, "agenda_items",
        static_cast<int>(std::count_if(r.agenda.begin(), r.agenda.end(),
                                       [](const auto& i) { return i.status == "pending"; })));
    const model::appointment* next = nullptr;
    int coming = 0;
    for (const auto& a : r.appointments) {
      auto d = day_of(a.start);
      if (!is_upcoming(a) || !d || *d < today) continue;
      if (*d < horizon) ++coming;
      if (next == nullptr || day_of(next->start) > d || (day_of(next->start) == d && next->start > a.start))
        next = &a;
    }
    put(w, "visits_next_weeks", coming);
    if (next != nullptr) {
      key(w, "next_visit");
      w.StartObject();
      put(w, "date", date_text(*day_of(next->start)));
      put(w, "time", time_of(next->start));
      put(w, "specialty_display", specialty_display(next->specialty, next->specialty_code));
      put(w, "location", next->location);
      w.EndObject();
    }
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
  return success(b, std::move(patients));
}

coordinator_answer coordinator_agenda(store::sqlite_store& store, const config::gateway_config& config,
                                      const coordinator_request& request) {
  const auto* home = config.find_medical_home(request.medical_home);
  if (home == nullptr) return failure(outcome::not_found, "no medical home '" + request.medical_home + "'");
  std::string error;
  auto loaded = load_children(store, home->id, error);
  if (!loaded) return failure(outcome::store_failed, error);
  const auto today = today_of(request.now_ms);
  const int weekday_index = config.coordination.case_conference.weekday;
  const auto next = next_conference(today, weekday_index);

  struct agenda_entry {
    const home_child* child;
    const model::conference_item* item;
    sys_days on;  // the conference it is discussed at
  };
  std::vector<agenda_entry> entries;
  for (const auto& c : loaded->children)
    for (const auto& item : c.record.agenda) {
      if (item.status != "pending") continue;
      auto d = day_of(item.conference_date);
      entries.push_back({&c, &item, d && *d > next ? *d : next});
    }
  std::stable_sort(entries.begin(), entries.end(), [](const agenda_entry& a, const agenda_entry& b) {
    if (a.on != b.on) return a.on < b.on;
    if (a.child->name != b.child->name) return a.child->name < b.child->name;
    return a.item->conference_date < b.item->conference_date;
  });

  rapidjson::StringBuffer b;
  json_writer w(b);
  std::vector<std::string> patients;
  w.StartObject();
  write_home(w, *home);
  put(w, "today", date_text(today));
  put(w, "conference_weekday", weekday_name(weekday_index));
  put(w, "enabled", config.coordination.enabled && config.coordination.case_conference.enabled);
  put(w, "truncated", loaded->truncated);
  key(w, "conferences");
  w.StartArray();
  // The next conference always (possibly with nothing on it), then each later one that has items.
  std::size_t i = 0;
  for (auto on = next; on == next || i < entries.size();) {
    w.StartObject();
    put(w, "date", date_text(on));
    put(w, "next", on == next);
    key(w, "items");
    w.StartArray();
    for (; i < entries.size() && entries[i].on == on; ++i) {
      const auto& e = entries[i];
      const auto& r = e.child->record;
      if (std::find(patients.begin(), patients.end(), e.child->patient_id) == patients.end())
        patients.push_back(e.child->patient_id);
      w.StartObject();
      write_child_ref(w, *e.child);
      put(w, "key", e.item->key.value);
      put(w, "reason", e.item->reason);
      put(w, "added_by", e.item->added_by);
      put(w, "status", e.item->status);
      put(w, "conference_date", e.item->conference_date);
      auto d = day_of(e.item->conference_date);
      put(w, "carried_over", d && *d < next);
      int open = 0, late = 0;
      for (const auto& a : r.actions)
        if (is_open(a)) {
          ++open;
          if (overdue(a.due, today)) ++late;
        }
      put(w, "open_tasks", open);
      put(w, "overdue_tasks", late);
      put(w, "open_referrals",
          static_cast<int>(std::count_if(r.referrals.begin(), r.referrals.end(), referral_open)));
      w.EndObject();
    }
    w.EndArray();
    w.EndObject();
    if (i >= entries.size()) break;
    on = entries[i].on;
  }
  w.EndArray();
  w.EndObject();
  return success(b, std::move(patients));
}

coordinator_answer coordinator_tasks(store::sqlite_store& store, const config::gateway_config& config,
                                     const coordinator_request& request) {
  const auto* home = config.find_medical_home(request.medical_home);
  if (home == nullptr) return failure(outcome::not_found, "no medical home '" + request.medical_home + "'");
  std::string error;
  auto loaded = load_children(store, home->id, error);
  if (!loaded) return failure(outcome::store_failed, error);
  const auto today = today_of(request.now_ms);

  struct task_entry {
    const home_child* child;
    const model::action_item* task;
  };
  std::map<std::string, std::vector<task_entry>> by_role;
  int total = 0, late = 0;
  for (const auto& c : loaded->children)
    for (const auto* a : open_tasks(c.record)) {
      by_role[a->owner_role.empty() ? std::string("care_coordinator") : a->owner_role].push_back({&c, a});
      ++total;
      if (overdue(a->due, today)) ++late;
    }
  std::vector<std::string> roles;
  for (auto& [role, list] : by_role) {
    roles.push_back(role);
    std::stable_sort(list.begin(), list.end(), [](const task_entry& a, const task_entry& b) {
      if (task_before(*a.task, *b.task)) return true;
      if (task_before(*b.task, *a.task)) return false;
      return a.child->name < b.child->name;
    });
  }
  std::stable_sort(roles.begin(), roles.end(), [](const std::string& a, const std::string& b) {
    return role_rank(a) != role_rank(b) ? role_rank(a) < role_rank(b) : a < b;
  });

  rapidjson::StringBuffer b;
  json_writer w(b);
  std::vector<std::string> patients;
  w.StartObject();
  write_home(w, *home);
  put(w, "today", date_text(today));
  put(w, "truncated", loaded->truncated);
  put(w, "total", total);
  put(w, "overdue", late);
  key(w, "groups");
  w.StartArray();
  for (const auto& role : roles) {
    const auto& list = by_role[role];
    w.StartObject();
    put(w, "owner_role", role);
    put(w, "count", static_cast<int>(list.size()));
    key(w, "tasks");
    w.StartArray();
    for (const auto& e : list) {
      if (std::find(patients.begin(), patients.end(), e.child->patient_id) == patients.end())
        patients.push_back(e.child->patient_id);
      write_task(w, *e.task, today, e.child);
    }
    w.EndArray();
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
  return success(b, std::move(patients));
}

coordinator_answer coordinator_timeline(store::sqlite_store& store, const config::gateway_config& config,
                                        const coordinator_request& request, std::string_view patient_id,
                                        sys_days from) {
  const auto* home = config.find_medical_home(request.medical_home);
  if (home == nullptr) return failure(outcome::not_found, "no medical home '" + request.medical_home + "'");
  const auto not_found = "no child with Patient id '" + std::string(patient_id) + "' at this medical home";
  auto patient = store.get_indexed("Patient", std::string(patient_id));
  // Another home's child is answered exactly like an unknown one.
  if (!patient || store.child_home(patient->child_id) != home->id)
    return failure(outcome::not_found, not_found);
  auto stored = store.read_child_record(patient->child_id);
  auto decoded = stored ? model::decode(*stored) : std::nullopt;
  if (!decoded)
    return failure(outcome::store_failed,
                   "the coordination record of Patient '" + std::string(patient_id) + "' cannot be read");
  home_child child;
  child.child_id = patient->child_id;
  child.patient_id = patient->id;
  child.name = child_name(decoded->patient);
  child.record = std::move(*decoded);
  const auto& r = child.record;
  const auto today = today_of(request.now_ms);
  const auto today_text = date_text(today);
  const auto until = from + days(7 * timeline_weeks);  // exclusive

  // Every visit (booked, under way or done) for the clusters, which may reach across the window's edges;
  // the window shows every appointment in it, missed and cancelled ones too.
  std::vector<visit_row> visits;
  for (const auto& a : r.appointments) {
    auto d = day_of(a.start);
    if (!d) continue;
    visit_row v;
    v.appointment = &a;
    v.day = *d;
    v.site = a.location.empty() ? "site of " + a.specialty : a.location;
    visits.push_back(std::move(v));
  }
  std::stable_sort(visits.begin(), visits.end(), [](const visit_row& x, const visit_row& y) {
    return x.day != y.day ? x.day < y.day : x.appointment->start < y.appointment->start;
  });
  std::vector<visit_row> counted;  // visits only, for the clusters
  std::vector<std::size_t> counted_at;
  for (std::size_t i = 0; i < visits.size(); ++i)
    if (is_visit(*visits[i].appointment)) {
      counted.push_back(visits[i]);
      counted_at.push_back(i);
    }
  auto clusters = find_clusters(counted, r, config.coordination);
  for (std::size_t k = 0; k < counted.size(); ++k) {
    visits[counted_at[k]].cluster = counted[k].cluster;
    visits[counted_at[k]].crowded_day = counted[k].crowded_day;
  }
  auto checks = weight_checks(r, today);

  rapidjson::StringBuffer b;
  json_writer w(b);
  w.StartObject();
  write_home(w, *home);
  put(w, "today", today_text);
  put(w, "from", date_text(from));
  put(w, "to", date_text(until - days(1)));
  key(w, "child");
  w.StartObject();
  put(w, "patient_id", child.patient_id);
  put(w, "name", child.name);
  put(w, "birth_date", r.patient.birth_date);
  put(w, "gender", r.patient.gender);
  put(w, "status", r.patient.status);
  if (auto age = model::corrected_age(r.patient, today_text)) put(w, "corrected_age", age->text);
  if (auto d = discharge_day(r)) put(w, "discharged", date_text(*d));
  put_text(w, "preferred_language", r.patient.preferred_language);
  if (auto lang = interpreter_language(r)) put(w, "interpreter_language", lang->empty() ? "?" : *lang);
  w.EndObject();

  // Week by week.
  int specialist_visits = 0;
  std::set<std::string> specialties;
  key(w, "weeks");
  w.StartArray();
  for (int n = 0; n < timeline_weeks; ++n) {
    const auto start = from + days(7 * n);
    const auto end = start + days(7);
    w.StartObject();
    put(w, "number", n + 1);
    put(w, "start", date_text(start));
    put(w, "end", date_text(end - days(1)));
    key(w, "visits");
    w.StartArray();
    for (const auto& v : visits) {
      if (v.day < start || v.day >= end) continue;
      write_visit(w, v, r);
      if (is_visit(*v.appointment) && visit_kind(*v.appointment, r) == "specialist") {
        ++specialist_visits;
        specialties.insert(v.appointment->specialty.empty() ? v.appointment->specialty_code.code
                                                            : v.appointment->specialty);
      }
    }
    w.EndArray();
    key(w, "weight_checks");
    w.StartArray();
    for (const auto& c : checks)
      if (c.due >= start && c.due < end) write_weight_check(w, c);
    w.EndArray();
    key(w, "weighed");
    w.StartArray();
    for (const auto& m : r.measurements) {
      auto d = day_of(m.effective);
      if (m.code.code != body_weight_loinc || !d || *d < start || *d >= end) continue;
      w.StartObject();
      put(w, "date", date_text(*d));
      put(w, "value", m.value.value);
      put(w, "unit", m.value.unit.empty() ? m.value.code : m.value.unit);
      w.EndObject();
    }
    w.EndArray();
    key(w, "tasks_due");
    w.StartArray();
    for (const auto* a : open_tasks(r)) {
      auto d = day_of(a->due);
      if (d && *d >= start && *d < end) write_task(w, *a, today, nullptr);
    }
    w.EndArray();
    w.EndObject();
  }
  w.EndArray();

  key(w, "summary");
  w.StartObject();
  put(w, "specialist_visits", specialist_visits);
  key(w, "specialties");
  w.StartArray();
  for (const auto& s : specialties) w.String(s.data(), static_cast<rapidjson::SizeType>(s.size()));
  w.EndArray();
  int in_window = 0;
  for (const auto& c : checks)
    if (c.due >= from && c.due < until) ++in_window;
  put(w, "weight_checks", in_window);
  int interpreters = 0, interpreters_missing = 0, transport = 0, transport_missing = 0;
  for (const auto& v : visits) {
    if (v.day < from || v.day >= until || !is_upcoming(*v.appointment)) continue;
    const auto& a = *v.appointment;
    if (a.interpreter_required) {
      ++interpreters;
      if (!a.interpreter_booked) ++interpreters_missing;
    }
    if (a.transport_needed) {
      ++transport;
      if (!a.transport_arranged) ++transport_missing;
    }
  }
  put(w, "interpreter_needed", interpreters);
  put(w, "interpreter_not_booked", interpreters_missing);
  put(w, "transport_needed", transport);
  put(w, "transport_not_arranged", transport_missing);
  w.EndObject();

  key(w, "clusters");
  w.StartArray();
  for (const auto& c : clusters) {
    if (c.last < from || c.first >= until) continue;
    w.StartObject();
    put(w, "id", c.id);
    put(w, "first", date_text(c.first));
    put(w, "last", date_text(c.last));
    put(w, "visits", static_cast<int>(c.members.size()));
    put(w, "sites", static_cast<int>(c.sites.size()));
    put(w, "flagged", c.flagged);
    w.EndObject();
  }
  w.EndArray();

  key(w, "weight_checks");
  w.StartArray();
  for (const auto& c : checks) write_weight_check(w, c);
  w.EndArray();

  key(w, "referrals");
  w.StartArray();
  int closed = 0;
  for (const auto& ref : r.referrals) {
    if (referral_ended(ref) || loop_closed(ref)) {
      if (loop_closed(ref)) ++closed;
      continue;
    }
    write_referral(w, ref, r, today);
  }
  w.EndArray();
  put(w, "referrals_closed", closed);

  if (r.early_intervention) {
    const auto& ep = *r.early_intervention;
    const auto& cfg = config.coordination.early_intervention;
    key(w, "early_intervention");
    w.StartObject();
    put(w, "family_declined", ep.family_declined);
    put_text(w, "identified_on", ep.identified_on);
    put_text(w, "referred_on", ep.referred_on);
    put_text(w, "acknowledged_on", ep.acknowledged_on);
    put_text(w, "ifsp_held_on", ep.ifsp_held_on);
    key(w, "clocks");
    w.StartArray();
    if (!ep.family_declined) {
      if (!ep.referral_due_by.empty())
        write_clock(w, "referral sent", ep.referral_due_by, !ep.referred_on.empty(), today);
      if (auto referred = fhir::first_second(ep.referred_on)) {
        write_clock(w, "acknowledged", fhir::format_date(floor<days>(*referred + cfg.acknowledgement_within)),
                    !ep.acknowledged_on.empty(), today);
      }
      if (!ep.ifsp_due_by.empty())
        write_clock(w, "IFSP meeting", ep.ifsp_due_by, !ep.ifsp_held_on.empty(), today);
    }
    w.EndArray();
    w.EndObject();
  }

  if (auto due = store.child_coordination_due(child.child_id))
    put(w, "next_clock", fhir::format_instant(*due));

  key(w, "open_tasks");
  w.StartArray();
  for (const auto* a : open_tasks(r)) write_task(w, *a, today, nullptr);
  w.EndArray();

  key(w, "checklist");
  w.StartObject();
  put(w, "as_of", today_text);
  if (auto age = model::corrected_age(r.patient, today_text)) put(w, "corrected_age", age->text);
  key(w, "items");
  w.StartArray();
  for (const auto& item : mappers::outbound::medical_home_checklist(r, today_text)) {
    w.StartObject();
    put(w, "number", item.number);
    put(w, "text", item.text);
    put(w, "status", item.status);
    key(w, "evidence");
    w.StartArray();
    for (const auto& e : item.evidence) w.String(e.data(), static_cast<rapidjson::SizeType>(e.size()));
    w.EndArray();
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();

  w.EndObject();
  return success(b, {child.patient_id});
}

coordinator_answer coordinator_letters(store::sqlite_store& store, const config::gateway_config& config,
                                       const coordinator_request& request) {
  const auto* home = config.find_medical_home(request.medical_home);
  if (home == nullptr) return failure(outcome::not_found, "no medical home '" + request.medical_home + "'");
  using enum store::letter_status;
  const std::vector<store::letter_status> in_flight{queued, sending, retrying, blocked, dead};
  constexpr int limit = 200;
  auto letters = store::letter_table::of_medical_home(store, home->id, in_flight, limit);
  if (!letters) return failure(outcome::store_failed, letters.error());

  // The children the letters are about: their Patient ids and names.
  struct named {
    std::string patient_id;
    std::string name;
  };
  std::map<std::int64_t, named> children;
  for (const auto& l : *letters) {
    if (children.contains(l.child_id)) continue;
    auto stored = store.read_child_record(l.child_id);
    auto record = stored ? model::decode(*stored) : std::nullopt;
    if (!record)
      return failure(outcome::store_failed, "the coordination record of a letter's child cannot be read");
    named n;
    n.name = child_name(record->patient);
    children.emplace(l.child_id, std::move(n));
  }
  // Patient ids come from the index (one Patient per child).
  {
    store::index_search search;
    search.type = "Patient";
    search.count = 100;
    search.medical_home = home->id;
    std::size_t found = 0;
    while (found < children.size()) {
      auto page = store.search_indexed(search);
      if (!page) return failure(outcome::store_failed, "the children of the medical home cannot be read");
      for (const auto& row : page->rows)
        if (auto it = children.find(row.child_id); it != children.end() && it->second.patient_id.empty()) {
          it->second.patient_id = row.id;
          ++found;
        }
      if (!page->more || page->rows.empty()) break;
      search.after_seq = page->rows.back().seq;
    }
  }

  std::map<std::string, int> counts;
  for (const auto& l : *letters) ++counts[std::string(store::to_string(l.status))];

  rapidjson::StringBuffer b;
  json_writer w(b);
  std::vector<std::string> patients;
  w.StartObject();
  write_home(w, *home);
  put(w, "today", date_text(today_of(request.now_ms)));
  put(w, "approval",
      "Letters are not approved by a clinician before they leave yet (issue 12 adds it): each one waits only "
      "for "
      "the family's authorization (checked again before sending) and the school's server.");
  put(w, "truncated", static_cast<int>(letters->size()) >= limit);
  key(w, "counts");
  w.StartObject();
  for (const auto& [status, n] : counts) put(w, status, n);
  w.EndObject();
  key(w, "letters");
  w.StartArray();
  for (const auto& l : *letters) {
    const auto& who = children[l.child_id];
    if (!who.patient_id.empty() &&
        std::find(patients.begin(), patients.end(), who.patient_id) == patients.end())
      patients.push_back(who.patient_id);
    w.StartObject();
    put(w, "id", l.id);
    key(w, "child");
    w.StartObject();
    put(w, "patient_id", who.patient_id);
    put(w, "name", who.name);
    w.EndObject();
    key(w, "school");
    w.StartObject();
    put(w, "id", l.school_id);
    const auto* school = config.find_school_by_id(l.school_id);
    put(w, "name", school != nullptr && !school->name.empty() ? school->name : l.school_id);
    w.EndObject();
    put(w, "kind", l.kind);
    put(w, "status", store::to_string(l.status));
    put_text(w, "reason", l.reason);
    put(w, "attempts", l.attempts);
    if (l.next_attempt_ms > 0 && store::is_pending(l.status))
      put(w, "next_attempt", fhir::format_instant(l.next_attempt_ms));
    put(w, "created_at", l.created_at);
    put(w, "updated_at", l.updated_at);
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
  return success(b, std::move(patients));
}

}  // namespace homebase::gateway::console
