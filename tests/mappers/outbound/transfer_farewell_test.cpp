// transfer_farewell: the old medical home's last delivery. The farewell record ends the old home's part in
// the care team and records the transfer without naming the new home; the farewell Bundle keeps only the
// Patient, the CareTeam, the Tasks (open ones cancelled with the reason), the transfer's Provenance and what
// they refer to, every reference resolves inside it, and it is valid R4.
#include "mappers/outbound/transfer_farewell.hpp"

#include <gtest/gtest.h>

#include <set>

#include "mappers/outbound/medical_home_transaction.hpp"
#include "mappers/outbound/outbound_uris.hpp"
#include "tests/mappers/outbound/bundle_view.hpp"
#include "tests/mappers/outbound/full_record.hpp"

namespace homebase::mappers::outbound {
namespace {

const std::string npi = "http://hl7.org/fhir/sid/us-npi";

farewell_facts facts() {
  farewell_facts f;
  f.at = "2026-12-06T10:00:00Z";
  f.source = "st-elsewhere-nicu";
  f.message_id = "msg-transfer-1";
  f.old_home_organizations = {{npi, "1234567893"}};
  return f;
}

std::string farewell_json() {
  auto record = farewell_record(testing::full_record(), facts());
  return farewell_bundle(to_transaction_bundle(record, {"st-elsewhere-nicu", "msg-transfer-1"}));
}

TEST(transfer_farewell, ends_the_old_homes_membership_and_records_the_transfer) {
  auto before = testing::full_record();
  auto r = farewell_record(before, facts());
  ASSERT_TRUE(r.care_team);
  EXPECT_EQ(r.care_team->status, "inactive");
  int ended = 0;
  for (std::size_t i = 0; i < r.team.size(); ++i) {
    bool of_old_home = before.team[i].organization.value == "1234567893";
    if (of_old_home && before.team[i].period_end.empty()) {
      EXPECT_EQ(r.team[i].period_end, "2026-12-06T10:00:00Z");
      ++ended;
    } else {
      EXPECT_EQ(r.team[i].period_end, before.team[i].period_end);  // others as they were
    }
  }
  EXPECT_GT(ended, 0);
  ASSERT_EQ(r.events.size(), before.events.size() + 1);
  EXPECT_EQ(r.events.back().kind, transfer_event_kind);
  EXPECT_EQ(r.events.back().detail, transfer_farewell_detail);
  EXPECT_EQ(r.events.back().source, "st-elsewhere-nicu");
}

TEST(transfer_farewell, the_bundle_keeps_the_farewell_entries_and_cancels_open_tasks) {
  testing::bundle_view bundle(farewell_json());
  std::set<std::string> types;
  std::set<std::string> urls;
  for (const auto& e : bundle.doc()["entry"].GetArray()) {
    types.insert(e["resource"]["resourceType"].GetString());
    urls.insert(e["fullUrl"].GetString());
  }
  EXPECT_TRUE(types.contains("Patient"));
  EXPECT_TRUE(types.contains("CareTeam"));
  EXPECT_TRUE(types.contains("Task"));
  EXPECT_TRUE(types.contains("Provenance"));
  // What no kept entry refers to stays out (an Appointment or Condition a Task is about comes along).
  for (const char* dropped : {"Observation", "MedicationStatement", "Goal", "DeviceUseStatement", "CarePlan"})
    EXPECT_FALSE(types.contains(dropped)) << dropped;
  testing::bundle_view full(
      to_transaction_bundle(farewell_record(testing::full_record(), facts()), {"p", "m"}));
  EXPECT_LT(bundle.doc()["entry"].Size(), full.doc()["entry"].Size());

  for (const auto* e : bundle.entries("CareTeam"))
    EXPECT_STREQ((*e)["resource"]["status"].GetString(), "inactive");
  int tasks = 0;
  for (const auto* e : bundle.entries("Task")) {
    const auto& task = (*e)["resource"];
    std::string status = task["status"].GetString();
    EXPECT_TRUE(status == "cancelled" || status == "completed" || status == "failed" || status == "rejected")
        << status;
    if (status == "cancelled" && task.HasMember("statusReason") && task["statusReason"].HasMember("text") &&
        std::string(task["statusReason"]["text"].GetString()) == transfer_status_reason)
      ++tasks;
  }
  EXPECT_GT(tasks, 0);
  auto provenances = bundle.entries("Provenance");
  ASSERT_EQ(provenances.size(), 1U);  // only the transfer's: the record's other events were sent before
  const auto& p = (*provenances[0])["resource"];
  bool kind = false;
  for (const auto& c : p["activity"]["coding"].GetArray())
    kind = kind || std::string(c["code"].GetString()) == transfer_event_kind;
  EXPECT_TRUE(kind);
  auto teams = bundle.entries("CareTeam");
  ASSERT_EQ(teams.size(), 1U);
  std::string team_url = (*teams[0])["fullUrl"].GetString();
  bool targets_team = false;
  for (const auto& t : p["target"].GetArray())
    targets_team = targets_team || team_url == t["reference"].GetString();
  EXPECT_TRUE(targets_team);
}

// Every urn:uuid reference of a kept entry resolves inside the farewell.
void expect_resolved(const rapidjson::Value& v, const std::set<std::string>& urls) {
  if (v.IsObject()) {
    for (auto m = v.MemberBegin(); m != v.MemberEnd(); ++m) {
      if (std::string(m->name.GetString()) == "reference" && m->value.IsString()) {
        std::string ref = m->value.GetString();
        if (ref.starts_with("urn:uuid:")) {
          EXPECT_TRUE(urls.contains(ref)) << ref;
        }
      } else {
        expect_resolved(m->value, urls);
      }
    }
  } else if (v.IsArray()) {
    for (const auto& x : v.GetArray()) expect_resolved(x, urls);
  }
}

TEST(transfer_farewell, every_reference_resolves_and_the_bundle_is_valid_r4) {
  testing::bundle_view bundle(farewell_json());
  std::set<std::string> urls;
  for (const auto& e : bundle.doc()["entry"].GetArray()) urls.insert(e["fullUrl"].GetString());
  expect_resolved(bundle.doc(), urls);
  auto errors = testing::validation_errors(bundle.doc());
  EXPECT_TRUE(errors.empty()) << errors.size() << " errors, first: " << errors.front();
}

TEST(transfer_farewell, an_unparsable_bundle_is_returned_unchanged) {
  EXPECT_EQ(farewell_bundle("not json"), "not json");
}

}  // namespace
}  // namespace homebase::mappers::outbound
