#include "mappers/disclosure/disclosure_audit.hpp"

#include <gtest/gtest.h>

#include "fhir/json_document.hpp"
#include "fhir/validation/validator.hpp"

namespace homebase::mappers::disclosure {
namespace {

audit_facts facts(bool disclosed) {
  audit_facts f;
  f.id = "3";
  f.recorded = "2026-11-23T17:00:00.000Z";
  f.disclosed = disclosed;
  f.outcome_desc = disclosed ? "504_support letter sent with sections: diagnoses" : "blocked: expired";
  f.purpose = {"http://terminology.hl7.org/CodeSystem/v3-ActReason", "COC", "coordination of care"};
  f.patient = {"http://st-elsewhere-childrens.example.org/fhir/sid/mrn", "SE-448812"};
  f.school = {"http://homebase.example.org/fhir/sid/school-district", "lincoln-usd"};
  f.school_name = "Lincoln Unified School District";
  f.school_url = "http://127.0.0.1:8091/fhir";
  f.gateway_url = "http://127.0.0.1:8080/fhir";
  f.grantor = {"http://homebase.example.org/fhir/sid/family-member", "SE-448812|mother"};
  f.grantor_display = "Elena Ramirez";
  f.consent_id = "1";
  f.letter_id = "42";
  return f;
}

rapidjson::Document checked(const std::string& json) {
  rapidjson::Document doc;
  EXPECT_FALSE(fhir::parse_json(json, doc));
  fhir::operation_outcome out;
  fhir::validator().validate(doc, out);
  for (const auto& i : out.issues())
    EXPECT_NE(i.severity, fhir::issue_severity::error) << i.expression << ": " << i.diagnostics;
  return doc;
}

TEST(disclosure_audit, SentLetterIsABalpPrivacyDisclosure) {
  auto doc = checked(build_audit_event(facts(true)));
  EXPECT_STREQ(doc["type"]["code"].GetString(), "110106");
  EXPECT_STREQ(doc["subtype"][0]["code"].GetString(), "disclose");
  EXPECT_STREQ(doc["action"].GetString(), "R");
  EXPECT_STREQ(doc["outcome"].GetString(), "0");
  // val-audit-source: the source agent is the observer.
  EXPECT_EQ(fhir::to_json(doc["agent"][0]["who"]), fhir::to_json(doc["source"]["observer"]));
  EXPECT_STREQ(doc["agent"][1]["type"]["coding"][0]["code"].GetString(), "110152");
  EXPECT_STREQ(doc["agent"][1]["who"]["identifier"]["value"].GetString(), "lincoln-usd");
  EXPECT_STREQ(doc["agent"][2]["type"]["coding"][0]["code"].GetString(), "429577009");
  EXPECT_STREQ(doc["entity"][0]["what"]["identifier"]["value"].GetString(), "SE-448812");
  EXPECT_STREQ(doc["entity"][2]["what"]["reference"].GetString(), "Consent/1");
}

TEST(disclosure_audit, BlockedLetterIsAnAuthorizationDecisionWithItsReason) {
  auto doc = checked(build_audit_event(facts(false)));
  EXPECT_STREQ(doc["type"]["code"].GetString(), "110113");
  EXPECT_STREQ(doc["action"].GetString(), "E");
  EXPECT_STREQ(doc["outcome"].GetString(), "4");
  EXPECT_STREQ(doc["outcomeDesc"].GetString(), "blocked: expired");
  EXPECT_FALSE(doc.HasMember("subtype"));
}

}  // namespace
}  // namespace homebase::mappers::disclosure
