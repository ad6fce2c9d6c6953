// The update events and the discharge document through the real binary: each is accepted, changes the
// child's record as it should (read back from the store with record_codec), and what it causes reaches
// the medical home (status `sent`: the delivery validated it with fhir::validator and the home's strict
// server took it). Repeats get the same bytes and are not processed twice; an amendment duplicates nothing.
#include <gtest/gtest.h>
#include <rapidjson/document.h>
#include <sqlite3.h>

#include <algorithm>

#include "mappers/model/record_codec.hpp"
#include "tests/integration/gateway_harness.hpp"

namespace homebase::testing {
namespace {

namespace model = mappers::model;
const std::string process_message = "/fhir/$process-message";
const std::string hospital_npi = "1203984756";  // St. Elsewhere, the document's custodian

std::string message_status(const gateway_process& gw, int id) {
  auto reply = http_call("GET", gw.url("/admin/messages/" + std::to_string(id)));
  rapidjson::Document doc;
  doc.Parse(reply.body.c_str());
  if (doc.HasParseError() || !doc.IsObject() || !doc.HasMember("status")) return "?";
  return doc["status"].GetString();
}

// The one child's record as the store keeps it.
model::coordination_record stored_record(const gateway_process& gw) {
  sqlite3* db = nullptr;
  model::coordination_record out;
  if (sqlite3_open_v2(gw.db.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK) {
    sqlite3_stmt* s = nullptr;
    if (sqlite3_prepare_v2(db, "SELECT record FROM children ORDER BY id LIMIT 1", -1, &s, nullptr) ==
            SQLITE_OK &&
        sqlite3_step(s) == SQLITE_ROW) {
      auto text = reinterpret_cast<const char*>(sqlite3_column_text(s, 0));
      if (auto decoded = model::decode(text)) out = std::move(*decoded);
    }
    sqlite3_finalize(s);
  }
  sqlite3_close(db);
  return out;
}

int message_count(const gateway_process& gw) {
  sqlite3* db = nullptr;
  int n = -1;
  if (sqlite3_open_v2(gw.db.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK) {
    sqlite3_stmt* s = nullptr;
    if (sqlite3_prepare_v2(db, "SELECT count(*) FROM messages", -1, &s, nullptr) == SQLITE_OK &&
        sqlite3_step(s) == SQLITE_ROW)
      n = sqlite3_column_int(s, 0);
    sqlite3_finalize(s);
  }
  sqlite3_close(db);
  return n;
}

const model::referral* referral_of(const model::coordination_record& r, std::string_view value) {
  for (const auto& x : r.referrals)
    if (x.key.value == value) return &x;
  return nullptr;
}

bool has_event(const model::coordination_record& r, std::string_view kind) {
  return std::any_of(r.events.begin(), r.events.end(), [&](const auto& e) { return e.kind == kind; });
}

class inbound_events : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string error;
    ASSERT_TRUE(home.start(dir, {}, error)) << error;
    ASSERT_TRUE(
        gw.start(dir, {.medical_home_base = home.base(), .partner_organization_npis = {hospital_npi}}, error))
        << error;
  }
  http_reply post(const std::string& path, const std::string& fixture) {
    return http_call("POST", gw.url(path), test_data("fixtures/inbound/" + fixture));
  }
  void discharge() {
    auto reply = post(process_message, "nicu-discharge-v2.json");
    ASSERT_EQ(reply.status, 200) << reply.body;
    ASSERT_TRUE(eventually([&] { return message_status(gw, 1) == "sent"; })) << message_status(gw, 1);
  }
  temp_dir dir;
  medical_home_server home;
  gateway_process gw;
};

TEST_F(inbound_events, a_visit_summary_is_its_referrals_report_and_flags_a_conflicting_medication) {
  discharge();
  auto reply = post(process_message, "visit-summary-pulmonology.json");
  ASSERT_EQ(reply.status, 200) << reply.body;
  EXPECT_NE(reply.body.find("conflicts with the current list"), std::string::npos) << reply.body;
  ASSERT_TRUE(eventually([&] { return message_status(gw, 2) == "sent"; })) << message_status(gw, 2);
  auto record = stored_record(gw);
  ASSERT_NE(referral_of(record, "REF-0048213-pulmonology"), nullptr);
  EXPECT_EQ(referral_of(record, "REF-0048213-pulmonology")->flow, "report_received");
  EXPECT_EQ(referral_of(record, "REF-0048213-pulmonology")->specialty, "pulmonology");
  ASSERT_NE(referral_of(record, "REF-0048213-physical-therapy"), nullptr);
  EXPECT_EQ(referral_of(record, "REF-0048213-physical-therapy")->origin, "specialist");
  EXPECT_EQ(record.care_plan->version, 2);
  EXPECT_TRUE(has_event(record, "VisitSummaryReceived"));
  EXPECT_TRUE(has_event(record, "MedicationConflict"));
  // A repeat: the same bytes (the merge's note included), nothing processed again.
  auto again = post(process_message, "visit-summary-pulmonology.json");
  EXPECT_EQ(again.status, 200);
  EXPECT_EQ(again.body, reply.body);
  EXPECT_EQ(message_count(gw), 2);
}

TEST_F(inbound_events, referral_updates_follow_the_state_machine) {
  discharge();
  auto scheduled = post(process_message, "referral-update-scheduled.json");
  ASSERT_EQ(scheduled.status, 200) << scheduled.body;
  auto completed = post(process_message, "referral-update-completed.json");
  ASSERT_EQ(completed.status, 200) << completed.body;
  auto record = stored_record(gw);
  const auto* cardiology = referral_of(record, "REF-0048213-cardiology");
  ASSERT_NE(cardiology, nullptr);
  EXPECT_EQ(cardiology->flow, "report_received");
  EXPECT_EQ(cardiology->status, "completed");
  EXPECT_EQ(cardiology->specialty, "cardiology");  // the update did not say it; it was kept
  EXPECT_FALSE(cardiology->report_ref.empty());
  ASSERT_TRUE(eventually([&] { return message_status(gw, 3) == "sent"; })) << message_status(gw, 3);

  // Back to scheduled after the report: the machine does not allow it. Noted, not applied.
  auto backwards = dir.path() / "backwards.json";
  auto text = read_file(test_data("fixtures/inbound/referral-update-scheduled.json"));
  auto header_at = text.find("\"id\": \"", text.find("MessageHeader"));
  text.replace(header_at + 7, 36, "0b1b2b3b-0000-4000-8000-00000000000a");
  auto bundle_at = text.find("\"id\": \"");
  text.replace(bundle_at + 7, 36, "0b1b2b3b-0000-4000-8000-00000000000b");
  write_file(backwards, text);
  auto refused = http_call("POST", gw.url(process_message), backwards);
  ASSERT_EQ(refused.status, 200) << refused.body;
  EXPECT_NE(refused.body.find("cannot go from report_received to scheduled"), std::string::npos)
      << refused.body;
  EXPECT_EQ(referral_of(stored_record(gw), "REF-0048213-cardiology")->flow, "report_received");
  auto repeat = http_call("POST", gw.url(process_message), backwards);
  EXPECT_EQ(repeat.body, refused.body);  // the stored merge note makes the same answer
}

TEST_F(inbound_events, a_rescheduled_appointment_keeps_its_chain_at_the_medical_home) {
  discharge();
  auto reply = post(process_message, "appointment-update-rescheduled.json");
  ASSERT_EQ(reply.status, 200) << reply.body.substr(0, 3000);
  ASSERT_TRUE(eventually([&] { return message_status(gw, 2) == "sent"; })) << message_status(gw, 2);
  auto record = stored_record(gw);
  EXPECT_EQ(record.appointments.size(), 9u);
  for (const auto& a : record.appointments) {
    if (a.key.value == "APT-0048213-cardiology") {
      EXPECT_EQ(a.status, "cancelled");
      EXPECT_EQ(a.cancel_reason.code, "prov");
      EXPECT_EQ(a.replaced_by.value, "APT-0048213-cardiology-2");
    }
    if (a.key.value == "APT-0048213-cardiology-2") {
      EXPECT_EQ(a.replaces.value, "APT-0048213-cardiology");
    }
  }
  EXPECT_EQ(home.count("Appointment"), 9);
}

TEST_F(inbound_events, an_amended_discharge_duplicates_nothing_and_bumps_the_plan) {
  discharge();
  auto reply = post(process_message, "nicu-discharge-v2-amended.json");
  ASSERT_EQ(reply.status, 200) << reply.body;
  ASSERT_TRUE(eventually([&] { return message_status(gw, 2) == "sent"; })) << message_status(gw, 2);
  auto record = stored_record(gw);
  EXPECT_EQ(record.referrals.size(), 8u);
  EXPECT_EQ(record.appointments.size(), 8u);
  EXPECT_EQ(record.family.size(), 2u);
  EXPECT_EQ(record.medications.size(), 3u);
  EXPECT_EQ(record.care_plan->version, 2);
  EXPECT_TRUE(has_event(record, "DischargeRecordAmended"));
  EXPECT_EQ(home.count("Appointment"), 8);
  EXPECT_EQ(home.count("RelatedPerson"), 2);
  EXPECT_EQ(home.count("Patient"), 1);
}

TEST_F(inbound_events, a_discharge_document_is_created_once_and_gives_the_message_record) {
  auto first = post("/fhir/Bundle", "nicu-discharge-v2-document.json");
  ASSERT_EQ(first.status, 201) << first.body;
  EXPECT_NE(first.headers.find("Location: " + gw.url("/fhir/Bundle/")), std::string::npos) << first.headers;
  EXPECT_NE(first.body.find(R"("resourceType":"OperationOutcome")"), std::string::npos) << first.body;
  // One language per family member is kept: the mother's second language is noted, with its path.
  EXPECT_NE(first.body.find("Bundle.entry[2].resource.communication[1]"), std::string::npos) << first.body;
  ASSERT_TRUE(eventually([&] { return message_status(gw, 1) == "sent"; })) << message_status(gw, 1);
  auto again = post("/fhir/Bundle", "nicu-discharge-v2-document.json");
  EXPECT_EQ(again.status, 200) << again.body;
  EXPECT_EQ(again.body, first.body);
  EXPECT_EQ(message_count(gw), 1);
  EXPECT_EQ(home.transaction_posts(), 1);
  auto record = stored_record(gw);
  EXPECT_EQ(record.referrals.size(), 8u);
  EXPECT_EQ(record.problems.size(), 3u);
  // One event from the sender (the coordination rules add their own, source "rules").
  std::vector<mappers::model::record_event> received;
  for (const auto& e : record.events)
    if (e.source != "rules" && e.source != "scheduler") received.push_back(e);
  ASSERT_EQ(received.size(), 1u);
  EXPECT_EQ(received[0].kind, "DischargeRecordReceived");
  EXPECT_FALSE(received[0].at.empty());
  // The message form of the same discharge afterwards is an amendment of the same encounter.
  ASSERT_EQ(post(process_message, "nicu-discharge-v2.json").status, 200);
  auto both = stored_record(gw);
  EXPECT_EQ(both.referrals.size(), 8u);
  EXPECT_EQ(both.care_plan->version, 1);  // same content: no new version
  EXPECT_TRUE(has_event(both, "DischargeRecordAmended"));
}

TEST_F(inbound_events, documents_from_unknown_senders_and_messages_on_bundle_are_refused) {
  auto text = read_file(test_data("fixtures/inbound/nicu-discharge-v2-document.json"));
  auto at = text.find(hospital_npi);
  text.replace(at, hospital_npi.size(), "1999999992");
  auto stranger = dir.path() / "stranger.json";
  write_file(stranger, text);
  auto refused = http_call("POST", gw.url("/fhir/Bundle"), stranger);
  EXPECT_EQ(refused.status, 403) << refused.body;
  auto message = post("/fhir/Bundle", "nicu-discharge-v2.json");
  EXPECT_EQ(message.status, 422) << message.body;
  EXPECT_EQ(message_count(gw), 0);
  auto get = http_call("GET", gw.url("/fhir/Bundle"));
  EXPECT_EQ(get.status, 405);
}

}  // namespace
}  // namespace homebase::testing
