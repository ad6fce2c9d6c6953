#include "mappers/outbound/coordination_task_entries.hpp"

#include <gtest/gtest.h>

#include "mappers/outbound/medical_home_transaction.hpp"
#include "tests/mappers/outbound/bundle_view.hpp"
#include "tests/mappers/outbound/full_record.hpp"

namespace homebase::mappers::outbound {
namespace {

using testing::bundle_view;

TEST(CoordinationTaskEntries, StatusesMapToTaskStatus) {
  EXPECT_EQ(action_task_status("open"), "requested");
  EXPECT_EQ(action_task_status("in_progress"), "in-progress");
  EXPECT_EQ(action_task_status("done"), "completed");
  EXPECT_EQ(action_task_status("cancelled"), "cancelled");
  EXPECT_EQ(action_task_status("blocked"), "on-hold");
}

TEST(CoordinationTaskEntries, AnActionItemIsATaskForTheRoleAndItsMember) {
  bundle_view bundle(to_transaction_bundle(testing::full_record(), {}));
  const auto& task = bundle.by_identifier("Task", "schedule_followup|REF-gi")["resource"];
  EXPECT_STREQ(task["status"].GetString(), "requested");
  EXPECT_STREQ(task["intent"].GetString(), "order");
  EXPECT_STREQ(task["priority"].GetString(), "urgent");
  EXPECT_STREQ(task["code"]["coding"][0]["system"].GetString(),
               "http://homebase.example.org/fhir/CodeSystem/action-type");
  EXPECT_STREQ(task["code"]["coding"][0]["code"].GetString(), "schedule_followup");
  EXPECT_STREQ(task["restriction"]["period"]["end"].GetString(), "2024-08-01");
  EXPECT_STREQ(task["performerType"][0]["coding"][0]["code"].GetString(), "care-coordinator");
  EXPECT_STREQ(task["description"].GetString(), "Schedule the gastroenterology visit");
  EXPECT_EQ(task["focus"]["reference"], bundle.by_identifier("ServiceRequest", "REF-gi")["fullUrl"]);
  EXPECT_EQ(task["owner"]["reference"], bundle.by_identifier("Practitioner", "1000000002")["fullUrl"]);
  EXPECT_EQ(bundle.type_at(task["for"]["reference"].GetString()), "Patient");

  const auto& interpreter = bundle.by_identifier("Task", "book_interpreter|APT-gi")["resource"];
  EXPECT_EQ(bundle.type_at(interpreter["focus"]["reference"].GetString()), "Appointment");
  EXPECT_STREQ(interpreter["status"].GetString(), "in-progress");
  const auto& transport = bundle.by_identifier("Task", "arrange_transport|APT-gi")["resource"];
  EXPECT_STREQ(transport["status"].GetString(), "on-hold");
  EXPECT_EQ(bundle.type_at(transport["focus"]["reference"].GetString()), "Condition");
  EXPECT_EQ(transport["owner"]["reference"], bundle.by_identifier("Practitioner", "1000000007")["fullUrl"]);
  // A role nobody on the team holds: the role is said, no owner is made up.
  const auto& orphan = bundle.by_identifier("Task", "weight_gain_review|MRN-7731")["resource"];
  EXPECT_STREQ(orphan["performerType"][0]["text"].GetString(), "School counsellor");
  EXPECT_FALSE(orphan.HasMember("owner"));
  EXPECT_FALSE(orphan.HasMember("focus"));
}

TEST(CoordinationTaskEntries, AgendaItemsAreSearchableByCodeAndDate) {
  bundle_view bundle(to_transaction_bundle(testing::full_record(), {}));
  const auto& pending = bundle.by_identifier("Task", "referral_not_closed|REF-pulm")["resource"];
  EXPECT_STREQ(pending["code"]["coding"][0]["code"].GetString(), "case-conference-item");
  EXPECT_STREQ(pending["executionPeriod"]["start"].GetString(), "2024-08-28");
  EXPECT_STREQ(pending["status"].GetString(), "requested");
  EXPECT_EQ(pending["owner"]["reference"], bundle.by_identifier("Practitioner", "1000000002")["fullUrl"]);
  const auto& discussed = bundle.by_identifier("Task", "new_nicu_graduate|MRN-7731")["resource"];
  EXPECT_STREQ(discussed["status"].GetString(), "completed");
}

}  // namespace
}  // namespace homebase::mappers::outbound
