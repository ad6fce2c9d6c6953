#include "mappers/coordination/coordination_rules.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <map>
#include <set>

#include "fhir/fhir_time.hpp"

namespace homebase::mappers::coordination {
namespace {

using namespace std::chrono;
using model::action_item;
using model::appointment;
using model::coordination_record;
using model::identifier;
using model::referral;

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
  return out;
}

bool contains(std::string_view haystack, std::string_view needle) {
  return haystack.find(needle) != std::string_view::npos;
}

template <class... T>
bool one_of(const std::string& value, T... options) {
  return ((value == options) || ...);
}

int priority_rank(const std::string& p) {
  if (p == "stat") return 3;
  if (p == "asap") return 2;
  if (p == "urgent") return 1;
  return 0;
}

bool is_open(const action_item& a) {
  return one_of(a.status, "open", "in_progress", "blocked");
}

// An appointment that still lies ahead (or is under way): work for it can still be done.
bool is_upcoming(const appointment& a) {
  return one_of(a.status, "proposed", "pending", "booked", "arrived", "checked-in", "waitlist");
}
// An appointment that stands for a visit: upcoming, or it took place.
bool is_visit(const appointment& a) {
  return is_upcoming(a) || a.status == "fulfilled";
}

// Referral flow steps at or after `scheduled` (the coordination flow of coordination_record.hpp).
bool flow_scheduled_or_later(const std::string& flow) {
  return one_of(flow, "scheduled", "seen", "report_received", "closed");
}
bool flow_seen_or_later(const std::string& flow) {
  return one_of(flow, "seen", "report_received", "closed");
}
bool referral_ended(const referral& r) {
  return one_of(r.flow, "declined", "cancelled", "failed") ||
         one_of(r.status, "revoked", "entered-in-error", "completed");
}

bool is_early_intervention(const referral& r) {
  for (const auto& text : {lower(r.specialty), lower(r.specialty_code.code), lower(r.specialty_code.display),
                           lower(r.reason), lower(r.reason_code.display)})
    if (contains(text, "early intervention") || contains(text, "early-intervention") ||
        contains(text, "part c"))
      return true;
  return false;
}

std::string subject_of(const identifier& key) {
  return key.value.empty() ? key.system : key.value;
}

class rule_engine {
 public:
  rule_engine(coordination_record& record, const config::coordination_settings& settings, time_point now,
              std::string_view source)
      : r_(record), s_(settings), now_(now), today_(floor<days>(now)), source_(source) {}

  rule_run run() {
    const auto& s = s_;
    if (s.case_conference.enabled) case_conference();
    if (s.parent_partner_outreach.enabled) parent_partner_outreach();
    if (s.pcp_visit.enabled) pcp_visit();
    if (s.schedule_followup.enabled) schedule_followup();
    if (s.early_intervention.enabled) early_intervention();
    if (s.interpreter.enabled) interpreter();
    if (s.transport.enabled) transport();
    if (s.appointment_burden.enabled) appointment_burden();
    if (s.referral_loop.enabled) referral_loop();
    if (s.weight_gain.enabled) weight_gain();
    if (s.rop_followup.enabled) rop_followup();
    if (s.schedule_followup.enabled) reschedule_notice();
    if (s.medication_conflict.enabled) medication_conflict();
    if (s.medication_conflict.enabled) medication_added();
    if (s.weight_gain.enabled) weight_check();
    if (s.visit_summary_review.enabled) visit_summary_review();
    return std::move(result_);
  }

 private:
  // ---- the record's parts the rules share ----

  std::string child_subject() const {
    for (const auto& id : r_.patient.identifiers)
      if (!id.value.empty()) return id.value;
    return "child";
  }

  // The NICU discharge, when the record has one: the encounter's end.
  std::optional<time_point> discharged_at() const {
    if (!r_.encounter || r_.encounter->period_end.empty()) return std::nullopt;
    return fhir::first_second(r_.encounter->period_end);
  }
  std::string discharge_subject() const {
    return r_.encounter && !r_.encounter->key.value.empty() ? r_.encounter->key.value : child_subject();
  }

  // A family decision-maker (a legal representative; failing any, any family member) needs an interpreter;
  // for a newborn the Patient's interpreter flag stands for the family's. Returns the language, or nullopt.
  std::optional<std::string> decision_maker_interpreter() const {
    bool any_authority = std::any_of(r_.family.begin(), r_.family.end(),
                                     [](const model::family_member& f) { return f.legal_authority; });
    for (const auto& f : r_.family)
      if (f.interpreter_needed && (f.legal_authority || f.primary_contact || !any_authority))
        return f.language;
    if (r_.patient.interpreter_needed)
      return !r_.patient.preferred_language.empty()
                 ? r_.patient.preferred_language
                 : (r_.patient.languages.empty() ? std::string() : r_.patient.languages.front());
    return std::nullopt;
  }

  void due_again_at(time_point t) {
    if (t <= now_) return;
    if (!result_.next_due || t < *result_.next_due) result_.next_due = t;
  }

