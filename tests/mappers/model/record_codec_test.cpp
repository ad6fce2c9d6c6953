#include "mappers/model/record_codec.hpp"

#include <gtest/gtest.h>

#include "mappers/inbound/discharge_translator.hpp"
#include "tests/mappers/test_files.hpp"

// full_record() fills the first-cut members positionally and the v2 members by name afterwards.
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

namespace homebase::mappers::model {
namespace {

// A record with every field set to a non-default value.
coordination_record full_record() {
  coordination_record r;
  r.patient.identifiers = {{"http://h/mrn", "1"}, {"http://h/other", "2"}};
  r.patient.names = {{"Sharma", {"Baby", "Girl"}, "Baby Girl Sharma", "temp"}};
  r.patient.gender = "female";
  r.patient.birth_date = "2024-01-17";
  r.patient.gestational_age_at_birth = quantity{"29", "wk", "wk"};
  r.patient.birth_weight = quantity{"1150", "g", "g"};
  r.patient.general_practitioner_orgs = {{"http://hl7.org/fhir/sid/us-npi", "1234567893"}};
  r.patient.languages = {"en", "hi"};
  r.patient.interpreter_needed = true;
  r.patient.preferred_language = "hi";
  r.patient.gestational_age_key = {"s", "ga"};
  r.patient.birth_weight_key = {"s", "bw"};
  r.encounter = encounter_info{{"s", "e"}, "IMP", "2024-01-17", "2024-03-06", "home", "NICU", "finished"};
  r.family = {{{"s", "rp"},
               {"Sharma", {"Amita"}, "", "official"},
               {"sys", "MTH", "mother"},
               "hi",
               true,
               true,
               {{"phone", "555", "mobile"}}}};
  r.care_team = care_team_info{{"s", "ct"}, "team", "active", {{"s", "org"}}};
  team_member t{{"s", "p"},
                {"Chen", {"Laura"}, "", ""},
                team_role::care_coordinator,
                {"snomed", "768820003", "cc"},
                "cardiology",
                {"s", "o"},
                "Meadowbrook",
                "Organization"};
  team_member empty_type;
  empty_type.key = {"s", "q"};
  empty_type.member_type = "";  // differs from the default and must survive the round trip
  r.team = {t, empty_type};
  r.care_plan = care_plan_info{{"s", "cp"}, "title", "active", "plan", "desc", "2024-03-06"};
  r.activities = {{{"s", "a"}, {"x", "y", "z"}, "weigh", "scheduled", "weekly"}};
  r.appointments = {{{"s", "ap"},
                     "cardiology",
                     {"x", "c", "Cardio"},
                     "2024-03-20T08:30:00-04:00",
                     "2024-03-20T09:30:00-04:00",
                     "clinic",
                     "booked",
                     "echo",
                     {"s", "pr"},
                     {"s", "sr"}}};
  r.referrals = {{{"s", "sr"},
                  "cardiology",
                  {"x", "c", "Cardio"},
                  "PDA",
                  {"sct", "1", "PDA"},
                  "active",
                  "order",
                  "2024-03-27",
                  "2024-03-05"}};
  r.measurements = {
      {{"s", "m"}, {"http://loinc.org", "29463-7", "Body weight"}, {"2100.50", "g", "g"}, "2024-03-06"}};
  // v2 members
  r.patient.cultural_preferences = {"Hindu; vegetarian household"};
  r.patient.status = "transferred";
  r.patient.multiple_birth = true;
  r.patient.multiple_birth_order = 2;
  r.family[0].legal_authority = true;
  r.family[0].primary_contact = true;
  r.team[0].period_start = "2024-03-06";
  r.team[0].period_end = "2024-09-01";
  r.team[0].source = "discharge";
  r.team[0].role = team_role::ei_coordinator;
  r.activities[0].to_be_scheduled = true;
  auto& ap = r.appointments[0];
  ap.cancel_reason = {"http://terminology.hl7.org/CodeSystem/appointment-cancellation-reason", "prov",
                      "Provider"};
  ap.replaces = {"s", "ap0"};
  ap.replaced_by = {"s", "ap2"};
  ap.interpreter_required = ap.interpreter_booked = ap.transport_needed = ap.transport_arranged = true;
  ap.interpreter_language = "es";
  ap.source = "st-marys";
  auto& rf = r.referrals[0];
  rf.flow = "report_received";
  rf.origin = "nicu_discharge";
  rf.performer = "Cardiology clinic";
  rf.performer_org = {"s", "org2"};
  rf.task_key = {"s", "task"};
  rf.status_reason = "none";
  rf.seen_on = "2024-03-20";
  rf.report_ref = "DocumentReference/1";
  rf.loop_close_due = "2024-04-19";
  r.care_plan->version = 3;
  r.care_plan->last_reviewed = "2024-03-06";
  r.care_plan->next_review_due = "2024-04-06";
  r.problems = {{{"s", "pb"}, {"sct", "67569000", "BPD"}, "BPD", "active"}};
  r.medications = {
      {{"s", "md"}, {"rxnorm", "4603", "furosemide"}, "furosemide", "1 mg/kg daily", "active", "h"}};
  r.devices = {{{"s", "dv"}, {"sct", "1", "cannula"}, "cannula", "active", "1/8 L/min"}};
  r.goals = {{{"s", "go"}, "home without oxygen", "high-priority", "active"}};
  r.actions = {{{"s", "ac"},
                "schedule_followup",
                "care_coordinator",
                "2024-03-08",
                "urgent",
                "in_progress",
                "book",
                {"s", "sr"},
                "to-be-scheduled",
                "2024-03-06T10:00:00Z"}};
  r.agenda = {{{"s", "ag"}, "2024-03-12", "new NICU graduate", "rule", "discussed", {"agreed"}}};
  r.social_needs = {{{"s", "sn"}, "transportation", {"sct", "713458007", "lack of transport"}, "referred"}};
  r.early_intervention = ei_episode{"2024-03-06", "2024-03-08", "2024-03-13", "2024-03-10",
                                    "2024-04-22", "2024-04-15", true,         {"s", "ei"}};
  r.events = {{"2024-03-06T10:00:00Z", "DischargeRecordReceived", "h", "msg-1", "7 referrals"}};
  return r;
}

TEST(RecordCodec, RoundTripsEveryField) {
  auto record = full_record();
  auto json = encode(record);
  auto back = decode(json);
  ASSERT_TRUE(back);
  EXPECT_EQ(*back, record);
  EXPECT_EQ(encode(*back), json);
  EXPECT_EQ(json.rfind("{\"v\":2,", 0), 0u);
}

TEST(RecordCodec, RoundTripsEmptyAndPartialRecords) {
  coordination_record empty;
  EXPECT_EQ(encode(empty), "{\"v\":2}");
  EXPECT_EQ(decode(encode(empty)), empty);
  coordination_record partial;
  partial.patient.birth_weight = quantity{};  // present but empty stays present
  partial.care_plan = care_plan_info{};
  EXPECT_EQ(decode(encode(partial)), partial);
}

TEST(RecordCodec, RoundTripsTheSeedRecord) {
  auto doc = testing::load_fixture(testing::seed_fixture);
  auto result = inbound::translate_discharge(doc);
  ASSERT_TRUE(result.ok);
  auto back = decode(encode(result.value.record));
  ASSERT_TRUE(back);
  EXPECT_EQ(*back, result.value.record);
}

TEST(RecordCodec, RefusesUnknownVersionsAndBadInput) {
  EXPECT_FALSE(decode(""));
  EXPECT_FALSE(decode("not json"));
  EXPECT_FALSE(decode("[]"));
  EXPECT_FALSE(decode("{}"));
  EXPECT_FALSE(decode("{\"v\":3}"));
  EXPECT_FALSE(decode("{\"v\":2,\"cp\":{\"ver\":\"1\"}}"));
  EXPECT_FALSE(decode("{\"v\":\"1\"}"));
  EXPECT_FALSE(decode("{\"v\":1,\"p\":[]}"));
  EXPECT_FALSE(decode("{\"v\":1,\"p\":{\"g\":3}}"));
  EXPECT_FALSE(decode("{\"v\":1,\"t\":[{\"r\":\"doctor\"}]}"));
  EXPECT_FALSE(decode("{\"v\":1,\"ap\":{}}"));
  EXPECT_TRUE(decode("{\"v\":1,\"future\":true}"));  // members it does not know are ignored
}

// Records stored by the first cut (format 1) are read and migrated: the referral flow is derived from the
// FHIR request status, every v2 member takes its default, and they are written back as format 2.
TEST(RecordCodec, MigratesVersionOneRecords) {
  auto v1 = decode(R"({"v":1,"p":{"id":[{"s":"http://h/mrn","v":"1"}]},"cp":{"st":"active"},)"
                   R"("r":[{"k":{"s":"s","v":"a"},"st":"active"},{"k":{"s":"s","v":"b"},"st":"completed"},)"
                   R"({"k":{"s":"s","v":"c"},"st":"revoked"},{"k":{"s":"s","v":"d"},"st":"draft"}]})");
  ASSERT_TRUE(v1);
  ASSERT_EQ(v1->referrals.size(), 4u);
  EXPECT_EQ(v1->referrals[0].flow, "sent");
  EXPECT_EQ(v1->referrals[1].flow, "seen");
  EXPECT_EQ(v1->referrals[2].flow, "cancelled");
  EXPECT_EQ(v1->referrals[3].flow, "draft");
  EXPECT_EQ(v1->patient.status, "active");
  ASSERT_TRUE(v1->care_plan);
  EXPECT_EQ(v1->care_plan->version, 1);
  auto again = encode(*v1);
  EXPECT_EQ(again.rfind("{\"v\":2,", 0), 0u);
  EXPECT_EQ(decode(again), v1);
}

}  // namespace
}  // namespace homebase::mappers::model
