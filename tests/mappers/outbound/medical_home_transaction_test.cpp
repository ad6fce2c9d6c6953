#include "mappers/outbound/medical_home_transaction.hpp"

#include <gtest/gtest.h>
#include <rapidjson/prettywriter.h>
#include <rapidjson/stringbuffer.h>

#include <cstdlib>
#include <fstream>
#include <functional>
#include <map>
#include <set>

#include "fhir/validation/validator.hpp"
#include "mappers/inbound/discharge_translator.hpp"
#include "mappers/model/record_merge.hpp"
#include "mappers/outbound/clinical_summary_entries.hpp"
#include "tests/mappers/outbound/bundle_view.hpp"
#include "tests/mappers/outbound/full_record.hpp"
#include "tests/mappers/test_files.hpp"

namespace homebase::mappers::outbound {
namespace {

using testing::load_fixture;
using testing::seed_fixture;

const transaction_options seed_options{"https://ehr.st-elsewhere-childrens.example.org/fhir",
                                       "8d6c2f6e-1a44-4c51-8c1e-3f0b6a0d1c11"};

model::coordination_record seed_record() {
  auto doc = load_fixture(seed_fixture);
  auto result = inbound::translate_discharge(doc);
  EXPECT_TRUE(result.ok) << result.message;
  return result.value.record;
}

rapidjson::Document parse(const std::string& json) {
  rapidjson::Document doc;
  doc.Parse(json.data(), json.size());
  EXPECT_FALSE(doc.HasParseError());
  return doc;
}

std::string pretty(const std::string& json) {
  auto doc = parse(json);
  rapidjson::StringBuffer buffer;
  rapidjson::PrettyWriter<rapidjson::StringBuffer> writer(buffer);
  writer.SetIndent(' ', 2);
  doc.Accept(writer);
  return std::string(buffer.GetString(), buffer.GetSize()) + "\n";
}

std::map<std::string, int> count_types(const rapidjson::Document& bundle) {
  std::map<std::string, int> counts;
  for (const auto& e : bundle["entry"].GetArray()) ++counts[e["resource"]["resourceType"].GetString()];
  return counts;
}

void collect_references(const rapidjson::Value& v, std::vector<std::string>& out) {
  if (v.IsObject()) {
    for (const auto& m : v.GetObject()) {
      if (std::string_view(m.name.GetString()) == "reference" && m.value.IsString()) {
        out.emplace_back(m.value.GetString());
      } else {
        collect_references(m.value, out);
      }
    }
  } else if (v.IsArray()) {
    for (const auto& item : v.GetArray()) collect_references(item, out);
  }
}

void expect_golden(const std::string& output, const std::string& name) {
  auto golden_path = testing::data_path("mappers/golden/" + name);
  const char* update = std::getenv("HOMEBASE_UPDATE_GOLDEN");
  if (update != nullptr && std::string_view(update) == "1") {
    std::ofstream(golden_path, std::ios::binary) << output;
    GTEST_SKIP() << "rewrote " << golden_path;
  }
  EXPECT_TRUE(output == testing::read_text(golden_path))
      << name << ": the outbound bundle changed; rerun with HOMEBASE_UPDATE_GOLDEN=1 and review the diff";
}

TEST(MedicalHomeTransaction, MatchesTheGoldenFile) {
  expect_golden(pretty(to_transaction_bundle(seed_record(), seed_options)), "anjali-transaction.json");
}

TEST(MedicalHomeTransaction, IsATransactionOfConditionalUpdates) {
  auto bundle = parse(to_transaction_bundle(seed_record(), seed_options));
  EXPECT_STREQ(bundle["resourceType"].GetString(), "Bundle");
  EXPECT_STREQ(bundle["type"].GetString(), "transaction");
  std::set<std::string> full_urls;
  for (const auto& e : bundle["entry"].GetArray()) {
    std::string full_url = e["fullUrl"].GetString();
    EXPECT_EQ(full_url.rfind("urn:uuid:", 0), 0u);
    EXPECT_EQ(full_url.size(), 45u);
    EXPECT_TRUE(full_urls.insert(full_url).second) << "duplicate fullUrl " << full_url;
    const auto& resource = e["resource"];
    std::string type = resource["resourceType"].GetString();
    EXPECT_STREQ(e["request"]["method"].GetString(), "PUT");
    std::string url = e["request"]["url"].GetString();
    EXPECT_EQ(url.rfind(type + "?identifier=", 0), 0u) << url;
    ASSERT_TRUE(resource.HasMember("identifier")) << type;
    EXPECT_STREQ(resource["meta"]["source"].GetString(),
                 "https://ehr.st-elsewhere-childrens.example.org/fhir#8d6c2f6e-1a44-4c51-8c1e-3f0b6a0d1c11");
  }
  auto counts = count_types(bundle);
  EXPECT_EQ(counts["Patient"], 1);
  EXPECT_EQ(counts["RelatedPerson"], 2);
  EXPECT_EQ(counts["Practitioner"], 3);
  EXPECT_EQ(counts["Encounter"], 1);
  EXPECT_EQ(counts["CareTeam"], 1);
  EXPECT_EQ(counts["CarePlan"], 1);
  EXPECT_EQ(counts["ServiceRequest"], 7);
  EXPECT_EQ(counts["Appointment"], 8);
  EXPECT_EQ(counts["Observation"], 3);
  EXPECT_STREQ(
      bundle["entry"][0]["request"]["url"].GetString(),
      "Patient?identifier=http%3A%2F%2Fst-elsewhere-childrens.example.org%2Ffhir%2Fsid%2Fmrn|SEC-0048213");
}

TEST(MedicalHomeTransaction, EveryReferenceResolvesInsideTheBundle) {
  auto bundle = parse(to_transaction_bundle(seed_record(), seed_options));
  std::set<std::string> full_urls;
  for (const auto& e : bundle["entry"].GetArray()) full_urls.insert(e["fullUrl"].GetString());
  std::vector<std::string> references;
  collect_references(bundle["entry"], references);
  EXPECT_GT(references.size(), 30u);
  for (const auto& r : references) EXPECT_TRUE(full_urls.count(r) == 1) << r;
}

TEST(MedicalHomeTransaction, AppointmentsFollowTheR4Rules) {
  auto bundle = parse(to_transaction_bundle(seed_record(), seed_options));
  std::map<std::string, std::string> type_of;
  for (const auto& e : bundle["entry"].GetArray())
    type_of[e["fullUrl"].GetString()] = e["resource"]["resourceType"].GetString();
  int based_on = 0;
  for (const auto& e : bundle["entry"].GetArray()) {
    const auto& r = e["resource"];
    if (std::string_view(r["resourceType"].GetString()) != "Appointment") continue;
    EXPECT_EQ(r.HasMember("start"), r.HasMember("end"));  // app-2
    EXPECT_STREQ(r["status"].GetString(), "booked");
    ASSERT_TRUE(r["participant"].IsArray());
    EXPECT_STREQ(r["participant"][0]["actor"]["reference"].GetString(),
                 bundle["entry"][0]["fullUrl"].GetString());
    EXPECT_TRUE(r.HasMember("specialty"));
    if (r.HasMember("basedOn")) {
      ++based_on;
      EXPECT_EQ(type_of[r["basedOn"][0]["reference"].GetString()], "ServiceRequest");
    }
  }
  EXPECT_EQ(based_on, 7);
}

TEST(MedicalHomeTransaction, UsCoreCarePlanAndCareTeam) {
  auto bundle = parse(to_transaction_bundle(seed_record(), seed_options));
  for (const auto& e : bundle["entry"].GetArray()) {
    const auto& r = e["resource"];
    std::string_view type = r["resourceType"].GetString();
    if (type == "CarePlan") {
      EXPECT_STREQ(r["text"]["status"].GetString(), "generated");
      EXPECT_STREQ(r["intent"].GetString(), "plan");
      EXPECT_STREQ(r["category"][0]["coding"][0]["code"].GetString(), "assess-plan");
      int details = 0;
      int references = 0;
      for (const auto& a : r["activity"].GetArray()) {
        details += a.HasMember("detail") ? 1 : 0;
        references += a.HasMember("reference") ? 1 : 0;
        EXPECT_NE(a.HasMember("detail"), a.HasMember("reference"));  // cpl-3
      }
      EXPECT_EQ(details, 4);
      EXPECT_EQ(references, 7 + 8);  // the referrals and the appointments
      EXPECT_NE(std::string(r["text"]["div"].GetString()).find("weekly"), std::string::npos);
    } else if (type == "CareTeam") {
      EXPECT_TRUE(r.HasMember("subject"));
      EXPECT_EQ(r["participant"].Size(), 5u);
      for (const auto& p : r["participant"].GetArray()) {
        EXPECT_EQ(p["role"].Size(), 1u);
        EXPECT_TRUE(p["member"].HasMember("reference"));
      }
    } else if (type == "Observation") {
      EXPECT_STREQ(r["valueQuantity"]["system"].GetString(), "http://unitsofmeasure.org");
      EXPECT_TRUE(r["valueQuantity"]["value"].IsNumber());
    }
  }
}

TEST(MedicalHomeTransaction, IsDeterministic) {
  auto record = seed_record();
  auto first = to_transaction_bundle(record, seed_options);
  EXPECT_EQ(first, to_transaction_bundle(record, seed_options));
  EXPECT_EQ(first, to_transaction_bundle(seed_record(), seed_options));
  // Merging the same message again changes nothing downstream.
  auto merged = record;
  model::merge(merged, seed_record());
  EXPECT_EQ(first, to_transaction_bundle(merged, seed_options));
}

TEST(MedicalHomeTransaction, KeepsDecimalsAndGuardsAppointmentTimes) {
  model::coordination_record record;
  record.patient.identifiers.push_back({"http://example.org/mrn", "a b/c"});
  model::measurement m;
  m.key = {"http://example.org/obs", "1"};
  m.code = {"http://loinc.org", "29463-7", "Body weight"};
  m.value = {"1.50", "kg", "kg"};
  m.effective = "2024-03-06";
  record.measurements.push_back(m);
  model::appointment a;
  a.key = {"http://example.org/appt", "1"};
  a.status = "booked";
  a.start = "2024-03-12T09:00:00-04:00";  // no end: app-2/app-3 forbid a booked appointment without both
  record.appointments.push_back(a);
  auto json = to_transaction_bundle(record, {});
  EXPECT_NE(json.find("\"value\":1.50,"), std::string::npos) << json;
  EXPECT_NE(json.find("Patient?identifier=http%3A%2F%2Fexample.org%2Fmrn|a%20b%2Fc"), std::string::npos);
  auto bundle = parse(json);
  const auto& appt = bundle["entry"][1]["resource"];
  EXPECT_STREQ(appt["resourceType"].GetString(), "Appointment");
  EXPECT_FALSE(appt.HasMember("start"));
  EXPECT_STREQ(appt["status"].GetString(), "proposed");
  EXPECT_FALSE(appt.HasMember("meta"));
}

// ---- the full model v2 record (tests/mappers/outbound/full_record.hpp) ----

TEST(MedicalHomeTransaction, FullRecordMatchesItsGoldenFile) {
  expect_golden(pretty(to_transaction_bundle(testing::full_record(), seed_options)),
                "full-record-transaction.json");
}

TEST(MedicalHomeTransaction, SeedAndFullRecordHaveZeroValidationErrors) {
  for (const auto& record : {seed_record(), testing::full_record()}) {
    auto json = to_transaction_bundle(record, seed_options);
    testing::bundle_view bundle(json);
    auto errors = testing::validation_errors(bundle.doc());
    EXPECT_TRUE(errors.empty()) << errors.size() << " errors, first: " << errors.front();
  }
}

TEST(MedicalHomeTransaction, TheValidatorCatchesABrokenOutput) {
  // The zero-error test above can fail: the same validator rejects the output with one member broken.
  auto json = to_transaction_bundle(testing::full_record(), seed_options);
  std::string_view good = R"("lifecycleStatus":"active")";
  auto at = json.find(good);
  ASSERT_NE(at, std::string::npos);
  json.replace(at, good.size(), R"("lifecycleStatus":"happy")");
  testing::bundle_view bundle(json);
  EXPECT_FALSE(testing::validation_errors(bundle.doc()).empty());
}

TEST(MedicalHomeTransaction, ADateTheRecordGotWrongIsLeftOutNotSentInvalid) {
  auto record = testing::full_record();
  record.actions[0].due = "next week";
  record.actions[0].created = "today";
  record.referrals[0].authored_on = "2024-13-01";
  record.care_plan->last_reviewed = "last month";
  record.agenda[0].conference_date = "Thursday";
  testing::bundle_view bundle(to_transaction_bundle(record, seed_options));
  auto errors = testing::validation_errors(bundle.doc());
  EXPECT_TRUE(errors.empty()) << errors.size() << " errors, first: " << errors.front();
  const auto& task = bundle.by_identifier("Task", "schedule_followup|REF-gi")["resource"];
  EXPECT_FALSE(task.HasMember("restriction"));
  EXPECT_FALSE(task.HasMember("authoredOn"));
  // The plan keeps its version and next review; only the bad date is gone.
  const auto& plan = bundle.entries("CarePlan").front()->operator[]("resource");
  EXPECT_EQ(plan["extension"].Size(), 2u);
}

TEST(MedicalHomeTransaction, FullRecordIsDeterministic) {
  auto record = testing::full_record();
  auto first = to_transaction_bundle(record, seed_options);
  EXPECT_EQ(first, to_transaction_bundle(record, seed_options));
  EXPECT_EQ(first, to_transaction_bundle(testing::full_record(), seed_options));
}

TEST(MedicalHomeTransaction, EveryMemberOfTheFullRecordReachesTheMedicalHome) {
  auto record = testing::full_record();
  testing::bundle_view bundle(to_transaction_bundle(record, seed_options));
  EXPECT_EQ(bundle.count("Patient"), 1);
  EXPECT_EQ(bundle.count("RelatedPerson"), 3);  // mother, father, and the grandmother on the team
  EXPECT_EQ(bundle.count("Practitioner"), 8);
  EXPECT_EQ(bundle.count("Organization"), 1);
  EXPECT_EQ(bundle.count("Encounter"), 1);
  EXPECT_EQ(bundle.count("Condition"), 3 + 1);  // problems + the social need
  EXPECT_EQ(bundle.count("MedicationStatement"), 2);
  EXPECT_EQ(bundle.count("Device"), 2);
  EXPECT_EQ(bundle.count("DeviceUseStatement"), 2);
  EXPECT_EQ(bundle.count("Goal"), 2);
  EXPECT_EQ(bundle.count("CareTeam"), 1);
  EXPECT_EQ(bundle.count("CarePlan"), 1);
  EXPECT_EQ(bundle.count("ServiceRequest"), 7 + 1);  // referrals + the early intervention referral
  EXPECT_EQ(bundle.count("Task"), (7 + 1) + 5 + 2);  // referral Tasks, action items, agenda items
  EXPECT_EQ(bundle.count("Appointment"), 4);
  EXPECT_EQ(bundle.count("Observation"), 3);
  EXPECT_EQ(bundle.count("Provenance"), 3);  // the fourth event has no time yet

  const auto& patient = bundle.entries("Patient").front()->operator[]("resource");
  EXPECT_EQ(patient["multipleBirthInteger"].GetInt(), 2);
  const auto& device =
      bundle.by_identifier("DeviceUseStatement", device_use_key(record.devices[0]).value)["resource"];
  EXPECT_STREQ(device["note"][0]["text"].GetString(), "Setting: 1/8 L/min nasal cannula");
  EXPECT_EQ(bundle.type_at(device["device"]["reference"].GetString()), "Device");
  const auto& need = bundle.by_identifier("Condition", "7731-transport")["resource"];
  EXPECT_STREQ(need["category"][0]["coding"][0]["code"].GetString(), "health-concern");
  EXPECT_STREQ(need["category"][1]["coding"][0]["code"].GetString(), "sdoh");
  const auto& problem = bundle.by_identifier("Condition", "PRB-3")["resource"];
  EXPECT_STREQ(problem["clinicalStatus"]["coding"][0]["code"].GetString(), "resolved");
  EXPECT_STREQ(problem["category"][0]["coding"][0]["code"].GetString(), "problem-list-item");
  const auto& goal = bundle.by_identifier("Goal", "7731-1")["resource"];
  EXPECT_STREQ(goal["lifecycleStatus"].GetString(), "active");
  // Expressed by the mother, the family's primary contact.
  EXPECT_EQ(bundle.type_at(goal["expressedBy"]["reference"].GetString()), "RelatedPerson");
  EXPECT_EQ(goal["expressedBy"]["reference"], bundle.by_identifier("RelatedPerson", "RP-7731-1")["fullUrl"]);
  const auto& med = bundle.by_identifier("MedicationStatement", "MED-2")["resource"];
  EXPECT_STREQ(med["status"].GetString(), "active");
  EXPECT_STREQ(med["dosage"][0]["text"].GetString(), "1 mL by mouth daily");
}

TEST(MedicalHomeTransaction, FullRecordEntriesAreConditionalAndReferencesStayInside) {
  testing::bundle_view bundle(to_transaction_bundle(testing::full_record(), seed_options));
  std::set<std::string> urls;
  for (const auto& e : bundle.doc()["entry"].GetArray()) {
    std::string type = e["resource"]["resourceType"].GetString();
    const auto& request = e["request"];
    if (type == "Provenance") {
      EXPECT_STREQ(request["method"].GetString(), "POST");
      EXPECT_EQ(std::string(request["ifNoneExist"].GetString()).rfind("_tag=", 0), 0u);
    } else {
      EXPECT_STREQ(request["method"].GetString(), "PUT");
      EXPECT_EQ(std::string(request["url"].GetString()).rfind(type + "?identifier=", 0), 0u);
    }
    EXPECT_TRUE(urls.insert(std::string(request["url"].GetString()) +
                            (request.HasMember("ifNoneExist") ? request["ifNoneExist"].GetString() : ""))
                    .second)
        << "two entries write the same key";
  }
  // A value with `|` is one value, escaped as FHIR search says (`\|`), then percent-encoded.
  EXPECT_STREQ(bundle.by_identifier("Task", "schedule_followup|REF-gi")["request"]["url"].GetString(),
               "Task?identifier=http%3A%2F%2Fhomebase.example.org%2Ffhir%2Fsid%2Faction-item|schedule_"
               "followup%5C%7CREF-gi");
  std::vector<std::string> references;
  collect_references(bundle.doc()["entry"], references);
  EXPECT_GT(references.size(), 100u);
  for (const auto& r : references) EXPECT_FALSE(bundle.type_at(r).empty()) << r;
}

}  // namespace
}  // namespace homebase::mappers::outbound