  void note(std::string change, std::string kind, std::string detail) {
    result_.changes.push_back(std::move(change));
    model::record_event e;
    e.at = fhir::format_date_time(now_);
    e.kind = std::move(kind);
    e.source = std::string(source_);
    e.detail = std::move(detail);
    r_.events.push_back(std::move(e));
  }

  action_item* find_action(const std::string& key_value) {
    for (auto& a : r_.actions)
      if (a.key.system == action_item_system && a.key.value == key_value) return &a;
    return nullptr;
  }

  // Adds the item once; an open one only ever gets a higher priority (an escalation). A completed or
  // cancelled one is left as the team left it.
  void ensure_action(const std::string& rule, const std::string& subject, action_item wanted) {
    std::string key = rule + "|" + subject;
    if (auto* existing = find_action(key)) {
      if (is_open(*existing) && priority_rank(wanted.priority) > priority_rank(existing->priority)) {
        existing->priority = wanted.priority;
        existing->description = wanted.description;
        note("escalated " + key, "ActionItemEscalated", key + ": " + wanted.description);
      }
      return;
    }
    wanted.key = {std::string(action_item_system), key};
    wanted.rule = rule;
    wanted.status = "open";
    wanted.created = fhir::format_date_time(now_);
    if (wanted.priority.empty()) wanted.priority = "routine";
    if (wanted.owner_role.empty()) wanted.owner_role = "care_coordinator";
    note("added " + key, "ActionItemAdded", key + ": " + wanted.description);
    r_.actions.push_back(std::move(wanted));
  }

  // Closes an open item whose condition no longer holds: `done` when it was met, `cancelled` when its
  // subject went away.
  void close_action(const std::string& rule, const std::string& subject, const char* status,
                    const std::string& why) {
    std::string key = rule + "|" + subject;
    auto* existing = find_action(key);
    if (existing == nullptr || !is_open(*existing)) return;
    existing->status = status;
    note("closed " + key + " (" + status + ")", "ActionItemClosed", key + ": " + why);
  }

  void ensure_agenda_item(const std::string& rule, const std::string& subject, const std::string& reason) {
    std::string key = rule + "|" + subject;
    for (const auto& item : r_.agenda)
      if (item.key.system == conference_item_system && item.key.value == key) return;
    model::conference_item item;
    item.key = {std::string(conference_item_system), key};
    item.conference_date = fhir::format_date(next_conference_day());
    item.reason = reason;
    item.added_by = rule;
    note("added agenda " + key, "CaseConferenceItemAdded",
         key + ": " + reason + " (" + item.conference_date + ")");
    r_.agenda.push_back(std::move(item));
  }

  // The first conference weekday after today: the coordinator needs a day to prepare the case.
  sys_days next_conference_day() const {
    auto target = weekday(static_cast<unsigned>(s_.case_conference.weekday));
    auto d = today_ + days(1);
    while (weekday(d) != target) d += days(1);
    return d;
  }

  template <class T>
  void set_text(std::string& field, const T& value, const std::string& what) {
    if (field == value) return;
    field = value;
    result_.changes.push_back(what + " = " + field);
  }

  // ---- the rules ----

  void case_conference() {
    if (!discharged_at()) return;
    ensure_agenda_item("case-conference", discharge_subject(),
                       "New NICU graduate: introduce the child and family to the team");
  }

  void parent_partner_outreach() {
    auto at = discharged_at();
    if (!at) return;
    action_item a;
    a.type = "parent_partner_outreach";
    a.owner_role = "parent_partner";
    a.due = fhir::format_date_time(*at + s_.parent_partner_outreach.due_after_discharge);
    a.description = "Parent partner outreach to the family after the NICU discharge";
    ensure_action("parent-partner-outreach", discharge_subject(), std::move(a));
  }

  bool is_pcp_appointment(const appointment& a) const {
    if (a.specialty == "primary-care") return true;
    if (a.practitioner.value.empty()) return false;
    return std::any_of(r_.team.begin(), r_.team.end(), [&](const model::team_member& m) {
      return m.role == model::team_role::pcp && m.key == a.practitioner;
    });
  }

  void pcp_visit() {
    auto at = discharged_at();
    if (!at) return;
    const auto within = s_.pcp_visit.within;
    auto deadline = *at + within;
    // Whole days are counted as calendar days of the discharge, as a clinician reads "within 2 days".
    bool by_day = within % days(1) == seconds(0);
    auto last_day =
        fhir::written_date(r_.encounter->period_end).value_or(floor<days>(*at)) + duration_cast<days>(within);
    bool booked = std::any_of(r_.appointments.begin(), r_.appointments.end(), [&](const appointment& a) {
      if (!is_visit(a) || !is_pcp_appointment(a)) return false;
      if (by_day) {
        auto d = fhir::written_date(a.start);
        return d && *d <= last_day;
      }
      auto t = fhir::first_second(a.start);
      return t && *t <= deadline;
    });
    auto subject = discharge_subject();
    if (booked) {
      close_action("pcp-visit", subject, "done", "a PCP visit within the window is booked");
      return;
    }
    action_item a;
    a.type = "schedule_followup";
    a.priority = "urgent";
    a.due = by_day ? fhir::format_date(last_day) : fhir::format_date_time(deadline);
    a.description = "Book the first PCP (medical home) visit after the NICU discharge";
    a.focus = r_.encounter->key;
    ensure_action("pcp-visit", subject, std::move(a));
  }

