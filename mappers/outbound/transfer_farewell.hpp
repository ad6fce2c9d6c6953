// transfer_farewell: what the old medical home receives when a child moves to another practice, its last
// delivery (gateway/child/medical_home_transfer queues it; gateway/delivery builds it when it is sent).
//
// The farewell is built from the record as the old home knew it (the record before the transfer: nothing
// that arrived with or after the message that moved the child) with the transfer applied:
//   - CareTeam: status `inactive` (R4: "was, but is no longer, participating"), and each participant who
//     acts for the old home (team_member.organization or an Organization member with one of its
//     identifiers) gets period.end = the transfer time;
//   - one record event of kind `MedicalHomeTransfer`, sent as a Provenance (activity: the kind; target:
//     the Patient and the CareTeam; agent: the partner whose message moved the child, or Homebase for an
//     operator's transfer) whose text says only that the child's care moved to another medical home;
//   - every Task that is not finished (completed, cancelled, failed, rejected, entered-in-error) is
//     cancelled with statusReason.text `transferred to another medical home`.
// The Bundle keeps only the Patient, the CareTeam, the Tasks, that Provenance, and the entries they refer
// to (so every reference still resolves inside the Bundle); conditional writes as always.
// What it never carries: the new home's name or identifiers, the operator's free-text reason (it may name
// the new practice; it stays in the new home's record event and the AuditEvent), or anything received
// after the transfer. Pure: no I/O, no clock.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "mappers/model/coordination_record.hpp"

namespace homebase::mappers::outbound {

inline constexpr std::string_view transfer_event_kind = "MedicalHomeTransfer";
inline constexpr std::string_view transfer_status_reason = "transferred to another medical home";
inline constexpr std::string_view transfer_farewell_detail =
    "The child's care moved to another medical home; this practice's part in the care team ended";

struct farewell_facts {
  std::string at;          // the transfer's instant
  std::string source;      // the partner whose message moved the child; "" for an operator (Homebase)
  std::string message_id;  // that message's MessageHeader.id, when any
  std::vector<model::identifier> old_home_organizations;  // the old home's configured identifiers
};

// The record the old home's farewell is built from: `before` with the transfer applied (above).
[[nodiscard]] model::coordination_record farewell_record(const model::coordination_record& before,
                                                         const farewell_facts& facts);

// The farewell transaction Bundle (minified JSON) from the full transaction Bundle of a farewell record:
// the kept entries (above), open Tasks cancelled. `bundle` unparsable: returned unchanged.
[[nodiscard]] std::string farewell_bundle(std::string_view bundle);

}  // namespace homebase::mappers::outbound
