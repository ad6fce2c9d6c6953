// The seed story end to end on real parts: the homebase binary on 127.0.0.1 with a temporary SQLite
// store, a real FHIR server (medplum in-memory, strict validation) as the medical home, and an
// independent validator (medplum + the official R4 JSON schema) over everything the gateway sent.
#include <gtest/gtest.h>
#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <sstream>

#include "tests/integration/gateway_harness.hpp"
#include "tests/integration/message_variants.hpp"

namespace homebase::testing {
namespace {

const std::string process_message = "/fhir/$process-message";

std::string message_status(const gateway_process& gw, int id) {
  auto reply = http_call("GET", gw.url("/admin/messages/" + std::to_string(id)));
  rapidjson::Document doc;
  doc.Parse(reply.body.c_str());
  if (doc.HasParseError() || !doc.IsObject() || !doc.HasMember("status")) return "?";
  return doc["status"].GetString();
}

// Writes every request body the medical home received into files and runs the independent validator.
int validate_everything_sent(const medical_home_server& home, const temp_dir& dir, std::string& output,
                             int& bundles) {
  std::istringstream lines(read_file(home.log));
  std::string line;
  std::vector<std::string> argv{node_binary(), test_data("tools/validate.mjs").string(), "--both"};
  bundles = 0;
  while (std::getline(lines, line)) {
    rapidjson::Document doc;
    doc.Parse(line.c_str());
    if (doc.HasParseError() || !doc.HasMember("body") || !doc["body"].IsObject()) continue;
    rapidjson::StringBuffer b;
    rapidjson::Writer<rapidjson::StringBuffer> w(b);
    doc["body"].Accept(w);
    auto file = dir.path() / ("sent-" + std::to_string(bundles++) + ".json");
    write_file(file, b.GetString());
    argv.push_back(file.string());
  }
  return run(argv, output);
}

class discharge_flow : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string error;
    ASSERT_TRUE(home.start(dir, {}, error)) << error;
    ASSERT_TRUE(gw.start(dir, {.medical_home_base = home.base()}, error)) << error;
    message = dir.path() / "seed.json";
    write_file(message, seed_text());
  }
  temp_dir dir;
  medical_home_server home;
  gateway_process gw;
  std::filesystem::path message;
};

TEST_F(discharge_flow, seed_story_arrives_at_the_medical_home_as_valid_fhir) {
  auto reply = http_call("POST", gw.url(process_message), message);
  ASSERT_EQ(reply.status, 200) << reply.body;
  EXPECT_NE(reply.body.find(R"("code":"ok")"), std::string::npos) << reply.body;
  EXPECT_NE(reply.body.find(R"("identifier":"d22fb1b9-e92c-5387-a88c-62b262a6f465")"), std::string::npos);

  ASSERT_TRUE(eventually([&] { return message_status(gw, 1) == "sent"; })) << message_status(gw, 1);
  EXPECT_EQ(home.count("Patient"), 1);
  EXPECT_EQ(home.count("RelatedPerson"), 2);   // Amita and Samir
  EXPECT_EQ(home.count("Appointment"), 8);     // seven specialists and the weight check
  EXPECT_EQ(home.count("ServiceRequest"), 7);  // a referral per specialty
  EXPECT_EQ(home.count("CareTeam"), 1);
  EXPECT_EQ(home.count("CarePlan"), 1);
  EXPECT_EQ(home.count("Observation"), 3);
  EXPECT_EQ(home.count("Encounter"), 1);
  auto team = http_call("GET", home.base() + "/CareTeam");
  // The NICU neonatologist, the pediatrician (pcp) and the practice's care coordinator are on the team.
  EXPECT_NE(team.body.find(R"("code":"2080N0001X")"), std::string::npos) << team.body.substr(0, 2000);
  EXPECT_NE(team.body.find(R"("code":"pcp")"), std::string::npos);
  EXPECT_NE(team.body.find(R"("code":"care-coordinator")"), std::string::npos);
  EXPECT_NE(team.body.find("https://ehr.st-elsewhere-childrens.example.org/fhir#"), std::string::npos);

  std::string output;
  int bundles = 0;
  EXPECT_EQ(validate_everything_sent(home, dir, output, bundles), 0) << output;
  EXPECT_EQ(bundles, 1);
}

// Each delivery to the medical home is a disclosure: it leaves a BALP PrivacyDisclosure AuditEvent,
// findable by the child's Patient id, written with the attempt (gateway/delivery, gateway/audit).
TEST_F(discharge_flow, a_delivered_discharge_leaves_a_disclosure_audit_event_findable_by_patient) {
  auto reply = http_call("POST", gw.url(process_message), message);
  ASSERT_EQ(reply.status, 200) << reply.body;
  ASSERT_TRUE(eventually([&] { return message_status(gw, 1) == "sent"; })) << message_status(gw, 1);

  rapidjson::Document patients;
  patients.Parse(http_call("GET", gw.url("/fhir/Patient")).body.c_str());
  ASSERT_TRUE(patients.IsObject() && patients.HasMember("entry") && patients["entry"].Size() == 1U);
  std::string patient_id = patients["entry"][0]["resource"]["id"].GetString();

  auto found = http_call("GET", gw.url("/fhir/AuditEvent?patient=Patient/" + patient_id + "&type=110106"));
  ASSERT_EQ(found.status, 200) << found.body;
  rapidjson::Document bundle;
  bundle.Parse(found.body.c_str());
  ASSERT_TRUE(bundle.IsObject() && bundle.HasMember("total")) << found.body;
  ASSERT_EQ(bundle["total"].GetInt(), 1) << found.body;
  const auto& event = bundle["entry"][0]["resource"];
  EXPECT_STREQ(
      event["meta"]["profile"][0].GetString(),
      "https://profiles.ihe.net/ITI/BALP/StructureDefinition/IHE.BasicAudit.PrivacyDisclosure.Source");
  EXPECT_STREQ(event["subtype"][0]["code"].GetString(), "disclose");
  EXPECT_STREQ(event["outcome"].GetString(), "0");
  EXPECT_STREQ(event["agent"][1]["network"]["address"].GetString(), home.base().c_str());
  // Also by outcome and agent (the recipient), and not among the failures.
  bundle.Parse(http_call("GET", gw.url("/fhir/AuditEvent?outcome=0&agent=meadowbrook")).body.c_str());
  EXPECT_EQ(bundle["total"].GetInt(), 1);
  bundle.Parse(http_call("GET", gw.url("/fhir/AuditEvent?outcome=4,8,12")).body.c_str());
  EXPECT_EQ(bundle["total"].GetInt(), 0);

  // What the trail records is R4 to an independent validator too.
  auto file = dir.path() / "audit.json";
  write_file(file, found.body);
  std::string output;
  EXPECT_EQ(run({node_binary(), test_data("tools/validate.mjs").string(), "--both", file.string()}, output),
            0)
      << output;
}

