// audit_trail and audit_api on a real store: what `record` keeps (the AuditEvent with its id, the Patient
// found from the identifier) and the HTTP answers of searches, good and bad.
#include "gateway/audit/audit_trail.hpp"

#include <gtest/gtest.h>

#include "tests/gateway/audit/audit_fixture.hpp"

namespace homebase::gateway::audit {
namespace {

class audit_trail_test : public audit_fixture {};

TEST_F(audit_trail_test, record_keeps_the_event_with_its_id_and_search_columns) {
  seed();
  ASSERT_EQ(ids_.size(), 4U);
  for (auto id : ids_) EXPECT_GT(id, 0);
  auto events = store::audit_table::events_of_child(*store_, 1);
  ASSERT_EQ(events.size(), 2U);
  rapidjson::Document doc;
  ASSERT_FALSE(fhir::parse_json(events[0], doc));
  EXPECT_EQ(std::string(doc["id"].GetString()), std::to_string(ids_[0]));
  // The Patient resource id was found from the identifier.
  bool patient_ref = false;
  for (const auto& e : doc["entity"].GetArray())
    if (e["what"].HasMember("reference") &&
        std::string_view(e["what"]["reference"].GetString()) == "Patient/p-1")
      patient_ref = true;
  EXPECT_TRUE(patient_ref);
}

TEST_F(audit_trail_test, api_answers_a_searchset_with_next_links) {
  seed();
  auto res = get("patient=Patient/p-1&_count=1");
  ASSERT_EQ(res.result_int(), 200);
  rapidjson::Document doc;
  ASSERT_FALSE(fhir::parse_json(res.body(), doc));
  EXPECT_STREQ(doc["type"].GetString(), "searchset");
  EXPECT_EQ(doc["total"].GetInt(), 2);
  ASSERT_EQ(doc["entry"].Size(), 1U);
  EXPECT_STREQ(doc["entry"][0]["resource"]["resourceType"].GetString(), "AuditEvent");
  std::string next;
  for (const auto& l : doc["link"].GetArray())
    if (std::string_view(l["relation"].GetString()) == "next") next = l["url"].GetString();
  ASSERT_FALSE(next.empty());
  auto query = next.substr(next.find('?') + 1);
  res = get(query);
  ASSERT_EQ(res.result_int(), 200);
  ASSERT_FALSE(fhir::parse_json(res.body(), doc));
  ASSERT_EQ(doc["entry"].Size(), 1U);
  EXPECT_EQ(std::string(doc["entry"][0]["resource"]["id"].GetString()), std::to_string(ids_[3]));
  for (const auto& l : doc["link"].GetArray()) EXPECT_STRNE(l["relation"].GetString(), "next");

  ASSERT_FALSE(fhir::parse_json(get("patient:identifier=http://example.org/mrn|SE-2").body(), doc));
  EXPECT_EQ(doc["total"].GetInt(), 1);
  ASSERT_FALSE(fhir::parse_json(get("patient:identifier=http://example.org/mrn|nobody").body(), doc));
  EXPECT_EQ(doc["total"].GetInt(), 0);
  ASSERT_FALSE(fhir::parse_json(get("date=ge2026-11-25&outcome=4&type=110113&agent=").body(), doc));
  EXPECT_EQ(doc["total"].GetInt(), 1);
  ASSERT_FALSE(fhir::parse_json(get("", false, std::string("home-b")).body(), doc));
  EXPECT_EQ(doc["total"].GetInt(), 1);
}

TEST_F(audit_trail_test, api_refuses_bad_values_and_unknown_parameters_when_strict) {
  seed();
  for (const char* bad : {"date=yesterday", "outcome=3", "patient=Patient/a%20b", "patient:identifier=nobar",
                          "_count=-1", "_cursor=x", "type=system|"}) {
    auto res = get(bad);
    EXPECT_EQ(res.result_int(), 400) << bad;
    EXPECT_NE(res.body().find("OperationOutcome"), std::string::npos);
  }
  EXPECT_EQ(get("color=blue").result_int(), 200);
  EXPECT_EQ(get("color=blue", true).result_int(), 400);
  EXPECT_EQ(get("_count=0").result_int(), 200);
}

}  // namespace
}  // namespace homebase::gateway::audit
