#include "mappers/disclosure/authorization.hpp"

#include <gtest/gtest.h>

#include "fhir/json_document.hpp"
#include "tests/mappers/disclosure/disclosure_fixtures.hpp"

namespace homebase::mappers::disclosure {
namespace {

using namespace testing;

TEST(authorization, ReadsTheFamilysHipaaAuthorization) {
  auto a = load_authorization(consent_504, "7");
  EXPECT_EQ(a.consent_id, "7");
  EXPECT_EQ(a.status, "active");
  EXPECT_EQ(a.basis, authorization_basis::hipaa_authorization);
  EXPECT_EQ(a.patient,
            (model::identifier{"http://st-elsewhere-childrens.example.org/fhir/sid/mrn", "SE-448812"}));
  EXPECT_EQ(a.grantor,
            (model::identifier{"http://homebase.example.org/fhir/sid/family-member", "SE-448812|mother"}));
  EXPECT_EQ(a.period_start, "2026-09-02");
  EXPECT_EQ(a.period_end, "2027-08-31");
  ASSERT_EQ(a.recipients.size(), 1U);
  EXPECT_EQ(a.recipients[0].value, "lincoln-usd");
  EXPECT_TRUE(a.disclose_action);
  ASSERT_EQ(a.purposes.size(), 1U);
  EXPECT_EQ(a.purposes[0].code, "COC");
  EXPECT_EQ(a.permitted, (std::vector<data_class>{
                             data_class::diagnoses, data_class::functional_impact, data_class::accommodations,
                             data_class::school_hours_medications, data_class::emergency_plan}));
  EXPECT_EQ(a.excluded, std::vector<data_class>{data_class::behavioral_health});
  EXPECT_TRUE(a.authority_document.empty());
}

TEST(authorization, ReadsTheImmunizationAgreement) {
  auto a = load_authorization(consent_immunization);
  EXPECT_EQ(a.basis, authorization_basis::immunization_agreement);
  EXPECT_EQ(a.permitted, std::vector<data_class>{data_class::immunizations});
}

TEST(authorization, RevocationReadsAsInactive) {
  EXPECT_EQ(load_authorization(consent_revoked).status, "inactive");
}

// Each mutation of the fixture that makes it unusable, and where the error points.
struct broken_case {
  const char* name;
  const char* json_pointer_to_remove;
  const char* expression;
};

class broken : public ::testing::TestWithParam<broken_case> {};

TEST_P(broken, IsRefusedWithItsPath) {
  auto doc = mappers::testing::load_fixture(consent_504);
  auto& a = doc.GetAllocator();
  std::string pointer = GetParam().json_pointer_to_remove;
  if (pointer == "root-deny") {
    doc["provision"]["type"].SetString("deny");
  } else if (pointer == "unknown-class") {
    doc["provision"]["code"][0]["coding"][0]["code"].SetString("genetics");
  } else if (pointer == "other-policy") {
    doc["policyRule"]["coding"][0]["code"].SetString("cric");
  } else if (pointer == "actor-role") {
    doc["provision"]["actor"][0]["role"]["coding"][0]["code"].SetString("PRCP");
  } else if (pointer == "all-codes") {
    doc["provision"].RemoveMember("code");
  } else if (pointer == "patient") {
    doc["patient"].RemoveMember("identifier");
  } else {
    doc.RemoveMember(rapidjson::Value(pointer.c_str(), a));
  }
  auto r = authorization_from_consent(doc, "1");
  EXPECT_FALSE(r.value.has_value());
  EXPECT_EQ(r.expression, GetParam().expression) << r.error;
}

INSTANTIATE_TEST_SUITE_P(
    consent, broken,
    ::testing::Values(broken_case{"scope", "scope", "Consent.scope"},
                      broken_case{"patient", "patient", "Consent.patient"},
                      broken_case{"performer", "performer", "Consent"},
                      broken_case{"policy", "policyRule", "Consent.policyRule"},
                      broken_case{"other_policy", "other-policy", "Consent.policyRule"},
                      broken_case{"provision", "provision", "Consent"},
                      broken_case{"root_deny", "root-deny", "Consent.provision.type"},
                      broken_case{"recipient_role", "actor-role", "Consent.provision.actor"},
                      broken_case{"unknown_class", "unknown-class", "Consent.provision.code[0]"},
                      broken_case{"no_classes", "all-codes", "Consent.provision.code"}),
    [](const auto& test) { return std::string(test.param.name); });

TEST(authorization, DocumentedAuthorityIsRead) {
  auto doc = mappers::testing::load_fixture(consent_foster);
  const char* ext = R"([{"url":"http://homebase.example.org/fhir/StructureDefinition/grantor-legal-authority",
                         "valueReference":{"reference":"DocumentReference/placement-order"}}])";
  rapidjson::Document e;
  ASSERT_FALSE(fhir::parse_json(ext, e));
  doc.AddMember("extension", rapidjson::Value(e, doc.GetAllocator()), doc.GetAllocator());
  auto r = authorization_from_consent(doc, "1");
  ASSERT_TRUE(r.value) << r.error;
  EXPECT_EQ(r.value->authority_document, "DocumentReference/placement-order");
}

TEST(authorization, AnExclusionRemovesTheSameClassFromThePermitted) {
  auto doc = mappers::testing::load_fixture(consent_504);
  doc["provision"]["provision"][0]["code"][0]["coding"][0]["code"].SetString("emergency_plan");
  auto r = authorization_from_consent(doc, "1");
  ASSERT_TRUE(r.value) << r.error;
  EXPECT_EQ(std::count(r.value->permitted.begin(), r.value->permitted.end(), data_class::emergency_plan), 0);
  EXPECT_EQ(r.value->excluded, std::vector<data_class>{data_class::emergency_plan});
}

}  // namespace
}  // namespace homebase::mappers::disclosure
