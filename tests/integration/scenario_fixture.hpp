// scenario_fixture: loads a scenario fixture (tests/fixtures/scenarios/...) and expands its date tokens
// relative to a given day, so that clock-driven scenarios (PCP visit within 2 days, EI referral within 7,
// referral loop 30) mean the same thing on whatever day the tests run.
//
// Tokens (anywhere in the text; in practice inside JSON strings):
//   {{D}} {{D+3}} {{D-30}}          -> a FHIR date, the given day plus/minus N days: 2026-11-26
//   {{T 09:30}} {{T-1 15:45}}       -> a FHIR dateTime at that UTC time: 2026-11-22T15:45:00Z
//   {{UUID:name}}                   -> a fresh random UUID (lower case); the same name gives the same UUID
//                                      for every call on one scenario_fixture object
// Anything else between {{ and }} is an error, and so is a {{ without its }}.
#pragma once

#include <chrono>
#include <filesystem>
#include <map>
#include <random>
#include <string>
#include <string_view>
#include <vector>

namespace homebase::testing {

struct fixture_text {
  bool ok = false;
  std::string text;   // the expanded text when ok
  std::string error;  // what was wrong (token and offset, or the file that could not be read)
};

class scenario_fixture {
 public:
  explicit scenario_fixture(std::chrono::sys_days today);

  [[nodiscard]] fixture_text expand(std::string_view text);
  [[nodiscard]] fixture_text load(const std::filesystem::path& file);
  [[nodiscard]] std::chrono::sys_days today() const { return today_; }

 private:
  std::chrono::sys_days today_;
  std::map<std::string, std::string, std::less<>> uuids_;
  std::mt19937_64 random_;
};

// Today in UTC.
[[nodiscard]] std::chrono::sys_days utc_today();

// A FHIR date (YYYY-MM-DD) for `day`.
[[nodiscard]] std::string fhir_date(std::chrono::sys_days day);

// Every *.json file below `root`, sorted by path (so 01-... comes before 02-... within a scenario).
[[nodiscard]] std::vector<std::filesystem::path> scenario_fixture_files(const std::filesystem::path& root);

// The main-path messages of one scenario folder, in the order they are sent: the *.json files directly in
// `scenario_dir` whose names start with two digits (01-..., 02-...). Alternatives (alt-...) and variant
// folders are left out; a test names them itself.
[[nodiscard]] std::vector<std::filesystem::path> scenario_message_files(
    const std::filesystem::path& scenario_dir);

}  // namespace homebase::testing
