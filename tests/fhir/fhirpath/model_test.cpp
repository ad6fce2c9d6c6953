// The engine's model hooks (environment::model), against a small fake R4 model: typed navigation,
// choice elements, is/as/ofType through the type hierarchy, unknown type names, memberOf, conformsTo.
#include <gtest/gtest.h>

#include "fhir/fhirpath/evaluator.hpp"
#include "fhir/json_document.hpp"
#include "tests/fhir/fhirpath/fake_model.hpp"

namespace homebase::fhir::fhirpath {
namespace {

class fhirpath_model : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_FALSE(parse_json(R"({"resourceType":"Patient","id":"example","active":true,"gender":"male",
      "birthDate":"1974-12-25","_birthDate":{"extension":[{"url":"http://x/birthTime",
        "valueString":"14:35"}]},
      "deceasedBoolean":false,
      "name":[{"use":"official","family":"Chalmers","given":["Peter","James"]},
              {"use":"usual","given":["Jim"]}],
      "contact":[{"gender":"female","name":{"family":"du Marché","_family":{"extension":[{"url":"http://y",
        "valueString":"VV"}]}}}],
      "extension":[{"url":"http://example.org/age","valueAge":{"value":52,"unit":"a","code":"a"}}],
      "contained":[{"resourceType":"Observation","id":"o","status":"final",
        "valueQuantity":{"value":185,"code":"[lb_av]"},
        "code":{"coding":[{"system":"http://example.org/cs","code":"b"},{"code":"z"}]}}]})",
                            patient_));
    env_.model = &model_;
  }

  std::string eval(std::string_view text, const environment* env = nullptr) {
    auto parsed = expression::parse(text);
    if (!parsed) return "syntax error: " + parsed.failure().message;
    auto r = evaluate(parsed.value(), patient_, env != nullptr ? *env : env_);
    if (!r) return "error: " + r.failure().message;
    std::string out;
    for (const auto& v : r.value()) {
      if (!out.empty()) out += ',';
      if (v.kind == value_kind::node)
        out.append(1, '<').append(v.fhir_type).append(1, '>');
      else
        out += to_text(v);
    }
    return "[" + out + "]";
  }

  testing::fake_model model_;
  environment env_;
  rapidjson::Document patient_;
};

TEST_F(fhirpath_model, navigation_types_every_node) {
  EXPECT_EQ(eval("Patient.name.type().name"), "[HumanName,HumanName]");
  EXPECT_EQ(eval("Patient.gender.type().name"), "[code]");
  EXPECT_EQ(eval("Patient.contact.type().name"), "[BackboneElement]");
  EXPECT_EQ(eval("Patient.contact.name.type().name"), "[HumanName]");  // through the backbone key
  EXPECT_EQ(eval("Patient.name.given.type().name"), "[string,string,string]");
  // a date is a date, not a string, so it compares as one
  EXPECT_EQ(eval("Patient.birthDate < @1975"), "[true]");
  EXPECT_EQ(eval("Patient.birthDate.type().namespace"), "[FHIR]");
  // contained resources take their own type
  EXPECT_EQ(eval("Patient.contained.type().name"), "[Observation]");
  EXPECT_EQ(eval("Patient.contained.status.type().name"), "[code]");
}

TEST_F(fhirpath_model, choice_elements_carry_their_type) {
  EXPECT_EQ(eval("Patient.deceased"), "[false]");
  EXPECT_EQ(eval("Patient.deceased.type().name"), "[boolean]");
  EXPECT_EQ(eval("Patient.contained.value.type().name"), "[Quantity]");
  EXPECT_EQ(eval("Patient.contained.value.code"), "[[lb_av]]");
  EXPECT_EQ(eval("Patient.extension.value is Age"), "[true]");
  EXPECT_EQ(eval("Patient.extension.value is Quantity"), "[true]");  // Age derives from Quantity
  EXPECT_EQ(eval("Patient.extension.value.as(Quantity).value"), "[52]");
  EXPECT_EQ(eval("Patient.contained.value is Age"), "[false]");
}

TEST_F(fhirpath_model, is_as_and_of_type_follow_the_hierarchy) {
  EXPECT_EQ(eval("Patient.gender.is(code)"), "[true]");
  EXPECT_EQ(eval("Patient.gender.is(string)"), "[true]");  // code derives from string
  EXPECT_EQ(eval("Patient.gender.is(id)"), "[false]");
  EXPECT_EQ(eval("Patient.gender.as(code)"), "[male]");
  EXPECT_EQ(eval("Patient.gender.as(string)"), "[]");  // as/ofType on primitives: the exact type
  EXPECT_EQ(eval("Patient.gender.ofType(string)"), "[]");
  EXPECT_EQ(eval("Patient.gender.is(System.String)"), "[false]");
  EXPECT_EQ(eval("Patient.name.ofType(HumanName).use"), "[official,usual]");
  EXPECT_EQ(eval("Patient.is(DomainResource)"), "[true]");
  EXPECT_EQ(eval("Patient.is(FHIR.Resource)"), "[true]");
  EXPECT_EQ(eval("Patient.contained.ofType(Observation).id"), "[o]");
  EXPECT_EQ(eval("Patient.contained.ofType(Patient)"), "[]");
  EXPECT_EQ(eval("Patient.active.is(boolean) and Patient.active.is(Boolean).not()"), "[true]");
  EXPECT_EQ(eval("DomainResource.id"), "[example]");  // a base type name as the first step
}

