#include "mappers/inbound/discharge_translator.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include "mappers/model/medical_home.hpp"
#include "tests/mappers/inbound/golden.hpp"
#include "tests/mappers/test_files.hpp"

namespace homebase::mappers::inbound {
namespace {

using model::identifier;
using model::team_role;
using testing::davinci_fixture;
using testing::load_fixture;
using testing::seed_fixture;

const identifier meadowbrook{"http://hl7.org/fhir/sid/us-npi", "1234567893"};

translation translate_ok(const rapidjson::Value& bundle) {
  auto result = translate_discharge(bundle);
  EXPECT_TRUE(result.ok) << result.message;
  return result.value;
}

rapidjson::Value& resource_of_type(rapidjson::Document& doc, std::string_view type, int nth = 0) {
  for (auto& e : doc["entry"].GetArray()) {
    if (std::string_view(e["resource"]["resourceType"].GetString()) == type && nth-- == 0)
      return e["resource"];
  }
  ADD_FAILURE() << "no " << type;
  return doc;
}

std::size_t count_warnings(const translation& t) {
  return static_cast<std::size_t>(std::count_if(
      t.notes.begin(), t.notes.end(), [](const mapping_note& n) { return n.severity == "warning"; }));
}

bool has_note(const translation& t, std::string_view severity, std::string_view expression,
              std::string_view text) {
  return std::any_of(t.notes.begin(), t.notes.end(), [&](const mapping_note& n) {
    return n.severity == severity && n.expression == expression && n.text.find(text) != std::string::npos;
  });
}

TEST(DischargeEvent, AcceptsOwnAndDaVinciEventsOnly) {
  EXPECT_TRUE(
      is_discharge_event("http://homebase.example.org/fhir/CodeSystem/message-event", "nicu-discharge"));
  EXPECT_TRUE(is_discharge_event("http://hl7.org/fhir/us/davinci-alerts/CodeSystem/notification-event",
                                 "notification-discharge"));
  EXPECT_FALSE(is_discharge_event("http://hl7.org/fhir/us/davinci-alerts/CodeSystem/notification-event",
                                  "notification-admit"));
  EXPECT_FALSE(is_discharge_event("http://example.org/other", "nicu-discharge"));
}

TEST(DischargeTranslator, SeedMapsTheChild) {
  auto doc = load_fixture(seed_fixture);
  ASSERT_FALSE(doc.HasParseError());
  auto t = translate_ok(doc);
  const auto& child = t.record.patient;
  ASSERT_EQ(child.identifiers.size(), 1u);
  EXPECT_EQ(child.identifiers[0].value, "SEC-0048213");
  ASSERT_EQ(child.names.size(), 2u);
  EXPECT_EQ(child.names[0].use, "temp");
  EXPECT_EQ(child.names[0].text, "Baby Girl Sharma");
  EXPECT_EQ(child.names[1].use, "official");
  EXPECT_EQ(child.names[1].given, std::vector<std::string>{"Anjali"});
  EXPECT_EQ(child.gender, "female");
  EXPECT_EQ(child.birth_date, "2024-01-17");
  ASSERT_TRUE(child.gestational_age_at_birth);
  EXPECT_EQ(child.gestational_age_at_birth->value, "29");
  EXPECT_EQ(child.gestational_age_at_birth->code, "wk");
  ASSERT_TRUE(child.birth_weight);
  EXPECT_EQ(child.birth_weight->value, "1150");
  EXPECT_EQ(child.birth_weight->code, "g");
  EXPECT_EQ(child.birth_weight_key.value, "OBS-0048213-bw");
  EXPECT_EQ(child.general_practitioner_orgs, std::vector<identifier>{meadowbrook});
  EXPECT_EQ(child.languages, std::vector<std::string>{"en"});
  EXPECT_EQ(child.preferred_language, "en");
  EXPECT_FALSE(child.interpreter_needed);
}

TEST(DischargeTranslator, SeedMapsFamilyEncounterAndMeasurements) {
  auto doc = load_fixture(seed_fixture);
  auto t = translate_ok(doc);
  const auto& r = t.record;
  ASSERT_EQ(r.family.size(), 2u);
  EXPECT_EQ(r.family[0].relationship.code, "MTH");
  EXPECT_EQ(r.family[0].name.given, std::vector<std::string>{"Amita"});
  EXPECT_EQ(r.family[0].language, "en");
  EXPECT_TRUE(r.family[0].preferred_language);
  ASSERT_EQ(r.family[0].telecom.size(), 1u);
  EXPECT_EQ(r.family[0].telecom[0].system, "phone");
  EXPECT_EQ(r.family[1].relationship.code, "FTH");
  EXPECT_EQ(r.family[1].name.given, std::vector<std::string>{"Samir"});

  ASSERT_TRUE(r.encounter);
  EXPECT_EQ(r.encounter->class_code, "IMP");
  EXPECT_EQ(r.encounter->status, "finished");
  EXPECT_EQ(r.encounter->period_end, "2024-03-06T11:30:00-05:00");
  EXPECT_EQ(r.encounter->location, "St. Elsewhere Children's Neonatal Intensive Care Unit");
  EXPECT_EQ(r.encounter->discharge_disposition, "Discharged home with parents");

  ASSERT_EQ(r.measurements.size(), 1u);
  EXPECT_EQ(r.measurements[0].code.code, "29463-7");
  EXPECT_EQ(r.measurements[0].value.value, "2100");
  EXPECT_EQ(r.measurements[0].effective, "2024-03-06T08:00:00-05:00");
}

TEST(DischargeTranslator, SeedMapsTheCareTeamRoles) {
  auto doc = load_fixture(seed_fixture);
  auto t = translate_ok(doc);
  const auto& team = t.record.team;
  ASSERT_EQ(team.size(), 5u);
  EXPECT_EQ(team[0].role, team_role::nicu_team);
  EXPECT_EQ(team[0].name.family, "Raman");
  EXPECT_EQ(team[0].organization_name, "St. Elsewhere Children's Hospital");
  EXPECT_EQ(team[1].role, team_role::pcp);
  EXPECT_EQ(team[1].key, (identifier{"http://hl7.org/fhir/sid/us-npi", "1582736405"}));
  EXPECT_EQ(team[1].organization, meadowbrook);
  EXPECT_EQ(team[2].role, team_role::care_coordinator);
  EXPECT_EQ(team[2].name.given, std::vector<std::string>{"Laura"});
  EXPECT_EQ(team[3].member_type, "RelatedPerson");
  EXPECT_EQ(team[3].key, t.record.family[0].key);
  ASSERT_TRUE(t.record.care_team);
  EXPECT_EQ(t.record.care_team->status, "active");
  EXPECT_EQ(t.record.care_team->managing_organizations, std::vector<identifier>{meadowbrook});
  // Routing: every medical-home signal names the same practice.
  EXPECT_EQ(model::medical_home_organizations(t.record), std::vector<identifier>{meadowbrook});
}

TEST(DischargeTranslator, SeedMapsPlanAppointmentsAndReferrals) {
  auto doc = load_fixture(seed_fixture);
  auto t = translate_ok(doc);
  const auto& r = t.record;
  ASSERT_TRUE(r.care_plan);
  EXPECT_EQ(r.care_plan->status, "active");
  EXPECT_EQ(r.care_plan->intent, "plan");
  EXPECT_EQ(r.care_plan->period_start, "2024-03-06");
  ASSERT_EQ(r.activities.size(), 4u);
  EXPECT_EQ(r.activities[0].scheduled, "weekly");
  EXPECT_EQ(r.activities[0].status, "scheduled");
  EXPECT_EQ(r.activities[1].scheduled, "every 3 hours");

  ASSERT_EQ(r.referrals.size(), 7u);
  ASSERT_EQ(r.appointments.size(), 8u);
  const std::set<std::string> specialists{"ophthalmology", "audiology",    "pulmonology",       "cardiology",
                                          "gi-nutrition",  "neurosurgery", "neonatal-follow-up"};
  std::set<std::string> referred;
  for (const auto& ref : r.referrals) {
    referred.insert(ref.specialty);
    EXPECT_EQ(ref.status, "active");
    EXPECT_EQ(ref.intent, "order");
    EXPECT_FALSE(ref.due_by.empty());
    EXPECT_EQ(ref.authored_on, "2024-03-05T16:00:00-05:00");
  }
  EXPECT_EQ(referred, specialists);
  EXPECT_EQ(r.referrals[0].reason_code.code, "415297005");

  std::set<std::string> seen;
  int weight_checks = 0;
  for (const auto& a : r.appointments) {
    EXPECT_EQ(a.status, "booked");
    // Within three weeks of the 2024-03-06 discharge.
    EXPECT_GT(a.start, "2024-03-06");
    EXPECT_LT(a.start, "2024-03-28");
    if (a.specialty == "primary-care") {
      ++weight_checks;
      EXPECT_EQ(a.practitioner, r.team[1].key);
      EXPECT_EQ(a.location, "Meadowbrook Pediatrics office");
      EXPECT_EQ(a.start, "2024-03-13T10:00:00-04:00");
      continue;
    }
    seen.insert(a.specialty);
    auto ref = std::find_if(r.referrals.begin(), r.referrals.end(),
                            [&](const model::referral& x) { return x.key == a.based_on_referral; });
    ASSERT_NE(ref, r.referrals.end()) << a.specialty;
    EXPECT_EQ(ref->specialty, a.specialty);
  }
  EXPECT_EQ(weight_checks, 1);
  EXPECT_EQ(seen, specialists);
}

TEST(DischargeTranslator, SeedLosesNothing) {
  auto doc = load_fixture(seed_fixture);
  auto t = translate_ok(doc);
  // The only thing the model cannot hold is Amita's second language, and that is said.
  ASSERT_EQ(t.notes.size(), 1u);
  EXPECT_TRUE(has_note(t, "information", "Bundle.entry[2].resource.communication[1]", "'hi' is not mapped"));
}

TEST(DischargeTranslator, KeepsDecimalsAsSentWithLosslessParsing) {
  auto doc = load_fixture<rapidjson::kParseNumbersAsStringsFlag>(seed_fixture);
  resource_of_type(doc, "Observation", 2)["valueQuantity"]["value"].SetString("2100.50");
  auto t = translate_ok(doc);
  EXPECT_EQ(t.record.patient.birth_weight->value, "1150");
  EXPECT_EQ(t.record.measurements[0].value.value, "2100.50");
}

TEST(DischargeTranslator, ReadsInterpreterExtensions) {
  auto doc = load_fixture(seed_fixture);
  auto& a = doc.GetAllocator();
  rapidjson::Value ext(rapidjson::kArrayType);
  rapidjson::Value e(rapidjson::kObjectType);
  e.AddMember("url", "http://hl7.org/fhir/StructureDefinition/patient-interpreterRequired", a);
  e.AddMember("valueBoolean", true, a);
  ext.PushBack(e, a);
  rapidjson::Value ext2(ext, a);
  resource_of_type(doc, "Patient").AddMember("extension", ext, a);
  resource_of_type(doc, "RelatedPerson", 1).AddMember("extension", ext2, a);
  auto t = translate_ok(doc);
  EXPECT_TRUE(t.record.patient.interpreter_needed);
  EXPECT_FALSE(t.record.family[0].interpreter_needed);
  EXPECT_TRUE(t.record.family[1].interpreter_needed);
  EXPECT_EQ(count_warnings(t), 0u);
}

TEST(DischargeTranslator, NotesUnknownExtensionsAndElements) {
  auto doc = load_fixture(seed_fixture);
  auto& a = doc.GetAllocator();
  rapidjson::Value ext(rapidjson::kArrayType);
  rapidjson::Value e(rapidjson::kObjectType);
  e.AddMember("url", "http://example.org/unknown", a);
  e.AddMember("valueString", "x", a);
  ext.PushBack(e, a);
  auto& patient = resource_of_type(doc, "Patient");
  patient.AddMember("extension", ext, a);
  patient.AddMember("maritalStatus", rapidjson::Value(rapidjson::kObjectType), a);
  auto t = translate_ok(doc);
  EXPECT_TRUE(has_note(t, "warning", "Bundle.entry[1].resource.extension[0]", "http://example.org/unknown"));
  EXPECT_TRUE(has_note(t, "warning", "Bundle.entry[1].resource.maritalStatus",
                       "Patient.maritalStatus is not mapped"));
}

TEST(DischargeTranslator, DerivesKeysForResourcesWithoutIdentifier) {
  auto doc = load_fixture(seed_fixture);
  auto& appt = resource_of_type(doc, "Appointment", 0);
  appt.RemoveMember("identifier");
  std::string full_url;
  for (auto& e : doc["entry"].GetArray()) {
    if (&e["resource"] == &appt) full_url = e["fullUrl"].GetString();
  }
  auto t = translate_ok(doc);
  EXPECT_EQ(t.record.appointments[0].key, (identifier{"urn:homebase:source-id", full_url}));
}

TEST(DischargeTranslator, GeneralPractitionerByLogicalReference) {
  auto doc = load_fixture(seed_fixture);
  auto& a = doc.GetAllocator();
  auto& gp = resource_of_type(doc, "Patient")["generalPractitioner"][0];
  gp.RemoveMember("reference");
  rapidjson::Value id(rapidjson::kObjectType);
  id.AddMember("system", "http://hl7.org/fhir/sid/us-npi", a);
  id.AddMember("value", "1234567893", a);
  gp.AddMember("identifier", id, a);
  auto t = translate_ok(doc);
  EXPECT_EQ(t.record.patient.general_practitioner_orgs, std::vector<identifier>{meadowbrook});
}

TEST(DischargeTranslator, DaVinciExampleMapsPatientAndEncounter) {
  auto doc = load_fixture(davinci_fixture);
  ASSERT_FALSE(doc.HasParseError());
  auto t = translate_ok(doc);
  const auto& r = t.record;
  ASSERT_FALSE(r.patient.identifiers.empty());
  EXPECT_EQ(r.patient.identifiers[0],
            (identifier{"http://example.org/fhir/pid", "06e1f0dd-5fbe-4480-9bb4-6b54ec02d31b"}));
  EXPECT_EQ(r.patient.gender, "male");
  EXPECT_EQ(r.patient.birth_date, "2000-10-15");
  EXPECT_EQ(r.patient.names[0].family, "Halvorson124");
  EXPECT_EQ(r.patient.languages, std::vector<std::string>{"en-US"});
  ASSERT_TRUE(r.encounter);
  EXPECT_EQ(r.encounter->class_code, "IMP");
  EXPECT_EQ(r.encounter->key.value, "Elden718Halvorson12420181021T2122150700");
  EXPECT_EQ(r.encounter->period_end, "2018-10-23T22:22:15-07:00");
  EXPECT_EQ(r.encounter->discharge_disposition, "Discharge to Home or Self Care (Routine Discharge)");
  EXPECT_EQ(r.encounter->location, "HOLY FAMILY HOSPITAL");
  // Content the translator does not map is named, never silently dropped.
  // The Condition is a problem of the plan (model v2).
  ASSERT_EQ(r.problems.size(), 1u);
  EXPECT_FALSE(r.problems[0].text.empty());
  EXPECT_TRUE(has_note(t, "warning", "Bundle.entry[7].resource",
                       "Coverage is not mapped by the discharge translator"));
  EXPECT_TRUE(has_note(t, "warning", "Bundle.entry[2].resource.address", "Patient.address is not mapped"));
  EXPECT_TRUE(
      has_note(t, "warning", "Bundle.entry[1].resource.participant", "Encounter.participant is not mapped"));
  EXPECT_TRUE(has_note(t, "information", "Bundle.entry[8].resource", "Organization is not referenced"));
}

TEST(DischargeTranslator, RejectsOtherMessagesAndBundles) {
  auto davinci_transaction = load_fixture("fixtures/davinci-alerts/connectathon-discharge_notify-2.json");
  auto result = translate_discharge(davinci_transaction);
  EXPECT_FALSE(result.ok);
  EXPECT_EQ(result.error, translate_error::not_a_discharge);

  auto admit = load_fixture("fixtures/davinci-alerts/admit-notification-message-bundle-01.json");
  result = translate_discharge(admit);
  EXPECT_FALSE(result.ok);
  EXPECT_EQ(result.error, translate_error::not_a_discharge);

  rapidjson::Document not_object;
  not_object.Parse("[]");
  EXPECT_FALSE(translate_discharge(not_object).ok);
}

TEST(DischargeTranslator, RejectsAMessageWithoutPatient) {
  auto doc = load_fixture(seed_fixture);
  auto& entries = doc["entry"];
  for (auto it = entries.Begin(); it != entries.End();) {
    if (std::string_view((*it)["resource"]["resourceType"].GetString()) == "Patient") {
      it = entries.Erase(it);
    } else {
      ++it;
    }
  }
  auto result = translate_discharge(doc);
  EXPECT_FALSE(result.ok);
  EXPECT_EQ(result.error, translate_error::no_patient);
}

}  // namespace
}  // namespace homebase::mappers::inbound

