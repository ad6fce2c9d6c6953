// Partner code translation end to end: a partner whose config names a ConceptMap sends the seed story
// with its body weight as a local code; the medical home receives the weight under LOINC, and the
// response names the translation.
#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <sstream>

#include "tests/integration/gateway_harness.hpp"
#include "tests/integration/message_variants.hpp"

namespace homebase::testing {
namespace {

const std::string process_message = "/fhir/$process-message";
const std::string weight_map = test_data("fixtures/concept-maps/st-elsewhere-local-codes.json").string();

// The seed with Observation "Body weight" coded as the hospital's local WT instead of LOINC 29463-7.
std::string seed_with_local_weight_code() {
  auto text = seed_text();
  const std::string loinc = R"("system": "http://loinc.org",
              "code": "29463-7",)";
  auto at = text.find(loinc);
  EXPECT_NE(at, std::string::npos);
  if (at != std::string::npos)
    text.replace(at, loinc.size(), R"("system": "http://hospital.example.org/codes",
              "code": "WT",)");
  return text;
}

std::string message_status(const gateway_process& gw, int id) {
  auto reply = http_call("GET", gw.url("/admin/messages/" + std::to_string(id)));
  rapidjson::Document doc;
  doc.Parse(reply.body.c_str());
  if (doc.HasParseError() || !doc.IsObject() || !doc.HasMember("status")) return "?";
  return doc["status"].GetString();
}

// The codings of the Observation resources in every transaction Bundle the medical home received, as
// "system|code" per Observation.
std::vector<std::vector<std::string>> delivered_observation_codes(const medical_home_server& home) {
  std::vector<std::vector<std::string>> out;
  std::istringstream lines(read_file(home.log));
  std::string line;
  while (std::getline(lines, line)) {
    rapidjson::Document doc;
    doc.Parse(line.c_str());
    if (doc.HasParseError() || !doc.IsObject() || !doc.HasMember("body") || !doc["body"].IsObject()) continue;
    const auto& body = doc["body"];
    if (!body.HasMember("entry") || !body["entry"].IsArray()) continue;
    for (const auto& e : body["entry"].GetArray()) {
      if (!e.HasMember("resource")) continue;
      const auto& r = e["resource"];
      if (std::string(r["resourceType"].GetString()) != "Observation" || !r.HasMember("code")) continue;
      std::vector<std::string> codes;
      for (const auto& c : r["code"]["coding"].GetArray())
        codes.push_back(std::string(c["system"].GetString()) + "|" + c["code"].GetString());
      out.push_back(codes);
    }
  }
  return out;
}

bool has_coding(const std::vector<std::vector<std::string>>& observations, const std::string& coding) {
  for (const auto& o : observations)
    for (const auto& c : o)
      if (c == coding) return true;
  return false;
}

const std::string translation_note =
    R"x("diagnostics":"translated http://hospital.example.org/codes|WT to http://loinc.org|29463-7 )x"
    R"x((ConceptMap http://hospital.example.org/fhir/ConceptMap/st-elsewhere-local-codes, equivalent)",)x"
    R"x("expression":["Bundle.entry[32].resource.code.coding[0]"])x";

class concept_map_flow : public ::testing::Test {
 protected:
  void SetUp() override {
    message = dir.path() / "local-codes.json";
    write_file(message, seed_with_local_weight_code());
  }
  temp_dir dir;
  medical_home_server home;
  gateway_process gw;
  std::filesystem::path message;
};

TEST_F(concept_map_flow, a_local_code_arrives_at_the_medical_home_as_loinc) {
  std::string error;
  ASSERT_TRUE(home.start(dir, {}, error)) << error;
  ASSERT_TRUE(gw.start(dir, {.medical_home_base = home.base(), .partner_concept_maps = {weight_map}}, error))
      << error;
  auto reply = http_call("POST", gw.url(process_message), message);
  ASSERT_EQ(reply.status, 200) << reply.body;
  EXPECT_NE(reply.body.find(translation_note), std::string::npos) << reply.body;
  // The SNOMED equivalent from the map's second group is added too.
  EXPECT_NE(reply.body.find("to http://snomed.info/sct|27113001"), std::string::npos) << reply.body;
  EXPECT_EQ(reply.body.find("Observation Body weight is not mapped"), std::string::npos) << reply.body;

  ASSERT_TRUE(eventually([&] { return message_status(gw, 1) == "sent"; })) << message_status(gw, 1);
  EXPECT_EQ(home.count("Observation"), 3);  // gestational age, birth weight and the translated weight
  auto observations = delivered_observation_codes(home);
  EXPECT_TRUE(has_coding(observations, "http://loinc.org|29463-7"));

  // A repeat gets the same response, translations included; the admin view lists them too.
  auto again = http_call("POST", gw.url(process_message), message);
  ASSERT_EQ(again.status, 200) << again.body;
  EXPECT_EQ(again.body, reply.body);
  auto admin = http_call("GET", gw.url("/admin/messages/1"));
  EXPECT_NE(admin.body.find(translation_note), std::string::npos) << admin.body;
  EXPECT_EQ(home.transaction_posts(), 1);
}

TEST_F(concept_map_flow, without_the_map_the_local_code_is_reported_not_mapped) {
  std::string error;
  ASSERT_TRUE(home.start(dir, {}, error)) << error;
  ASSERT_TRUE(gw.start(dir, {.medical_home_base = home.base()}, error)) << error;
  auto reply = http_call("POST", gw.url(process_message), message);
  ASSERT_EQ(reply.status, 200) << reply.body;
  EXPECT_EQ(reply.body.find("translated http"), std::string::npos) << reply.body;
  EXPECT_NE(reply.body.find("Observation Body weight is not mapped"), std::string::npos) << reply.body;
  ASSERT_TRUE(eventually([&] { return message_status(gw, 1) == "sent"; })) << message_status(gw, 1);
  EXPECT_EQ(home.count("Observation"), 2);
  EXPECT_FALSE(has_coding(delivered_observation_codes(home), "http://loinc.org|29463-7"));
}

TEST_F(concept_map_flow, an_invalid_concept_map_stops_the_gateway_at_start_up) {
  auto config = dir.path() / "homebase.yaml";
  write_file(
      config,
      "partners:\n  - id: p\n    source_endpoints: [https://p.example.org]\n    concept_maps:\n      - " +
          test_data("fixtures/concept-maps/invalid-equivalence.json").string() + "\n");
  std::string output;
  EXPECT_EQ(run({homebase_binary(), "--check-config", config.string()}, output), 1) << output;
  EXPECT_NE(output.find(config.string() + ":5: partners[0].concept_maps[0]: ConceptMap "), std::string::npos)
      << output;
  EXPECT_NE(output.find("ConceptMap.group[0].element[0].target[0].equivalence"), std::string::npos) << output;

  // The gateway itself refuses to start, with the same error.
  std::string error;
  EXPECT_FALSE(gw.start(
      dir,
      {.medical_home_base = "http://127.0.0.1:9/fhir",
       .partner_concept_maps = {test_data("fixtures/concept-maps/invalid-equivalence.json").string()}},
      error));
  EXPECT_NE(read_file(gw.log).find("configuration error: "), std::string::npos) << read_file(gw.log);
  EXPECT_NE(read_file(gw.log).find("ConceptMap.group[0].element[0].target[0].equivalence"),
            std::string::npos);
}

}  // namespace
}  // namespace homebase::testing
