// medical_home: which organisations a coordination_record names as the child's medical home.
// Routing matches these identifiers (system|value) against the configured medical homes.
#pragma once

#include <vector>

#include "mappers/model/coordination_record.hpp"

namespace homebase::mappers::model {

// The organisation identifiers that signal the child's medical home, strongest first, without duplicates:
//   1. Patient.generalPractitioner organisations (child.general_practitioner_orgs),
//   2. CareTeam.managingOrganization (care_team->managing_organizations),
//   3. the organisations that the team's pcp and care_coordinator members act for.
[[nodiscard]] std::vector<identifier> medical_home_organizations(const coordination_record& record);

}  // namespace homebase::mappers::model
