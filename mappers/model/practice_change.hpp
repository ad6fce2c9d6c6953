// practice_change: what a medical home's people changed in a resource Homebase wrote at the practice
// (issue 11 item 2), limited to the fields the practice owns (docs/ARCHITECTURE.md, "Who owns which
// field"), and how such a change merges into the coordination record. Both ways a practice tells us use
// it: the push (PUT/PATCH /fhir/Task/{id} on Homebase's API) and the pull (reading back the Tasks
// Homebase wrote at the practice's server); so does the delivery's 412 path, which reads the practice's
// current version. Pure: no I/O.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "mappers/model/coordination_record.hpp"

namespace homebase::mappers::model {

struct practice_change {
  std::string resource_type;         // Task | Appointment | CarePlan
  identifier key;                    // the business identifier Homebase wrote the resource with
  std::string status;                // the practice's status (FHIR code of the resource type); empty: none
  std::string business_status;       // Task.businessStatus text, when any
  std::string status_reason;         // Task.statusReason / Appointment.cancelationReason text
  std::string owner;                 // Task.owner display or reference
  std::vector<std::string> notes;    // Task.note texts
  std::vector<std::string> outputs;  // Task.output value texts
  std::string changed_at;            // the practice's meta.lastUpdated (FHIR instant), or when we learned it
  std::string source;                // "medical-home:<id> push" | "medical-home:<id> pull" | "... delivery"
  friend bool operator==(const practice_change&, const practice_change&) = default;
};

// The practice-owned fields of a Task, Appointment or CarePlan resource (R4 JSON text) as a change,
// keyed on the first identifier whose system is one Homebase writes; nullopt when the resource is not
// one of Homebase's (no such identifier) or not of a supported type.
[[nodiscard]] std::optional<practice_change> practice_change_from_resource(std::string_view resource_json,
                                                                           std::string_view source);

struct practice_change_result {
  bool changed = false;  // the record changed (save it; a record_event was appended with the source)
  std::vector<std::string> notes;  // why something was not applied (unknown key, a state it may not reach)
};

// Merges `change` into `record` by ownership: a completed or cancelled action item stays closed (rules do
// not reopen it), a case-conference item marked done becomes `discussed`, a referral Task's status moves
// the referral's flow (mappers/model/referral_flow), an Appointment cancelled by the practice stays
// cancelled. Appends one record_event (kind PracticeChangeReceived) with `change.source`.
[[nodiscard]] practice_change_result apply_practice_change(coordination_record& record,
                                                           const practice_change& change,
                                                           std::string_view now);

}  // namespace homebase::mappers::model
