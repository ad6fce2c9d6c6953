#include "mappers/inbound/appointment_update_translator.hpp"

#include <gtest/gtest.h>

#include "tests/mappers/inbound/golden.hpp"
#include "tests/mappers/test_files.hpp"

namespace homebase::mappers::inbound {
namespace {

const char* const fixture = "fixtures/inbound/appointment-update-rescheduled.json";

TEST(AppointmentUpdateTranslator, RescheduleMakesAChain) {
  auto doc = testing::load_fixture(fixture);
  auto result = translate_appointment_update(doc, "st-elsewhere-nicu");
  ASSERT_TRUE(result.ok) << result.message;
  const auto& r = result.value.record;
  ASSERT_EQ(r.appointments.size(), 2u);
  const auto& old = r.appointments[0];
  const auto& now = r.appointments[1];
  EXPECT_EQ(old.status, "cancelled");
  EXPECT_EQ(old.cancel_reason.code, "prov");
  EXPECT_EQ(old.replaced_by, now.key);
  EXPECT_EQ(now.replaces, old.key);
  EXPECT_EQ(now.status, "booked");
  ASSERT_EQ(r.referrals.size(), 1u);
  EXPECT_EQ(r.referrals[0].key.value, "REF-0048213-cardiology");
  EXPECT_EQ(r.referrals[0].flow, "scheduled");
  ASSERT_EQ(r.events.size(), 1u);
  EXPECT_EQ(r.events[0].kind, "AppointmentChanged");
}

TEST(AppointmentUpdateTranslator, NoShowWithoutRebookingAndFulfilled) {
  auto doc = testing::load_fixture(fixture);
  auto& entries = doc["entry"];
  entries[1u]["resource"]["status"].SetString("noshow");
  entries[1u]["resource"].RemoveMember("cancelationReason");
  entries[2u]["resource"]["status"].SetString("fulfilled");
  auto result = translate_appointment_update(doc);
  ASSERT_TRUE(result.ok);
  const auto& r = result.value.record;
  EXPECT_EQ(r.appointments[0].status, "noshow");
  EXPECT_EQ(r.appointments[0].replaced_by, model::identifier{});  // nothing booked replaces it
  EXPECT_EQ(r.referrals[0].flow, "seen");
  EXPECT_EQ(r.referrals[0].seen_on, "2024-04-10");
  EXPECT_EQ(r.referrals[0].loop_close_due, "2024-05-10");
}

TEST(AppointmentUpdateTranslator, CancelledWithPatientReason) {
  auto doc = testing::load_fixture(fixture);
  auto& entries = doc["entry"];
  entries[1u]["resource"]["cancelationReason"]["coding"][0u]["code"].SetString("pat-lt");
  entries.Erase(entries.Begin() + 2);  // no new appointment
  doc["entry"][0u]["resource"]["focus"].Erase(doc["entry"][0u]["resource"]["focus"].Begin() + 1);
  auto result = translate_appointment_update(doc);
  ASSERT_TRUE(result.ok) << result.message;
  const auto& r = result.value.record;
  ASSERT_EQ(r.appointments.size(), 1u);
  EXPECT_EQ(r.appointments[0].cancel_reason.code, "pat-lt");
  EXPECT_EQ(r.referrals[0].flow, "");  // a cancellation alone says nothing about the referral
  // THO pat-lt "Patient: Lack of Transportation": the visit needed a ride, and the family has a
  // transportation need (SNOMED 713458007), keyed by the visit that revealed it.
  EXPECT_TRUE(r.appointments[0].transport_needed);
  ASSERT_EQ(r.social_needs.size(), 1u);
  EXPECT_EQ(r.social_needs[0].domain, "transportation");
  EXPECT_EQ(r.social_needs[0].code.code, "713458007");
  EXPECT_EQ(r.social_needs[0].status, "identified");
  EXPECT_EQ(r.social_needs[0].key.value, "transportation|" + r.appointments[0].key.value);
}

TEST(AppointmentUpdateTranslator, AnotherCancellationReasonIsNoTransportNeed) {
  auto doc = testing::load_fixture(fixture);
  auto result = translate_appointment_update(doc);  // prov: the provider cancelled
  ASSERT_TRUE(result.ok) << result.message;
  EXPECT_TRUE(result.value.record.social_needs.empty());
  EXPECT_FALSE(result.value.record.appointments[0].transport_needed);
}

TEST(AppointmentUpdateTranslator, Golden) {
  auto doc = testing::load_fixture(fixture);
  auto result = translate_appointment_update(doc, "st-elsewhere-nicu");
  ASSERT_TRUE(result.ok);
  testing::expect_golden(result.value, "appointment-update-rescheduled");
}

}  // namespace
}  // namespace homebase::mappers::inbound
