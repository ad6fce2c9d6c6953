// medical_home_routing: which configured medical home a child belongs to.
// In order: an explicit mapping of one of the child's identifiers; an organisation identifier in
// Patient.generalPractitioner, CareTeam.managingOrganization, the organisation of the care team's PCP or
// care coordinator (mappers::model::medical_home_organizations).
// No match: the message is held as `unroutable` (never dropped) until the config names the home.
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
