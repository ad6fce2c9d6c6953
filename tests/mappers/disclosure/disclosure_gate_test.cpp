#include "mappers/disclosure/disclosure_gate.hpp"

#include <gtest/gtest.h>

#include "tests/mappers/disclosure/disclosure_fixtures.hpp"
#include "tests/mappers/disclosure/sofia_record.hpp"

namespace homebase::mappers::disclosure {
namespace {

using namespace testing;

constexpr const char* now = "2026-11-23T17:00:00Z";
const std::vector<model::identifier> lincoln = {{homebase::testing::school_system, "lincoln-usd"}};
const std::vector<model::identifier> riverside = {{homebase::testing::school_system, "riverside-charter"}};

class gate : public ::testing::Test {
 protected:
  model::coordination_record record = homebase::testing::sofia_record();
  letter_request request = load_request(request_504);
  authorization permit = load_authorization(consent_504);
};

TEST_F(gate, AllowsTheAuthorizedLetter) {
  auto d = decide(request, lincoln, {permit}, record, now);
  EXPECT_TRUE(d.allowed) << d.detail;
  EXPECT_EQ(d.reason, block_reason::none);
  EXPECT_EQ(d.consent_id, "1");
}

TEST_F(gate, NoAuthorizationOnFileBlocks) {
  auto d = decide(request, lincoln, {}, record, now);
  EXPECT_FALSE(d.allowed);
  EXPECT_EQ(d.reason, block_reason::no_authorization);
}

TEST_F(gate, AuthorizationOfAnotherChildIsNoAuthorization) {
  permit.patient = {homebase::testing::sofia_mrn_system, "SE-000001"};
  EXPECT_EQ(decide(request, lincoln, {permit}, record, now).reason, block_reason::no_authorization);
}

TEST_F(gate, RevokedAuthorizationBlocks) {
  auto d = decide(request, lincoln, {load_authorization(consent_revoked)}, record, now);
  EXPECT_FALSE(d.allowed);
  EXPECT_EQ(d.reason, block_reason::not_active);
  EXPECT_NE(d.detail.find("inactive"), std::string::npos) << d.detail;
}

TEST_F(gate, NotYetValidBlocks) {
  permit.period_start = "2027-01-01";
  EXPECT_EQ(decide(request, lincoln, {permit}, record, now).reason, block_reason::not_yet_valid);
}

TEST_F(gate, NoExpiryIsADefectiveAuthorization) {
  permit.period_end.clear();
  EXPECT_EQ(decide(request, lincoln, {permit}, record, now).reason, block_reason::no_expiry);
}

TEST_F(gate, ExpiredBlocks) {
  auto d = decide(request, lincoln, {load_authorization(consent_expired)}, record, now);
  EXPECT_EQ(d.reason, block_reason::expired);
  EXPECT_NE(d.detail.find("2026-06-30"), std::string::npos) << d.detail;
}

TEST_F(gate, ExpiryDateHoldsThroughItsLastDay) {
  EXPECT_TRUE(decide(request, lincoln, {permit}, record, "2027-08-31T23:59:00Z").allowed);
  EXPECT_EQ(decide(request, lincoln, {permit}, record, "2027-09-01T00:00:01Z").reason, block_reason::expired);
}

TEST_F(gate, DifferentSchoolBlocks) {
  auto other = load_request(request_other_school);
  auto d = decide(other, riverside, {permit}, record, now);
  EXPECT_EQ(d.reason, block_reason::recipient_mismatch);
  EXPECT_NE(d.detail.find("lincoln-usd"), std::string::npos) << d.detail;
}

TEST_F(gate, ActionOtherThanDiscloseBlocks) {
  permit.disclose_action = false;
  EXPECT_EQ(decide(request, lincoln, {permit}, record, now).reason, block_reason::action_not_disclose);
}

TEST_F(gate, PurposeNotNamedBlocks) {
  request.purpose = {"http://terminology.hl7.org/CodeSystem/v3-ActReason", "PUBHLTH", ""};
  EXPECT_EQ(decide(request, lincoln, {permit}, record, now).reason, block_reason::purpose_mismatch);
  permit.purposes.clear();
  EXPECT_EQ(decide(request, lincoln, {permit}, record, now).reason, block_reason::purpose_mismatch);
}

TEST_F(gate, ExcludedClassBlocks) {
  auto d = decide(load_request(request_behavioral), lincoln, {permit}, record, now);
  EXPECT_EQ(d.reason, block_reason::section_excluded);
  EXPECT_NE(d.detail.find("behavioral_health"), std::string::npos) << d.detail;
}

TEST_F(gate, SectionNotPermittedBlocks) {
  std::erase(permit.permitted, data_class::emergency_plan);
  auto d = decide(request, lincoln, {permit}, record, now);
  EXPECT_EQ(d.reason, block_reason::section_not_permitted);
  EXPECT_NE(d.detail.find("emergency_plan"), std::string::npos) << d.detail;
}

TEST_F(gate, GrantorNotInTheRecordBlocks) {
  permit.grantor = {homebase::testing::family_system, "SE-448812|aunt"};
  EXPECT_EQ(decide(request, lincoln, {permit}, record, now).reason, block_reason::grantor_unknown);
}

TEST_F(gate, FosterParentWithoutDocumentationBlocks) {
  auto d = decide(request, lincoln, {load_authorization(consent_foster)}, record, now);
  EXPECT_EQ(d.reason, block_reason::grantor_lacks_authority);
  EXPECT_NE(d.detail.find("foster parent"), std::string::npos) << d.detail;
}

TEST_F(gate, FosterParentWithDocumentedAuthorityIsAllowed) {
  auto foster = load_authorization(consent_foster);
  foster.authority_document = "DocumentReference/court-order-2026-0412";
  EXPECT_TRUE(decide(request, lincoln, {foster}, record, now).allowed);
}

TEST_F(gate, ImmunizationProofWithParentalAgreementIsAllowed) {
  auto d = decide(load_request(request_immunization), lincoln, {load_authorization(consent_immunization)},
                  record, now);
  EXPECT_TRUE(d.allowed) << d.detail;
}

TEST_F(gate, ParentalAgreementDoesNotCoverASupportLetter) {
  auto agreement = load_authorization(consent_immunization);
  agreement.purposes.push_back({"http://terminology.hl7.org/CodeSystem/v3-ActReason", "COC", ""});
  EXPECT_EQ(decide(request, lincoln, {agreement}, record, now).reason, block_reason::basis_insufficient);
}

TEST_F(gate, ImmunizationProofWithoutAnyAuthorizationIsBlocked) {
  EXPECT_EQ(decide(load_request(request_immunization), lincoln, {permit}, record, now).reason,
            block_reason::purpose_mismatch);
}

TEST_F(gate, AnExclusionInAnotherAuthorizationOverridesAPermit) {
  auto broad = permit;
  broad.consent_id = "2";
  broad.excluded.clear();
  broad.permitted.push_back(data_class::behavioral_health);
  auto d = decide(load_request(request_behavioral), lincoln, {broad, permit}, record, now);
  EXPECT_EQ(d.reason, block_reason::section_excluded);
  EXPECT_EQ(d.consent_id, "1");
}

TEST_F(gate, OneCurrentAuthorizationSufficesNextToARevokedOne) {
  auto revoked = load_authorization(consent_revoked, "1");
  permit.consent_id = "2";
  auto d = decide(request, lincoln, {revoked, permit}, record, now);
  EXPECT_TRUE(d.allowed);
  EXPECT_EQ(d.consent_id, "2");
}

TEST_F(gate, TheReasonIsThatOfTheAuthorizationThatCameClosest) {
  auto expired = load_authorization(consent_expired, "1");
  permit.consent_id = "2";
  auto d = decide(load_request(request_other_school), riverside, {expired, permit}, record, now);
  EXPECT_EQ(d.reason, block_reason::recipient_mismatch);
  EXPECT_EQ(d.consent_id, "2");
}

TEST_F(gate, AnUnreadableTimeBlocks) {
  EXPECT_FALSE(decide(request, lincoln, {permit}, record, "yesterday").allowed);
}

}  // namespace
}  // namespace homebase::mappers::disclosure
