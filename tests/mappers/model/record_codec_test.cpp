#include "mappers/model/record_codec.hpp"

#include <gtest/gtest.h>

#include "mappers/inbound/discharge_translator.hpp"
#include "tests/mappers/test_files.hpp"

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
  return r;
}

TEST(RecordCodec, RoundTripsEveryField) {
  auto record = full_record();
  auto json = encode(record);
  auto back = decode(json);
  ASSERT_TRUE(back);
  EXPECT_EQ(*back, record);
  EXPECT_EQ(encode(*back), json);
  EXPECT_EQ(json.rfind("{\"v\":1,", 0), 0u);
}

TEST(RecordCodec, RoundTripsEmptyAndPartialRecords) {
  coordination_record empty;
  EXPECT_EQ(encode(empty), "{\"v\":1}");
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
  EXPECT_FALSE(decode("{\"v\":2}"));
  EXPECT_FALSE(decode("{\"v\":\"1\"}"));
  EXPECT_FALSE(decode("{\"v\":1,\"p\":[]}"));
  EXPECT_FALSE(decode("{\"v\":1,\"p\":{\"g\":3}}"));
  EXPECT_FALSE(decode("{\"v\":1,\"t\":[{\"r\":\"doctor\"}]}"));
  EXPECT_FALSE(decode("{\"v\":1,\"ap\":{}}"));
  EXPECT_TRUE(decode("{\"v\":1,\"future\":true}"));  // members it does not know are ignored
}

}  // namespace
}  // namespace homebase::mappers::model
