// The validator against real content written by others: every external R4 file validates without
// errors; mutations derived from them (one defect each) are caught at the path of the defect; and the
// verdicts agree with two independent engines (medplum and the official R4 JSON schema under ajv, run
// by tests/tools/validate-corpus.mjs) except for the disagreements listed with a reason in
// agreement-exceptions.txt. Lists are exact: an entry that no longer applies fails the test.
#include <gtest/gtest.h>
#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "corpus_support.hpp"
#include "fhir/json_document.hpp"
#include "fhir/validation/validator.hpp"

namespace homebase::fhir {
namespace {

namespace fs = std::filesystem;
using definitions::type_kind;
using testing::errors_of;
using testing::independent_verdicts;
using testing::read_file;
using testing::read_list;
using testing::run_independent;
using testing::validate_text;

const std::string kData = HOMEBASE_TEST_DATA_DIR;

std::string to_text(const rapidjson::Value& v) {
  rapidjson::StringBuffer b;
  rapidjson::Writer<rapidjson::StringBuffer> w(b);
  v.Accept(w);
  return {b.GetString(), b.GetSize()};
}

std::string data_relative(const fs::path& p) {
  return fs::relative(p, kData).generic_string();
}

// Every JSON file of the external corpora plus the project's own fixtures.
std::vector<fs::path> corpus() {
  std::vector<fs::path> files;
  for (const auto& e : fs::recursive_directory_iterator(kData + "/fixtures/external")) {
    if (e.is_regular_file() && e.path().extension() == ".json") files.push_back(e.path());
  }
  files.push_back(kData + "/fixtures/anjali-nicu-discharge.json");
  for (const auto& e : fs::directory_iterator(kData + "/fixtures/davinci-alerts")) {
    if (e.is_regular_file() && e.path().extension() == ".json") files.push_back(e.path());
  }
  std::sort(files.begin(), files.end());
  return files;
}

TEST(CorpusValidation, EveryExternalFileValidatesWithoutErrors) {
  const auto exclusions = read_list(kData + "/fhir/validation/corpus-exclusions.txt");
  std::size_t files = 0;
  for (const auto& path : corpus()) {
    ++files;
    const auto outcome = validate_text(read_file(path));
    const auto errors = errors_of(outcome);
    const bool excluded = exclusions.count(data_relative(path)) != 0;
    if (excluded) {
      EXPECT_FALSE(errors.empty()) << data_relative(path)
                                   << " is listed in corpus-exclusions.txt but now validates";
      continue;
    }
    for (const auto* e : errors) {
      ADD_FAILURE() << data_relative(path) << ": " << e->expression << ": " << e->code << ": "
                    << e->diagnostics;
    }
  }
  EXPECT_GT(files, 220u);
}

// ---- mutations -----------------------------------------------------------------------------------

struct mutation {
  std::string name;           // "<file stem>--<kind>"
  std::string text;           // the mutated resource
  std::string expected_path;  // where the defect must be reported
  std::string expected_code;  // the issue code it must carry
};

// One defect per mutation, each applied to the resource's own top-level elements, so that the
// expected path is known exactly.
std::vector<mutation> mutations_of(const fs::path& path) {
  std::vector<mutation> out;
  const auto& reg = definitions::type_registry::r4();
  rapidjson::Document original;
  if (parse_json(read_file(path), original)) return out;
  if (!original.IsObject() || !original.HasMember("resourceType")) return out;
  const std::string type_name = original["resourceType"].GetString();
  const auto* type = reg.find_type(type_name);
  if (!type) return out;
  const std::string stem = path.stem().string();

  auto emit = [&](const std::string& kind, const rapidjson::Document& doc, const std::string& member,
                  const std::string& code) {
    out.push_back({stem + "--" + kind, to_text(doc), type_name + "." + member, code});
  };
  auto copy = [&](rapidjson::Document& d) { d.CopyFrom(original, d.GetAllocator()); };

  {  // an unknown element
    rapidjson::Document d;
    copy(d);
    d.AddMember("homebaseUnknownElement", rapidjson::Value(1), d.GetAllocator());
    emit("unknown-element", d, "homebaseUnknownElement", "structure");
  }
  bool wrong_kind = false;
  bool single_as_array = false;
  bool broken_date = false;
  bool bad_code = false;
  for (const auto& m : original.GetObject()) {
    const std::string key = m.name.GetString();
    const auto* match = type->root->find_member(key);
    if (!match || !match->type || !match->type->type) continue;
    const bool primitive = match->type->type->kind == type_kind::primitive;
    const std::string& code = match->type->code;
    const bool has_companion = original.HasMember(("_" + key).c_str());
    if (!wrong_kind && primitive && m.value.IsString() && key != "id" && !has_companion) {
      rapidjson::Document d;
      copy(d);
      d[key.c_str()].SetInt(42);
      emit("wrong-json-type", d, key, "structure");
      wrong_kind = true;
    }
    if (!single_as_array && match->element->max == 1 && !m.value.IsArray() && !has_companion) {
      rapidjson::Document d;
      copy(d);
      rapidjson::Value array(rapidjson::kArrayType);
      rapidjson::Value item;
      item.CopyFrom(m.value, d.GetAllocator());
      array.PushBack(item, d.GetAllocator());
      d[key.c_str()] = array;
      emit("array-for-single", d, key, "structure");
      single_as_array = true;
    }
    if (!broken_date && (code == "date" || code == "dateTime") && m.value.IsString()) {
      rapidjson::Document d;
      copy(d);
      d[key.c_str()].SetString("2023-02-30", d.GetAllocator());
      emit("broken-date", d, key, "value");
      broken_date = true;
    }
    if (!bad_code && code == "code" && m.value.IsString() && match->element->binding &&
        match->element->binding->expandable) {
      rapidjson::Document d;
      copy(d);
      d[key.c_str()].SetString("homebase-not-a-code", d.GetAllocator());
      emit("code-outside-binding", d, key, "code-invalid");
      bad_code = true;
    }
  }
  for (const auto* child : type->root->children) {  // drop a required element
    if (child->min == 0 || child->choice) continue;
    if (!original.HasMember(child->name.c_str()) || original.HasMember(("_" + child->name).c_str())) continue;
    rapidjson::Document d;
    copy(d);
    d.RemoveMember(child->name.c_str());
    emit("missing-required", d, child->name, "required");
    break;
  }
  return out;
}

// Invariant mutations on chosen examples (app-3, bdl-7, per-1).
std::vector<mutation> invariant_mutations() {
  std::vector<mutation> out;
  const std::string dir = kData + "/fixtures/external/hl7-fhir-r4-examples/";
  {
    rapidjson::Document d;
    EXPECT_FALSE(parse_json(read_file(dir + "Appointment-example.json"), d));
    d.RemoveMember("start");
    d.RemoveMember("end");
    d["status"].SetString("booked");
    out.push_back({"Appointment-example--app-3", to_text(d), "Appointment", "invariant"});
  }
  {
    rapidjson::Document d;
    EXPECT_FALSE(parse_json(read_file(dir + "Bundle-bundle-example.json"), d));
    auto& entries = d["entry"];
    rapidjson::Value same(entries[0]["fullUrl"], d.GetAllocator());
    entries[1]["fullUrl"] = same;
    out.push_back({"Bundle-bundle-example--bdl-7", to_text(d), "Bundle", "invariant"});
  }
  {
    rapidjson::Document d;
    EXPECT_FALSE(parse_json(read_file(dir + "Encounter-example.json"), d));
    rapidjson::Value period(rapidjson::kObjectType);
    period.AddMember("start", "2026-10-02", d.GetAllocator());
    period.AddMember("end", "2026-10-01", d.GetAllocator());
    d.AddMember("period", period, d.GetAllocator());
    out.push_back({"Encounter-example--per-1", to_text(d), "Encounter.period", "invariant"});
  }
  return out;
}

std::vector<mutation> all_mutations() {
  std::vector<mutation> all;
  for (const auto& path : corpus()) {
    if (path.parent_path().filename() != "hl7-fhir-r4-examples") continue;
    auto m = mutations_of(path);
    all.insert(all.end(), m.begin(), m.end());
  }
  auto inv = invariant_mutations();
  all.insert(all.end(), inv.begin(), inv.end());
  return all;
}

TEST(CorpusValidation, EveryMutationIsCaughtAtItsPath) {
  const auto mutations = all_mutations();
  std::map<std::string, int> kinds;
  for (const auto& m : mutations) {
    kinds[m.name.substr(m.name.find("--") + 2)]++;
    const auto outcome = validate_text(m.text);
    bool caught = false;
    for (const auto* e : errors_of(outcome)) {
      caught = caught || (e->expression == m.expected_path && e->code == m.expected_code);
    }
    EXPECT_TRUE(caught) << m.name << ": no " << m.expected_code << " error at " << m.expected_path << "\n"
                        << outcome.to_json();
  }
  std::printf("%zu mutations:", mutations.size());
  for (const auto& [kind, n] : kinds) std::printf(" %s %d", kind.c_str(), n);
  std::printf("\n");
  // Each kind of defect is exercised many times (the numbers depend on the corpus; they are floors).
  EXPECT_GE(kinds["unknown-element"], 150);
  EXPECT_GE(kinds["wrong-json-type"], 100);
  EXPECT_GE(kinds["array-for-single"], 100);
  EXPECT_GE(kinds["broken-date"], 40);
  EXPECT_GE(kinds["code-outside-binding"], 80);
  EXPECT_GE(kinds["missing-required"], 60);
}

// The native Bundle rules (bdl-3, -4, -5, -7, -8) give the same issues as their FHIRPath expressions,
// on every corpus file and mutation, and on Bundles built to break each rule.
TEST(CorpusValidation, NativeBundleRulesAgreeWithTheirFhirPath) {
  auto issues_of = [](const std::string& text, bool native) {
    rapidjson::Document d;
    EXPECT_FALSE(parse_json(text, d, {128}));
    operation_outcome o;
    validation_options options;
    options.native_bundle_rules = native;
    validator().validate(d, o, options);
    std::vector<std::string> out;
    for (const auto& i : o.issues()) {
      if (i.diagnostics.starts_with("bdl-")) out.push_back(i.expression + " " + i.diagnostics);
    }
    return out;
  };
  std::vector<std::string> texts;
  for (const auto& path : corpus()) texts.push_back(read_file(path));
  for (const auto& m : all_mutations()) texts.push_back(m.text);
  const std::string p = R"({"resourceType":"Patient","id":"p1"})";
  texts.push_back(
      R"({"resourceType":"Bundle","type":"transaction","entry":[{"fullUrl":"urn:uuid:c757873d-ec9a-4326-a141-556f43239520","resource":)" +
      p + R"(}]})");
  texts.push_back(
      R"({"resourceType":"Bundle","type":"collection","entry":[{"fullUrl":"http://x/fhir/Patient/p1/_history/2","resource":)" +
      p +
      R"(,"request":{"method":"PUT","url":"Patient/p1"}},{"fullUrl":"http://x/fhir/Patient/p1/_history/2","resource":)" +
      p + R"(},{}]})");
  texts.push_back(R"({"resourceType":"Bundle","type":"batch-response","entry":[{"resource":)" + p + R"(}]})");
  texts.push_back(R"({"resourceType":"Bundle","entry":[{"resource":)" + p + R"(}]})");
  texts.push_back(
      R"({"resourceType":"Bundle","type":"searchset","entry":[{"fullUrl":"http://x/fhir/Patient/p1","resource":{"resourceType":"Patient","id":"p1","meta":{"versionId":"1"}}},{"fullUrl":"http://x/fhir/Patient/p1","resource":{"resourceType":"Patient","id":"p1","meta":{"versionId":"2"}}}]})");
  std::size_t with_issues = 0;
  for (const auto& text : texts) {
    const auto native = issues_of(text, true);
    const auto fhirpath = issues_of(text, false);
    EXPECT_EQ(native, fhirpath) << text.substr(0, 300);
    with_issues += native.empty() ? 0 : 1;
  }
  EXPECT_GE(with_issues, 5u) << "the hand-built Bundles break bdl-3, -4, -5, -7 and -8";
}

// ---- agreement with the independent engines ------------------------------------------------------

TEST(CorpusValidation, AgreesWithTheIndependentEnginesOutsideTheListedDisagreements) {
  // The corpus and its mutations, side by side in one temporary directory.
  const fs::path dir = fs::temp_directory_path() / ("homebase-agreement-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir / "corpus");
  fs::create_directories(dir / "mutations");
  std::map<std::string, bool> ours;  // key -> valid
  for (const auto& path : corpus()) {
    const std::string key = "corpus/" + data_relative(path);
    fs::create_directories((dir / key).parent_path());
    fs::copy_file(path, dir / key, fs::copy_options::overwrite_existing);
    ours[key] = errors_of(validate_text(read_file(path))).empty();
  }
  for (const auto& m : all_mutations()) {
    const std::string key = "mutations/" + m.name + ".json";
    std::ofstream(dir / key, std::ios::binary) << m.text;
    ours[key] = errors_of(validate_text(m.text)).empty();
  }
  const independent_verdicts theirs = run_independent(dir);
  ASSERT_EQ(theirs.medplum.size(), ours.size())
      << "validate-corpus.mjs did not answer for every file (is `npm ci` done in tests/tools?)";

  // Entries are "<file or pattern> <engine> # reason"; patterns use shell wildcards.
  const std::size_t agreements =
      testing::check_agreement(ours, theirs, kData + "/fhir/validation/agreement-exceptions.txt");
  EXPECT_GT(agreements, 1000u);
  fs::remove_all(dir);
}

}  // namespace
}  // namespace homebase::fhir