TEST_F(discharge_flow, a_repeated_message_gets_the_original_response_and_no_second_delivery) {
  auto first = http_call("POST", gw.url(process_message), message);
  ASSERT_EQ(first.status, 200) << first.body;
  auto again = http_call("POST", gw.url(process_message), message);
  ASSERT_EQ(again.status, 200) << again.body;
  EXPECT_EQ(again.body, first.body);  // byte for byte: the stored response

  // Same MessageHeader.id, new Bundle.id (a message of consequence resent): original response, no
  // reprocessing.
  auto resent = dir.path() / "resent.json";
  write_file(resent, make_variant(seed_text(), {.bundle_id = "b2b2b2b2-0000-4000-8000-000000000002"}));
  auto third = http_call("POST", gw.url(process_message), resent);
  EXPECT_EQ(third.status, 200);
  EXPECT_EQ(third.body, first.body);

  // Same Bundle.id with a new MessageHeader.id is an error (Bundle.id must not be reused).
  auto reused = dir.path() / "reused.json";
  write_file(reused, make_variant(seed_text(), {.header_id = "c3c3c3c3-0000-4000-8000-000000000003"}));
  auto fourth = http_call("POST", gw.url(process_message), reused);
  EXPECT_EQ(fourth.status, 422) << fourth.body;
  EXPECT_NE(fourth.body.find(R"("code":"duplicate")"), std::string::npos);

  ASSERT_TRUE(eventually([&] { return message_status(gw, 1) == "sent"; }));
  auto list = http_call("GET", gw.url("/admin/messages"));
  EXPECT_EQ(list.body.find(R"("id":2)"), std::string::npos) << list.body;
  EXPECT_EQ(home.transaction_posts(), 1);
  EXPECT_EQ(home.count("Appointment"), 8);
}

TEST_F(discharge_flow, an_amended_message_updates_in_place_at_the_destination) {
  ASSERT_EQ(http_call("POST", gw.url(process_message), message).status, 200);
  ASSERT_TRUE(eventually([&] { return message_status(gw, 1) == "sent"; }));
  auto amended = dir.path() / "amended.json";
  write_file(amended, make_variant(seed_text(), {.bundle_id = "a1a1a1a1-0000-4000-8000-000000000001",
                                                 .header_id = "a2a2a2a2-0000-4000-8000-000000000002"}));
  ASSERT_EQ(http_call("POST", gw.url(process_message), amended).status, 200);
  ASSERT_TRUE(eventually([&] { return message_status(gw, 2) == "sent"; }));
  EXPECT_EQ(home.transaction_posts(), 2);
  EXPECT_EQ(home.count("Patient"), 1);
  EXPECT_EQ(home.count("Appointment"), 8);
  EXPECT_EQ(home.count("ServiceRequest"), 7);
  EXPECT_EQ(home.count("RelatedPerson"), 2);
}

TEST(discharge_flow_davinci, the_da_vinci_discharge_notification_is_accepted_and_delivered) {
  temp_dir dir;
  medical_home_server home;
  gateway_process gw;
  std::string error;
  ASSERT_TRUE(home.start(dir, {}, error)) << error;
  ASSERT_TRUE(gw.start(dir,
                       {.medical_home_base = home.base(),
                        .extra_partner_endpoints = {"https://example.org/Endpoints/P456"},
                        .explicit_patient_system = "http://example.org/fhir/pid",
                        .explicit_patient_value = "06e1f0dd-5fbe-4480-9bb4-6b54ec02d31b"},
                       error))
      << error;
  auto reply = http_call("POST", gw.url(process_message),
                         test_data("fixtures/davinci-alerts/discharge-notification-message-bundle-01.json"));
  ASSERT_EQ(reply.status, 200) << reply.body;
  // What the translator could not map (Coverage) is reported back, not silently dropped; the Condition is
  // a problem of the plan since model v2.
  EXPECT_NE(reply.body.find("Coverage is not mapped"), std::string::npos) << reply.body;
  EXPECT_EQ(reply.body.find("Condition is not mapped"), std::string::npos) << reply.body;
  ASSERT_TRUE(eventually([&] { return message_status(gw, 1) == "sent"; })) << message_status(gw, 1);
  EXPECT_EQ(home.count("Patient"), 1);
  EXPECT_EQ(home.count("Encounter"), 1);
  std::string output;
  int bundles = 0;
  EXPECT_EQ(validate_everything_sent(home, dir, output, bundles), 0) << output;
}

}  // namespace
}  // namespace homebase::testing
