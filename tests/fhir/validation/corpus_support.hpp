// Shared by the corpus tests: reading files and "name # reason" lists, validating text, and running
// the independent engines (tests/tools/validate-corpus.mjs) on a directory.
#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "fhir/operation_outcome.hpp"

namespace homebase::fhir::testing {

std::string read_file(const std::filesystem::path& path);

// "name # reason" lines (blank lines and lines starting with '#' skipped); an entry without a reason
// fails the calling test.
std::map<std::string, std::string> read_list(const std::string& path);

std::vector<const issue*> errors_of(const operation_outcome& o);

// Parses (checked, depth 128) and validates with the R4 registry; a parse failure is one error issue.
operation_outcome validate_text(const std::string& text);

struct independent_verdicts {
  std::map<std::string, bool> medplum;  // path relative to the directory -> valid
  std::map<std::string, bool> schema;
};

// Runs validate-corpus.mjs --errors-only on every JSON file below `dir`.
independent_verdicts run_independent(const std::filesystem::path& dir);

// The entry of `listed` (shell patterns) that matches `entry`, or null.
const std::string* matching_entry(const std::map<std::string, std::string>& listed, const std::string& entry);

// Compares Homebase's verdicts (`ours`: key -> valid) with both engines'. A disagreement fails the
// calling test unless an entry of the list at `list_path` ("<key or pattern> <engine> # reason")
// matches it; an entry that matches nothing fails too. Returns the number of agreements.
std::size_t check_agreement(const std::map<std::string, bool>& ours, const independent_verdicts& theirs,
                            const std::string& list_path);

}  // namespace homebase::fhir::testing
