#include "mappers/outbound/provenance_entries.hpp"

#include <gtest/gtest.h>

#include "mappers/outbound/medical_home_transaction.hpp"
#include "tests/mappers/outbound/bundle_view.hpp"
#include "tests/mappers/outbound/full_record.hpp"

namespace homebase::mappers::outbound {
namespace {

using testing::bundle_view;

TEST(ProvenanceEntries, EachStampedEventIsWrittenOnceWithItsSource) {
  auto record = testing::full_record();
  bundle_view bundle(to_transaction_bundle(record, {}));
  auto entries = bundle.entries("Provenance");
  ASSERT_EQ(entries.size(), 3u);

  const auto& discharge = *entries[0];
  auto key = record_event_key(record.events[0]);
  EXPECT_STREQ(discharge["request"]["method"].GetString(), "POST");
  EXPECT_EQ(std::string(discharge["request"]["ifNoneExist"].GetString()),
            "_tag=http%3A%2F%2Fhomebase.example.org%2Ffhir%2Fsid%2Frecord-event|" + key.value);
  const auto& p = discharge["resource"];
  EXPECT_STREQ(p["meta"]["tag"][0]["code"].GetString(), key.value.c_str());
  EXPECT_STREQ(p["recorded"].GetString(), "2024-07-10T16:02:11Z");
  std::set<std::string> targets;
  for (const auto& t : p["target"].GetArray()) targets.insert(bundle.type_at(t["reference"].GetString()));
  EXPECT_EQ(targets, (std::set<std::string>{"Patient", "Encounter", "CareTeam", "CarePlan"}));
  EXPECT_STREQ(p["activity"]["coding"][0]["code"].GetString(), "CREATE");
  EXPECT_STREQ(p["activity"]["coding"][1]["code"].GetString(), "DischargeRecordReceived");
  EXPECT_STREQ(p["activity"]["text"].GetString(), "NICU discharge summary");
  EXPECT_STREQ(p["agent"][0]["who"]["type"].GetString(), "Organization");
  EXPECT_STREQ(p["agent"][0]["who"]["display"].GetString(), "st-elsewhere");
  EXPECT_STREQ(p["entity"][0]["what"]["identifier"]["value"].GetString(),
               "8d6c2f6e-1a44-4c51-8c1e-3f0b6a0d1c11");

  const auto& rules = (*entries[2])["resource"];
  EXPECT_STREQ(rules["activity"]["coding"][0]["code"].GetString(), "UPDATE");
  EXPECT_STREQ(rules["agent"][0]["who"]["type"].GetString(), "Device");
  EXPECT_EQ(rules["agent"].Size(), 1u);
  EXPECT_EQ(rules["target"].Size(), 1u);
}

TEST(ProvenanceEntries, TheKeyDependsOnTheEventOnly) {
  auto record = testing::full_record();
  auto a = record_event_key(record.events[0]);
  EXPECT_EQ(a, record_event_key(record.events[0]));
  auto changed = record.events[0];
  changed.at = "2024-07-10T16:02:12Z";
  EXPECT_NE(a, record_event_key(changed));
  EXPECT_NE(a, record_event_key(record.events[1]));
}

}  // namespace
}  // namespace homebase::mappers::outbound
