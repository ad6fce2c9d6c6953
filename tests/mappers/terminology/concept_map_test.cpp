#include "mappers/terminology/concept_map.hpp"

#include <gtest/gtest.h>

#include "tests/mappers/test_files.hpp"

namespace homebase::mappers::terminology {
namespace {

using testing::data_path;
using testing::read_text;

const std::string local = "http://hospital.example.org/codes";
const std::string loinc = "http://loinc.org";
const std::string snomed = "http://snomed.info/sct";

const fhir::validator& r4() {
  static const fhir::validator v;
  return v;
}

concept_map load_fixture() {
  auto loaded =
      load_concept_map(read_text(data_path("fixtures/concept-maps/st-elsewhere-local-codes.json")), r4());
  EXPECT_TRUE(loaded.map) << loaded.error;
  return loaded.map ? *loaded.map : concept_map{};
}

std::vector<std::string> codes(const std::vector<target_coding>* targets) {
  std::vector<std::string> out;
  if (targets != nullptr)
    for (const auto& t : *targets) out.push_back(t.system + "|" + t.code + " " + t.equivalence);
  return out;
}

TEST(concept_map, keeps_only_targets_that_do_not_change_the_meaning) {
  auto map = load_fixture();
  EXPECT_EQ(map.url(), "http://hospital.example.org/fhir/ConceptMap/st-elsewhere-local-codes");
  // WT: the equivalent LOINC and (second group) SNOMED targets; not the narrower birth weight.
  EXPECT_EQ(codes(map.find(local, "WT")),
            (std::vector<std::string>{loinc + "|29463-7 equivalent", snomed + "|27113001 equivalent"}));
  EXPECT_EQ(codes(map.find(local, "HC")), (std::vector<std::string>{loinc + "|9843-4 equal"}));
  // wider and subsumes are kept, disjoint is not.
  EXPECT_EQ(codes(map.find(local, "BPD")),
            (std::vector<std::string>{snomed + "|67569000 wider", snomed + "|19829001 subsumes"}));
  EXPECT_EQ(map.find(local, "GA"), nullptr);    // inexact only
  EXPECT_EQ(map.find(local, "NOTE"), nullptr);  // unmatched
  EXPECT_EQ(map.size(), 3u);
  const auto* wt = map.find(local, "WT");
  ASSERT_NE(wt, nullptr);
  EXPECT_EQ((*wt)[0].display, "Body weight");
}

TEST(concept_map, lookup_needs_both_system_and_code) {
  auto map = load_fixture();
  EXPECT_EQ(map.find("http://other.example.org/codes", "WT"), nullptr);
  EXPECT_EQ(map.find(local, "wt"), nullptr);
  EXPECT_EQ(map.find(loinc, "29463-7"), nullptr);  // one way: source to target
}

TEST(concept_map, equivalences) {
  for (const char* ok : {"equivalent", "equal", "wider", "subsumes"})
    EXPECT_TRUE(is_usable_equivalence(ok)) << ok;
  for (const char* no : {"narrower", "specializes", "inexact", "relatedto", "unmatched", "disjoint", ""})
    EXPECT_FALSE(is_usable_equivalence(no)) << no;
}

TEST(concept_map, groups_with_the_same_target_merge_without_duplicates) {
  auto loaded =
      load_concept_map(std::string_view(R"({"resourceType":"ConceptMap","id":"m","status":"draft","group":[
    {"source":"urn:s","target":"urn:t","element":[{"code":"a","target":[{"code":"1","equivalence":"equal"}]}]},
    {"source":"urn:s","target":"urn:t","element":[{"code":"a","target":[{"code":"1","equivalence":"equal"},
                                                                       {"code":"2","equivalence":"wider"}]}]},
    {"source":"urn:s2","target":"urn:t","element":[{"code":"a","target":[{"code":"3","equivalence":"equal"}]}]}
  ]})"),
                       r4());
  ASSERT_TRUE(loaded.map) << loaded.error;
  EXPECT_EQ(loaded.map->url(), "ConceptMap/m");
  EXPECT_EQ(codes(loaded.map->find("urn:s", "a")),
            (std::vector<std::string>{"urn:t|1 equal", "urn:t|2 wider"}));
  EXPECT_EQ(codes(loaded.map->find("urn:s2", "a")), (std::vector<std::string>{"urn:t|3 equal"}));
}

TEST(concept_map, conditional_targets_are_skipped) {
  auto loaded = load_concept_map(std::string_view(R"({"resourceType":"ConceptMap","status":"draft","group":[
    {"source":"urn:s","target":"urn:t","element":[{"code":"a","target":[
      {"code":"1","equivalence":"equal","dependsOn":[{"property":"http://x.example/p","value":"y"}]}]}]}]})"),
                                 r4());
  ASSERT_TRUE(loaded.map) << loaded.error;
  EXPECT_EQ(loaded.map->find("urn:s", "a"), nullptr);
}

TEST(concept_map, an_invalid_map_is_an_error_with_the_first_path) {
  auto loaded =
      load_concept_map(read_text(data_path("fixtures/concept-maps/invalid-equivalence.json")), r4());
  EXPECT_FALSE(loaded.map);
  EXPECT_NE(loaded.error.find("ConceptMap.group[0].element[0].target[0].equivalence"), std::string::npos)
      << loaded.error;
}

TEST(concept_map, other_errors) {
  auto not_json = load_concept_map(std::string_view("{\"resourceType\":"), r4());
  EXPECT_FALSE(not_json.map);
  EXPECT_NE(not_json.error.find("malformed JSON"), std::string::npos) << not_json.error;

  auto other_type =
      load_concept_map(std::string_view(R"({"resourceType":"ValueSet","status":"draft"})"), r4());
  EXPECT_FALSE(other_type.map);
  EXPECT_NE(other_type.error.find("not a valid R4 ConceptMap"), std::string::npos) << other_type.error;

  auto no_status = load_concept_map(std::string_view(R"({"resourceType":"ConceptMap"})"), r4());
  EXPECT_FALSE(no_status.map);
  EXPECT_NE(no_status.error.find("status"), std::string::npos) << no_status.error;

  auto no_source =
      load_concept_map(std::string_view(R"({"resourceType":"ConceptMap","status":"draft","group":[
    {"target":"urn:t","element":[{"code":"a","target":[{"code":"1","equivalence":"equal"}]}]}]})"),
                       r4());
  EXPECT_FALSE(no_source.map);
  EXPECT_NE(no_source.error.find("ConceptMap.group[0]: a group needs source and target"), std::string::npos)
      << no_source.error;
}

}  // namespace
}  // namespace homebase::mappers::terminology
