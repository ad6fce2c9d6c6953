// referral_flow: the coordination states of a referral and the transitions between them, aligned with
// the harmonised BSeR/360X referral Task machine (fhir-rules.md §4.3):
//   draft -> sent -> accepted | declined; accepted -> scheduled -> seen -> report_received -> closed;
//   cancelled and failed from any open state. A scheduled visit may be rescheduled (scheduled ->
//   scheduled) or cancelled by the recipient (scheduled -> accepted, to be booked again); a seen referral
//   may get another visit (seen -> scheduled). declined, cancelled, failed and closed are terminal.
// A referral the gateway knows only as `draft` (what the hospital handed over) may jump to any later
// state: the steps between were taken where the gateway could not see them.
#pragma once

#include <string_view>

namespace homebase::mappers::model {

[[nodiscard]] bool is_referral_flow(std::string_view flow);
// True when a referral in state `from` may move to `to` (the same state is always allowed).
[[nodiscard]] bool referral_transition_allowed(std::string_view from, std::string_view to);
// The FHIR ServiceRequest.status that goes with a flow (request-status): active while open, completed
// once the report is in, revoked when it ended without a visit.
[[nodiscard]] std::string_view request_status_for_flow(std::string_view flow);

}  // namespace homebase::mappers::model
