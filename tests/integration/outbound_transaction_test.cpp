// The outbound transaction Bundles of the mapper golden files (the seed story and a full model v2 record)
// against third-party code: the independent validator (tests/tools/validate.mjs, medplum + the official R4
// schema) and a real FHIR server (tests/tools/medical-home-server.mjs). Posting a Bundle twice must leave
// exactly one resource per business key.
#include <gtest/gtest.h>

#include "tests/integration/gateway_harness.hpp"

namespace homebase::testing {
namespace {

const char* const seed_golden = "mappers/golden/anjali-transaction.json";
const char* const full_golden = "mappers/golden/full-record-transaction.json";

TEST(outbound_transaction, the_independent_validator_finds_no_error) {
  std::string output;
  int status = run({node_binary(), test_data("tools/validate.mjs").string(), "--both", "--quiet",
                    test_data(seed_golden).string(), test_data(full_golden).string()},
                   output);
  EXPECT_EQ(status, 0) << output;
}

TEST(outbound_transaction, posting_the_full_record_twice_writes_every_key_once) {
  temp_dir dir;
  medical_home_server home;
  std::string error;
  ASSERT_TRUE(home.start(dir, {}, error)) << error;
  for (int i = 0; i < 2; ++i) {
    auto reply = http_call("POST", home.base(), test_data(full_golden));
    ASSERT_EQ(reply.status, 200) << reply.body.substr(0, 2000);
  }
  EXPECT_EQ(home.transaction_posts(), 2);
  EXPECT_EQ(home.count("Patient"), 1);
  EXPECT_EQ(home.count("RelatedPerson"), 3);
  EXPECT_EQ(home.count("Condition"), 4);
  EXPECT_EQ(home.count("MedicationStatement"), 2);
  EXPECT_EQ(home.count("Device"), 2);
  EXPECT_EQ(home.count("DeviceUseStatement"), 2);
  EXPECT_EQ(home.count("Goal"), 2);
  EXPECT_EQ(home.count("CareTeam"), 1);
  EXPECT_EQ(home.count("CarePlan"), 1);
  EXPECT_EQ(home.count("ServiceRequest"), 8);
  EXPECT_EQ(home.count("Task"), 15);  // keys with `|` included (escaped as `\|`)
  EXPECT_EQ(home.count("Appointment"), 4);
  EXPECT_EQ(home.count("Provenance"), 3);  // created once (ifNoneExist on the event's tag)
}

}  // namespace
}  // namespace homebase::testing
