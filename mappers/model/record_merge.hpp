// record_merge: applies what a new message says about a child to what the gateway already knows.
//
// Entities are matched on their business identifier (`key`, or for the child any shared identifier).
// The merge is field-aware: a field the message leaves empty keeps its value (an update that says only a
// referral's new state keeps its specialty, reason and due date); a new entity is appended; nothing is
// ever dropped, and appointment chains (replaces / replaced_by) are kept. So an amended discharge (same
// encounter, corrected content) updates in place and a repeat changes nothing.
//
// What only the merge can decide, because it needs the record as it is:
//   - a discharge for an encounter the record already has is an amendment: its DischargeRecordReceived
//     event becomes DischargeRecordAmended;
//   - a referral's new state must be a transition referral_flow allows from its current one; when not,
//     it is not applied, and a note and a ReferralTransitionRejected event say so. A discharge only
//     restates its referrals: a state it gives that would go backwards is kept silently as it is;
//   - a medication with a new key naming a drug already on the list with another dosage or status
//     conflicts with the list: both instructions are kept, each with its source, and a note and a
//     MedicationConflict event say which two disagree (nothing is silently overwritten);
//   - an appointment that took place (fulfilled) makes its referral seen, unless it is further along;
//   - the plan of care's version goes up by one exactly when its content (problems, medications,
//     devices, goals, activities) changed.
#pragma once

#include <string>
#include <vector>

#include "mappers/model/coordination_record.hpp"

namespace homebase::mappers::model {

struct merge_note {
  std::string severity;  // warning | information
  std::string subject;   // the entity's key, "system|value"
  std::string text;
  friend bool operator==(const merge_note&, const merge_note&) = default;
};

struct merge_summary {
  int added = 0;
  int updated = 0;
  int unchanged = 0;
  bool plan_changed = false;  // the plan's content changed (its version went up when it had one)
  std::vector<merge_note> notes;
};

// True when both records describe the same child (they share at least one identifier system|value).
[[nodiscard]] bool same_child(const child& a, const child& b);

// Merges `incoming` into `existing` in place.
merge_summary merge(coordination_record& existing, const coordination_record& incoming);

}  // namespace homebase::mappers::model
