// Focused tests of the FHIRPath engine: parser precedence, empty propagation, choice types, errors.
#include "fhir/fhirpath/evaluator.hpp"

#include <gtest/gtest.h>

#include "fhir/json_document.hpp"

namespace homebase::fhir::fhirpath {
namespace {

class fhirpath_evaluator : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_FALSE(parse_json(R"({"resourceType":"Observation","status":"final",
      "valueQuantity":{"value":185,"unit":"lbs","code":"[lb_av]"},
      "effectiveDateTime":"2019-02-03T10:00:00Z",
      "code":{"coding":[{"code":"a"},{"code":"b"}]}})",
                            doc_));
  }

  std::string eval_text(std::string_view text) {
    auto parsed = expression::parse(text);
    if (!parsed) return "syntax error: " + parsed.failure().message;
    auto r = evaluate(parsed.value(), doc_);
    if (!r) return "error: " + r.failure().message;
    std::string out;
    for (const auto& v : r.value()) {
      if (!out.empty()) out += ',';
      out += v.kind == value_kind::node ? std::string("<node>") : to_text(v);
    }
    return "[" + out + "]";
  }

  rapidjson::Document doc_;
};

TEST_F(fhirpath_evaluator, operator_precedence) {
  EXPECT_EQ(eval_text("1 + 2 * 3"), "[7]");
  EXPECT_EQ(eval_text("(1 + 2) * 3"), "[9]");
  EXPECT_EQ(eval_text("-2.abs()"), "[-2]");
  EXPECT_EQ(eval_text("true or false and false"), "[true]");
  EXPECT_EQ(eval_text("1 | 2 = 1 | 2"), "[true]");
  EXPECT_EQ(eval_text("false implies false or true"), "[true]");
  EXPECT_EQ(eval_text("'a' & 'b' + 'c'"), "[abc]");
}

TEST_F(fhirpath_evaluator, empty_propagation_and_three_valued_logic) {
  EXPECT_EQ(eval_text("{} = 1"), "[]");
  EXPECT_EQ(eval_text("Observation.missing + 1"), "[]");
  EXPECT_EQ(eval_text("{} and true"), "[]");
  EXPECT_EQ(eval_text("{} and false"), "[false]");
  EXPECT_EQ(eval_text("{} or true"), "[true]");
  EXPECT_EQ(eval_text("{} implies true"), "[true]");
  EXPECT_EQ(eval_text("{}.empty()"), "[true]");
  EXPECT_EQ(eval_text("'x' & {}"), "[x]");
}

TEST_F(fhirpath_evaluator, choice_types_and_navigation) {
  EXPECT_EQ(eval_text("Observation.value.value"), "[185]");
  EXPECT_EQ(eval_text("Observation.value.is(Quantity)"), "[true]");
  EXPECT_EQ(eval_text("Observation.value.ofType(Quantity).unit"), "[lbs]");
  EXPECT_EQ(eval_text("Observation.effective > @2019-02-01"), "[true]");
  EXPECT_EQ(eval_text("code.coding.code"), "[a,b]");
  EXPECT_EQ(eval_text("code.coding[1].code"), "[b]");
  EXPECT_EQ(eval_text("code.coding.where(code = 'b').count()"), "[1]");
}

TEST_F(fhirpath_evaluator, dates_and_quantities) {
  EXPECT_EQ(eval_text("@2019-01-31 + 1 month"), "[2019-02-28]");
  EXPECT_EQ(eval_text("@2019-01 = @2019-01-01"), "[]");
  EXPECT_EQ(eval_text("@2019-01-01T10:00:00+01:00 = @2019-01-01T09:00:00Z"), "[true]");
  EXPECT_EQ(eval_text("4 days"), "[4 days]");
  EXPECT_EQ(eval_text("1.0 ~ 1.04"), "[true]");
  EXPECT_EQ(eval_text("'A  b' ~ 'a b'"), "[true]");
}

TEST_F(fhirpath_evaluator, errors_are_values) {
  auto parsed = expression::parse("1 + ");
  ASSERT_FALSE(parsed);
  EXPECT_EQ(parsed.failure().kind, error_kind::syntax);
  EXPECT_EQ(parsed.failure().position, 4u);
  EXPECT_EQ(eval_text("(1 | 2) + 1").substr(0, 6), "error:");
  EXPECT_EQ(eval_text("nosuchfunction()").substr(0, 6), "error:");
  // invalid regular expressions, wrong arity, and errors deep inside iteration are values too
  EXPECT_EQ(eval_text("'a'.matches('[')").substr(0, 6), "error:");
  EXPECT_EQ(eval_text("'a'.substring()").substr(0, 6), "error:");
  EXPECT_EQ(eval_text("code.coding.where(code.substring(1, 2, 3)).exists() or true").substr(0, 6), "error:");
  EXPECT_EQ(eval_text("code.coding.select(code | code) = 'a'").substr(0, 6), "[false");
  EXPECT_EQ(eval_text("(code.coding.code + 'x') | 'y'").substr(0, 6), "error:");
  EXPECT_EQ(eval_text("%nosuch.exists()").substr(0, 6), "error:");
}

}  // namespace
}  // namespace homebase::fhir::fhirpath
