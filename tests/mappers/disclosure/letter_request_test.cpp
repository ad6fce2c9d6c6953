#include "mappers/disclosure/letter_request.hpp"

#include <gtest/gtest.h>

#include "fhir/json_document.hpp"
#include "tests/mappers/disclosure/disclosure_fixtures.hpp"

namespace homebase::mappers::disclosure {
namespace {

using namespace testing;

TEST(letter_request, ReadsThe504Request) {
  auto r = load_request(request_504);
  EXPECT_EQ(r.patient.value, "SE-448812");
  EXPECT_EQ(r.school.value, "lincoln-usd");
  EXPECT_EQ(r.kind, "504_support");
  EXPECT_EQ(r.purpose.code, "COC");
  EXPECT_EQ(r.sections.size(), 5U);
  EXPECT_EQ(r.signer.value, "1467583920");
  EXPECT_FALSE(r.functional_impact.empty());
  EXPECT_FALSE(r.accommodations.empty());
  EXPECT_FALSE(r.emergency_plan.empty());
  ASSERT_EQ(r.school_hours_medications.size(), 1U);
  EXPECT_EQ(r.school_hours_medications[0].code, "6960");
}

letter_request_result parse(const std::string& json) {
  rapidjson::Document doc;
  EXPECT_FALSE(fhir::parse_json(json, doc));
  return letter_request_from_parameters(doc);
}

std::string with(const std::string& extra_parameters, const std::string& kind = "504_support") {
  return R"({"resourceType":"Parameters","parameter":[
    {"name":"patient","valueIdentifier":{"system":"s","value":"p"}},
    {"name":"school","valueIdentifier":{"system":"s","value":"k"}},
    {"name":"kind","valueCode":")" +
         kind + R"("},
    {"name":"signer","valueIdentifier":{"system":"s","value":"n"}})" +
         extra_parameters + "]}";
}

TEST(letter_request, RefusesIncompleteOrIncoherentRequests) {
  EXPECT_NE(parse(with("")).error.find("section"), std::string::npos);
  EXPECT_NE(parse(with(R"(,{"name":"section","valueCode":"accommodations"})")).error.find("accommodations"),
            std::string::npos);
  EXPECT_NE(
      parse(with(R"(,{"name":"section","valueCode":"school_hours_medications"})")).error.find("school-hours"),
      std::string::npos);
  EXPECT_NE(parse(with(R"(,{"name":"section","valueCode":"x-rays"})")).error.find("x-rays"),
            std::string::npos);
  EXPECT_NE(
      parse(with(R"(,{"name":"section","valueCode":"diagnoses"})", "report_card")).error.find("report_card"),
      std::string::npos);
  EXPECT_NE(
      parse(with(R"(,{"name":"section","valueCode":"diagnoses"},{"name":"colour","valueString":"red"})"))
          .error.find("colour"),
      std::string::npos);
  auto mixed = parse(
      with(R"(,{"name":"section","valueCode":"immunizations"},{"name":"section","valueCode":"diagnoses"},
                          {"name":"immunizations","valueString":"MMR x2"})",
           "immunization_proof"));
  EXPECT_FALSE(mixed.value);
  EXPECT_NE(mixed.error.find("exactly one section"), std::string::npos) << mixed.error;
  auto ok = parse(with(R"(,{"name":"section","valueCode":"diagnoses"})"));
  EXPECT_TRUE(ok.value) << ok.error;
  EXPECT_EQ(ok.value->purpose.code, "COC");  // the default purpose
}

}  // namespace
}  // namespace homebase::mappers::disclosure
