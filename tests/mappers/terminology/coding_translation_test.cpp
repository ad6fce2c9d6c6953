#include "mappers/terminology/coding_translation.hpp"

#include <gtest/gtest.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "tests/mappers/test_files.hpp"

namespace homebase::mappers::terminology {
namespace {

using testing::data_path;
using testing::read_text;

std::vector<concept_map> fixture_maps() {
  static const fhir::validator validator;
  auto loaded = load_concept_map(
      std::string_view(read_text(data_path("fixtures/concept-maps/st-elsewhere-local-codes.json"))),
      validator);
  EXPECT_TRUE(loaded.map) << loaded.error;
  std::vector<concept_map> maps;
  if (loaded.map) maps.push_back(*loaded.map);
  return maps;
}

std::string json(const rapidjson::Value& v) {
  rapidjson::StringBuffer b;
  rapidjson::Writer<rapidjson::StringBuffer> w(b);
  v.Accept(w);
  return {b.GetString(), b.GetSize()};
}

struct applied {
  std::string json;
  std::vector<inbound::mapping_note> notes;
};

applied apply_maps(const std::string& text, const std::vector<concept_map>& maps,
                   const std::string& root = "Observation") {
  rapidjson::Document doc;
  doc.Parse(text.c_str());
  EXPECT_FALSE(doc.HasParseError()) << text;
  auto notes = translate_codings(doc, doc.GetAllocator(), maps, root);
  return {json(doc), std::move(notes)};
}

const std::string weight =
    R"({"resourceType":"Observation","code":{"coding":[{"system":"http://hospital.example.org/codes","code":"WT","display":"Weight"}],"text":"Weight"}})";

TEST(coding_translation, adds_the_targets_after_the_original_coding) {
  auto out = apply_maps(weight, fixture_maps());
  EXPECT_EQ(
      out.json,
      R"({"resourceType":"Observation","code":{"coding":[)"
      R"({"system":"http://hospital.example.org/codes","code":"WT","display":"Weight"},)"
      R"({"system":"http://loinc.org","code":"29463-7","display":"Body weight"},)"
      R"({"system":"http://snomed.info/sct","code":"27113001","display":"Body weight"}],"text":"Weight"}})");
  ASSERT_EQ(out.notes.size(), 2u);
  EXPECT_EQ(out.notes[0].severity, "information");
  EXPECT_EQ(out.notes[0].expression, "Observation.code.coding[0]");
  EXPECT_EQ(out.notes[0].text,
            "translated http://hospital.example.org/codes|WT to http://loinc.org|29463-7 (ConceptMap "
            "http://hospital.example.org/fhir/ConceptMap/st-elsewhere-local-codes, equivalent)");
  EXPECT_NE(out.notes[1].text.find("to http://snomed.info/sct|27113001"), std::string::npos);
}

TEST(coding_translation, does_not_add_a_coding_that_is_already_there) {
  auto text =
      R"({"resourceType":"Observation","code":{"coding":[{"system":"http://loinc.org","code":"29463-7"},)"
      R"({"system":"http://hospital.example.org/codes","code":"WT"}]}})";
  auto out = apply_maps(text, fixture_maps());
  EXPECT_EQ(
      out.json,
      R"({"resourceType":"Observation","code":{"coding":[{"system":"http://loinc.org","code":"29463-7"},)"
      R"({"system":"http://hospital.example.org/codes","code":"WT"},)"
      R"({"system":"http://snomed.info/sct","code":"27113001","display":"Body weight"}]}})");
  ASSERT_EQ(out.notes.size(), 1u);
  EXPECT_EQ(out.notes[0].expression, "Observation.code.coding[1]");

  // Applying again changes nothing and says nothing: every target is already there.
  auto again = apply_maps(out.json, fixture_maps());
  EXPECT_EQ(again.json, out.json);
  EXPECT_TRUE(again.notes.empty());
}

TEST(coding_translation, leaves_other_systems_and_unknown_codes_alone) {
  auto text =
      R"({"resourceType":"Observation","code":{"coding":[{"system":"http://other.example.org/codes","code":"WT"},)"
      R"({"system":"http://hospital.example.org/codes","code":"GA"},)"
      R"({"system":"http://hospital.example.org/codes","code":"XX"},{"code":"WT"}]}})";
  auto out = apply_maps(text, fixture_maps());
  EXPECT_EQ(out.json, text);
  EXPECT_TRUE(out.notes.empty());
}

TEST(coding_translation, finds_codings_anywhere_in_the_tree) {
  auto text =
      R"({"resourceType":"Bundle","entry":[{"resource":{"resourceType":"Condition","code":{"coding":[)"
      R"({"system":"http://hospital.example.org/codes","code":"BPD"}]}}},)"
      R"({"resource":{"resourceType":"Observation","component":[{"code":{"coding":[)"
      R"({"system":"http://hospital.example.org/codes","code":"HC"}]}}]}}]})";
  rapidjson::Document doc;
  doc.Parse(text);
  auto notes = translate_codings(doc, doc.GetAllocator(), fixture_maps());
  ASSERT_EQ(notes.size(), 3u);
  EXPECT_EQ(notes[0].expression, "Bundle.entry[0].resource.code.coding[0]");
  EXPECT_EQ(notes[1].expression, "Bundle.entry[0].resource.code.coding[0]");
  EXPECT_EQ(notes[2].expression, "Bundle.entry[1].resource.component[0].code.coding[0]");
  auto& bpd = doc["entry"][0]["resource"]["code"]["coding"];
  ASSERT_EQ(bpd.Size(), 3u);
  EXPECT_STREQ(bpd[0]["code"].GetString(), "BPD");  // the original stays first
  EXPECT_STREQ(bpd[1]["code"].GetString(), "67569000");
  EXPECT_STREQ(bpd[2]["code"].GetString(), "19829001");
  EXPECT_STREQ(doc["entry"][1]["resource"]["component"][0]["code"]["coding"][1]["code"].GetString(),
               "9843-4");
}

TEST(coding_translation, a_coding_outside_a_codeable_concept_is_reported_not_changed) {
  auto text =
      R"({"resourceType":"Encounter","class":{"system":"http://hospital.example.org/codes","code":"WT"},)"
      R"("meta":{"tag":[{"system":"http://hospital.example.org/codes","code":"HC"}]}})";
  auto out = apply_maps(text, fixture_maps(), "Encounter");
  EXPECT_EQ(out.json, text);
  ASSERT_EQ(out.notes.size(), 2u);
  EXPECT_EQ(out.notes[0].expression, "Encounter.class");
  EXPECT_NE(out.notes[0].text.find("not translated: http://hospital.example.org/codes|WT"),
            std::string::npos);
  EXPECT_EQ(out.notes[1].expression, "Encounter.meta.tag[0]");
}

TEST(coding_translation, several_maps_apply_in_order_without_duplicates) {
  static const fhir::validator validator;
  auto second =
      load_concept_map(std::string_view(R"({"resourceType":"ConceptMap","url":"urn:second","status":"draft",
    "group":[{"source":"http://hospital.example.org/codes","target":"http://loinc.org",
      "element":[{"code":"WT","target":[{"code":"29463-7","equivalence":"equal"},{"code":"3141-9","equivalence":"equal"}]}]}]})"),
                       validator);
  ASSERT_TRUE(second.map) << second.error;
  auto maps = fixture_maps();
  maps.push_back(*second.map);
  auto out = apply_maps(weight, maps);
  ASSERT_EQ(out.notes.size(), 3u);
  EXPECT_NE(out.notes[2].text.find("http://loinc.org|3141-9 (ConceptMap urn:second, equal)"),
            std::string::npos)
      << out.notes[2].text;
  EXPECT_EQ(out.json.find("29463-7"), out.json.rfind("29463-7"));  // once
}

TEST(coding_translation, the_translated_seed_message_is_still_valid_r4) {
  auto text = read_text(data_path("fixtures/anjali-nicu-discharge.json"));
  const std::string loinc = R"("system": "http://loinc.org",
              "code": "29463-7",)";
  auto at = text.find(loinc);
  ASSERT_NE(at, std::string::npos);
  text.replace(at, loinc.size(), R"("system": "http://hospital.example.org/codes",
              "code": "WT",)");
  rapidjson::Document doc;
  doc.Parse(text.c_str());
  ASSERT_FALSE(doc.HasParseError());
  auto notes = translate_codings(doc, doc.GetAllocator(), fixture_maps());
  ASSERT_EQ(notes.size(), 2u);  // LOINC and SNOMED
  EXPECT_EQ(doc["entry"][32]["resource"]["code"]["coding"].Size(), 3u);
  static const fhir::validator validator;
  fhir::operation_outcome outcome;
  validator.validate(doc, outcome, {}, "Bundle");
  EXPECT_FALSE(outcome.has_errors()) << outcome.to_json();
}

TEST(coding_translation, no_maps_no_change) {
  auto out = apply_maps(weight, {});
  EXPECT_EQ(out.json, weight);
  EXPECT_TRUE(out.notes.empty());
}

}  // namespace
}  // namespace homebase::mappers::terminology