  bool referral_has_appointment(const referral& ref) const {
    return std::any_of(r_.appointments.begin(), r_.appointments.end(), [&](const appointment& a) {
      if (!is_visit(a)) return false;
      if (!a.based_on_referral.value.empty()) return a.based_on_referral == ref.key;
      return !ref.specialty.empty() && a.specialty == ref.specialty;
    });
  }

  std::string due_or_default(const std::string& due_by) const {
    if (fhir::first_second(due_by)) return due_by;
    return fhir::format_date_time(now_ + s_.schedule_followup.due_within);
  }

  void schedule_followup() {
    for (const auto& act : r_.activities) {
      auto subject = subject_of(act.key);
      if (one_of(act.status, "cancelled", "stopped", "entered-in-error")) {
        close_action("schedule-followup", subject, "cancelled", "the activity was " + act.status);
      } else if (!act.to_be_scheduled || one_of(act.status, "scheduled", "in-progress", "completed")) {
        close_action("schedule-followup", subject, "done", "the activity is scheduled");
      } else {
        action_item a;
        a.type = "schedule_followup";
        a.due = due_or_default("");
        a.description = "Schedule: " + (act.description.empty() ? act.code.display : act.description);
        a.focus = act.key;
        ensure_action("schedule-followup", subject, std::move(a));
      }
    }
    for (const auto& ref : r_.referrals) {
      if (is_early_intervention(ref)) continue;  // the early intervention rule follows it
      auto subject = subject_of(ref.key);
      if (s_.pcp_visit.enabled && ref.specialty == "primary-care") {
        // The PCP visit after discharge has its own rule and task (pcp-visit); one task, not two.
        close_action("schedule-followup", subject, "cancelled", "the PCP visit rule follows it");
        continue;
      }
      if (referral_ended(ref)) {
        close_action("schedule-followup", subject, "cancelled", "the referral ended (" + ref.flow + ")");
      } else if (flow_scheduled_or_later(ref.flow) || referral_has_appointment(ref)) {
        close_action("schedule-followup", subject, "done", "an appointment exists");
      } else {
        action_item a;
        a.type = "schedule_followup";
        a.due = due_or_default(ref.due_by);
        a.description = "Schedule the " + (ref.specialty.empty() ? std::string("referral") : ref.specialty) +
                        " appointment" + (ref.reason.empty() ? "" : " (" + ref.reason + ")");
        a.focus = ref.key;
        ensure_action("schedule-followup", subject, std::move(a));
      }
    }
  }

