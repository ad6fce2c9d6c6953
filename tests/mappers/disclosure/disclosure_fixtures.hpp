// disclosure_fixtures: the scenario 10-12 fixtures read as authorizations and letter requests.
#pragma once

#include <gtest/gtest.h>

#include <string>

#include "mappers/disclosure/authorization.hpp"
#include "mappers/disclosure/letter_request.hpp"
#include "tests/mappers/test_files.hpp"

namespace homebase::mappers::disclosure::testing {

inline constexpr const char* consent_504 = "fixtures/scenarios/10-school-letter/consent-hipaa-504.json";
inline constexpr const char* consent_revoked =
    "fixtures/scenarios/11-consent-revoked/consent-revocation.json";
inline constexpr const char* consent_expired =
    "fixtures/scenarios/12-disclosure-blocked/consent-expired.json";
inline constexpr const char* consent_foster =
    "fixtures/scenarios/12-disclosure-blocked/consent-foster-parent.json";
inline constexpr const char* consent_immunization =
    "fixtures/scenarios/12-disclosure-blocked/consent-immunization-agreement.json";
inline constexpr const char* request_504 = "fixtures/scenarios/10-school-letter/letter-504-request.json";
inline constexpr const char* request_other_school =
    "fixtures/scenarios/12-disclosure-blocked/letter-other-school.json";
inline constexpr const char* request_behavioral =
    "fixtures/scenarios/12-disclosure-blocked/letter-with-behavioral-health.json";
inline constexpr const char* request_immunization =
    "fixtures/scenarios/12-disclosure-blocked/letter-immunization-proof.json";

inline authorization load_authorization(const char* fixture, const std::string& id = "1") {
  auto doc = mappers::testing::load_fixture(fixture);
  auto r = authorization_from_consent(doc, id);
  EXPECT_TRUE(r.value.has_value()) << fixture << ": " << r.error << " at " << r.expression;
  return r.value.value_or(authorization{});
}

inline letter_request load_request(const char* fixture) {
  auto doc = mappers::testing::load_fixture(fixture);
  auto r = letter_request_from_parameters(doc);
  EXPECT_TRUE(r.value.has_value()) << fixture << ": " << r.error << " at " << r.expression;
  return r.value.value_or(letter_request{});
}

}  // namespace homebase::mappers::disclosure::testing
