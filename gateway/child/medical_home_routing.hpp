// medical_home_routing: which configured medical home a child belongs to.
// In order: an explicit mapping of one of the child's identifiers; an organisation identifier in
// Patient.generalPractitioner, CareTeam.managingOrganization, the organisation of the care team's PCP or
// care coordinator (mappers::model::medical_home_organizations).
// No match: the message is held as `unroutable` (never dropped) until the config names the home.
//
// Precedence of the whole decision (documented in docs/ARCHITECTURE.md, "A child changes medical home"):
//   1. the operator's pin, children.home_override (POST /admin/children/{id}/$transfer); applied by
//      child_writer::save_child, which has the store; it holds until the next $transfer, so later messages
//      that still name the old practice do not route the child back;
//   2. route_child below: the explicit identifier mapping, then the newest Patient.generalPractitioner a
//      message named (model/record_merge replaces the record's with a message's), then
//      CareTeam.managingOrganization, then the PCP's or care coordinator's organisation.
// A result that is another configured home than children.medical_home is a transfer
// (child/medical_home_transfer).
#pragma once

#include <string>

#include "config/gateway_config.hpp"
#include "mappers/model/coordination_record.hpp"

namespace homebase::gateway::child {

struct route {
  const config::medical_home* home = nullptr;  // null: unroutable
  std::string reason;                          // how the home was recognised, or why none was
};

[[nodiscard]] route route_child(const mappers::model::coordination_record& record,
                                const config::gateway_config& config);

}  // namespace homebase::gateway::child
