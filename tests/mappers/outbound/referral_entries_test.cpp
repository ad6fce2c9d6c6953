#include "mappers/outbound/referral_entries.hpp"

#include <gtest/gtest.h>

#include "mappers/outbound/entry_writer.hpp"
#include "mappers/outbound/medical_home_transaction.hpp"
#include "tests/mappers/outbound/bundle_view.hpp"
#include "tests/mappers/outbound/full_record.hpp"

namespace homebase::mappers::outbound {
namespace {

using testing::bundle_view;

// The early intervention referral's key when the episode names none: derived from the Patient key.
std::string ei_key() {
  return derived_key_value({"http://hospital.example.org/fhir/sid/mrn", "MRN-7731"});
}

const rapidjson::Value& task_for(const bundle_view& bundle, const std::string& referral_id) {
  const auto& request = bundle.by_identifier("ServiceRequest", referral_id);
  for (const auto* e : bundle.entries("Task")) {
    const auto& task = (*e)["resource"];
    if (task.HasMember("focus") && task["focus"]["reference"] == request["fullUrl"]) return task;
  }
  ADD_FAILURE() << "no referral Task for " << referral_id;
  static const rapidjson::Value none(rapidjson::kObjectType);
  return none;
}

std::string business_status(const rapidjson::Value& task) {
  return task.HasMember("businessStatus") ? task["businessStatus"]["coding"][0]["code"].GetString() : "";
}

TEST(ReferralEntries, FollowTheHarmonisedBserStates) {
  EXPECT_EQ(task_state_of("draft").status, "draft");
  EXPECT_EQ(task_state_of("sent").status, "received");
  EXPECT_EQ(task_state_of("sent").business_code, "2.0");
  EXPECT_EQ(task_state_of("accepted").business_code, "3.0");
  EXPECT_EQ(task_state_of("declined").status, "rejected");
  EXPECT_EQ(task_state_of("scheduled").business_code, "5.1.1");
  EXPECT_EQ(task_state_of("seen").business_code, "5.1.4");
  EXPECT_EQ(task_state_of("report_received").status, "completed");
  EXPECT_EQ(task_state_of("closed").business_code, "7.0");
  EXPECT_EQ(task_state_of("cancelled").business_code, "6.0");
  EXPECT_EQ(task_state_of("failed").status, "failed");
  EXPECT_TRUE(task_state_of("failed").business_code.empty());
}

TEST(ReferralEntries, EachReferralHasAServiceRequestAndAReferralTask) {
  bundle_view bundle(to_transaction_bundle(testing::full_record(), {}));
  const auto& scheduled = task_for(bundle, "REF-eye");
  EXPECT_STREQ(scheduled["status"].GetString(), "in-progress");
  EXPECT_EQ(business_status(scheduled), "5.1.1");
  EXPECT_STREQ(scheduled["intent"].GetString(), "order");
  EXPECT_STREQ(scheduled["code"]["coding"][0]["code"].GetString(), "fulfill");
  // Keyed on the referral (the Task the home got before the sender's id was known), with the sender's
  // own Task id as a second identifier: a referral update changes that Task, it does not add another.
  ASSERT_EQ(scheduled["identifier"].Size(), 2u);
  EXPECT_STREQ(scheduled["identifier"][0]["system"].GetString(),
               "http://homebase.example.org/fhir/sid/referral-task");
  EXPECT_STREQ(scheduled["identifier"][1]["value"].GetString(), "eye-7731");  // the record's task key
  EXPECT_EQ(bundle.type_at(scheduled["for"]["reference"].GetString()), "Patient");
  EXPECT_STREQ(scheduled["owner"]["identifier"]["value"].GetString(), "1999999999");
  EXPECT_STREQ(scheduled["owner"]["display"].GetString(), "Children's Eye Center");

  const auto& declined = task_for(bundle, "REF-cardio");
  EXPECT_STREQ(declined["status"].GetString(), "rejected");
  EXPECT_STREQ(declined["statusReason"]["text"].GetString(),
               "No pediatric slots; refer to the university clinic");
  const auto& cancelled = task_for(bundle, "REF-neuro");
  EXPECT_STREQ(cancelled["status"].GetString(), "cancelled");
  EXPECT_TRUE(cancelled["statusReason"].HasMember("text"));
  // No FHIR status in the record: the ServiceRequest follows the flow.
  EXPECT_STREQ(bundle.by_identifier("ServiceRequest", "REF-neuro")["resource"]["status"].GetString(),
               "revoked");

  const auto& reported = task_for(bundle, "REF-audio");
  EXPECT_STREQ(reported["status"].GetString(), "completed");
  EXPECT_STREQ(reported["output"][0]["valueReference"]["display"].GetString(), "DiagnosticReport/aud-991");
  EXPECT_FALSE(reported["output"][0]["valueReference"].HasMember("reference"));

  // After the visit the Task works to the loop-closure date.
  const auto& seen = task_for(bundle, "REF-pulm");
  EXPECT_STREQ(seen["restriction"]["period"]["end"].GetString(), "2024-08-29");
  EXPECT_EQ(business_status(task_for(bundle, "REF-gi")), "2.0");
  EXPECT_STREQ(task_for(bundle, "REF-ot")["status"].GetString(), "draft");
}

TEST(ReferralEntries, TheEarlyInterventionEpisodeGoesOutAsItsReferral) {
  auto record = testing::full_record();
  bundle_view bundle(to_transaction_bundle(record, {}));
  const auto& ei = bundle.by_identifier("ServiceRequest", ei_key());
  const auto& request = ei["resource"];
  EXPECT_STREQ(request["status"].GetString(), "active");
  EXPECT_STREQ(request["authoredOn"].GetString(), "2024-07-12");
  EXPECT_STREQ(request["occurrencePeriod"]["end"].GetString(), "2024-08-26");  // the IFSP clock
  std::string note = request["note"][0]["text"].GetString();
  EXPECT_NE(note.find("IFSP due by 2024-08-26"), std::string::npos) << note;
  const auto& task = task_for(bundle, ei_key());
  EXPECT_STREQ(task["status"].GetString(), "accepted");  // acknowledged by the program

  // When the episode names a referral of the record, that referral carries the clocks; no second one.
  record.early_intervention->referral_key = record.referrals[6].key;
  bundle_view linked(to_transaction_bundle(record, {}));
  EXPECT_EQ(linked.count("ServiceRequest"), 7);
  EXPECT_TRUE(linked.by_identifier("ServiceRequest", "REF-ot")["resource"].HasMember("note"));

  record.early_intervention->referral_key = {};
  record.early_intervention->family_declined = true;
  bundle_view declined(to_transaction_bundle(record, {}));
  EXPECT_STREQ(task_for(declined, ei_key())["status"].GetString(), "cancelled");
}

}  // namespace
}  // namespace homebase::mappers::outbound
