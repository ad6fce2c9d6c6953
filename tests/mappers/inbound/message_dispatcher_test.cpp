#include "mappers/inbound/message_dispatcher.hpp"

#include <gtest/gtest.h>

#include "tests/mappers/test_files.hpp"

namespace homebase::mappers::inbound {
namespace {

constexpr const char* own = "http://homebase.example.org/fhir/CodeSystem/message-event";

TEST(MessageDispatcher, KnowsEveryEventAndNothingElse) {
  EXPECT_EQ(message_event_of(own, "nicu-discharge"), message_event::nicu_discharge);
  EXPECT_EQ(message_event_of("http://hl7.org/fhir/us/davinci-alerts/CodeSystem/notification-event",
                             "notification-discharge"),
            message_event::nicu_discharge);
  EXPECT_EQ(message_event_of(own, "specialist-visit-summary"), message_event::specialist_visit_summary);
  EXPECT_EQ(message_event_of(own, "referral-update"), message_event::referral_update);
  EXPECT_EQ(message_event_of(own, "appointment-update"), message_event::appointment_update);
  EXPECT_EQ(message_event_of(own, "school-letter"), std::nullopt);
  EXPECT_EQ(message_event_of("http://example.org/other", "referral-update"), std::nullopt);
}

TEST(MessageDispatcher, SendsEachMessageToItsTranslator) {
  struct row {
    const char* file;
    const char* event;
  };
  for (auto [file, event] :
       {row{"fixtures/inbound/nicu-discharge-v2.json", "DischargeRecordReceived"},
        row{"fixtures/inbound/visit-summary-pulmonology.json", "VisitSummaryReceived"},
        row{"fixtures/inbound/referral-update-scheduled.json", "ReferralStatusReceived"},
        row{"fixtures/inbound/appointment-update-rescheduled.json", "AppointmentChanged"}}) {
    auto doc = testing::load_fixture(file);
    auto result = translate_message(doc, "p");
    ASSERT_TRUE(result.ok) << file << ": " << result.message;
    ASSERT_FALSE(result.value.record.events.empty());
    EXPECT_EQ(result.value.record.events.back().kind, event) << file;
  }
  auto doc = testing::load_fixture("fixtures/inbound/nicu-discharge-v2.json");
  doc["entry"][0u]["resource"]["eventCoding"]["code"].SetString("school-letter");
  auto result = translate_message(doc);
  EXPECT_FALSE(result.ok);
  EXPECT_EQ(result.error, translate_error::unsupported_event);
}

}  // namespace
}  // namespace homebase::mappers::inbound