  void early_intervention() {
    const auto& cfg = s_.early_intervention;
    const referral* ei_ref = nullptr;
    for (const auto& ref : r_.referrals)
      if ((r_.early_intervention && ref.key == r_.early_intervention->referral_key) ||
          is_early_intervention(ref)) {
        ei_ref = &ref;
        break;
      }
    if (!r_.early_intervention && ei_ref == nullptr) return;
    if (!r_.early_intervention) {
      // The need was identified when the referral was written (or, failing a date, now).
      model::ei_episode episode;
      episode.identified_on =
          fhir::first_second(ei_ref->authored_on) ? ei_ref->authored_on : fhir::format_date_time(now_);
      episode.referral_key = ei_ref->key;
      r_.early_intervention = episode;
      result_.changes.push_back("early intervention identified " + episode.identified_on);
    }
    auto& ep = *r_.early_intervention;
    if (ei_ref != nullptr && ep.referral_key.value.empty())
      set_text(ep.referral_key.value, ei_ref->key.value, "ei referral");
    if (ei_ref != nullptr && ep.referral_key.system.empty()) ep.referral_key.system = ei_ref->key.system;
    auto subject = ep.referral_key.value.empty() ? child_subject() : ep.referral_key.value;

    // Declined (by the family, or a referral the program declined): no clock can be met any more, and the
    // family needs someone to talk early intervention through with them (they may re-refer).
    if (ep.family_declined || (ei_ref != nullptr && ei_ref->flow == "declined")) {
      auto why = ep.family_declined ? std::string("the family declined early intervention")
                                    : "the early intervention referral was declined" +
                                          (ei_ref->status_reason.empty() ? "" : ": " + ei_ref->status_reason);
      for (const char* rule : {"ei-referral", "ei-acknowledgement", "ei-ifsp"})
        close_action(rule, subject, "cancelled", why);
      action_item a;
      a.type = "parent_partner_outreach";
      a.owner_role = "parent_partner";
      a.due = fhir::format_date_time(now_ + days(7));
      a.description = "Parent partner follow-up with the family: " + why;
      a.focus = ep.referral_key;
      ensure_action("ei-declined", subject, std::move(a));
      return;  // the clocks stop
    }

    auto identified = fhir::first_second(ep.identified_on);
    if (identified)
      set_text(ep.referral_due_by, fhir::format_date_time(*identified + cfg.referral_within),
               "ei referral due");
    // The flow tells what happened when the sender did not fill the episode's own dates.
    // An active referral listed at discharge is not yet sent: only the referral Task (BSeR, task_key) says
    // "sent"; acceptance or anything later implies it.
    if (ep.referred_on.empty() && ei_ref != nullptr &&
        ((ei_ref->flow == "sent" && !ei_ref->task_key.value.empty()) || ei_ref->flow == "accepted" ||
         flow_scheduled_or_later(ei_ref->flow)))
      set_text(ep.referred_on,
               fhir::first_second(ei_ref->authored_on) ? ei_ref->authored_on : fhir::format_date_time(now_),
               "ei referred");
    if (ep.acknowledged_on.empty() && ei_ref != nullptr &&
        (ei_ref->flow == "accepted" || flow_scheduled_or_later(ei_ref->flow)))
      set_text(ep.acknowledged_on, fhir::format_date_time(now_), "ei acknowledged");
    if (ep.ifsp_held_on.empty() && ei_ref != nullptr && flow_seen_or_later(ei_ref->flow))
      set_text(ep.ifsp_held_on, ei_ref->seen_on.empty() ? fhir::format_date_time(now_) : ei_ref->seen_on,
               "ei ifsp held");

    auto referred = fhir::first_second(ep.referred_on);
    if (!referred) {
      auto due = identified ? *identified + cfg.referral_within : now_;
      action_item a;
      a.type = "ei_followup";
      a.due = fhir::format_date_time(due);
      a.description = "Refer to early intervention (IDEA Part C) within 7 days of identification";
      a.focus = ep.referral_key;
      if (now_ >= due) {
        a.priority = "urgent";
        a.description = "Overdue: early intervention referral not sent by " + a.due;
      }
      ensure_action("ei-referral", subject, std::move(a));
      due_again_at(due);
      return;
    }
    close_action("ei-referral", subject, "done", "the referral was sent");
    set_text(ep.ifsp_due_by, fhir::format_date_time(*referred + cfg.ifsp_within), "ei ifsp due");

    auto ack_due = *referred + cfg.acknowledgement_within;
    if (!ep.acknowledged_on.empty()) {
      close_action("ei-acknowledgement", subject, "done", "the program acknowledged the referral");
    } else if (now_ >= ack_due) {
      action_item a;
      a.type = "ei_followup";
      a.priority = "urgent";
      a.due = fhir::format_date(today_);
      a.description = "Escalate: early intervention has not acknowledged the referral sent " + ep.referred_on;
      a.focus = ep.referral_key;
      ensure_action("ei-acknowledgement", subject, std::move(a));
    } else {
      due_again_at(ack_due);
    }

    auto ifsp_due = *referred + cfg.ifsp_within;
    if (!ep.ifsp_held_on.empty()) {
      close_action("ei-ifsp", subject, "done", "the IFSP meeting was held");
    } else if (now_ >= ifsp_due) {
      action_item a;
      a.type = "ei_followup";
      a.priority = "urgent";
      a.due = fhir::format_date(today_);
      a.description = "Escalate: no IFSP meeting within 45 days of the early intervention referral";
      a.focus = ep.referral_key;
      ensure_action("ei-ifsp", subject, std::move(a));
    } else {
      due_again_at(ifsp_due);
    }
  }

  void interpreter() {
    auto language = decision_maker_interpreter();
    for (auto& appt : r_.appointments) {
      auto subject = subject_of(appt.key);
      if (!language) {
        close_action("interpreter", subject, "cancelled", "no family decision-maker needs an interpreter");
        continue;
      }
      if (!is_upcoming(appt)) {
        close_action("interpreter", subject, "cancelled", "the appointment is " + appt.status);
        continue;
      }
      if (!appt.interpreter_required) {
        appt.interpreter_required = true;
        result_.changes.push_back("interpreter required for " + subject);
      }
      if (appt.interpreter_language.empty() && !language->empty())
        set_text(appt.interpreter_language, *language, "interpreter language of " + subject);
      if (appt.interpreter_booked) {
        close_action("interpreter", subject, "done", "an interpreter is booked");
        continue;
      }
      action_item a;
      a.type = "book_interpreter";
      a.due = appt.start;
      a.description = "Book " + (language->empty() ? std::string("an") : "a " + *language) +
                      " interpreter for the " + (appt.specialty.empty() ? "" : appt.specialty + " ") +
                      "appointment on " + appt.start;
      a.focus = appt.key;
      ensure_action("interpreter", subject, std::move(a));
    }
  }

  void transport() {
    for (const auto& appt : r_.appointments) {
      auto subject = subject_of(appt.key);
      if (!appt.transport_needed) continue;
      if (appt.transport_arranged) {
        close_action("transport", subject, "done", "transport is arranged");
      } else if (!is_upcoming(appt)) {
        close_action("transport", subject, "cancelled", "the appointment is " + appt.status);
      } else {
        action_item a;
        a.type = "arrange_transport";
        a.due = appt.start;
        a.description = "Arrange transport for the " + (appt.specialty.empty() ? "" : appt.specialty + " ") +
                        "appointment on " + appt.start;
        a.focus = appt.key;
        ensure_action("transport", subject, std::move(a));
      }
    }
    for (const auto& need : r_.social_needs) {
      if (need.domain != "transportation") continue;
      auto subject = subject_of(need.key);
      if (one_of(need.status, "resolved", "declined")) {
        close_action("transport", subject, "done", "the transportation need is " + need.status);
      } else if (need.status == "identified") {
        action_item a;
        a.type = "arrange_transport";
        a.due = fhir::format_date(today_ + days(7));
        a.description = "Transportation need identified: link the family to transport (NEMT)";
        a.focus = need.key;
        ensure_action("transport", subject, std::move(a));
      }
    }
  }

