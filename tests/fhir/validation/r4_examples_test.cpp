// The whole published R4 example set (npm hl7.fhir.r4.examples@4.0.1, 5,306 files, installed in
// tests/tools by deploy/install-deps.sh --test): every file round-trips losslessly and validates without
// errors, except the files listed with the defect in r4-examples-exclusions.txt; and Homebase's verdict
// agrees with medplum's and the R4 JSON schema's, except the entries of r4-examples-disagreements.txt.
// Both lists are exact: an entry that no longer applies fails the test.
#include <gtest/gtest.h>

#include <filesystem>
#include <set>
#include <string>
#include <vector>

#include "corpus_support.hpp"
#include "fhir/json_document.hpp"

namespace homebase::fhir {
namespace {

namespace fs = std::filesystem;
using testing::errors_of;
using testing::read_file;
using testing::read_list;
using testing::validate_text;

const std::string kData = HOMEBASE_TEST_DATA_DIR;

fs::path examples_dir() {
  return fs::path(kData) / "tools/node_modules/hl7.fhir.r4.examples";
}

std::vector<fs::path> examples() {
  std::vector<fs::path> files;
  if (!fs::is_directory(examples_dir())) return files;
  for (const auto& e : fs::directory_iterator(examples_dir())) {
    const auto name = e.path().filename().string();
    if (e.path().extension() == ".json" && name != "package.json" && name != ".index.json")
      files.push_back(e.path());
  }
  std::sort(files.begin(), files.end());
  return files;
}

TEST(R4Examples, AreInstalled) {
  EXPECT_GT(examples().size(), 5300u)
      << examples_dir() << ": run deploy/install-deps.sh --test (npm ci in tests/tools)";
}

TEST(R4Examples, RoundTripLosslessly) {
  std::size_t numbers = 0;
  const auto files = examples();
  ASSERT_FALSE(files.empty());
  for (const auto& path : files) {
    const std::string text = read_file(path);
    lossless_json first;
    ASSERT_FALSE(parse_json_lossless(text, first, {128})) << path.filename();
    const std::string written = to_canonical_json(first.document, &first);
    lossless_json second;
    ASSERT_FALSE(parse_json_lossless(written, second, {128})) << path.filename();
    EXPECT_TRUE(first.document == second.document) << path.filename() << ": values differ after writing";
    EXPECT_EQ(to_canonical_json(second.document, &second), written)
        << path.filename() << ": not a fixed point";
    numbers += first.number_count();
  }
  EXPECT_GT(numbers, 10000u);
}

TEST(R4Examples, ValidateWithoutErrorsExceptTheListedDefects) {
  const auto listed = read_list(kData + "/fhir/validation/r4-examples-exclusions.txt");
  const auto files = examples();
  ASSERT_FALSE(files.empty());
  std::set<std::string> seen;
  for (const auto& path : files) {
    const std::string name = path.filename().string();
    const auto outcome = validate_text(read_file(path));
    const auto errors = errors_of(outcome);
    if (listed.count(name)) {
      seen.insert(name);
      EXPECT_FALSE(errors.empty()) << name << " is listed in r4-examples-exclusions.txt but validates";
      continue;
    }
    for (const auto* e : errors) ADD_FAILURE() << name << ": " << e->expression << ": " << e->diagnostics;
  }
  for (const auto& [name, reason] : listed)
    EXPECT_TRUE(seen.count(name)) << name << " is not an example file";
}

TEST(R4Examples, AgreeWithTheIndependentEnginesOutsideTheListedDisagreements) {
  const auto files = examples();
  ASSERT_FALSE(files.empty());
  const auto theirs = testing::run_independent(examples_dir());
  std::map<std::string, bool> ours;
  for (const auto& path : files)
    ours[path.filename().string()] = errors_of(validate_text(read_file(path))).empty();
  const std::size_t agreements =
      testing::check_agreement(ours, theirs, kData + "/fhir/validation/r4-examples-disagreements.txt");
  EXPECT_GT(agreements, 10500u);
}

}  // namespace
}  // namespace homebase::fhir
