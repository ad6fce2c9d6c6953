#include "fhir/definitions/type_registry.hpp"

#include <gtest/gtest.h>

namespace homebase::fhir::definitions {
namespace {

const type_registry& r4() {
  return type_registry::r4();
}

TEST(TypeRegistry, HoldsEveryR4ResourceDataTypeAndPrimitive) {
  const auto& stats = r4().stats();
  std::size_t resources = 0;
  std::size_t primitives = 0;
  for (const auto& t : r4().types()) {
    resources += t->kind == type_kind::resource ? 1 : 0;
    primitives += t->kind == type_kind::primitive ? 1 : 0;
  }
  // R4 4.0.1: 146 concrete resource types plus the abstract Resource and DomainResource; 20 primitives.
  // (The 4.0.1 files also define SubscriptionStatus, an R4B resource, which is left out.)
  EXPECT_EQ(resources, 148u);
  EXPECT_EQ(r4().find_type("SubscriptionStatus"), nullptr);
  EXPECT_EQ(primitives, 20u);
  EXPECT_GT(stats.elements, 7000u);
  EXPECT_EQ(stats.constraints_not_compiled, 0u) << "every R4 invariant parses as FHIRPath";
  EXPECT_GT(stats.value_sets, 200u);
}

TEST(TypeRegistry, ElementsCarryCardinalityTypesAndTargets) {
  const type_definition* appointment = r4().find_type("Appointment");
  ASSERT_NE(appointment, nullptr);
  EXPECT_EQ(appointment->kind, type_kind::resource);
  EXPECT_EQ(appointment->base_name, "DomainResource");
  const member_match* status = appointment->root->find_member("status");
  ASSERT_NE(status, nullptr);
  EXPECT_EQ(status->element->min, 1u);
  EXPECT_EQ(status->element->max, 1u);
  EXPECT_EQ(status->type->code, "code");
  ASSERT_NE(status->element->binding, nullptr);
  EXPECT_TRUE(status->element->binding->contains_code("booked"));
  EXPECT_FALSE(status->element->binding->contains_code("Booked"));

  const member_match* participant = appointment->root->find_member("participant");
  ASSERT_NE(participant, nullptr);
  EXPECT_EQ(participant->element->max, unbounded);
  const element_definition* scope = participant->element->scope();
  ASSERT_NE(scope, nullptr);
  const member_match* actor = scope->find_member("actor");
  ASSERT_NE(actor, nullptr);
  EXPECT_EQ(actor->type->code, "Reference");
  EXPECT_NE(std::find(actor->type->targets.begin(), actor->type->targets.end(), "Patient"),
            actor->type->targets.end());
}

TEST(TypeRegistry, ChoiceElementsAreMatchedByTheirTypedJsonNames) {
  const type_definition* observation = r4().find_type("Observation");
  ASSERT_NE(observation, nullptr);
  const member_match* q = observation->root->find_member("valueQuantity");
  ASSERT_NE(q, nullptr);
  EXPECT_TRUE(q->element->choice);
  EXPECT_EQ(q->element->name, "value");
  EXPECT_EQ(q->type->code, "Quantity");
  EXPECT_NE(observation->root->find_member("valueDateTime"), nullptr);
  EXPECT_EQ(observation->root->find_member("value"), nullptr);
  EXPECT_EQ(observation->root->find_member("valueHumanName"), nullptr);
}

TEST(TypeRegistry, ContentReferencesReuseTheReferencedChildren) {
  const element_definition* item = r4().find_element("Questionnaire.item");
  const element_definition* nested = r4().find_element("Questionnaire.item.item");
  ASSERT_NE(item, nullptr);
  ASSERT_NE(nested, nullptr);
  EXPECT_EQ(nested->scope(), item);
  EXPECT_NE(nested->scope()->find_member("linkId"), nullptr);
}

TEST(TypeRegistry, ConstraintsKeepSeverityAndCompiledExpression) {
  const type_definition* period = r4().find_type("Period");
  ASSERT_NE(period, nullptr);
  bool found = false;
  for (const auto* c : period->root->constraints) {
    if (c->key != "per-1") continue;
    found = true;
    EXPECT_EQ(c->severity, issue_severity::error);
    EXPECT_TRUE(c->expression.has_value());
  }
  EXPECT_TRUE(found);
  const type_definition* resource = r4().find_type("DomainResource");
  ASSERT_NE(resource, nullptr);
  bool dom6 = false;
  for (const auto* c : resource->root->constraints)
    dom6 = dom6 || (c->key == "dom-6" && c->severity == issue_severity::warning);
  EXPECT_TRUE(dom6) << "dom-6 (narrative) is a warning in R4";
}

TEST(TypeRegistry, PublishedExpressionErrorsAreCorrected) {
  // que-7 as published tests "answer is Boolean" (System.Boolean), which no FHIR answer is.
  bool found = false;
  for (const auto& c : r4().constraints()) {
    if (c->key != "que-7") continue;
    found = true;
    EXPECT_EQ(c->expression_text, "operator = 'exists' implies (answer is boolean)")
        << "the published text changed: check the correction in type_registry.cpp";
  }
  EXPECT_TRUE(found);
  EXPECT_EQ(corrected_expression("per-1", "start <= end"), "start <= end");
}

TEST(TypeRegistry, ProfilesOfDataTypesAreTypesWithTheirOwnConstraints) {
  const type_definition* simple = r4().find_type("SimpleQuantity");
  ASSERT_NE(simple, nullptr);
  EXPECT_TRUE(simple->is_profile);
  bool sqty = false;
  for (const auto* c : simple->root->constraints) sqty = sqty || c->key == "sqty-1";
  EXPECT_TRUE(sqty);
  const member_match* dose = r4().find_element("Dosage.doseAndRate")->scope()->find_member("doseQuantity");
  ASSERT_NE(dose, nullptr);
  ASSERT_NE(dose->type->profile, nullptr);
  EXPECT_EQ(dose->type->profile->name, "SimpleQuantity");
}

TEST(TypeRegistry, AnswersTheFhirPathModelQuestions) {
  const fhirpath::model& m = r4();
  auto gender = m.child("Patient", "gender");
  ASSERT_TRUE(gender);
  EXPECT_EQ(gender->type, "code");
  auto contact = m.child("Patient", "contact");
  ASSERT_TRUE(contact);
  EXPECT_EQ(contact->key, "Patient.contact");
  EXPECT_EQ(contact->type, "BackboneElement");
  EXPECT_TRUE(contact->repeats);
  auto contact_name = m.child(contact->key, "name");
  ASSERT_TRUE(contact_name);
  EXPECT_EQ(contact_name->key, "HumanName");
  EXPECT_FALSE(m.child("Patient", "nonsense"));
  EXPECT_TRUE(m.is_choice("Observation", "value"));
  EXPECT_FALSE(m.is_choice("Observation", "status"));
  EXPECT_TRUE(m.derives_from("Patient", "DomainResource"));
  EXPECT_TRUE(m.derives_from("Age", "Quantity"));
  EXPECT_TRUE(m.derives_from("code", "string"));
  EXPECT_FALSE(m.derives_from("Quantity", "Age"));
  EXPECT_EQ(m.member_of("http://hl7.org/fhir/ValueSet/administrative-gender|4.0.1", "", "female"), true);
  EXPECT_EQ(m.member_of("http://hl7.org/fhir/ValueSet/administrative-gender",
                        "http://hl7.org/fhir/administrative-gender", "unknown"),
            true);
  EXPECT_EQ(m.member_of("http://hl7.org/fhir/ValueSet/administrative-gender", "", "mail"), false);
  EXPECT_FALSE(
      m.member_of("http://hl7.org/fhir/ValueSet/ucum-units", "http://unitsofmeasure.org", "kg").has_value())
      << "UCUM cannot be expanded from the R4 files: unknown, not false";
  EXPECT_EQ(m.conforms_to("Patient", "http://hl7.org/fhir/StructureDefinition/Patient"), true);
  EXPECT_EQ(m.conforms_to("Patient", "http://hl7.org/fhir/StructureDefinition/Person"), false);
}

TEST(TypeRegistry, ValueSetsThatNeedExternalTerminologyAreMarkedWithTheReason) {
  const value_set* mime = r4().find_value_set("http://hl7.org/fhir/ValueSet/mimetypes");
  ASSERT_NE(mime, nullptr);
  EXPECT_FALSE(mime->expandable);
  EXPECT_NE(mime->reason.find("urn:ietf:bcp:13"), std::string::npos);
}

TEST(TypeRegistry, RejectsAMalformedModel) {
  auto bad = type_registry::load("{\"types\": 3}");
  ASSERT_TRUE(std::holds_alternative<std::string>(bad));
  auto not_json = type_registry::load("{");
  ASSERT_TRUE(std::holds_alternative<std::string>(not_json));
}

}  // namespace
}  // namespace homebase::fhir::definitions
