// Lossless round trip over FHIR R4 JSON written by others (tests/fixtures/external, see SOURCES.md there):
// every file parses with parse_json_lossless, to_canonical_json then parse gives the same values and the
// same number texts, and writing a second time changes nothing. Files that are not valid JSON may be listed
// with a reason in tests/fixtures/external/roundtrip-exclusions.txt; the test checks they still fail.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "fhir/json_document.hpp"

namespace homebase::fhir {
namespace {

namespace fs = std::filesystem;

const fs::path corpus_root = fs::path(HOMEBASE_TEST_DATA_DIR) / "fixtures" / "external";

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// Relative path (from corpus_root) -> reason, from the exclusions file.
std::map<std::string, std::string> exclusions() {
  std::map<std::string, std::string> out;
  std::ifstream in(corpus_root / "roundtrip-exclusions.txt");
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    auto space = line.find(' ');
    out[line.substr(0, space)] = space == std::string::npos ? "" : line.substr(space + 1);
  }
  return out;
}

std::vector<fs::path> json_files(const std::string& folder) {
  std::vector<fs::path> files;
  for (const auto& entry : fs::recursive_directory_iterator(corpus_root / folder))
    if (entry.is_regular_file() && entry.path().extension() == ".json") files.push_back(entry.path());
  std::sort(files.begin(), files.end());
  return files;
}

// First difference in number texts between `a` (numbers of `ja`) and `b` (of `jb`), trees already known to
// be equal as values; members are matched by name because the canonical form may reorder them.
std::string number_text_difference(const rapidjson::Value& a, const lossless_json& ja,
                                   const rapidjson::Value& b, const lossless_json& jb,
                                   const std::string& path) {
  if (a.IsNumber()) {
    auto ta = ja.number_text(a);
    auto tb = jb.number_text(b);
    if (!ta || !tb || *ta != *tb)
      return path + ": " + std::string(ta.value_or("<no text>")) + " became " +
             std::string(tb.value_or("<no text>"));
  } else if (a.IsObject()) {
    for (const auto& m : a.GetObject()) {
      auto other = b.FindMember(m.name);
      if (other == b.MemberEnd()) return path + "." + m.name.GetString() + ": missing";
      auto d = number_text_difference(m.value, ja, other->value, jb, path + "." + m.name.GetString());
      if (!d.empty()) return d;
    }
  } else if (a.IsArray()) {
    for (rapidjson::SizeType i = 0; i < a.Size(); ++i) {
      auto d = number_text_difference(a[i], ja, b[i], jb, path + "[" + std::to_string(i) + "]");
      if (!d.empty()) return d;
    }
  }
  return {};
}

struct corpus_stats {
  std::size_t files = 0;
  std::size_t excluded = 0;
  std::size_t numbers = 0;
  std::size_t numbers_a_plain_writer_changes = 0;  // e.g. 1.50, 1e2: texts to_json would not reproduce
};

// Counts numbers whose text differs from what to_json writes for their value.
void count_numbers(const rapidjson::Value& v, const lossless_json& j, corpus_stats& stats) {
  if (v.IsNumber()) {
    ++stats.numbers;
    if (j.number_text(v) != to_json(v)) ++stats.numbers_a_plain_writer_changes;
  } else if (v.IsObject()) {
    for (const auto& m : v.GetObject()) count_numbers(m.value, j, stats);
  } else if (v.IsArray()) {
    for (const auto& e : v.GetArray()) count_numbers(e, j, stats);
  }
}

// Checks one file; returns what went wrong, or "" when the round trip is lossless.
std::string check_round_trip(const std::string& text, corpus_stats& stats) {
  lossless_json original;
  if (auto error = parse_json_lossless(text, original))
    return "does not parse: " + error->message + " at byte " + std::to_string(error->offset);
  rapidjson::Document plain;
  if (auto error = parse_json(text, plain)) return "parse_json refuses what parse_json_lossless accepts";
  if (!(plain == original.document)) return "parse_json and parse_json_lossless give different values";

  std::string first = to_canonical_json(original.document, &original);
  lossless_json again;
  if (auto error = parse_json_lossless(first, again))
    return "canonical output does not parse: " + error->message + " at byte " + std::to_string(error->offset);
  if (!(again.document == original.document)) return "values differ after parse -> write -> parse";
  if (again.number_count() != original.number_count())
    return std::to_string(original.number_count()) + " numbers became " +
           std::to_string(again.number_count());
  if (auto d = number_text_difference(original.document, original, again.document, again, "$"); !d.empty())
    return "number text changed at " + d;
  std::string second = to_canonical_json(again.document, &again);
  if (second != first) return "writing twice is not a fixed point";
  if (original.document.IsObject() && original.document.HasMember("resourceType") &&
      first.rfind(R"({"resourceType":)", 0) != 0)
    return "canonical output does not start with resourceType";
  count_numbers(original.document, original, stats);
  return {};
}

corpus_stats check_corpus(const std::string& folder) {
  corpus_stats stats;
  auto excluded = exclusions();
  for (const auto& path : json_files(folder)) {
    ++stats.files;
    auto name = fs::relative(path, corpus_root).generic_string();
    auto text = read_file(path);
    if (auto it = excluded.find(name); it != excluded.end()) {
      ++stats.excluded;
      lossless_json j;
      EXPECT_TRUE(parse_json_lossless(text, j))
          << name << " is excluded (" << it->second << ") but now parses: take it off the exclusions list";
      continue;
    }
    auto problem = check_round_trip(text, stats);
    EXPECT_EQ(problem, "") << name;
  }
  EXPECT_GT(stats.files, 0u) << "no JSON files under " << (corpus_root / folder);
  std::cout << "[ corpus   ] " << folder << ": " << stats.files << " files (" << stats.excluded
            << " excluded), " << stats.numbers << " numbers, " << stats.numbers_a_plain_writer_changes
            << " whose text a plain writer would change\n";
  return stats;
}

TEST(corpus_roundtrip, hl7_fhir_r4_examples) {
  auto stats = check_corpus("hl7-fhir-r4-examples");
  EXPECT_EQ(stats.files, 163u);
  EXPECT_GT(stats.numbers_a_plain_writer_changes, 0u);  // the corpus does exercise number texts
}

TEST(corpus_roundtrip, synthea_patient_bundle) {
  auto stats = check_corpus("synthea");
  EXPECT_GT(stats.numbers, 100u);
}

TEST(corpus_roundtrip, us_core_examples) {
  EXPECT_EQ(check_corpus("us-core").files, 25u);
}

TEST(corpus_roundtrip, mcc_careplan_examples) {
  EXPECT_EQ(check_corpus("mcc-careplan").files, 33u);
}

TEST(corpus_roundtrip, every_exclusion_names_an_existing_file_and_a_reason) {
  for (const auto& [name, reason] : exclusions()) {
    EXPECT_TRUE(fs::exists(corpus_root / name)) << name;
    EXPECT_FALSE(reason.empty()) << name << " is excluded without a reason";
  }
}

}  // namespace
}  // namespace homebase::fhir