  void appointment_burden() {
    const auto& cfg = s_.appointment_burden;
    struct visit {
      sys_days day;
      std::string site;
      std::string what;
    };
    std::vector<visit> visits;
    std::map<sys_days, std::set<std::string>> per_day;  // date -> sites
    for (const auto& a : r_.appointments) {
      if (!is_visit(a)) continue;
      auto d = fhir::written_date(a.start);
      if (!d || a.start.size() < 10) continue;
      auto site = a.location.empty() ? "site of " + a.specialty : a.location;
      visits.push_back({*d, site,
                        (a.specialty.empty() ? std::string("visit") : a.specialty) + " " +
                            fhir::format_date(*d) + " (" + site + ")"});
      per_day[*d].insert(site);
    }
    std::stable_sort(visits.begin(), visits.end(),
                     [](const visit& x, const visit& y) { return x.day < y.day; });
    auto suggest = [&](const std::string& subject, const std::string& what, sys_days until) {
      action_item a;
      a.type = "cluster_appointments";
      a.due = fhir::format_date(until);
      a.description = what + ": suggest clustering the visits";
      ensure_action("appointment-burden", subject, std::move(a));
      ensure_agenda_item("appointment-burden", subject, what);
    };

    // Rolling 7-day windows, one starting on each visit day (so the result does not depend on the weekday):
    // overlapping overloaded windows are one episode, and one episode is one alert.
    struct episode {
      sys_days first;
      sys_days last_start;
      std::set<std::size_t> members;
    };
    std::vector<episode> episodes;
    for (std::size_t i = 0; i < visits.size(); ++i) {
      if (i > 0 && visits[i].day == visits[i - 1].day) continue;
      std::vector<std::size_t> in;
      for (std::size_t j = i; j < visits.size() && visits[j].day < visits[i].day + days(7); ++j)
        in.push_back(j);
      if (static_cast<int>(in.size()) <= cfg.max_visits_per_week) continue;
      if (episodes.empty() || visits[i].day >= episodes.back().last_start + days(7))
        episodes.push_back({visits[i].day, visits[i].day, {}});
      episodes.back().last_start = visits[i].day;
      episodes.back().members.insert(in.begin(), in.end());
    }
    // Items already raised for a window: an episode near one keeps its key (a visit added at either end
    // must not raise a second alert for the same crowded stretch).
    const std::string window_prefix = "appointment-burden|window-";
    std::map<sys_days, bool> raised;  // window start -> still overloaded
    for (const auto& a : r_.actions)
      if (a.key.system == action_item_system && a.key.value.rfind(window_prefix, 0) == 0)
        if (auto d = fhir::written_date(a.key.value.substr(window_prefix.size()))) raised.emplace(*d, false);
    for (const auto& ep : episodes) {
      if (ep.last_start + days(7) <= today_) continue;  // an overloaded stretch already past needs nothing
      auto start = ep.first;
      for (auto& [d, live] : raised)
        if (d + days(6) >= ep.first && d <= ep.last_start + days(6)) {
          start = d;
          break;
        }
      raised[start] = true;
      std::set<std::string> sites;
      std::string list;
      for (auto m : ep.members) {
        sites.insert(visits[m].site);
        list += (list.empty() ? "" : "; ") + visits[m].what;
      }
      auto subject = "window-" + fhir::format_date(start);
      suggest(subject,
              std::to_string(ep.members.size()) + " visits at " + std::to_string(sites.size()) +
                  " sites within 7 days (more than " + std::to_string(cfg.max_visits_per_week) + "): " + list,
              ep.first);
      // The family carries the load: the parent partner checks in with them (in their language).
      action_item check_in;
      check_in.type = "parent_partner_outreach";
      check_in.owner_role = "parent_partner";
      check_in.due = fhir::format_date(ep.first);
      auto language = decision_maker_interpreter();
      check_in.description = "Check in with the family about " + std::to_string(ep.members.size()) +
                             " visits within 7 days" +
                             (language && !language->empty() ? " (in " + *language + ")" : std::string());
      ensure_action("appointment-burden-family", subject, std::move(check_in));
    }
    for (const auto& [d, live] : raised) {
      if (live) continue;
      auto subject = "window-" + fhir::format_date(d);
      close_action("appointment-burden", subject, "done", "no 7-day window is over the threshold now");
      close_action("appointment-burden-family", subject, "done", "no 7-day window is over the threshold now");
    }
    for (const auto& [date, sites] : per_day) {
      auto subject = "day-" + fhir::format_date(date);
      auto n = static_cast<int>(sites.size());
      if (n <= cfg.max_sites_per_day) {
        close_action("appointment-burden", subject, "done",
                     "the day has no more sites than the threshold now");
      } else if (date >= today_) {
        suggest(subject,
                std::to_string(n) + " sites on " + fhir::format_date(date) + " (more than " +
                    std::to_string(cfg.max_sites_per_day) + ")",
                date);
      }
    }
  }

