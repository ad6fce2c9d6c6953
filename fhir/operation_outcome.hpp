// operation_outcome: the issues found while handling a request, and their FHIR R4 OperationOutcome JSON.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace homebase::fhir {

enum class issue_severity { fatal, error, warning, information };

struct issue {
  issue_severity severity = issue_severity::error;
  std::string code;         // R4 issue-type code: invalid, structure, required, value, not-found, ...
  std::string diagnostics;  // human text
  std::string expression;   // FHIRPath element path, e.g. "Bundle.entry[3].resource"; may be empty
};

class operation_outcome {
 public:
  operation_outcome() = default;
  operation_outcome(issue_severity severity, std::string code, std::string diagnostics,
                    std::string expression = {});

  void add(issue i) { issues_.push_back(std::move(i)); }
  void add(issue_severity severity, std::string code, std::string diagnostics, std::string expression = {});

  [[nodiscard]] const std::vector<issue>& issues() const { return issues_; }
  [[nodiscard]] bool has_errors() const;
  [[nodiscard]] bool empty() const { return issues_.empty(); }

  // R4 OperationOutcome JSON. An empty outcome gets one "information" issue (R4 requires 1..* issue).
  [[nodiscard]] std::string to_json() const;

 private:
  std::vector<issue> issues_;
};

[[nodiscard]] std::string_view to_string(issue_severity severity);

}  // namespace homebase::fhir
