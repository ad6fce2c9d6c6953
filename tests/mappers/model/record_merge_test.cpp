#include "mappers/model/record_merge.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <tuple>

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

// ---- field-aware merge, amendments, plan versions, the referral machine, medication conflicts ----
#include "mappers/inbound/message_dispatcher.hpp"

namespace homebase::mappers::model {
namespace {

coordination_record translated(const char* file) {
  auto doc = testing::load_fixture(file);
  auto result = inbound::translate_message(doc, "st-elsewhere-nicu");
  EXPECT_TRUE(result.ok) << file << ": " << result.message;
  return result.value.record;
}

const referral& referral_of(const coordination_record& r, std::string_view value) {
  for (const auto& x : r.referrals)
    if (x.key.value == value) return x;
  static referral none;
  ADD_FAILURE() << "no referral " << value;
  return none;
}

const char* const v2 = "fixtures/inbound/nicu-discharge-v2.json";
const char* const amended = "fixtures/inbound/nicu-discharge-v2-amended.json";

TEST(RecordMergeV2, AnUpdateThatSaysOnlyTheStateKeepsTheRest) {
  auto record = translated(v2);
  auto before = referral_of(record, "REF-0048213-cardiology");
  auto summary = merge(record, translated("fixtures/inbound/referral-update-completed.json"));
  const auto& after = referral_of(record, "REF-0048213-cardiology");
  EXPECT_EQ(after.flow, "report_received");
  EXPECT_EQ(after.status, "completed");
  EXPECT_EQ(after.specialty, before.specialty);
  EXPECT_EQ(after.reason, before.reason);
  EXPECT_EQ(after.due_by, before.due_by);
  EXPECT_EQ(after.origin, "nicu_discharge");
  EXPECT_EQ(after.task_key.value, "TASK-0048213-cardiology");
  EXPECT_EQ(record.referrals.size(), 8u);
  EXPECT_FALSE(summary.plan_changed);
  EXPECT_EQ(record.care_plan->version, 1);
  EXPECT_TRUE(summary.notes.empty());
}

TEST(RecordMergeV2, ATransitionTheMachineRefusesIsNotedAndNotApplied) {
  auto record = translated(v2);
  merge(record, translated("fixtures/inbound/referral-update-completed.json"));  // report_received
  auto summary = merge(record, translated("fixtures/inbound/referral-update-scheduled.json"));
  const auto& r = referral_of(record, "REF-0048213-cardiology");
  EXPECT_EQ(r.flow, "report_received");
  ASSERT_EQ(summary.notes.size(), 1u);
  EXPECT_EQ(summary.notes[0].severity, "warning");
  EXPECT_NE(summary.notes[0].text.find("cannot go from report_received to scheduled"), std::string::npos);
  EXPECT_TRUE(std::any_of(record.events.begin(), record.events.end(),
                          [](const record_event& e) { return e.kind == "ReferralTransitionRejected"; }));
}

TEST(RecordMergeV2, AnAmendedDischargeUpdatesInPlaceAndBumpsThePlan) {
  auto record = translated(v2);
  auto counts = std::make_tuple(record.referrals.size(), record.appointments.size(), record.team.size(),
                                record.family.size(), record.activities.size());
  auto summary = merge(record, translated(amended));
  EXPECT_EQ(counts, std::make_tuple(record.referrals.size(), record.appointments.size(), record.team.size(),
                                    record.family.size(), record.activities.size()));
  EXPECT_TRUE(summary.plan_changed);
  EXPECT_EQ(record.care_plan->version, 2);
  ASSERT_EQ(record.medications.size(), 3u);
  EXPECT_EQ(record.medications[2].text, "Chlorothiazide oral suspension");
  EXPECT_EQ(record.measurements.size(), 1u);
  EXPECT_EQ(record.measurements[0].value.value, "2140");
  // The amendment, and the drug it adds (a rule asks the PCP to reconcile the list).
  ASSERT_EQ(record.events.size(), 3u);
  EXPECT_EQ(record.events[1].kind, "MedicationAdded");
  EXPECT_EQ(record.events[1].detail, record.medications[2].key.value);
  EXPECT_EQ(record.events[2].kind, "DischargeRecordAmended");
  // The same amendment once more: nothing changes, the version stays.
  auto again = merge(record, translated(amended));
  EXPECT_FALSE(again.plan_changed);
  EXPECT_EQ(record.care_plan->version, 2);
  EXPECT_EQ(record.medications.size(), 3u);
}

TEST(RecordMergeV2, ADischargeRestatingAnOlderStateDoesNotUndoUpdates) {
  auto record = translated(v2);
  merge(record, translated("fixtures/inbound/appointment-update-rescheduled.json"));
  ASSERT_EQ(record.appointments.size(), 9u);  // 8 + the rebooked one
  merge(record, translated(amended));
  for (const auto& a : record.appointments) {
    if (a.key.value == "APT-0048213-cardiology") {
      EXPECT_EQ(a.status, "cancelled");
      EXPECT_EQ(a.replaced_by.value, "APT-0048213-cardiology-2");
      EXPECT_EQ(a.specialty, "cardiology");  // kept from the discharge
    }
  }
  EXPECT_EQ(record.appointments.size(), 9u);
  EXPECT_EQ(referral_of(record, "REF-0048213-cardiology").flow, "scheduled");
}

TEST(RecordMergeV2, VisitSummaryUpdatesThePlanAndFlagsAConflictingMedication) {
  auto record = translated(v2);
  auto team = record.team.size();
  auto summary = merge(record, translated("fixtures/inbound/visit-summary-pulmonology.json"));
  const auto& pulm = referral_of(record, "REF-0048213-pulmonology");
  EXPECT_EQ(pulm.flow, "report_received");  // the visit summary is the specialist's report
  EXPECT_EQ(pulm.specialty, "pulmonology");
  EXPECT_EQ(pulm.origin, "nicu_discharge");
  EXPECT_EQ(referral_of(record, "REF-0048213-physical-therapy").origin, "specialist");
  EXPECT_EQ(record.team.size(), team + 1);
  // Oxygen weaned: the device changed in place; the plan's version went up.
  ASSERT_EQ(record.devices.size(), 1u);
  EXPECT_NE(record.devices[0].setting.find("1/16"), std::string::npos);
  EXPECT_EQ(record.devices[0].code.code, "426160001");  // kept
  EXPECT_TRUE(summary.plan_changed);
  EXPECT_EQ(record.care_plan->version, 2);
  EXPECT_EQ(record.care_plan->key.value, "CP-0048213-1");  // the specialist's plan adds activities only
  // Caffeine 5 mg from the specialist conflicts with 10 mg on the list: flagged; both kept with their
  // sources, the hospital's unchanged.
  ASSERT_EQ(record.medications.size(), 3u);
  EXPECT_EQ(record.medications[0].dosage, "10 mg by mouth once daily");
  EXPECT_EQ(record.medications[2].dosage, "5 mg by mouth once daily");
  EXPECT_TRUE(std::any_of(summary.notes.begin(), summary.notes.end(), [](const merge_note& n) {
    return n.text.find("conflicts with the current list") != std::string::npos;
  }));
  EXPECT_TRUE(std::any_of(record.events.begin(), record.events.end(),
                          [](const record_event& e) { return e.kind == "MedicationConflict"; }));
  EXPECT_TRUE(std::any_of(record.appointments.begin(), record.appointments.end(), [](const appointment& a) {
    return a.key.value == "APT-0048213-pulmonology" && a.status == "fulfilled" && !a.specialty.empty();
  }));
}

TEST(RecordMergeV2, NeverDropsAnEntityAndKeepsChains) {
  auto record = translated(v2);
  merge(record, translated("fixtures/inbound/appointment-update-rescheduled.json"));
  auto copy = record;
  coordination_record empty_update;
  empty_update.patient = record.patient;
  merge(record, empty_update);
  EXPECT_EQ(record, copy);
}

TEST(RecordMergeV2, ATransportNeedIsOnePerDomainAndFollowsTheRebookedVisit) {
  coordination_record record;
  appointment missed;
  missed.key = {"urn:test:appointment", "A"};
  missed.status = "noshow";
  missed.transport_needed = true;
  social_need need{{"urn:test:need", "transportation|A"}, "transportation", {}, "identified"};
  coordination_record first;
  first.appointments = {missed};
  first.social_needs = {need};
  merge(record, first);
  // A second missed visit for the same reason, and the first one rebooked.
  coordination_record second;
  appointment rebooked;
  rebooked.key = {"urn:test:appointment", "B"};
  rebooked.status = "booked";
  rebooked.replaces = missed.key;
  second.appointments = {rebooked};
  second.social_needs = {{{"urn:test:need", "transportation|C"}, "transportation", {}, "identified"}};
  merge(record, second);
  ASSERT_EQ(record.social_needs.size(), 1u);
  EXPECT_EQ(record.social_needs[0].key.value, "transportation|A");
  ASSERT_EQ(record.appointments.size(), 2u);
  EXPECT_TRUE(record.appointments[1].transport_needed);
  // Once the ride is arranged for the old date nothing carries over; a resolved need does not absorb a new
  // one.
  coordination_record third;
  record.appointments[0].transport_arranged = true;
  record.appointments[1].transport_needed = false;
  record.social_needs[0].status = "resolved";
  third.social_needs = {{{"urn:test:need", "transportation|D"}, "transportation", {}, "identified"}};
  merge(record, third);
  EXPECT_FALSE(record.appointments[1].transport_needed);
  EXPECT_EQ(record.social_needs.size(), 2u);
}

}  // namespace
}  // namespace homebase::mappers::model