  void referral_loop() {
    for (auto& ref : r_.referrals) {
      if (is_early_intervention(ref) || one_of(ref.flow, "declined", "cancelled", "failed") ||
          one_of(ref.status, "revoked", "entered-in-error"))
        continue;
      auto subject = subject_of(ref.key);
      // The visit: as the referral says, or a fulfilled appointment made for it.
      if (ref.seen_on.empty())
        for (const auto& a : r_.appointments)
          if (a.status == "fulfilled" && !a.based_on_referral.value.empty() &&
              a.based_on_referral == ref.key && fhir::first_second(a.start)) {
            set_text(ref.seen_on, a.start, "seen " + subject);
            break;
          }
      auto seen = fhir::first_second(ref.seen_on);
      if (!seen) continue;
      const auto within = s_.referral_loop.close_within;
      auto due = *seen + within;
      set_text(ref.loop_close_due,
               fhir::is_date_only(ref.seen_on) && within % days(1) == seconds(0)
                   ? fhir::format_date(floor<days>(due))
                   : fhir::format_date_time(due),
               "loop close due " + subject);
      if (!ref.report_ref.empty() || one_of(ref.flow, "report_received", "closed")) {
        close_action("referral-loop", subject, "done", "the specialist's report arrived");
        continue;
      }
      if (now_ < due) {
        due_again_at(due);
        continue;
      }
      action_item a;
      a.type = "obtain_report";
      a.priority = "urgent";
      a.due = fhir::format_date(today_);
      a.description = "Obtain the " + (ref.specialty.empty() ? std::string("specialist") : ref.specialty) +
                      " report: the referral loop is still open after the visit of " + ref.seen_on;
      a.focus = ref.key;
      ensure_action("referral-loop", subject, std::move(a));
    }
  }

  static std::optional<double> grams(const model::quantity& q) {
    double v = 0;
    auto [end, ec] = std::from_chars(q.value.data(), q.value.data() + q.value.size(), v);
    if (ec != std::errc() || end != q.value.data() + q.value.size()) return std::nullopt;
    auto unit = q.code.empty() ? q.unit : q.code;
    if (unit == "g") return v;
    if (unit == "kg") return v * 1000;
    if (unit == "[lb_av]" || unit == "lb") return v * 453.59237;
    if (unit == "[oz_av]" || unit == "oz") return v * 28.349523125;
    return std::nullopt;
  }

  void weight_gain() {
    const auto& cfg = s_.weight_gain;
    std::vector<std::pair<time_point, double>> weights;
    for (const auto& m : r_.measurements) {
      if (m.code.code != "29463-7") continue;
      auto t = fhir::first_second(m.effective);
      auto g = grams(m.value);
      if (t && g) weights.emplace_back(*t, *g);
    }
    std::sort(weights.begin(), weights.end());
    if (weights.size() < 2) return;
    const auto& last = weights.back();
    // The velocity over at least the window: from the latest weight taken a window or more before the
    // last. Weekly weights are not taken to the minute (nor across a clock change): half a day short counts.
    const auto span = cfg.window > hours(24) ? cfg.window - hours(12) : cfg.window;
    const std::pair<time_point, double>* first = nullptr;
    for (const auto& w : weights)
      if (w.first <= last.first - span) first = &w;
    if (first == nullptr) return;
    double span_days = duration<double>(last.first - first->first).count() / 86'400.0;
    double velocity = (last.second - first->second) / span_days;
    auto subject = child_subject();
    if (velocity >= cfg.min_grams_per_day) {
      close_action("weight-gain", subject, "done", "weight gain is back on target");
      return;
    }
    char figure[32];
    std::snprintf(figure, sizeof figure, "%.1f", velocity);
    action_item a;
    a.type = "growth_review";
    a.owner_role = "pcp";
    a.priority = "urgent";
    a.due = fhir::format_date(today_ + days(2));
    a.description = std::string("Weight gain ") + figure + " g/day over " +
                    std::to_string(std::lround(span_days)) + " days is below the target of " +
                    std::to_string(std::lround(cfg.min_grams_per_day)) +
                    " g/day: growth and nutrition review, plan of care review";
    bool is_new = find_action("weight-gain|" + subject) == nullptr;
    ensure_action("weight-gain", subject, std::move(a));
    // The plan of care is due for review now (once, when the item is first raised).
    if (is_new && r_.care_plan) {
      auto today = fhir::format_date(today_);
      if (r_.care_plan->next_review_due.empty() || r_.care_plan->next_review_due > today)
        set_text(r_.care_plan->next_review_due, today, "plan review due");
    }
  }

  bool rop_screening_incomplete() const {
    for (const auto& p : r_.problems) {
      if (one_of(p.clinical_status, "resolved", "inactive", "remission")) continue;
      auto text = lower(p.text + " " + p.code.display);
      if (p.code.code == "415297005" || contains(text, "retinopathy of prematurity") ||
          contains(" " + text + " ", " rop "))
        return true;
    }
    return std::any_of(r_.referrals.begin(), r_.referrals.end(), [](const referral& ref) {
      return ref.specialty == "ophthalmology" && !referral_ended(ref) && !flow_seen_or_later(ref.flow);
    });
  }

