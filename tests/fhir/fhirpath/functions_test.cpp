// The functions added for validation: lowBoundary/highBoundary, UCUM-aware quantity comparison and
// comparable(), resolve() in a Bundle and among contained resources, htmlChecks() for narratives.
#include <gtest/gtest.h>

#include "fhir/fhirpath/evaluator.hpp"
#include "fhir/fhirpath/ucum.hpp"
#include "fhir/fhirpath/xhtml.hpp"
#include "fhir/json_document.hpp"

namespace homebase::fhir::fhirpath {
namespace {

std::string render(const collection& items) {
  std::string out;
  for (const auto& v : items) {
    if (!out.empty()) out += ',';
    if (v.kind == value_kind::node) {
      bool has_id = v.node != nullptr && v.node->IsObject() && v.node->HasMember("id");
      out += has_id ? v.node->FindMember("id")->value.GetString() : "<node>";
    } else {
      out += to_text(v);
    }
  }
  return "[" + out + "]";
}

std::string eval(std::string_view text, const focus& where = {}) {
  auto parsed = expression::parse(text);
  if (!parsed) return "syntax error: " + parsed.failure().message;
  auto r = evaluate(parsed.value(), where, environment{});
  if (!r) return "error: " + r.failure().message;
  return render(r.value());
}

TEST(fhirpath_functions, decimal_boundaries) {
  EXPECT_EQ(eval("1.587.lowBoundary()"), "[1.58650000]");
  EXPECT_EQ(eval("1.587.highBoundary()"), "[1.58750000]");
  EXPECT_EQ(eval("1.587.lowBoundary(2)"), "[1.58]");
  EXPECT_EQ(eval("1.587.highBoundary(2)"), "[1.59]");
  EXPECT_EQ(eval("(-1.587).lowBoundary(2)"), "[-1.59]");
  EXPECT_EQ(eval("(-1.587).highBoundary(2)"), "[-1.58]");
  EXPECT_EQ(eval("1.lowBoundary(0)"), "[0]");
  EXPECT_EQ(eval("1.highBoundary(0)"), "[2]");
  EXPECT_EQ(eval("120.lowBoundary(2)"), "[119.50]");
  EXPECT_EQ(eval("1.587.lowBoundary(-1)"), "[]");
  EXPECT_EQ(eval("1.587.lowBoundary(32)"), "[]");
  EXPECT_EQ(eval("1.587 'cm'.highBoundary(4)"), "[1.5875 'cm']");
  EXPECT_EQ(eval("'a'.lowBoundary()"), "[]");
}

TEST(fhirpath_functions, temporal_boundaries) {
  EXPECT_EQ(eval("@2014.lowBoundary(6)"), "[2014-01]");
  EXPECT_EQ(eval("@2014.highBoundary(6)"), "[2014-12]");
  EXPECT_EQ(eval("@2016-02.highBoundary()"), "[2016-02-29]");  // the last day of a leap February
  EXPECT_EQ(eval("@2014-01-01T08.lowBoundary(17)"), "[2014-01-01T08:00:00.000+14:00]");
  EXPECT_EQ(eval("@2014-01-01T08.highBoundary(17)"), "[2014-01-01T08:00:59.999-12:00]");
  EXPECT_EQ(eval("@2014-01-01T08:05+08:00.lowBoundary(17)"), "[2014-01-01T08:05:00.000+08:00]");
  EXPECT_EQ(eval("@2014-01-01T08.lowBoundary(8)"), "[2014-01-01]");
  EXPECT_EQ(eval("@T10:30.highBoundary(9)"), "[10:30:59.999]");
  EXPECT_EQ(eval("@2014-01-01.lowBoundary(17)"), "[]");  // a Date has no time part
  // the period invariant of the suite, on partial dates
  EXPECT_EQ(eval("@2019-02.lowBoundary() < @2019-02-10.highBoundary()"), "[true]");
}

TEST(fhirpath_functions, quantities_compare_through_ucum) {
  EXPECT_EQ(eval("4 'g' ~ 4040 'mg'"), "[true]");  // equal at the precision of 4 'g'
  EXPECT_EQ(eval("4 'g' = 4040 'mg'"), "[false]");
  EXPECT_EQ(eval("1 'kg' = 1000 'g'"), "[true]");
  EXPECT_EQ(eval("2.0 'cm' * 2.0 'm' = 0.040 'm2'"), "[true]");
  EXPECT_EQ(eval("100 'mg/dL' = 1 'g/L'"), "[true]");
  EXPECT_EQ(eval("1 '[lb_av]' < 500 'g'"), "[true]");
  EXPECT_EQ(eval("12 '[in_i]' = 1 '[ft_i]'"), "[true]");
  EXPECT_EQ(eval("1 'L' = 1000 'mL'"), "[true]");
  EXPECT_EQ(eval("120 'mm[Hg]' > 15 'kPa'"), "[true]");
  EXPECT_EQ(eval("1 'h' = 60 'min'"), "[true]");
  EXPECT_EQ(eval("1 'kg' + 500 'g'"), "[1.5 'kg']");
  EXPECT_EQ(eval("1 'kg' = 1 'm'"), "[false]");
  EXPECT_EQ(eval("1 'kg' < 1 'm'"), "[]");
  // calendar durations: week and shorter are definite, years and months only among themselves
  EXPECT_EQ(eval("7 days = 1 week"), "[true]");
  EXPECT_EQ(eval("1 day = 24 'h'"), "[true]");
  EXPECT_EQ(eval("1 year = 12 months"), "[true]");
  EXPECT_EQ(eval("1 year = 1 'a'"), "[]");
  EXPECT_EQ(eval("1 year ~ 1 'a'"), "[true]");
  EXPECT_EQ(eval("1 'a' = 12 'mo'"), "[true]");
  EXPECT_EQ(eval("1 month = 30 days"), "[false]");
  // conversion
  EXPECT_EQ(eval("1 '[lb_av]'.toQuantity('g')"), "[453.59237 'g']");
  EXPECT_EQ(eval("'5 \\'mg\\''.toQuantity('g')"), "[0.005 'g']");
  EXPECT_EQ(eval("1 'm'.toQuantity('s')"), "[]");
}

TEST(fhirpath_functions, comparable_units) {
  EXPECT_EQ(eval("1 'cm'.comparable(1 '[in_i]')"), "[true]");
  EXPECT_EQ(eval("1 'cm'.comparable(1 '[s]')"), "[false]");  // not a UCUM unit
  EXPECT_EQ(eval("1 'cm'.comparable(1 's')"), "[false]");
  EXPECT_EQ(eval("1 'mmol/L'.comparable(1 'umol/mL')"), "[true]");
  EXPECT_EQ(eval("1 '[IU]/L'.comparable(1 'm[IU]/mL')"), "[true]");
  EXPECT_EQ(eval("1 '[IU]'.comparable(1 'mg')"), "[false]");
  EXPECT_EQ(eval("1 'cm'.comparable('x')").substr(0, 6), "error:");
}

TEST(fhirpath_functions, ucum_parser) {
  auto u = ucum::parse("10*3/uL");
  ASSERT_TRUE(u);
  EXPECT_NEAR(u->factor, 1e3 / 1e-9, 1);  // per cubic metre
  EXPECT_TRUE(ucum::parse("{cells}/uL"));
  EXPECT_TRUE(ucum::parse("kg.m2/s2"));
  EXPECT_TRUE(ucum::parse("/min"));
  EXPECT_TRUE(ucum::parse("mL/(24.h)"));
  EXPECT_TRUE(ucum::parse("%"));
  EXPECT_FALSE(ucum::parse("Cel"));  // temperature scales are not linear: not supported
  EXPECT_FALSE(ucum::parse("[degF]"));
  EXPECT_FALSE(ucum::parse("kg/"));
  EXPECT_FALSE(ucum::parse("m((("));
  EXPECT_FALSE(ucum::parse("ha"));  // 'a' (year) takes no prefix
}

class fhirpath_resolve : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_FALSE(parse_json(R"({"resourceType":"Bundle","id":"b","type":"collection","entry":[
      {"fullUrl":"http://example.org/fhir/Patient/p1","resource":{"resourceType":"Patient","id":"p1"}},
      {"fullUrl":"urn:uuid:0a8b","resource":{"resourceType":"Practitioner","id":"dr"}},
      {"fullUrl":"http://example.org/fhir/Observation/o1","resource":{"resourceType":"Observation","id":"o1",
        "subject":{"reference":"Patient/p1"},
        "performer":[{"reference":"urn:uuid:0a8b"},{"reference":"#c1"},{"reference":"Patient/nobody"},
                     {"reference":"http://elsewhere.org/Patient/p1"}],
        "contained":[{"resourceType":"Device","id":"c1"}],
        "focus":[{"reference":"Patient/p1/_history/2"}]}}]})",
                            bundle_));
    observation_ = &bundle_["entry"][2]["resource"];
  }

  focus at_observation() const { return focus{observation_, {}, {}, observation_, &bundle_}; }

  rapidjson::Document bundle_;
  const rapidjson::Value* observation_ = nullptr;
};

