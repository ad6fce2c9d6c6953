#include "mappers/outbound/appointment_entries.hpp"

#include <gtest/gtest.h>

#include "mappers/outbound/medical_home_transaction.hpp"
#include "tests/mappers/outbound/bundle_view.hpp"
#include "tests/mappers/outbound/full_record.hpp"

namespace homebase::mappers::outbound {
namespace {

using testing::bundle_view;

const rapidjson::Value* extension(const rapidjson::Value& r, std::string_view url_end) {
  if (!r.HasMember("extension")) return nullptr;
  for (const auto& e : r["extension"].GetArray()) {
    std::string_view url = e["url"].GetString();
    if (url.size() >= url_end.size() && url.substr(url.size() - url_end.size()) == url_end) return &e;
  }
  return nullptr;
}

TEST(AppointmentEntries, TheRescheduleChainLinksBothAppointments) {
  bundle_view bundle(to_transaction_bundle(testing::full_record(), {}));
  const auto& first = bundle.by_identifier("Appointment", "APT-eye-1");
  const auto& second = bundle.by_identifier("Appointment", "APT-eye-2");
  const auto* replaced_by = extension(first["resource"], "/appointment-replaced-by");
  ASSERT_NE(replaced_by, nullptr);
  EXPECT_EQ((*replaced_by)["valueReference"]["reference"], second["fullUrl"]);
  const auto* replaces = extension(second["resource"], "/appointment-replaces");
  ASSERT_NE(replaces, nullptr);
  EXPECT_EQ((*replaces)["valueReference"]["reference"], first["fullUrl"]);
}

TEST(AppointmentEntries, CancellationReasonOnlyOnTheCancelledOne) {
  auto record = testing::full_record();
  record.appointments[1].cancel_reason = record.appointments[0].cancel_reason;  // booked: app-4 forbids it
  bundle_view bundle(to_transaction_bundle(record, {}));
  const auto& cancelled = bundle.by_identifier("Appointment", "APT-eye-1")["resource"];
  EXPECT_STREQ(cancelled["cancelationReason"]["coding"][0]["code"].GetString(), "pat-lt");
  EXPECT_FALSE(bundle.by_identifier("Appointment", "APT-eye-2")["resource"].HasMember("cancelationReason"));
}

TEST(AppointmentEntries, InterpreterAndTransportAreVisible) {
  bundle_view bundle(to_transaction_bundle(testing::full_record(), {}));
  // Booked: a translator participant.
  const auto& booked = bundle.by_identifier("Appointment", "APT-eye-2")["resource"];
  bool translator = false;
  for (const auto& p : booked["participant"].GetArray()) {
    if (p.HasMember("type") &&
        std::string_view(p["type"][0]["coding"][0]["code"].GetString()) == "translator") {
      translator = true;
      EXPECT_STREQ(p["status"].GetString(), "accepted");
    }
  }
  EXPECT_TRUE(translator);
  EXPECT_STREQ(booked["comment"].GetString(), "Transport needed: arranged.");
  // Required, not booked: said in the comment, no translator participant.
  const auto& unbooked = bundle.by_identifier("Appointment", "APT-gi")["resource"];
  EXPECT_STREQ(unbooked["comment"].GetString(),
               "Interpreter required (es), not booked yet. Transport needed: not arranged yet.");
  for (const auto& p : unbooked["participant"].GetArray()) EXPECT_FALSE(p.HasMember("type"));
  EXPECT_STREQ(unbooked["status"].GetString(), "proposed");
  EXPECT_FALSE(unbooked.HasMember("start"));
}

}  // namespace
}  // namespace homebase::mappers::outbound
