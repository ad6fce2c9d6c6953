#include "gateway/pipeline/response_message.hpp"

#include <gtest/gtest.h>
#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <fstream>
#include <sstream>

namespace homebase::gateway::pipeline {
namespace {

std::string seed() {
  std::ifstream in(std::string(HOMEBASE_TEST_DATA_DIR) + "/fixtures/anjali-nicu-discharge.json");
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// The seed with its body weight sent as the hospital's local code instead of LOINC 29463-7.
std::string seed_with_local_weight_code() {
  auto text = seed();
  const std::string loinc = R"("system": "http://loinc.org",
              "code": "29463-7",)";
  auto at = text.find(loinc);
  EXPECT_NE(at, std::string::npos);
  if (at != std::string::npos)
    text.replace(at, loinc.size(), R"("system": "http://hospital.example.org/codes",
              "code": "WT",)");
  return text;
}

std::vector<mappers::terminology::concept_map> hospital_maps() {
  std::ifstream in(std::string(HOMEBASE_TEST_DATA_DIR) +
                   "/fixtures/concept-maps/st-elsewhere-local-codes.json");
  std::stringstream s;
  s << in.rdbuf();
  auto loaded = mappers::terminology::load_concept_map(std::string_view(s.str()), fhir::validator());
  EXPECT_TRUE(loaded.map) << loaded.error;
  std::vector<mappers::terminology::concept_map> maps;
  if (loaded.map) maps.push_back(*loaded.map);
  return maps;
}

TEST(response_message, rebuilt_with_the_partner_maps_it_lists_the_code_translations) {
  auto maps = hospital_maps();
  auto with_maps = rebuild_response_message(seed_with_local_weight_code(), "https://homebase.example/fhir",
                                            "2026-11-23T01:00:00.000Z", "", &maps);
  ASSERT_TRUE(with_maps);
  EXPECT_NE(with_maps->find(
                R"x("diagnostics":"translated http://hospital.example.org/codes|WT to )x"
                R"x(http://loinc.org|29463-7 (ConceptMap )x"
                R"x(http://hospital.example.org/fhir/ConceptMap/st-elsewhere-local-codes, equivalent)",)x"
                R"x("expression":["Bundle.entry[32].resource.code.coding[0]"])x"),
            std::string::npos)
      << *with_maps;
  // Translated, the weight is mapped: no "not mapped" note for it.
  EXPECT_EQ(with_maps->find("Observation Body weight is not mapped"), std::string::npos) << *with_maps;
  auto again = rebuild_response_message(seed_with_local_weight_code(), "https://homebase.example/fhir",
                                        "2026-11-23T01:00:00.000Z", "", &maps);
  ASSERT_TRUE(again);
  EXPECT_EQ(*with_maps, *again);

