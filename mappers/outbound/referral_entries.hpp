// referral_entries: each referral as a ServiceRequest (what is asked for) plus a referral Task (where the
// closed loop stands), following the BSeR ReferralTask pattern and its 360X-harmonised states
// (fhir-rules §4): intent order, code fulfill, focus = the ServiceRequest, for = the Patient, owner = the
// recipient when known, businessStatus from TaskBusinessStatusCS, statusReason when declined or cancelled,
// output = the report that closed the loop. The early intervention episode goes out as its referral (its
// clocks as a note), made from the episode when the record has no referral entity for it.
#pragma once

#include <optional>
#include <string>

#include "mappers/outbound/entry_writer.hpp"

namespace homebase::mappers::outbound {

void write_referrals(entry_writer& w);

// The Task's business key, derived from the referral's key, so that it stays the same when the sender's
// own Task id (the referral's task_key, a second identifier) becomes known.
[[nodiscard]] model::identifier referral_task_key(const model::referral& r);

// Task.status and businessStatus code (empty when BSeR has none) for a referral flow state.
struct referral_task_state {
  std::string status;
  std::string business_code;
  std::string business_display;
};
[[nodiscard]] referral_task_state task_state_of(std::string_view flow);

// The early intervention referral made from the episode, when the record has no referral for it.
[[nodiscard]] std::optional<model::referral> early_intervention_referral(const entry_writer& w);

}  // namespace homebase::mappers::outbound
