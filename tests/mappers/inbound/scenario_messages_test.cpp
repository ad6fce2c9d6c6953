// The scenario fixtures (tests/fixtures/scenarios, their date tokens expanded for one fixed day, so that
// the expectations below hold on any day) through the translators and the merge, in sending order.
// A message is named "<scenario folder>--<file>" ("--" for each folder level).
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>

#include "mappers/inbound/discharge_translator.hpp"
#include "mappers/inbound/message_dispatcher.hpp"
#include "mappers/model/record_merge.hpp"
#include "tests/integration/scenario_fixture.hpp"
#include "tests/mappers/test_files.hpp"

namespace homebase::mappers::inbound {
namespace {

namespace fs = std::filesystem;

using namespace std::chrono_literals;
constexpr std::chrono::sys_days fixture_day{std::chrono::year{2026} / 11 / 23};

fs::path scenario(std::string name) {
  for (auto at = name.find("--"); at != std::string::npos; at = name.find("--")) name.replace(at, 2, "/");
  return testing::data_path("fixtures/scenarios/" + name + ".json");
}

translation translate_file(const std::string& name) {
  auto expanded = homebase::testing::scenario_fixture(fixture_day).load(scenario(name));
  EXPECT_TRUE(expanded.ok) << name << ": " << expanded.error;
  rapidjson::Document doc;
  doc.Parse(expanded.text.data(), expanded.text.size());
  EXPECT_FALSE(doc.HasParseError()) << name;
  auto result = name.find(".document") != std::string::npos ? translate_discharge_document(doc, "p")
                                                            : translate_message(doc, "p");
  EXPECT_TRUE(result.ok) << name << ": " << result.message;
  return result.value;
}

// The record after posting `files` in order (the first creates the child).
model::coordination_record after(std::initializer_list<const char*> files,
                                 std::vector<model::merge_note>* notes = nullptr) {
  model::coordination_record record;
  bool first = true;
  for (const char* f : files) {
    auto t = translate_file(f);
    if (first) {
      record = t.record;
      first = false;
    } else {
      auto summary = model::merge(record, t.record);
      if (notes != nullptr) notes->insert(notes->end(), summary.notes.begin(), summary.notes.end());
    }
  }
  return record;
}

const model::referral* referral_of(const model::coordination_record& r, std::string_view value) {
  for (const auto& x : r.referrals)
    if (x.key.value == value) return &x;
  return nullptr;
}

TEST(ScenarioMessages, EveryMessageTranslates) {
  int files = 0;
  // Every message and document of scenarios 1-9 (10-12 hold Consents and letter requests, not messages).
  auto root = fs::path(testing::data_path("fixtures/scenarios"));
  for (const auto& file : homebase::testing::scenario_fixture_files(root)) {
    auto relative = fs::relative(file, root).replace_extension("").string();
    if (relative.starts_with("1")) continue;
    std::string name;
    for (char c : relative) name += c == '/' ? std::string("--") : std::string(1, c);
    auto t = translate_file(name);
    ++files;
    EXPECT_FALSE(t.record.events.empty()) << file;
  }
  EXPECT_GT(files, 10);
}

TEST(ScenarioMessages, AmendedDischargeUpdatesInPlace) {
  auto record =
      after({"02-amended-discharge--01-nicu-discharge", "02-amended-discharge--02-nicu-discharge-amended"});
  auto base = after({"02-amended-discharge--01-nicu-discharge"});
  EXPECT_EQ(record.referrals.size(), base.referrals.size());
  EXPECT_EQ(record.appointments.size(), base.appointments.size());
  EXPECT_EQ(record.family.size(), base.family.size());
  EXPECT_EQ(record.medications.size(), 3u);
  EXPECT_EQ(record.care_plan->version, 2);
  EXPECT_EQ(record.events.back().kind, "DischargeRecordAmended");
}

TEST(ScenarioMessages, RescheduleChainThroughThePreviousAppointmentExtension) {
  auto record = after({"03-specialist-reschedules--01-nicu-discharge",
                       "03-specialist-reschedules--02-cardiology-rescheduled",
                       "03-specialist-reschedules--03-cardiology-rescheduled-past-window"});
  int chained = 0;
  for (const auto& a : record.appointments)
    if (!a.replaces.value.empty() || !a.replaced_by.value.empty()) ++chained;
  EXPECT_EQ(chained, 3);  // A -> B -> C
  for (const auto& a : record.appointments) EXPECT_FALSE(a.status.empty()) << a.key.value;
}

TEST(ScenarioMessages, VisitSummaryKeepsOneDeviceAndFlagsFurosemide) {
  std::vector<model::merge_note> notes;
  auto base = after({"06-visit-summary-recommendations--01-nicu-discharge"});
  auto record = after({"06-visit-summary-recommendations--01-nicu-discharge",
                       "06-visit-summary-recommendations--02-pulmonology-visit-summary"},
                      &notes);
  EXPECT_EQ(record.devices.size(), base.devices.size());
  EXPECT_TRUE(std::any_of(notes.begin(), notes.end(), [](const model::merge_note& n) {
    return n.text.find("conflicts with the current list") != std::string::npos;
  }));
  const auto* pulm = referral_of(record, "REF-0071406-pulmonology");
  ASSERT_NE(pulm, nullptr);
  EXPECT_EQ(pulm->flow, "report_received");
  EXPECT_FALSE(pulm->specialty.empty());
  EXPECT_EQ(record.care_plan->version, 2);
  EXPECT_EQ(record.referrals.size(), base.referrals.size() + 1);  // physical therapy
}

TEST(ScenarioMessages, EarlyInterventionReferralFollowsItsTask) {
  auto record = after(
      {"09-early-intervention-loop--01-nicu-discharge", "09-early-intervention-loop--02-ei-referral-sent",
       "09-early-intervention-loop--03-ei-referral-accepted", "09-early-intervention-loop--04-ifsp-held"});
  const auto* ei = referral_of(record, "REF-0071406-early-intervention");
  ASSERT_NE(ei, nullptr);
  EXPECT_EQ(ei->flow, "report_received");
  EXPECT_FALSE(ei->report_ref.empty());
  ASSERT_TRUE(record.early_intervention);
  EXPECT_EQ(record.early_intervention->identified_on, "2026-10-13");  // D-41
  EXPECT_EQ(record.early_intervention->referral_due_by, "2026-10-20");
  EXPECT_EQ(record.early_intervention->referred_on, "2026-10-16");  // D-38
  EXPECT_EQ(record.early_intervention->ifsp_due_by, "2026-11-30");
  EXPECT_EQ(record.early_intervention->acknowledged_on, "2026-10-24");
  EXPECT_EQ(record.early_intervention->ifsp_held_on, "2026-11-22");
}
}  // namespace
}  // namespace homebase::mappers::inbound
