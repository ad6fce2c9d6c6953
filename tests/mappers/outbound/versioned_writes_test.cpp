#include "mappers/outbound/versioned_writes.hpp"

#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <string>

#include "fhir/json_document.hpp"
#include "mappers/outbound/medical_home_transaction.hpp"
#include "tests/mappers/outbound/bundle_view.hpp"
#include "tests/mappers/outbound/full_record.hpp"

namespace homebase::mappers::outbound {
namespace {

using testing::bundle_view;

std::string key_of(const rapidjson::Value& entry) {
  std::string url = entry["request"]["url"].GetString();
  return url.substr(url.find('?') + 1);
}

// A transaction-response for `sent`: every entry 200 with location Type/<n>/_history/<v> and an ETag.
std::string response_for(const std::string& sent_json, const std::string& version) {
  rapidjson::Document sent;
  sent.Parse(sent_json.c_str());
  std::string out = R"({"resourceType":"Bundle","type":"transaction-response","entry":[)";
  int n = 0;
  for (const auto& e : sent["entry"].GetArray()) {
    if (n > 0) out += ",";
    std::string type = e["resource"]["resourceType"].GetString();
    std::string id = "id" + std::to_string(n++);
    out += R"({"response":{"status":"200","location":")" + type + "/" + id + "/_history/" + version +
           R"(","etag":"W/\")" + version + R"(\""}})";
  }
  return out + "]}";
}

TEST(versioned_writes, nothing_known_changes_nothing_but_tracks_the_owned_types) {
  auto bundle = to_transaction_bundle(testing::full_record(), {});
  auto sent = with_versions(bundle, {});
  EXPECT_EQ(sent.json, bundle);
  EXPECT_EQ(sent.versioned, 0);
  bundle_view view(bundle);
  EXPECT_EQ(static_cast<int>(sent.tracked.size()),
            view.count("Task") + view.count("Appointment") + view.count("CarePlan"));
}

TEST(versioned_writes, a_known_version_becomes_an_instance_update_with_if_match) {
  auto bundle = to_transaction_bundle(testing::full_record(), {});
  bundle_view view(bundle);
  const auto& appointment = view.by_identifier("Appointment", "APT-eye-2");
  known_version k{"Appointment", key_of(appointment), "srv-7", "3", R"({"status":"booked"})", "{}"};
  auto sent = with_versions(bundle, {k});
  EXPECT_EQ(sent.versioned, 1);
  bundle_view out(sent.json);
  const auto& e = out.by_identifier("Appointment", "APT-eye-2");
  EXPECT_STREQ(e["request"]["method"].GetString(), "PUT");
  EXPECT_STREQ(e["request"]["url"].GetString(), "Appointment/srv-7");
  EXPECT_STREQ(e["request"]["ifMatch"].GetString(), "W/\"3\"");
  EXPECT_STREQ(e["resource"]["id"].GetString(), "srv-7");
  EXPECT_EQ(e["fullUrl"], appointment["fullUrl"]);  // references from other entries still resolve
  // Every other entry as it was, numbers with their text (decimals keep their precision).
  EXPECT_EQ(out.doc()["entry"].Size(), view.doc()["entry"].Size());
  const auto& other = out.by_identifier("Appointment", "APT-eye-1");
  EXPECT_EQ(other["request"], view.by_identifier("Appointment", "APT-eye-1")["request"]);
}

TEST(versioned_writes, the_practice_changes_kept_are_overlaid) {
  auto bundle = to_transaction_bundle(testing::full_record(), {});
  bundle_view view(bundle);
  const auto& appointment = view.by_identifier("Appointment", "APT-eye-2");
  known_version k{"Appointment",
                  key_of(appointment),
                  "srv-7",
                  "4",
                  R"({"status":"booked"})",
                  R"({"status":"cancelled","cancelationReason":{"text":"duplicate"}})"};
  bundle_view out(with_versions(bundle, {k}).json);
  const auto& r = out.by_identifier("Appointment", "APT-eye-2")["resource"];
  EXPECT_STREQ(r["status"].GetString(), "cancelled");
  EXPECT_STREQ(r["cancelationReason"]["text"].GetString(), "duplicate");
}

TEST(versioned_writes, the_response_gives_each_tracked_entry_its_id_and_version) {
  auto bundle = to_transaction_bundle(testing::full_record(), {});
  auto sent = with_versions(bundle, {});
  auto learned = learned_versions(sent, response_for(sent.json, "v9"));
  ASSERT_EQ(learned.size(), sent.tracked.size());
  for (std::size_t i = 0; i < learned.size(); ++i) {
    EXPECT_EQ(learned[i].resource_type, sent.tracked[i].resource_type);
    EXPECT_EQ(learned[i].business_key, sent.tracked[i].business_key);
    EXPECT_EQ(learned[i].server_id, "id" + std::to_string(sent.tracked[i].index));
    EXPECT_EQ(learned[i].version, "v9");
    EXPECT_EQ(learned[i].written.find("urn:uuid:"), std::string::npos) << learned[i].written;
  }
  // Next time they are all written with If-Match.
  auto next = with_versions(bundle, learned);
  EXPECT_EQ(next.versioned, static_cast<int>(learned.size()));
}

TEST(versioned_writes, a_failed_or_unreadable_response_teaches_nothing) {
  auto sent = with_versions(to_transaction_bundle(testing::full_record(), {}), {});
  EXPECT_TRUE(learned_versions(sent, "{oops").empty());
  EXPECT_TRUE(learned_versions(sent, R"({"resourceType":"OperationOutcome"})").empty());
}

TEST(versioned_writes, the_read_back_asks_for_the_versioned_entries_and_reads_their_answers) {
  auto bundle = to_transaction_bundle(testing::full_record(), {});
  bundle_view view(bundle);
  known_version a{"Appointment", key_of(view.by_identifier("Appointment", "APT-eye-1")), "a1", "1", "{}",
                  "{}"};
  known_version b{"Appointment", key_of(view.by_identifier("Appointment", "APT-eye-2")), "a2", "1", "{}",
                  "{}"};
  auto sent = with_versions(bundle, {a, b});
  rapidjson::Document batch;
  batch.Parse(read_back_batch(sent).c_str());
  ASSERT_EQ(batch["entry"].Size(), 2U);
  EXPECT_STREQ(batch["type"].GetString(), "batch");
  EXPECT_STREQ(batch["entry"][0]["request"]["method"].GetString(), "GET");
  EXPECT_STREQ(batch["entry"][0]["request"]["url"].GetString(), "Appointment/a1");
  std::string answer =
      R"({"resourceType":"Bundle","type":"batch-response","entry":[)"
      R"({"resource":{"resourceType":"Appointment","id":"a1","meta":{"versionId":"2"},"status":"cancelled"},)"
      R"("response":{"status":"200"}},{"response":{"status":"404"}}]})";
  auto current = read_back_results(sent, answer);
  ASSERT_EQ(current.size(), 2U);
  EXPECT_EQ(current[0].version, "2");
  EXPECT_FALSE(current[0].gone);
  EXPECT_NE(current[0].resource_json.find("cancelled"), std::string::npos);
  EXPECT_TRUE(current[1].gone);
  EXPECT_EQ(sent.tracked[current[1].tracked].server_id, "a2");
}

TEST(versioned_writes, etags) {
  EXPECT_EQ(version_of_etag("W/\"3\""), "3");
  EXPECT_EQ(version_of_etag("\"abc\""), "abc");
  EXPECT_EQ(version_of_etag("W/\"a\"b\""), "");
}

}  // namespace
}  // namespace homebase::mappers::outbound