TEST_F(fhirpath_resolve, references_within_the_bundle_and_contained) {
  EXPECT_EQ(eval("subject.resolve()", at_observation()), "[p1]");
  EXPECT_EQ(eval("subject.resolve() is Patient", at_observation()), "[true]");
  EXPECT_EQ(eval("performer.resolve()", at_observation()), "[dr,c1]");  // unresolvable ones drop out
  EXPECT_EQ(eval("performer[1].resolve().type().name", at_observation()), "[Device]");
  EXPECT_EQ(eval("focus.resolve()", at_observation()), "[p1]");
  EXPECT_EQ(eval("'http://example.org/fhir/Patient/p1'.resolve()", at_observation()), "[p1]");
  // without a Bundle around, only contained references resolve
  focus alone{observation_, {}, {}, observation_, observation_};
  EXPECT_EQ(eval("performer.resolve()", alone), "[c1]");
  // the reference invariant of Bundle-level checks
  EXPECT_EQ(eval("performer.where(reference.startsWith('#')).all(resolve().exists())", at_observation()),
            "[true]");
}

TEST(fhirpath_html_checks, narratives) {
  auto ok = [](std::string_view div) { return !narrative_problem(div).has_value(); };
  constexpr std::string_view ns = R"(<div xmlns="http://www.w3.org/1999/xhtml">)";
  EXPECT_TRUE(ok(std::string(ns) + "<p>Peter <b>James</b> Chalmers</p></div>"));
  EXPECT_TRUE(ok(std::string(ns) +
                 R"(<table border="1"><tr><td colspan="2">a &amp; b &#160;</td></tr></table><br/></div>)"));
  EXPECT_TRUE(ok(std::string(ns) + R"(<img src="#pic" alt=""/></div>)"));  // an image is content
  EXPECT_TRUE(ok(std::string(ns) + "<a href=\"http://x\" name=\"n\">x</a><!-- note --></div>"));
  EXPECT_FALSE(ok("<div>no namespace</div>"));
  EXPECT_FALSE(ok(R"(<p xmlns="http://www.w3.org/1999/xhtml">not a div</p>)"));
  EXPECT_FALSE(ok(std::string(ns) + "   </div>"));  // no content
  EXPECT_FALSE(ok(std::string(ns) + "<script>alert(1)</script>text</div>"));
  EXPECT_FALSE(ok(std::string(ns) + "<p onclick=\"x()\">text</p></div>"));
  EXPECT_FALSE(ok(std::string(ns) + "<a href=\" javascript:x()\">text</a></div>"));
  EXPECT_FALSE(ok(std::string(ns) + "<form>text</form></div>"));
  EXPECT_FALSE(ok(std::string(ns) + "<object>text</object></div>"));
  EXPECT_FALSE(ok(std::string(ns) + "<p>unclosed</div>"));
  EXPECT_FALSE(ok(std::string(ns) + "<p>a < b</p></div>"));
  EXPECT_FALSE(ok(std::string(ns) + "<p>a &b</p></div>"));
  EXPECT_FALSE(ok(std::string(ns) + "<p>text</p></div><p>after</p>"));
  EXPECT_FALSE(ok(std::string(ns) + "<p class=\"a\" class=\"b\">text</p></div>"));
  EXPECT_FALSE(ok(std::string(ns) + "<ins>text</ins></div>"));
  std::string deep(ns);
  for (int i = 0; i < 300; ++i) deep += "<b>";
  EXPECT_FALSE(ok(deep + "x"));  // nested too deeply (and never closed)
}

TEST(fhirpath_html_checks, as_a_function) {
  rapidjson::Document doc;
  ASSERT_FALSE(parse_json(R"({"resourceType":"Patient","text":{"status":"generated",
    "div":"<div xmlns=\"http://www.w3.org/1999/xhtml\">Peter</div>"}})",
                          doc));
  focus patient{&doc, {}, {}, &doc, &doc};
  EXPECT_EQ(eval("text.div.htmlChecks()", patient), "[true]");
  EXPECT_EQ(eval("text.htmlChecks()", patient), "[true]");
  EXPECT_EQ(eval("'<div>x</div>'.htmlChecks()"), "[false]");
  EXPECT_EQ(eval("text.missing.htmlChecks()", patient), "[]");
}

TEST(fhirpath_functions, extension_and_has_value) {
  rapidjson::Document doc;
  ASSERT_FALSE(parse_json(R"({"resourceType":"Patient","birthDate":"1974-12-25",
    "_birthDate":{"extension":[{"url":"http://hl7.org/fhir/StructureDefinition/patient-birthTime",
      "valueDateTime":"1974-12-25T14:35:45-05:00"}]},
    "name":[{"given":["Peter",null],"_given":[null,{"extension":[{"url":"http://x","valueCode":"ABC"}]}]}]})",
                          doc));
  focus patient{&doc, {}, {}, &doc, &doc};
  EXPECT_EQ(eval("birthDate.extension(%`ext-patient-birthTime`).value", patient),
            "[1974-12-25T14:35:45-05:00]");
  EXPECT_EQ(eval("birthDate.hasValue()", patient), "[true]");
  EXPECT_EQ(eval("name.given.count()", patient), "[2]");  // the second has only an extension
  EXPECT_EQ(eval("name.given.select(hasValue())", patient), "[true,false]");
  EXPECT_EQ(eval("name.given[1].extension('http://x').value", patient), "[ABC]");
  EXPECT_EQ(eval("name.given.first().getValue()", patient), "[Peter]");
  EXPECT_EQ(eval("name.given.last().getValue()", patient), "[]");
  EXPECT_EQ(eval("name.given.getValue()", patient), "[]");  // a single primitive only
}

}  // namespace
}  // namespace homebase::fhir::fhirpath