TEST_F(fhirpath_model, unknown_type_names_are_errors) {
  EXPECT_EQ(eval("Patient.gender.as(string1)").substr(0, 6), "error:");
  EXPECT_EQ(eval("Patient.gender.ofType(string1)").substr(0, 6), "error:");
  EXPECT_EQ(eval("Patient.gender is string1").substr(0, 6), "error:");
  EXPECT_EQ(eval("Patient.is(System.Patient)"), "[false]");  // System.X: never an unknown name
  EXPECT_EQ(eval("Patient.gender is System.Strin"), "[false]");
  EXPECT_EQ(eval("Patient.gender.is(FHIR.Quantity)"), "[false]");
  // without a model the same names are not checked
  environment plain;
  EXPECT_EQ(eval("Patient.gender.as(string1)", &plain), "[]");
}

TEST_F(fhirpath_model, primitive_extensions_and_value_less_primitives) {
  EXPECT_EQ(eval("Patient.birthDate.extension('http://x/birthTime').value"), "[14:35]");
  EXPECT_EQ(eval("Patient.birthDate.extension.value.type().name"), "[string]");
  EXPECT_EQ(eval("Patient.contact.name.family.extension.value"), "[VV]");
  EXPECT_EQ(eval("Patient.descendants().ofType(HumanName).count()"), "[3]");
  EXPECT_EQ(eval("Patient.descendants().ofType(Quantity).value"), "[52,185]");  // an Age is a Quantity
}

TEST_F(fhirpath_model, strict_mode_rejects_unknown_and_typed_choice_names) {
  EXPECT_EQ(eval("Patient.name.given1"), "[]");
  EXPECT_EQ(eval("Patient.contained.valueQuantity.value"), "[185]");  // lenient by default
  environment strict = env_;
  strict.strict = true;
  EXPECT_EQ(eval("Patient.name.given1", &strict).substr(0, 6), "error:");
  EXPECT_EQ(eval("Encounter.name.given", &strict).substr(0, 6), "error:");  // wrong context type
  EXPECT_EQ(eval("Patient.contained.valueQuantity.value", &strict).substr(0, 6), "error:");
  EXPECT_EQ(eval("Patient.contained.value.value", &strict), "[185]");
  EXPECT_EQ(eval("Patient.birthDate.extension.url", &strict), "[http://x/birthTime]");
  // elements under a key the model does not know stay plain JSON
  EXPECT_EQ(eval("Patient.extension.value.unit", &strict), "[a]");
}

TEST_F(fhirpath_model, member_of_and_conforms_to_ask_the_model) {
  EXPECT_EQ(eval("Patient.gender.memberOf('http://hl7.org/fhir/ValueSet/administrative-gender')"), "[true]");
  EXPECT_EQ(eval("Patient.contained.code.memberOf('http://example.org/vs')"), "[true]");  // any coding
  EXPECT_EQ(eval("Patient.contained.code.coding[1].memberOf('http://example.org/vs')"), "[false]");
  EXPECT_EQ(eval("Patient.gender.memberOf('http://example.org/unknown')"), "[]");  // cannot tell
  EXPECT_EQ(eval("conformsTo('http://hl7.org/fhir/StructureDefinition/Patient')"), "[true]");
  EXPECT_EQ(eval("conformsTo('http://hl7.org/fhir/StructureDefinition/Observation')"), "[false]");
  EXPECT_EQ(eval("conformsTo('http://trash')").substr(0, 6), "error:");
  environment plain;
  EXPECT_EQ(eval("Patient.gender.memberOf('http://example.org/vs')", &plain).substr(0, 6), "error:");
}

TEST_F(fhirpath_model, focus_with_a_model_key) {
  // a constraint on Patient.contact, evaluated at the contact with its backbone key
  auto parsed = expression::parse("name.family.exists() and gender.is(code)");
  ASSERT_TRUE(parsed);
  const rapidjson::Value& contact = patient_["contact"][0];
  auto r = evaluate_constraint(
      parsed.value(), focus{&contact, "Patient.contact", "BackboneElement", &patient_, &patient_}, env_);
  ASSERT_TRUE(r);
  EXPECT_TRUE(r.value());
}

}  // namespace
}  // namespace homebase::fhir::fhirpath
