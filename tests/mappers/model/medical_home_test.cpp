#include "mappers/model/medical_home.hpp"

#include <gtest/gtest.h>

namespace homebase::mappers::model {
namespace {

TEST(MedicalHome, CollectsSignalsInOrderWithoutDuplicates) {
  coordination_record r;
  const identifier a{"http://hl7.org/fhir/sid/us-npi", "1234567893"};
  const identifier b{"http://example.org/org", "B"};
  const identifier c{"http://example.org/org", "C"};
  r.patient.general_practitioner_orgs = {a};
  r.care_team = care_team_info{};
  r.care_team->managing_organizations = {b, a};
  team_member pcp;
  pcp.role = team_role::pcp;
  pcp.organization = c;
  team_member nicu;
  nicu.role = team_role::nicu_team;
  nicu.organization = {"http://example.org/org", "hospital"};
  r.team = {nicu, pcp};
  EXPECT_EQ(medical_home_organizations(r), (std::vector<identifier>{a, b, c}));
  EXPECT_TRUE(medical_home_organizations(coordination_record{}).empty());
}

TEST(TeamRole, NamesRoundTrip) {
  for (auto role : {team_role::pcp, team_role::care_coordinator, team_role::parent_partner,
                    team_role::specialist, team_role::nicu_team, team_role::other}) {
    EXPECT_EQ(team_role_from_string(to_string(role)), role);
  }
  EXPECT_FALSE(team_role_from_string("doctor"));
}

}  // namespace
}  // namespace homebase::mappers::model
