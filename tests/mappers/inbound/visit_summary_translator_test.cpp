#include "mappers/inbound/visit_summary_translator.hpp"

#include <gtest/gtest.h>

#include <algorithm>

#include "tests/mappers/inbound/golden.hpp"
#include "tests/mappers/test_files.hpp"

namespace homebase::mappers::inbound {
namespace {

const char* const fixture = "fixtures/inbound/visit-summary-pulmonology.json";

template <class T>
const T* by_key(const std::vector<T>& items, std::string_view value) {
  auto it = std::find_if(items.begin(), items.end(), [&](const T& x) { return x.key.value == value; });
  return it == items.end() ? nullptr : &*it;
}

// The specialist's visit summary is the report its referral asked for.
TEST(VisitSummaryTranslator, TheVisitIsItsReferralsReportAndAddsTheSpecialist) {
  auto doc = testing::load_fixture(fixture);
  auto result = translate_visit_summary(doc, "st-elsewhere-nicu");
  ASSERT_TRUE(result.ok) << result.message;
  const auto& r = result.value.record;
  const auto* seen = by_key(r.referrals, "REF-0048213-pulmonology");
  ASSERT_NE(seen, nullptr);
  EXPECT_EQ(seen->flow, "report_received");
  EXPECT_NE(seen->report_ref.find('|'), std::string::npos) << seen->report_ref;  // the visit's identifier
  EXPECT_EQ(seen->seen_on, "2024-03-18");
  EXPECT_EQ(seen->loop_close_due, "2024-04-17");
  EXPECT_EQ(seen->origin, "");     // not this visit's recommendation
  EXPECT_EQ(seen->specialty, "");  // not said: the merge keeps what the record has
  ASSERT_EQ(r.team.size(), 1u);
  EXPECT_EQ(r.team[0].specialty, "pulmonology");
  EXPECT_EQ(r.team[0].source, "visit_summary");
  EXPECT_FALSE(r.encounter.has_value());  // the visit is not the discharge encounter
  ASSERT_EQ(r.events.size(), 1u);
  EXPECT_EQ(r.events[0].kind, "VisitSummaryReceived");
}

TEST(VisitSummaryTranslator, RecommendationsDevicesMedicationsAndAppointments) {
  auto doc = testing::load_fixture(fixture);
  auto result = translate_visit_summary(doc);
  ASSERT_TRUE(result.ok);
  const auto& r = result.value.record;
  const auto* pt = by_key(r.referrals, "REF-0048213-physical-therapy");
  ASSERT_NE(pt, nullptr);
  EXPECT_EQ(pt->origin, "specialist");
  EXPECT_EQ(pt->flow, "draft");  // a proposal: the medical home still has to send it
  ASSERT_EQ(r.devices.size(), 1u);
  EXPECT_EQ(r.devices[0].key.value, "DEV-0048213-o2");
  EXPECT_NE(r.devices[0].setting.find("1/16 L/min"), std::string::npos);
  ASSERT_EQ(r.medications.size(), 1u);
  EXPECT_EQ(r.medications[0].dosage, "5 mg by mouth once daily");
  ASSERT_EQ(r.appointments.size(), 1u);
  EXPECT_EQ(r.appointments[0].status, "fulfilled");
  ASSERT_EQ(r.activities.size(), 2u);
  EXPECT_TRUE(r.activities[1].to_be_scheduled);
  auto& notes = result.value.notes;
  EXPECT_TRUE(std::any_of(notes.begin(), notes.end(), [](const mapping_note& n) {
    return n.text.find("is read as the visit note") != std::string::npos;
  }));
}

TEST(VisitSummaryTranslator, RefusesOtherEvents) {
  auto doc = testing::load_fixture("fixtures/inbound/referral-update-scheduled.json");
  EXPECT_FALSE(translate_visit_summary(doc).ok);
}

TEST(VisitSummaryTranslator, Golden) {
  auto doc = testing::load_fixture(fixture);
  auto result = translate_visit_summary(doc, "st-elsewhere-nicu");
  ASSERT_TRUE(result.ok);
  testing::expect_golden(result.value, "visit-summary-pulmonology");
}

}  // namespace
}  // namespace homebase::mappers::inbound