// ---- model v2 content, the document form, golden files ----
namespace homebase::mappers::inbound {
namespace {

const char* const v2_fixture = "fixtures/inbound/nicu-discharge-v2.json";
const char* const v2_document = "fixtures/inbound/nicu-discharge-v2-document.json";

TEST(DischargeTranslatorV2, MapsTheMedicalSummaryFamilyAndPreferences) {
  auto doc = testing::load_fixture(v2_fixture);
  auto result = translate_discharge(doc, "st-elsewhere-nicu");
  ASSERT_TRUE(result.ok) << result.message;
  const auto& r = result.value.record;
  ASSERT_EQ(r.problems.size(), 3u);
  EXPECT_EQ(r.problems[1].code.code, "67569000");
  EXPECT_EQ(r.problems[1].clinical_status, "active");
  ASSERT_EQ(r.medications.size(), 2u);
  EXPECT_EQ(r.medications[0].code.code, "1298088");
  EXPECT_EQ(r.medications[0].dosage, "10 mg by mouth once daily");
  EXPECT_EQ(r.medications[0].source, "st-elsewhere-nicu");
  ASSERT_EQ(r.devices.size(), 1u);                      // the Device is the statement's; not a second device
  EXPECT_EQ(r.devices[0].key.value, "DEV-0048213-o2");  // the device itself
  EXPECT_EQ(r.devices[0].code.code, "426160001");
  EXPECT_EQ(r.devices[0].setting, "1/8 L/min by nasal cannula, continuous");
  ASSERT_EQ(r.goals.size(), 1u);
  EXPECT_EQ(r.goals[0].priority, "high-priority");
  EXPECT_EQ(r.patient.cultural_preferences,
            (std::vector<std::string>{"religion: Hinduism",
                                      "Vegetarian household; the family asks that visits avoid Friday "
                                      "evening prayers"}));
  EXPECT_FALSE(r.patient.multiple_birth);
  ASSERT_EQ(r.family.size(), 2u);
  EXPECT_TRUE(r.family[0].legal_authority);  // mother
  EXPECT_TRUE(r.family[0].primary_contact);  // v2-0131 C
  EXPECT_TRUE(r.family[1].legal_authority);  // father
  EXPECT_FALSE(r.family[1].primary_contact);
  ASSERT_EQ(r.activities.size(), 5u);
  EXPECT_FALSE(r.activities[0].to_be_scheduled);  // weekly, scheduled
  EXPECT_TRUE(r.activities[4].to_be_scheduled);   // audiology: to be scheduled by the medical home
  ASSERT_EQ(r.events.size(), 1u);
  EXPECT_EQ(r.events[0].kind, "DischargeRecordReceived");
  EXPECT_EQ(r.events[0].source, "st-elsewhere-nicu");
  EXPECT_EQ(r.events[0].at, "");  // the intake stamps the time the message was received
}

TEST(DischargeTranslatorV2, ReferralsHaveOriginFlowAndPerformerAndEiStartsItsClock) {
  auto doc = testing::load_fixture(v2_fixture);
  auto result = translate_discharge(doc);
  ASSERT_TRUE(result.ok);
  const auto& r = result.value.record;
  ASSERT_EQ(r.referrals.size(), 8u);
  for (const auto& ref : r.referrals) EXPECT_EQ(ref.origin, "nicu_discharge") << ref.key.value;
  // Each specialist referral has a booked appointment: scheduled. EI: identified, not yet sent to the
  // program (its referral Task says when it is).
  EXPECT_EQ(r.referrals[0].flow, "scheduled");
  const auto& ei = r.referrals[7];
  EXPECT_EQ(ei.specialty, "early-intervention");
  EXPECT_EQ(ei.flow, "draft");
  EXPECT_EQ(ei.performer, "Central County Early Intervention Program");
  EXPECT_EQ(ei.performer_org.value, "EI-CENTRAL-07");
  ASSERT_TRUE(r.early_intervention);
  EXPECT_EQ(r.early_intervention->identified_on, "2024-03-05");
  EXPECT_EQ(r.early_intervention->referral_due_by, "2024-03-12");
  // Sent to the program is what a referral Task says (referral-update), not the hospital's order.
  EXPECT_EQ(r.early_intervention->referred_on, "");
  EXPECT_EQ(r.early_intervention->referral_key, ei.key);
}

TEST(DischargeTranslatorV2, TheDocumentGivesTheSameRecordAsTheMessage) {
  auto message = testing::load_fixture(v2_fixture);
  auto document = testing::load_fixture(v2_document);
  ASSERT_TRUE(is_discharge_document(document));
  EXPECT_FALSE(is_discharge_document(message));
  auto from_message = translate_discharge(message, "p");
  auto from_document = translate_discharge_document(document, "p");
  ASSERT_TRUE(from_document.ok) << from_document.message;
  auto a = from_message.value.record;
  auto b = from_document.value.record;
  ASSERT_EQ(b.events.size(), 1u);
  EXPECT_EQ(b.events[0].message_id,
            "http://st-elsewhere-childrens.example.org/fhir/sid/document|DOC-0048213-discharge-1");
  a.events.clear();
  b.events.clear();
  EXPECT_EQ(a, b);
  EXPECT_EQ(document_sender_identifiers(document),
            (std::vector<model::identifier>{{"http://hl7.org/fhir/sid/us-npi", "1203984756"}}));
  // A section with narrative only is noted; a message is no document.
  EXPECT_FALSE(translate_discharge_document(message).ok);
}

TEST(DischargeTranslatorV2, Golden) {
  auto doc = testing::load_fixture(v2_fixture);
  auto result = translate_discharge(doc, "st-elsewhere-nicu");
  ASSERT_TRUE(result.ok);
  testing::expect_golden(result.value, "nicu-discharge-v2");
}

TEST(DischargeTranslatorV2, GoldenDocument) {
  auto doc = testing::load_fixture(v2_document);
  auto result = translate_discharge_document(doc, "st-elsewhere-nicu");
  ASSERT_TRUE(result.ok);
  testing::expect_golden(result.value, "nicu-discharge-v2-document");
}

}  // namespace
}  // namespace homebase::mappers::inbound
