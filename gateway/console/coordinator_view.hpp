// coordinator_view: what the care coordinator of ONE medical home works from (issue 13 item 3), as the JSON
// the console's coordinator page (gateway/console/assets/coordinator.*) draws. Plain functions over the
// store's read side and the config; no HTTP, no session: the console routes decide who may ask for which
// home (a care coordinator: their own; an operator: any) and audit what the answer disclosed.
//
// Only the children routed to the home are seen (children.medical_home, the rule api::read_scope applies
// to a medical_home client): another home's child is `not_found`, exactly like an unknown one.
//
//   children   the home's children: name, birth date, corrected age, language and interpreter, counts of
//              open and overdue tasks, open referrals, agenda items, and the next visit
//   agenda     the next case conference (config coordination.case_conference.weekday; the first such day
//              from today on) and its items, which the coordination rules put on the agenda
//              (mappers/coordination: case-conference, appointment-burden); pending items of a past
//              conference are carried over to it; items already set for a later one follow
//   tasks      the open coordination Tasks (the rules' action items still open, in progress or blocked),
//              grouped by owner role, earliest due first, each marked overdue when its due day is past
//   timeline   one child, six weeks from `from`: per week the visits (specialty, date, time as the sender
//              wrote it, place, with whom, interpreter and transport needs), the weekly weight checks after
//              the NICU discharge (booked, weighed, due or expected), clusters of visits (more visits in
//              7 days than coordination.appointment_burden allows, or more sites in a day), the open
//              referrals with their loop-closure clocks, the early intervention clocks, the scheduler's
//              next look at the record (the coordination_due table), the child's open tasks, and the
//              Medical Home Checklist with its evidence (mappers/outbound/medical_home_checklist, as
//              GET /fhir/Patient/{id}/$medical-home-checklist answers it)
//   letters    the school letters about the home's children that are not settled: queued, sending,
//              retrying, blocked or dead. (Approval by a clinician before a letter leaves comes with
//              issue 12; until then a letter waits only for the disclosure gate and the school.)
//
// Dates: "today" is `now_ms`' UTC day; what is overdue or upcoming is judged against it. A visit is placed
// on the day the sender wrote (its own time zone), as the family reads it.
// Cost: every view but `timeline` reads the record of each of the home's children (one indexed Patient
// search, then one read per child); a home of a few hundred children answers in milliseconds.
// Threads: any; each call uses the store's read connection (under its mutex) and nothing else shared.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "config/gateway_config.hpp"
#include "gateway/store/sqlite_store.hpp"

namespace homebase::gateway::console {

// What a view answers.
struct coordinator_answer {
  enum class outcome {
    ok,            // `json` is the view
    not_found,     // an unknown medical home, or a child unknown or not routed to this home
    store_failed,  // a read failed or a stored record cannot be read (`json` names what)
  };
  outcome result = outcome::ok;
  std::string json;  // the view (ok), or {"error": "..."}
  // The Patient ids (as the FHIR API serves them) whose data the answer carries: the routes audit them.
  std::vector<std::string> patients;
};

// Who asks, and when.
struct coordinator_request {
  std::string medical_home;  // the medical_homes[].id whose children are shown
  std::int64_t now_ms = 0;   // unix ms: today, overdue, next conference
};

// How many weeks a timeline covers.
inline constexpr int timeline_weeks = 6;

[[nodiscard]] coordinator_answer coordinator_children(store::sqlite_store& store,
                                                      const config::gateway_config& config,
                                                      const coordinator_request& request);
[[nodiscard]] coordinator_answer coordinator_agenda(store::sqlite_store& store,
                                                    const config::gateway_config& config,
                                                    const coordinator_request& request);
[[nodiscard]] coordinator_answer coordinator_tasks(store::sqlite_store& store,
                                                   const config::gateway_config& config,
                                                   const coordinator_request& request);
// `patient_id`: the child's Patient id (as the FHIR API and the children view give it); the six weeks start
// on `from` (the route's default: today).
[[nodiscard]] coordinator_answer coordinator_timeline(store::sqlite_store& store,
                                                      const config::gateway_config& config,
                                                      const coordinator_request& request,
                                                      std::string_view patient_id,
                                                      std::chrono::sys_days from);
[[nodiscard]] coordinator_answer coordinator_letters(store::sqlite_store& store,
                                                     const config::gateway_config& config,
                                                     const coordinator_request& request);

// The day a `from` query value names (YYYY-MM-DD); nullopt for anything else.
[[nodiscard]] std::optional<std::chrono::sys_days> parse_from_date(std::string_view text);

}  // namespace homebase::gateway::console
