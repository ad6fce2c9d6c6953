#include "mappers/disclosure/school_letter.hpp"

#include <gtest/gtest.h>

#include <set>

#include "fhir/json_document.hpp"
#include "fhir/validation/validator.hpp"
#include "tests/mappers/disclosure/disclosure_fixtures.hpp"
#include "tests/mappers/disclosure/sofia_record.hpp"

namespace homebase::mappers::disclosure {
namespace {

using namespace testing;

const letter_parties parties{"Lincoln Unified School District",
                             {homebase::testing::school_system, "lincoln-usd"},
                             "42",
                             "2026-11-23T17:00:00Z"};

rapidjson::Document parse(const std::string& json) {
  rapidjson::Document doc;
  EXPECT_FALSE(fhir::parse_json(json, doc));
  return doc;
}

std::string errors_of(const rapidjson::Document& doc) {
  fhir::operation_outcome out;
  fhir::validator().validate(doc, out);
  std::string errors;
  for (const auto& i : out.issues())
    if (i.severity == fhir::issue_severity::error || i.severity == fhir::issue_severity::fatal)
      errors += i.expression + ": " + i.diagnostics + "\n";
  return errors;
}

std::set<std::string> section_codes(const rapidjson::Document& doc) {
  std::set<std::string> codes;
  const auto& composition = doc["entry"][0]["resource"];
  if (!composition.HasMember("section")) return codes;
  for (const auto& s : composition["section"].GetArray())
    codes.insert(s["code"]["coding"][0]["code"].GetString());
  return codes;
}

class letter : public ::testing::Test {
 protected:
  model::coordination_record record = homebase::testing::sofia_record();
  letter_request request = load_request(request_504);
  authorization permit = load_authorization(consent_504);
};

TEST_F(letter, IsAValidR4DocumentWithExactlyThePermittedSections) {
  auto json = build_school_letter(request, permit, record, parties);
  auto doc = parse(json);
  EXPECT_EQ(errors_of(doc), "");
  EXPECT_STREQ(doc["type"].GetString(), "document");
  EXPECT_STREQ(doc["identifier"]["value"].GetString(), "42");
  EXPECT_STREQ(doc["entry"][0]["resource"]["resourceType"].GetString(), "Composition");
  EXPECT_STREQ(doc["entry"][0]["resource"]["attester"][0]["mode"].GetString(), "legal");
  EXPECT_EQ(section_codes(doc), (std::set<std::string>{"diagnoses", "functional_impact", "accommodations",
                                                       "school_hours_medications", "emergency_plan"}));
}

TEST_F(letter, CarriesOnlyWhatTheFamilyAllowed) {
  auto json = build_school_letter(request, permit, record, parties);
  EXPECT_NE(json.find("G40.209"), std::string::npos);                     // epilepsy: a diagnosis
  EXPECT_NE(json.find("Midazolam 5 mg nasal spray"), std::string::npos);  // the school-hours medication
  EXPECT_NE(json.find("seizure first aid"), std::string::npos);           // accommodations text
  EXPECT_EQ(json.find("F90.2"), std::string::npos);  // ADHD is behavioral health: excluded
  EXPECT_EQ(json.find("ADHD"), std::string::npos);
  EXPECT_EQ(json.find("R56.00"), std::string::npos);          // resolved problems are not current
  EXPECT_EQ(json.find("ethylphenidate"), std::string::npos);  // not given at school
  EXPECT_EQ(json.find("evetiracetam"), std::string::npos);    // given at home
  EXPECT_EQ(json.find("SE-448812"), std::string::npos);       // the hospital MRN stays with us
}

TEST_F(letter, ASectionTheAuthorizationDoesNotPermitIsLeftOut) {
  std::erase(permit.permitted, data_class::emergency_plan);
  auto doc = parse(build_school_letter(request, permit, record, parties));
  EXPECT_EQ(section_codes(doc).count("emergency_plan"), 0U);
  EXPECT_EQ(errors_of(doc), "");
}

TEST_F(letter, BehavioralHealthGoesOnlyInItsOwnSection) {
  permit.excluded.clear();
  permit.permitted.push_back(data_class::behavioral_health);
  auto doc = parse(build_school_letter(load_request(request_behavioral), permit, record, parties));
  EXPECT_EQ(errors_of(doc), "");
  for (const auto& s : doc["entry"][0]["resource"]["section"].GetArray()) {
    std::string code = s["code"]["coding"][0]["code"].GetString();
    std::string text = s["text"]["div"].GetString();
    if (code == "behavioral_health") {
      EXPECT_NE(text.find("F90.2"), std::string::npos);
    } else if (code == "diagnoses") {
      EXPECT_EQ(text.find("F90.2"), std::string::npos);
    }
  }
}

TEST_F(letter, ImmunizationProofHasOnlyImmunizations) {
  auto agreement = load_authorization(consent_immunization);
  auto doc = parse(build_school_letter(load_request(request_immunization), agreement, record, parties));
  EXPECT_EQ(errors_of(doc), "");
  EXPECT_EQ(section_codes(doc), std::set<std::string>{"immunizations"});
  EXPECT_EQ(std::string(fhir::to_json(doc)).find("G40.209"), std::string::npos);
}

TEST_F(letter, EmptyRecordSectionsSayNoneRecorded) {
  record.problems.clear();
  auto doc = parse(build_school_letter(request, permit, record, parties));
  EXPECT_EQ(errors_of(doc), "");
  EXPECT_NE(fhir::to_json(doc).find("None recorded."), std::string::npos);
}

TEST(behavioral_health, ClassifiesByIcd10ChapterFAndKnownSnomedDisorders) {
  model::problem p;
  p.code = {"http://hl7.org/fhir/sid/icd-10-cm", "F84.0", ""};
  EXPECT_TRUE(is_behavioral_health(p));
  p.code = {"http://hl7.org/fhir/sid/icd-10-cm", "G40.909", ""};
  EXPECT_FALSE(is_behavioral_health(p));
  p.code = {"http://snomed.info/sct", "406506008", ""};
  EXPECT_TRUE(is_behavioral_health(p));
  p.code = {"http://snomed.info/sct", "84757009", ""};
  EXPECT_FALSE(is_behavioral_health(p));
}

}  // namespace
}  // namespace homebase::mappers::disclosure
