#include "gateway/child/medical_home_routing.hpp"

#include <gtest/gtest.h>

namespace homebase::gateway::child {
namespace {

using mappers::model::coordination_record;
using mappers::model::team_role;

config::config_ptr two_homes() {
  return config::load_text(R"(
medical_homes:
  - id: meadowbrook
    fhir_base_url: http://127.0.0.1:1/fhir
    organization_identifiers: [{system: "http://hl7.org/fhir/sid/us-npi", value: "1234567893"}]
  - id: riverside
    fhir_base_url: http://127.0.0.1:2/fhir
    organization_identifiers: [{system: "http://hl7.org/fhir/sid/us-npi", value: "5555555555"}]
    patients: [{system: "urn:mrn", value: "42"}]
)");
}

TEST(medical_home_routing, general_practitioner_organisation) {
  coordination_record r;
  r.patient.general_practitioner_orgs.push_back({"http://hl7.org/fhir/sid/us-npi", "1234567893"});
  auto config = two_homes();
  auto route = route_child(r, *config);
  ASSERT_NE(route.home, nullptr);
  EXPECT_EQ(route.home->id, "meadowbrook");
}

TEST(medical_home_routing, explicit_mapping_wins) {
  coordination_record r;
  r.patient.identifiers.push_back({"urn:mrn", "42"});
  r.patient.general_practitioner_orgs.push_back({"http://hl7.org/fhir/sid/us-npi", "1234567893"});
  auto config = two_homes();
  auto route = route_child(r, *config);
  ASSERT_NE(route.home, nullptr);
  EXPECT_EQ(route.home->id, "riverside");
}

TEST(medical_home_routing, care_team_pcp_organisation) {
  coordination_record r;
  mappers::model::team_member pcp;
  pcp.role = team_role::pcp;
  pcp.organization = {"http://hl7.org/fhir/sid/us-npi", "5555555555"};
  r.team.push_back(pcp);
  auto config = two_homes();
  auto route = route_child(r, *config);
  ASSERT_NE(route.home, nullptr);
  EXPECT_EQ(route.home->id, "riverside");
}

TEST(medical_home_routing, a_specialists_organisation_is_not_a_medical_home) {
  coordination_record r;
  mappers::model::team_member specialist;
  specialist.role = team_role::specialist;
  specialist.organization = {"http://hl7.org/fhir/sid/us-npi", "5555555555"};
  r.team.push_back(specialist);
  auto config = two_homes();
  auto route = route_child(r, *config);
  EXPECT_EQ(route.home, nullptr);
  EXPECT_FALSE(route.reason.empty());
}

}  // namespace
}  // namespace homebase::gateway::child
