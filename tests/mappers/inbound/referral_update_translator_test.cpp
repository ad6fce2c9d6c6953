#include "mappers/inbound/referral_update_translator.hpp"

#include <gtest/gtest.h>

#include "tests/mappers/inbound/golden.hpp"
#include "tests/mappers/test_files.hpp"

namespace homebase::mappers::inbound {
namespace {

const char* const scheduled = "fixtures/inbound/referral-update-scheduled.json";
const char* const completed = "fixtures/inbound/referral-update-completed.json";

rapidjson::Value& find_task(rapidjson::Document& doc) {
  for (auto& e : doc["entry"].GetArray())
    if (std::string_view(e["resource"]["resourceType"].GetString()) == "Task") return e["resource"];
  ADD_FAILURE() << "no Task";
  return doc;
}

void set_state(rapidjson::Document& doc, const char* status, const char* business) {
  auto& task = find_task(doc);
  task["status"].SetString(status, doc.GetAllocator());
  if (business == nullptr) {
    task.RemoveMember("businessStatus");
  } else {
    task["businessStatus"]["coding"][0u]["code"].SetString(business, doc.GetAllocator());
  }
}

model::referral only_referral(const translate_result& r) {
  EXPECT_TRUE(r.ok) << r.message;
  EXPECT_EQ(r.value.record.referrals.size(), 1u);
  return r.value.record.referrals.empty() ? model::referral{} : r.value.record.referrals[0];
}

TEST(ReferralUpdateTranslator, ScheduledSaysOnlyTheNewState) {
  auto doc = testing::load_fixture(scheduled);
  auto ref = only_referral(translate_referral_update(doc, "st-elsewhere-nicu"));
  EXPECT_EQ(ref.key.value, "REF-0048213-cardiology");
  EXPECT_EQ(ref.flow, "scheduled");
  EXPECT_EQ(ref.task_key.value, "TASK-0048213-cardiology");
  EXPECT_EQ(ref.performer, "St. Elsewhere Children's Heart Center");
  EXPECT_EQ(ref.performer_org.value, "1851394721");
  EXPECT_EQ(ref.specialty, "");  // not said: kept by the merge
  EXPECT_EQ(ref.due_by, "");
}

TEST(ReferralUpdateTranslator, BserStatesMapToTheFlow) {
  struct row {
    const char* status;
    const char* business;
    const char* flow;
  };
  for (auto [status, business, flow] :
       {row{"received", "2.0", "sent"}, row{"accepted", "3.0", "accepted"},
        row{"rejected", "4.0", "declined"}, row{"in-progress", "5.1.4", "seen"},
        row{"in-progress", "5.1.3", "accepted"}, row{"cancelled", "6.0", "cancelled"},
        row{"failed", nullptr, "failed"}, row{"completed", "7.0", "seen"}, row{"on-hold", nullptr, ""}}) {
    auto doc = testing::load_fixture(scheduled);
    set_state(doc, status, business);
    EXPECT_EQ(only_referral(translate_referral_update(doc)).flow, flow) << status;
  }
}

TEST(ReferralUpdateTranslator, DeclinedKeepsTheReason) {
  auto doc = testing::load_fixture(scheduled);
  set_state(doc, "rejected", "4.0");
  rapidjson::Value reason(rapidjson::kObjectType);
  reason.AddMember("text", "Outside our catchment area", doc.GetAllocator());
  find_task(doc).AddMember("statusReason", reason, doc.GetAllocator());
  auto ref = only_referral(translate_referral_update(doc));
  EXPECT_EQ(ref.flow, "declined");
  EXPECT_EQ(ref.status_reason, "Outside our catchment area");
}

TEST(ReferralUpdateTranslator, CompletedWithAReportClosesTheLoopOnReceipt) {
  auto doc = testing::load_fixture(completed);
  auto ref = only_referral(translate_referral_update(doc));
  EXPECT_EQ(ref.flow, "report_received");
  EXPECT_EQ(ref.report_ref,
            "http://st-elsewhere-childrens.example.org/fhir/sid/document|DOC-0048213-echo-report");
}

TEST(ReferralUpdateTranslator, AnUnknownStateIsNotedNotApplied) {
  auto doc = testing::load_fixture(scheduled);
  set_state(doc, "on-hold", nullptr);
  auto result = translate_referral_update(doc);
  ASSERT_TRUE(result.ok);
  EXPECT_EQ(result.value.record.referrals[0].flow, "");
  ASSERT_FALSE(result.value.notes.empty());
  EXPECT_NE(result.value.notes[0].text.find("not a referral state the gateway follows"), std::string::npos);
}

TEST(ReferralUpdateTranslator, NeedsATask) {
  auto doc = testing::load_fixture(scheduled);
  auto& entries = doc["entry"];
  for (auto it = entries.Begin(); it != entries.End(); ++it) {
    if (std::string_view((*it)["resource"]["resourceType"].GetString()) == "Task") {
      entries.Erase(it);
      break;
    }
  }
  doc["entry"][0u]["resource"].RemoveMember("focus");
  auto result = translate_referral_update(doc);
  EXPECT_FALSE(result.ok);
}

TEST(ReferralUpdateTranslator, Golden) {
  auto doc = testing::load_fixture(completed);
  auto result = translate_referral_update(doc, "st-elsewhere-nicu");
  ASSERT_TRUE(result.ok);
  testing::expect_golden(result.value, "referral-update-completed");
}

}  // namespace
}  // namespace homebase::mappers::inbound