  const referral* ophthalmology_referral(const appointment& a) const {
    for (const auto& ref : r_.referrals)
      if (!a.based_on_referral.value.empty() ? ref.key == a.based_on_referral
                                             : ref.specialty == "ophthalmology")
        return &ref;
    return nullptr;
  }

  const appointment* appointment_by_key(const identifier& key) const {
    for (const auto& a : r_.appointments)
      if (a.key == key) return &a;
    return nullptr;
  }

  void rop_followup() {
    if (!rop_screening_incomplete()) return;
    auto at = discharged_at();
    if (at) {
      // An exam booked at discharge settles this rule even when it is later missed or moved: a no-show or
      // a late reschedule is rop-escalation's, not a second urgent task for the same exam.
      bool booked = std::any_of(r_.appointments.begin(), r_.appointments.end(), [](const appointment& a) {
        return a.specialty == "ophthalmology" && (is_visit(a) || a.status == "noshow" ||
                                                  a.status == "fulfilled" || !a.replaced_by.value.empty());
      });
      if (booked) {
        close_action("rop-followup", discharge_subject(), "done", "an ophthalmology appointment is booked");
      } else {
        action_item a;
        a.type = "schedule_followup";
        a.priority = "urgent";
        a.due = fhir::format_date_time(*at);
        a.description = "ROP screening incomplete: book the next ophthalmology exam before discharge";
        a.focus = r_.encounter->key;
        ensure_action("rop-followup", discharge_subject(), std::move(a));
      }
    }
    for (const auto& appt : r_.appointments) {
      if (appt.specialty != "ophthalmology") continue;
      auto subject = subject_of(appt.key);
      const auto* ref = ophthalmology_referral(appt);
      // The end of the clinical window; time_point::max() when the referral names none.
      auto window_end = time_point::max();
      if (auto due_by = ref ? fhir::first_second(ref->due_by) : std::nullopt)
        window_end =
            fhir::is_date_only(ref->due_by) ? *due_by + days(1) : *due_by;  // a date: the whole due day
      std::string why;
      if (appt.status == "noshow") {
        why = "ROP exam missed (no-show) on " + appt.start;
        // A replacement booked within the window settles it.
        if (const auto* next = appointment_by_key(appt.replaced_by); next && is_upcoming(*next)) {
          auto t = fhir::first_second(next->start);
          if (t && *t < window_end) {
            close_action("rop-escalation", subject, "done", "rebooked within the window");
            continue;
          }
        }
      } else if (is_upcoming(appt) && !appt.replaces.value.empty() && window_end != time_point::max()) {
        auto t = fhir::first_second(appt.start);
        if (t && *t >= window_end)
          why = "ROP exam rescheduled to " + appt.start + ", past the due date " + ref->due_by;
      }
      if (why.empty()) continue;
      action_item a;
      a.type = "call_family";
      a.priority = "asap";
      a.due = fhir::format_date(today_);  // the same day
      a.description = "Escalate today: " + why;
      a.focus = appt.key;
      ensure_action("rop-escalation", subject, std::move(a));
    }
  }

  // Two active instructions for the same drug (by its RxNorm code) that disagree, as when a specialist
  // changes a dose the NICU set: both stay in the record with their sources, and the PCP reconciles them.
  void medication_conflict() {
    std::map<std::string, std::vector<const model::medication*>> by_drug;
    for (const auto& m : r_.medications)
      if (!m.code.code.empty() && (m.status.empty() || m.status == "active"))
        by_drug[m.code.code].push_back(&m);
    std::set<std::string> seen_drugs;
    for (const auto& m : r_.medications)
      if (!m.code.code.empty()) seen_drugs.insert(m.code.code);
    for (const auto& drug : seen_drugs) {
      auto subject = "rxnorm-" + drug;
      const model::medication* first = nullptr;
      const model::medication* other = nullptr;
      for (const auto* m : by_drug[drug]) {
        if (first == nullptr) {
          first = m;
        } else if (other == nullptr && !(m->key == first->key) && m->dosage != first->dosage) {
          other = m;
        }
      }
      if (other == nullptr) {
        close_action("medication-conflict", subject, "done", "no two active instructions disagree now");
        continue;
      }
      auto name = first->text.empty() ? first->code.display : first->text;
      auto says = [](const model::medication& m) {
        return "'" + (m.dosage.empty() ? std::string("no dosage") : m.dosage) + "'" +
               (m.source.empty() ? std::string() : " (" + m.source + ")");
      };
      action_item a;
      a.type = "med_reconciliation";
      a.owner_role = "pcp";
      a.priority = "urgent";
      a.due = fhir::format_date(today_ + days(2));
      a.description =
          "Reconcile " + (name.empty() ? "drug " + drug : name) + ": " + says(*first) + " vs " + says(*other);
      a.focus = first->key;
      ensure_action("medication-conflict", subject, std::move(a));
    }
  }

