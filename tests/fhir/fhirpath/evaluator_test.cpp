// Focused tests of the FHIRPath engine: parser precedence, empty propagation, choice types, errors.
#include "fhir/fhirpath/evaluator.hpp"

#include <gtest/gtest.h>

#include <thread>
#include <vector>

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

TEST_F(fhirpath_evaluator, computed_text_outlives_its_temporaries) {
  // substrings, splits and unit strings borrow the text of computed strings; the value keeps it alive
  EXPECT_EQ(eval_text("('abc' + 'def').substring(2, 2)"), "[cd]");
  EXPECT_EQ(eval_text("('a,b' & ',c').split(',').last()"), "[c]");
  EXPECT_EQ(eval_text("('  x' + 'y ').trim()"), "[xy]");
  EXPECT_EQ(eval_text("('2 ' + '\\'mg\\'').toQuantity()"), "[2 'mg']");
  EXPECT_EQ(eval_text("code.coding.code.select($this + '!').join('')"), "[a!b!]");
}

TEST_F(fhirpath_evaluator, one_expression_evaluates_concurrently) {
  // expressions are immutable and evaluate() keeps its state on the stack: share one across threads
  auto parsed =
      expression::parse("code.coding.where(code = 'b').code & status.substring(1) & %resource.status");
  ASSERT_TRUE(parsed);
  const expression& expr = parsed.value();
  std::vector<std::thread> threads;
  std::vector<int> good(4, 0);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 2000; ++i) {
        auto r = evaluate(expr, doc_);
        if (r && r.value().size() == 1 && r.value()[0].text == "binalfinal")
          ++good[static_cast<std::size_t>(t)];
      }
    });
  }
  for (auto& th : threads) th.join();
  for (int g : good) EXPECT_EQ(g, 2000);
}

}  // namespace
}  // namespace homebase::fhir::fhirpath

namespace homebase::fhir::fhirpath {
namespace {

// evaluate() at a focus inside a resource inside a Bundle, as the validator runs element constraints.
class fhirpath_focus : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_FALSE(parse_json(R"({"resourceType":"Bundle","type":"collection","entry":[
      {"fullUrl":"urn:uuid:1","resource":{"resourceType":"Observation","id":"o1","status":"final",
        "subject":{"reference":"#p"},"contained":[{"resourceType":"Patient","id":"p"}],
        "effectivePeriod":{"start":"2019-02-03","end":"2019-02-01"},
        "component":[{"code":{"text":"a"},"valueString":"x","_valueString":{"id":"v1"}}],
        "note":[{"text":"n","_text":{"extension":[{"url":"http://e","valueBoolean":true}]}}]}}]})",
                            doc_));
    observation_ = &doc_["entry"][0]["resource"];
  }

  focus at(const rapidjson::Value& node, std::string_view key = {}, std::string_view type = {}) const {
    return focus{&node, key, type, observation_, &doc_};
  }

  std::string eval_at(std::string_view text, const focus& where) {
    auto parsed = expression::parse(text);
    if (!parsed) return "syntax error: " + parsed.failure().message;
    auto r = evaluate(parsed.value(), where, environment{});
    if (!r) return "error: " + r.failure().message;
    std::string out;
    for (const auto& v : r.value()) {
      if (!out.empty()) out += ',';
      out += v.kind == value_kind::node ? std::string("<node>") : to_text(v);
    }
    return "[" + out + "]";
  }

  result<bool> holds(std::string_view text, const focus& where) {
    auto parsed = expression::parse(text);
    if (!parsed) return parsed.failure();
    return evaluate_constraint(parsed.value(), where, environment{});
  }

  rapidjson::Document doc_;
  const rapidjson::Value* observation_ = nullptr;
};

TEST_F(fhirpath_focus, this_context_resource_and_root_resource) {
  const rapidjson::Value& period = (*observation_)["effectivePeriod"];
  EXPECT_EQ(eval_at("start", at(period)), "[2019-02-03]");
  EXPECT_EQ(eval_at("$this.end", at(period)), "[2019-02-01]");
  EXPECT_EQ(eval_at("%context.start", at(period)), "[2019-02-03]");
  EXPECT_EQ(eval_at("%resource.id", at(period)), "[o1]");
  EXPECT_EQ(eval_at("%rootResource.type", at(period)), "[collection]");
  EXPECT_EQ(eval_at("%resource.status", at(period)), "[final]");
}

TEST_F(fhirpath_focus, constraints_are_true_only_when_true) {
  const rapidjson::Value& period = (*observation_)["effectivePeriod"];
  // per-1 on a period whose end is before its start
  auto per1 = holds("start.hasValue().not() or end.hasValue().not() or (start <= end)", at(period));
  ASSERT_TRUE(per1);
  EXPECT_FALSE(per1.value());
  auto ok = holds("start.hasValue().not() or end.hasValue().not() or (end <= start)", at(period));
  ASSERT_TRUE(ok);
  EXPECT_TRUE(ok.value());
  auto empty = holds("missing.exists() implies false", at(period));
  ASSERT_TRUE(empty);
  EXPECT_TRUE(empty.value());
  auto nothing = holds("missing = 1", at(period));  // empty: not shown to hold
  ASSERT_TRUE(nothing);
  EXPECT_FALSE(nothing.value());
  EXPECT_FALSE(holds("(1 | 2)", at(period)));                   // several items: an error
  EXPECT_FALSE(holds("start.substring(1, 2, 3)", at(period)));  // evaluation error
}

TEST_F(fhirpath_focus, primitive_focus_sees_its_extensions) {
  const rapidjson::Value& note = (*observation_)["note"][0];
  focus text = at(note["text"], {}, "markdown");
  text.primitive_element = &note["_text"];
  EXPECT_EQ(eval_at("hasValue()", text), "[true]");
  EXPECT_EQ(eval_at("extension('http://e').value", text), "[true]");
  EXPECT_EQ(eval_at("$this = 'n'", text), "[true]");
  // ele-1 on the primitive: it has a value, or children other than id
  EXPECT_EQ(eval_at("hasValue() or (children().count() > id.count())", text), "[true]");
  focus bare{nullptr, {}, "markdown", observation_, &doc_, &note["_text"]};
  EXPECT_EQ(eval_at("hasValue()", bare), "[false]");
  EXPECT_EQ(eval_at("children().count() > id.count()", bare), "[true]");
}

TEST_F(fhirpath_focus, choice_primitives_keep_their_elements) {
  const rapidjson::Value& component = (*observation_)["component"][0];
  EXPECT_EQ(eval_at("value.id", at(component)), "[v1]");
  EXPECT_EQ(eval_at("value is string", at(component)), "[true]");
}

}  // namespace
}  // namespace homebase::fhir::fhirpath
