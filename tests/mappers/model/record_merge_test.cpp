#include "mappers/model/record_merge.hpp"

#include <gtest/gtest.h>

#include "mappers/inbound/discharge_translator.hpp"
#include "tests/mappers/test_files.hpp"

namespace homebase::mappers::model {
namespace {

coordination_record seed_record() {
  auto doc = testing::load_fixture(testing::seed_fixture);
  auto result = inbound::translate_discharge(doc);
  EXPECT_TRUE(result.ok);
  return result.value.record;
}

TEST(RecordMerge, SameChildNeedsASharedIdentifier) {
  child a;
  a.identifiers = {{"http://h/mrn", "1"}, {"http://other/mrn", "9"}};
  child b;
  b.identifiers = {{"http://x/mrn", "1"}};
  EXPECT_FALSE(same_child(a, b));
  b.identifiers.push_back({"http://other/mrn", "9"});
  EXPECT_TRUE(same_child(a, b));
  EXPECT_FALSE(same_child(child{}, child{}));
}

TEST(RecordMerge, FirstMergeAddsEverything) {
  coordination_record existing;
  auto incoming = seed_record();
  auto summary = merge(existing, incoming);
  // encounter, care team, care plan + 2 family, 5 team, 4 activities, 8 appointments, 7 referrals, 1
  // measurement
  EXPECT_EQ(summary.added, 3 + 2 + 5 + 4 + 8 + 7 + 1);
  EXPECT_EQ(summary.updated, 1);  // the empty child took the incoming one
  EXPECT_EQ(existing, incoming);
}

TEST(RecordMerge, ResendingTheSameMessageDuplicatesNothing) {
  auto existing = seed_record();
  auto summary = merge(existing, seed_record());
  EXPECT_EQ(summary.added, 0);
  EXPECT_EQ(summary.updated, 0);
  EXPECT_EQ(summary.unchanged, 1 + 3 + 2 + 5 + 4 + 8 + 7 + 1);
  EXPECT_FALSE(summary.plan_changed);
  EXPECT_EQ(existing.appointments.size(), 8u);
  EXPECT_EQ(existing.referrals.size(), 7u);
  EXPECT_EQ(existing.care_plan->version, 1);
  // The same encounter again is an amendment (with nothing changed): one more event, nothing else.
  ASSERT_EQ(existing.events.size(), 2u);
  EXPECT_EQ(existing.events[1].kind, "DischargeRecordAmended");
  existing.events.pop_back();
  EXPECT_EQ(existing, seed_record());
}

TEST(RecordMerge, ReplacesChangedEntitiesAndAppendsNewOnes) {
  auto existing = seed_record();
  auto incoming = seed_record();
  incoming.appointments[3].status = "cancelled";
  appointment rebooked = incoming.appointments[3];
  rebooked.key.value = "APT-new";
  rebooked.status = "booked";
  rebooked.start = "2024-04-10T08:30:00-04:00";
  incoming.appointments.push_back(rebooked);
  incoming.referrals.clear();  // not mentioned: nothing is dropped
  incoming.patient.identifiers = {{"http://medical-home/mrn", "MB-77"}, incoming.patient.identifiers[0]};
  incoming.patient.interpreter_needed = false;
  existing.patient.interpreter_needed = true;
  auto summary = merge(existing, incoming);
  EXPECT_EQ(summary.added, 1);
  EXPECT_EQ(summary.updated, 2);  // the cancelled appointment and the child's new identifier
  EXPECT_EQ(existing.appointments.size(), 9u);
  EXPECT_EQ(existing.appointments[3].status, "cancelled");
  EXPECT_EQ(existing.appointments[8].key.value, "APT-new");
  EXPECT_EQ(existing.referrals.size(), 7u);
  EXPECT_EQ(existing.patient.identifiers.size(), 2u);
  EXPECT_TRUE(existing.patient.interpreter_needed);
}

}  // namespace
}  // namespace homebase::mappers::model
