#include "mappers/outbound/care_plan_entries.hpp"

#include <gtest/gtest.h>

#include <set>

#include "mappers/outbound/medical_home_transaction.hpp"
#include "tests/mappers/outbound/bundle_view.hpp"
#include "tests/mappers/outbound/full_record.hpp"

namespace homebase::mappers::outbound {
namespace {

using testing::bundle_view;

TEST(CarePlanEntries, TheCarePlanSummarisesAndPointsAtEverything) {
  bundle_view bundle(to_transaction_bundle(testing::full_record(), {}));
  const auto& plan = bundle.entries("CarePlan").front()->operator[]("resource");
  EXPECT_STREQ(plan["text"]["status"].GetString(), "generated");
  std::string div = plan["text"]["div"].GetString();
  for (const char* expected :
       {"Bronchopulmonary dysplasia", "ROP stage 2", "Lack of access to transportation",
        "Lucia comes off oxygen before winter", "Weekly weight check", "Referral: Audiology",
        "Appointment: Ophthalmology", "Task: Schedule the gastroenterology visit",
        "next review due 2024-09-01", "Version 3", "levothyroxine",
        "Grandmother attends visits &amp; helps decide"}) {
    EXPECT_NE(div.find(expected), std::string::npos) << expected;
  }
  EXPECT_STREQ(plan["category"][0]["coding"][0]["code"].GetString(), "assess-plan");
  EXPECT_EQ(bundle.type_at(plan["subject"]["reference"].GetString()), "Patient");
  EXPECT_EQ(plan["extension"][0]["valuePositiveInt"].GetInt(), 3);
  EXPECT_EQ(plan["addresses"].Size(), 4u);
  for (const auto& a : plan["addresses"].GetArray())
    EXPECT_EQ(bundle.type_at(a["reference"].GetString()), "Condition");
  EXPECT_EQ(plan["goal"].Size(), 2u);
  std::multiset<std::string> kinds;
  for (const auto& a : plan["activity"].GetArray()) {
    if (a.HasMember("detail")) {
      kinds.insert("detail");
    } else {
      kinds.insert(bundle.type_at(a["reference"]["reference"].GetString()));
    }
  }
  EXPECT_EQ(kinds.count("detail"), 2u);
  EXPECT_EQ(kinds.count("ServiceRequest"), 8u);
  EXPECT_EQ(kinds.count("Appointment"), 4u);
  EXPECT_EQ(kinds.count("Task"), 5u);
  EXPECT_EQ(bundle.type_at(plan["careTeam"][0]["reference"].GetString()), "CareTeam");
}

TEST(CarePlanEntries, TheCareTeamHasARoleAndAMemberForEveryone) {
  auto record = testing::full_record();
  bundle_view bundle(to_transaction_bundle(record, {}));
  const auto& team = bundle.entries("CareTeam").front()->operator[]("resource");
  ASSERT_EQ(team["participant"].Size(), record.team.size());
  std::set<std::string> codes;
  for (const auto& p : team["participant"].GetArray()) {
    ASSERT_EQ(p["role"].Size(), 1u);  // US Core: participant.role 1..1
    EXPECT_FALSE(bundle.type_at(p["member"]["reference"].GetString()).empty());
    for (const auto& c : p["role"][0]["coding"].GetArray()) {
      if (c.HasMember("code")) codes.insert(c["code"].GetString());
    }
    if (p.HasMember("onBehalfOf")) {
      EXPECT_EQ(bundle.type_at(p["member"]["reference"].GetString()), "Practitioner");
    }
  }
  for (const char* code :
       {"ei-coordinator", "school-nurse", "social-worker", "parent-partner", "768820003"}) {
    EXPECT_EQ(codes.count(code), 1u) << code;
  }
  EXPECT_STREQ(team["period"]["start"].GetString(), "2024-05-02");
  EXPECT_NE(std::string(team["text"]["div"].GetString()).find("until 2024-07-10"), std::string::npos);
}

TEST(CarePlanEntries, ATeamWithoutACareTeamRecordStillGoesOut) {
  auto record = testing::full_record();
  record.care_team.reset();
  record.care_plan.reset();
  bundle_view bundle(to_transaction_bundle(record, {}));
  ASSERT_EQ(bundle.count("CareTeam"), 1);
  ASSERT_EQ(bundle.count("CarePlan"), 1);
  EXPECT_STREQ(
      bundle.entries("CarePlan").front()->operator[]("resource")["identifier"][0]["system"].GetString(),
      "http://homebase.example.org/fhir/sid/care-plan");
  EXPECT_TRUE(testing::validation_errors(bundle.doc()).empty());
}

}  // namespace
}  // namespace homebase::mappers::outbound