  // Each visit summary a specialist sent: the PCP reads it (its recommendations may change the plan).
  void visit_summary_review() {
    std::vector<std::pair<std::string, std::string>> summaries;  // message id, sender
    for (const auto& e : r_.events)
      if (e.kind == "VisitSummaryReceived" && !e.message_id.empty())
        summaries.emplace_back(e.message_id, e.source);
    for (const auto& [message_id, sender] : summaries) {
      action_item a;
      a.type = "review_visit_summary";
      a.owner_role = "pcp";
      a.due = fhir::format_date(today_ + days(7));
      a.description = "Review the visit summary" + (sender.empty() ? std::string() : " from " + sender) +
                      " (message " + message_id + ")";
      ensure_action("visit-summary-review", message_id, std::move(a));
    }
  }

  // A rebooked appointment (scenario 3): the family is told the new date, and a new date past the end of its
  // referral's clinical window escalates the same day. ROP exams escalate through rop-escalation.
  void reschedule_notice() {
    for (const auto& appt : r_.appointments) {
      if (appt.replaces.value.empty()) continue;
      auto subject = subject_of(appt.key);
      if (!is_upcoming(appt)) {
        close_action("reschedule-notice", subject, "cancelled", "the new date was " + appt.status);
        continue;
      }
      action_item notice;
      notice.type = "call_family";
      notice.due = fhir::format_date(today_);
      notice.description = "Tell the family the new date of the " +
                           (appt.specialty.empty() ? std::string("appointment") : appt.specialty + " visit") +
                           ": " + appt.start;
      notice.focus = appt.key;
      ensure_action("reschedule-notice", subject, std::move(notice));
      if (appt.specialty == "ophthalmology" && rop_screening_incomplete()) continue;
      const referral* ref = nullptr;
      for (const auto& r : r_.referrals)
        if (!appt.based_on_referral.value.empty() && r.key == appt.based_on_referral) ref = &r;
      if (ref == nullptr || ref->due_by.empty()) continue;
      auto due_by = fhir::first_second(ref->due_by);
      auto start = fhir::first_second(appt.start);
      if (!due_by || !start) continue;
      auto window_end = fhir::is_date_only(ref->due_by) ? *due_by + days(1) : *due_by;
      if (*start < window_end) continue;
      action_item late;
      late.type = "call_family";
      late.priority = "asap";
      late.due = fhir::format_date(today_);
      late.description =
          "Escalate today: the " + (appt.specialty.empty() ? std::string("visit") : appt.specialty) +
          " visit was rebooked to " + appt.start + ", past the end of its window " + ref->due_by;
      late.focus = appt.key;
      ensure_action("window-escalation", subject, std::move(late));
    }
  }

  // An amended discharge that adds a drug (record event MedicationAdded, scenario 2): the PCP reconciles
  // the medication list, once per added medication.
  void medication_added() {
    std::vector<std::string> added;
    for (const auto& e : r_.events)
      if (e.kind == "MedicationAdded" && !e.detail.empty()) added.push_back(e.detail);
    for (const auto& key : added) {
      std::string name = key;
      for (const auto& m : r_.medications)
        if (m.key.value == key && !m.text.empty()) name = m.text;
      action_item a;
      a.type = "med_reconciliation";
      a.owner_role = "pcp";
      a.priority = "urgent";
      a.due = fhir::format_date(today_ + days(2));
      a.description = "Reconcile the medication list: the amended discharge adds " + name;
      ensure_action("medication-added", key, std::move(a));
    }
  }

  // Weekly weight checks after a NICU discharge (domain.md §1.3, scenario 1): one open task at a time,
  // due a week after the discharge or after the last weight taken since; a new weight closes it and opens
  // the next, for the first 12 weeks.
  void weight_check() {
    auto at = discharged_at();
    if (!at) return;
    int taken = 0;
    time_point last = *at;
    for (const auto& m : r_.measurements) {
      if (m.code.code != "29463-7") continue;
      auto t = fhir::first_second(m.effective);
      if (!t || *t <= *at) continue;  // the discharge weight is not a check
      ++taken;
      if (*t > last) last = *t;
    }
    constexpr int weeks = 12;
    for (int n = 1; n <= std::min(taken, weeks); ++n)
      close_action("weight-check", discharge_subject() + "|week-" + std::to_string(n), "done",
                   "the weight was taken");
    if (taken >= weeks) return;
    action_item a;
    a.type = "weight_check";
    a.due = fhir::format_date(std::chrono::floor<days>(last + days(7)));
    a.description = "Weekly weight check " + std::to_string(taken + 1) + " after the NICU discharge";
    ensure_action("weight-check", discharge_subject() + "|week-" + std::to_string(taken + 1), std::move(a));
  }

  coordination_record& r_;
  const config::coordination_settings& s_;
  time_point now_;
  sys_days today_;
  std::string_view source_;
  rule_run result_;
};

}  // namespace

rule_run apply_rules(model::coordination_record& record, const config::coordination_settings& settings,
                     time_point now, std::string_view source) {
  if (!settings.enabled) return {};
  return rule_engine(record, settings, now, source).run();
}

}  // namespace homebase::mappers::coordination
