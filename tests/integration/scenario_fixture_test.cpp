// The scenario fixture expander (tokens, errors) and every scenario fixture, expanded, through the built
// `homebase validate` command: each must have zero errors on today's date and on other days.
#include "tests/integration/scenario_fixture.hpp"

#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <cstdio>
#include <set>
#include <string_view>
#include <vector>

#include "tests/integration/gateway_harness.hpp"

namespace homebase::testing {
namespace {

using namespace std::chrono;
namespace fs = std::filesystem;

constexpr sys_days leap_day = sys_days{year{2028} / February / 29};

TEST(scenario_fixture, expands_dates_relative_to_the_given_day) {
  scenario_fixture f(leap_day);
  auto r = f.expand(R"({"a":"{{D}}","b":"{{D+1}}","c":"{{D-60}}","d":"{{D+366}}"})");
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(r.text, R"({"a":"2028-02-29","b":"2028-03-01","c":"2027-12-31","d":"2029-03-01"})");
}

TEST(scenario_fixture, expands_date_times_in_utc) {
  scenario_fixture f(sys_days{year{2026} / December / 31});
  auto r = f.expand("{{T+1 00:05}}|{{T 23:59}}|{{T-31 14:30}}");
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(r.text, "2027-01-01T00:05:00Z|2026-12-31T23:59:00Z|2026-11-30T14:30:00Z");
}

TEST(scenario_fixture, same_uuid_name_same_value_within_one_fixture_object) {
  scenario_fixture f(leap_day);
  auto first = f.expand("{{UUID:bundle}} {{UUID:header}} {{UUID:bundle}}");
  ASSERT_TRUE(first.ok) << first.error;
  auto a = first.text.substr(0, 36);
  auto b = first.text.substr(37, 36);
  EXPECT_EQ(first.text.substr(74), a);
  EXPECT_NE(a, b);
  EXPECT_EQ(a[14], '4');                                          // version 4
  EXPECT_NE(std::string("89ab").find(a[19]), std::string::npos);  // RFC 4122 variant
  auto again = f.expand("{{UUID:bundle}}");
  EXPECT_EQ(again.text, a);  // shared across files of one scenario
  scenario_fixture other(leap_day);
  EXPECT_NE(other.expand("{{UUID:bundle}}").text, a);  // fresh per run
}

TEST(scenario_fixture, unknown_or_broken_tokens_are_errors) {
  scenario_fixture f(leap_day);
  for (const char* bad :
       {"{{X}}", "{{D+}}", "{{D+3d}}", "{{D 3}}", "{{T+1}}", "{{T+1 24:00}}", "{{T+1 9:30}}", "{{T+1 09:60}}",
        "{{UUID:}}", "{{UUID:a b}}", "{{}}", "x {{D+1", "{{D+123456}}"}) {
    auto r = f.expand(bad);
    EXPECT_FALSE(r.ok) << bad;
    EXPECT_FALSE(r.error.empty()) << bad;
    EXPECT_TRUE(r.text.empty()) << bad;
  }
  auto plain = f.expand(R"({"a":{"b":{}}})");  // JSON's own closing braces are not tokens
  ASSERT_TRUE(plain.ok);
  EXPECT_EQ(plain.text, R"({"a":{"b":{}}})");
}

TEST(scenario_fixture, missing_file_is_an_error) {
  scenario_fixture f(leap_day);
  auto r = f.load(test_data("fixtures/scenarios/no-such-file.json"));
  EXPECT_FALSE(r.ok);
  EXPECT_NE(r.error.find("no-such-file.json"), std::string::npos);
}

TEST(scenario_fixture, main_path_messages_in_sending_order) {
  auto dir = test_data("fixtures/scenarios/09-early-intervention-loop");
  std::vector<std::string> names;
  for (const auto& f : scenario_message_files(dir)) names.push_back(f.filename().string());
  EXPECT_EQ(names, (std::vector<std::string>{"01-nicu-discharge.json", "02-ei-referral-sent.json",
                                             "03-ei-referral-accepted.json", "04-ifsp-held.json"}));
  auto first = scenario_message_files(test_data("fixtures/scenarios/01-nicu-discharge"));
  ASSERT_EQ(first.size(), 2u);  // the alt- document is not on the main path
  EXPECT_EQ(first[1].filename(), "02-nicu-discharge-twin-b.json");
}

// Number of error/fatal issues in the OperationOutcome(s) that `homebase validate` printed.
int validator_errors(const std::string& output) {
  int n = 0;
  for (const char* needle : {R"("severity":"error")", R"("severity":"fatal")"})
    for (auto at = output.find(needle); at != std::string::npos; at = output.find(needle, at + 1)) ++n;
  return n;
}

// The day the fixtures are expanded on: "today" or a YYYY-MM-DD date (a string, so ctest shows it).
sys_days day_of(const std::string& text) {
  if (text == "today") return utc_today();
  int y = 0;
  unsigned m = 0;
  unsigned d = 0;
  EXPECT_EQ(std::sscanf(text.c_str(), "%d-%u-%u", &y, &m, &d), 3) << text;
  return sys_days{year{y} / month{m} / day{d}};
}

// Every "reference": "urn:uuid:..." below `v`.
void urn_references(const rapidjson::Value& v, std::vector<std::string>& out) {
  if (v.IsObject()) {
    for (const auto& m : v.GetObject()) {
      if (std::string_view(m.name.GetString()) == "reference" && m.value.IsString() &&
          std::string_view(m.value.GetString()).starts_with("urn:uuid:"))
        out.emplace_back(m.value.GetString());
      else
        urn_references(m.value, out);
    }
  } else if (v.IsArray()) {
    for (const auto& e : v.GetArray()) urn_references(e, out);
  }
}

// What the scenario READMEs promise about every message: a known event from a known partner, sent before
// the test day (never from the future, whatever the hour), every urn:uuid reference carried in the Bundle.
void check_message_promises(const rapidjson::Document& doc, const fs::path& relative, sys_days today) {
  static const std::set<std::string> events{"nicu-discharge", "specialist-visit-summary", "referral-update",
                                            "appointment-update"};
  static const std::set<std::string> endpoints{"https://ehr.st-elsewhere-childrens.example.org/fhir",
                                               "https://ehr.riverside-peds-pulm.example.org/fhir",
                                               "https://partc.county-ei.example.org/fhir"};
  std::string type = doc["type"].GetString();
  ASSERT_TRUE(type == "message" || type == "document") << relative;
  const auto& entries = doc["entry"];
  const auto& first = entries[0]["resource"];
  if (type == "message") {
    ASSERT_STREQ(first["resourceType"].GetString(), "MessageHeader") << relative;
    EXPECT_STREQ(first["eventCoding"]["system"].GetString(),
                 "http://homebase.example.org/fhir/CodeSystem/message-event")
        << relative;
    EXPECT_TRUE(events.contains(first["eventCoding"]["code"].GetString())) << relative;
    EXPECT_TRUE(endpoints.contains(first["source"]["endpoint"].GetString())) << relative;
  } else {
    EXPECT_STREQ(first["resourceType"].GetString(), "Composition") << relative;
  }
  // Expanded dateTimes are all ...Z with the same layout, so text order is time order.
  EXPECT_LT(std::string(doc["timestamp"].GetString()), fhir_date(today) + "T00:00:00Z") << relative;
  std::set<std::string> full_urls;
  for (const auto& e : entries.GetArray()) full_urls.insert(e["fullUrl"].GetString());
  std::vector<std::string> refs;
  urn_references(doc, refs);
  for (const auto& r : refs)
    EXPECT_TRUE(full_urls.contains(r)) << relative << ": " << r << " not in the Bundle";
}

class every_scenario_fixture : public ::testing::TestWithParam<std::string> {};

TEST_P(every_scenario_fixture, expands_and_validates_with_zero_errors) {
  auto root = test_data("fixtures/scenarios");
  auto files = scenario_fixture_files(root);
  ASSERT_GE(files.size(), 9u) << "no scenario fixtures under " << root;
  temp_dir dir;
  std::set<std::string> scenarios;
  for (const auto& file : files) {
    auto relative = fs::relative(file, root);
    scenarios.insert(relative.begin()->string());
    scenario_fixture fixture(day_of(GetParam()));
    auto expanded = fixture.load(file);
    ASSERT_TRUE(expanded.ok) << expanded.error;
    EXPECT_EQ(expanded.text.find("{{"), std::string::npos) << relative;
    rapidjson::Document doc;
    doc.Parse(expanded.text.c_str());
    ASSERT_FALSE(doc.HasParseError()) << relative << " is not JSON after expansion";
    // Scenario 14's patch-*.json is what the coordinator's app sends to PATCH /fhir/Task/{id}: an RFC 6902
    // JSON Patch document (an array of operations), not a FHIR resource; each operation names op and path.
    if (relative.filename().string().starts_with("patch-")) {
      ASSERT_TRUE(doc.IsArray() && !doc.Empty()) << relative << " is not a JSON Patch document";
      for (const auto& op : doc.GetArray())
        EXPECT_TRUE(op.IsObject() && op.HasMember("op") && op.HasMember("path")) << relative;
      continue;
    }
    ASSERT_TRUE(doc.IsObject() && doc.HasMember("resourceType")) << relative;
    // Scenarios 1-9 are messages and documents; 10-12 (school letters) also hold the family's Consents
    // and the coordinator's $school-letter Parameters, which are validated the same way.
    std::string type = doc["resourceType"].GetString();
    if (type == "Bundle") {
      check_message_promises(doc, relative, day_of(GetParam()));
    } else {
      EXPECT_TRUE(type == "Consent" || type == "Parameters") << relative << " is a " << type;
    }

    // Same layout as the fixtures (HOMEBASE_KEEP_TEST_DIRS keeps it for other validators).
    auto out_file = dir.path() / relative;
    fs::create_directories(out_file.parent_path());
    write_file(out_file, expanded.text);
    std::string output;
    int status = run({homebase_binary(), "validate", out_file.string()}, output);
    EXPECT_EQ(status, 0) << relative << "\n" << output;
    EXPECT_EQ(validator_errors(output), 0) << relative << "\n" << output;
  }
  // Every scenario folder says what it sends and what must come out.
  for (const auto& scenario : scenarios) {
    if (fs::is_directory(root / scenario)) {
      EXPECT_TRUE(fs::exists(root / scenario / "README.md")) << scenario << " has no README.md";
    }
  }
}

// Today, a leap day and a day years ahead: the fixtures must hold on any day the suite runs.
INSTANTIATE_TEST_SUITE_P(Days, every_scenario_fixture, ::testing::Values("today", "2028-02-29", "2031-01-01"),
                         [](const ::testing::TestParamInfo<std::string>& p) {
                           std::string name = p.param;
                           std::erase(name, '-');
                           return name;
                         });

}  // namespace
}  // namespace homebase::testing
