#include "fhir/operation_outcome.hpp"

#include <gtest/gtest.h>

namespace homebase::fhir {
namespace {

TEST(operation_outcome, writes_issues_with_expression) {
  operation_outcome o(issue_severity::error, "required", "missing \"id\"", "Bundle.id");
  o.add(issue_severity::warning, "not-supported", "not mapped");
  EXPECT_TRUE(o.has_errors());
  EXPECT_EQ(o.to_json(),
            R"({"resourceType":"OperationOutcome","issue":[{"severity":"error","code":"required",)"
            R"("diagnostics":"missing \"id\"","expression":["Bundle.id"]},)"
            R"({"severity":"warning","code":"not-supported","diagnostics":"not mapped"}]})");
}

TEST(operation_outcome, empty_outcome_still_has_one_issue) {
  operation_outcome o;
  EXPECT_FALSE(o.has_errors());
  EXPECT_NE(o.to_json().find(R"("severity":"information")"), std::string::npos);
}

TEST(operation_outcome, warnings_are_not_errors) {
  operation_outcome o(issue_severity::warning, "informational", "x");
  EXPECT_FALSE(o.has_errors());
}

}  // namespace
}  // namespace homebase::fhir