  // Without the maps the local code is unknown: the weight is reported as not mapped, nothing translated.
  auto without = rebuild_response_message(seed_with_local_weight_code(), "https://homebase.example/fhir",
                                          "2026-11-23T01:00:00.000Z", "");
  ASSERT_TRUE(without);
  EXPECT_NE(without->find("Observation Body weight is not mapped"), std::string::npos) << *without;
  EXPECT_EQ(without->find("translated http"), std::string::npos);
}

TEST(response_message, rebuilt_from_the_stored_body_it_is_the_same_bytes) {
  auto first =
      rebuild_response_message(seed(), "https://homebase.example/fhir", "2026-11-23T01:00:00.000Z", "");
  auto again =
      rebuild_response_message(seed(), "https://homebase.example/fhir", "2026-11-23T01:00:00.000Z", "");
  ASSERT_TRUE(first);
  ASSERT_TRUE(again);
  EXPECT_EQ(*first, *again);
}

TEST(response_message, answers_the_request_header_with_ok_and_reports_notes) {
  auto text = rebuild_response_message(seed(), "https://homebase.example/fhir", "2026-11-23T01:00:00.000Z",
                                       "no configured medical home matches");
  ASSERT_TRUE(text);
  rapidjson::Document doc;
  doc.Parse(text->c_str());
  ASSERT_TRUE(doc.IsObject());
  EXPECT_STREQ(doc["type"].GetString(), "message");
  EXPECT_STREQ(doc["timestamp"].GetString(), "2026-11-23T01:00:00.000Z");
  const auto& header = doc["entry"][0]["resource"];
  EXPECT_STREQ(header["resourceType"].GetString(), "MessageHeader");
  EXPECT_STREQ(header["response"]["identifier"].GetString(), "d22fb1b9-e92c-5387-a88c-62b262a6f465");
  EXPECT_STREQ(header["response"]["code"].GetString(), "ok");
  EXPECT_STREQ(header["source"]["endpoint"].GetString(), "https://homebase.example/fhir");
  EXPECT_STREQ(header["destination"][0]["endpoint"].GetString(),
               "https://ehr.st-elsewhere-childrens.example.org/fhir");
  // response.details points at the OperationOutcome in the same Bundle, which carries the routing note.
  const auto& outcome = doc["entry"][1];
  EXPECT_STREQ(header["response"]["details"]["reference"].GetString(), outcome["fullUrl"].GetString());
  EXPECT_STREQ(outcome["resource"]["resourceType"].GetString(), "OperationOutcome");
  EXPECT_NE(text->find("held as unroutable: no configured medical home matches"), std::string::npos);
  // A new id for the response Bundle and header, never the request's.
  EXPECT_STRNE(doc["id"].GetString(), "463c11b8-8b3d-55cf-bae1-9dd92814045b");
  EXPECT_STRNE(header["id"].GetString(), "d22fb1b9-e92c-5387-a88c-62b262a6f465");
}

TEST(response_message, validation_warnings_are_reported_but_not_best_practice_or_engine_limits) {
  fhir::operation_outcome validation;
  validation.add(fhir::issue_severity::error, "value", "an error", "Bundle.entry[1].resource.gender");
  validation.add(fhir::issue_severity::warning, "structure", "Unknown element 'x'",
                 "Bundle.entry[1].resource.x");
  validation.add(fhir::issue_severity::warning, "invariant", "dom-6: A resource should have narrative",
                 "Bundle.entry[1].resource");
  validation.add(fhir::issue_severity::warning, "processing", "ctm-1: the constraint could not be evaluated",
                 "Bundle.entry[2].resource");
  validation.add(fhir::issue_severity::information, "informational", "fyi", "Bundle");
  auto notes = response_notes(validation);
  ASSERT_EQ(notes.size(), 1u);
  EXPECT_EQ(notes[0].expression, "Bundle.entry[1].resource.x");
}

TEST(response_message, the_rebuilt_response_carries_the_warnings_of_a_lenient_validation) {
  rapidjson::Document doc;
  doc.Parse(seed().c_str());
  doc["entry"][1]["resource"].AddMember("favouriteColour", "blue", doc.GetAllocator());
  rapidjson::StringBuffer b;
  rapidjson::Writer<rapidjson::StringBuffer> w(b);
  doc.Accept(w);
  auto text = rebuild_response_message(b.GetString(), "https://h/fhir", "2026-11-23T01:00:00.000Z", "");
  ASSERT_TRUE(text);
  EXPECT_NE(text->find(
                R"("severity":"warning","code":"structure","diagnostics":"Unknown element 'favouriteColour'")"
                R"(,"expression":["Bundle.entry[1].resource.favouriteColour"])"),
            std::string::npos)
      << *text;
  // The seed itself gets no validation note: its only warnings are dom-6 (no narrative).
  auto plain = rebuild_response_message(seed(), "https://h/fhir", "2026-11-23T01:00:00.000Z", "");
  ASSERT_TRUE(plain);
  EXPECT_EQ(plain->find("dom-6"), std::string::npos) << *plain;
  EXPECT_EQ(plain->find(R"("code":"structure")"), std::string::npos) << *plain;
}

TEST(response_message, a_body_that_no_longer_parses_cannot_be_rebuilt) {
  EXPECT_FALSE(rebuild_response_message("{not json", "https://h/fhir", "2026-11-23T01:00:00.000Z", ""));
  EXPECT_FALSE(rebuild_response_message(R"({"resourceType":"Patient"})", "https://h/fhir", "x", ""));
}

}  // namespace
}  // namespace homebase::gateway::pipeline
