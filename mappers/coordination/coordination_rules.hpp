// coordination_rules: the coordination work a child's record calls for (domain.md §5.3), derived from
// the merged record by configurable rules: FHIR Tasks for the team (`actions`), case-conference agenda
// items (`agenda`), the early intervention clocks and each referral's loop-closure date.
//
// Pure: no I/O and no clock; `now` is a parameter. Every item is keyed
//   {http://homebase.example.org/fhir/sid/action-item (or .../conference-item), "<rule-id>|<subject key>"}
// so a rule fires once per subject: running the rules again on the same record adds nothing. An item the
// team completed or cancelled is never reopened; an open item whose condition no longer holds is closed
// (done, or cancelled when its subject went away), never deleted. Each added, escalated or closed item
// leaves a record_event (source: the caller's, "rules" or "scheduler").
//
// Rule ids (the first part of a key): case-conference, parent-partner-outreach, pcp-visit,
// schedule-followup, ei-referral, ei-acknowledgement, ei-ifsp, ei-declined, interpreter, transport,
// appointment-burden, appointment-burden-family, referral-loop, weight-gain, rop-followup, rop-escalation,
// medication-conflict, visit-summary-review.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/gateway_config.hpp"
#include "mappers/model/coordination_record.hpp"

namespace homebase::mappers::coordination {

// The rules count time in whole seconds, UTC (FHIR text is read and written by fhir/fhir_time).
using time_point = std::chrono::sys_seconds;

inline constexpr std::string_view action_item_system = "http://homebase.example.org/fhir/sid/action-item";
inline constexpr std::string_view conference_item_system =
    "http://homebase.example.org/fhir/sid/conference-item";

struct rule_run {
  // One line per change to the record ("added pcp-visit|ENC-1", "closed interpreter|APT-3", ...).
  std::vector<std::string> changes;
  // The earliest time a time-driven rule must look at this record again; nullopt: no clock is pending.
  std::optional<time_point> next_due;
  [[nodiscard]] bool changed() const { return !changes.empty(); }
};

// Updates `record` in place. `source` goes into the record_events the run adds.
rule_run apply_rules(model::coordination_record& record, const config::coordination_settings& settings,
                     time_point now, std::string_view source = "rules");

}  // namespace homebase::mappers::coordination
