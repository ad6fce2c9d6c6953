#include "fhir/message_bundle.hpp"

#include <gtest/gtest.h>

#include "fhir/json_document.hpp"

namespace homebase::fhir {
namespace {

message_check check(const std::string& text) {
  rapidjson::Document doc;
  EXPECT_FALSE(parse_json(text, doc)) << text;
  return check_message_bundle(doc);
}

std::string header(const std::string& extra = "") {
  return R"({"fullUrl":"urn:uuid:h","resource":{"resourceType":"MessageHeader","id":"mh-1",)"
         R"("eventCoding":{"system":"http://e","code":"nicu-discharge"},"source":{"endpoint":"https://src"},)"
         R"("focus":[{"reference":"urn:uuid:p"}])" +
         extra + "}}";
}
const std::string patient = R"({"fullUrl":"urn:uuid:p","resource":{"resourceType":"Patient","id":"p"}})";

std::string bundle(const std::string& entries) {
  return R"({"resourceType":"Bundle","id":"b-1","type":"message","entry":[)" + entries + "]}";
}

bool has_issue_at(const message_check& c, const std::string& expression) {
  for (const auto& i : c.outcome.issues())
    if (i.expression == expression) return true;
  return false;
}

TEST(message_bundle, accepts_a_minimal_message_and_extracts_the_envelope) {
  auto c = check(bundle(header() + "," + patient));
  EXPECT_EQ(c.http_status, 200) << c.outcome.to_json();
  EXPECT_EQ(c.envelope.bundle_id, "b-1");
  EXPECT_EQ(c.envelope.header_id, "mh-1");
  EXPECT_EQ(c.envelope.event_system, "http://e");
  EXPECT_EQ(c.envelope.event_code, "nicu-discharge");
  EXPECT_EQ(c.envelope.source_endpoint, "https://src");
}

struct rejection {
  const char* name;
  std::string body;
  int status;
  std::string expression;
};

class message_bundle_rejects : public ::testing::TestWithParam<rejection> {};

TEST_P(message_bundle_rejects, with_status_and_path) {
  const auto& r = GetParam();
  auto c = check(r.body);
  EXPECT_EQ(c.http_status, r.status) << c.outcome.to_json();
  EXPECT_TRUE(c.outcome.has_errors());
  EXPECT_TRUE(has_issue_at(c, r.expression)) << c.outcome.to_json();
}

INSTANTIATE_TEST_SUITE_P(
    rules, message_bundle_rejects,
    ::testing::Values(
        rejection{"not_an_object", "[1,2]", 400, ""},
        rejection{"not_a_bundle", R"({"resourceType":"Patient"})", 400, "resourceType"},
        rejection{"not_a_message", R"({"resourceType":"Bundle","type":"collection"})", 400, "Bundle.type"},
        rejection{"no_entries", R"({"resourceType":"Bundle","id":"b","type":"message"})", 422,
                  "Bundle.entry"},
        rejection{"first_not_header", bundle(patient + "," + header()), 422, "Bundle.entry[0].resource"},
        rejection{"entry_without_resource", bundle(header() + R"(,{"fullUrl":"urn:uuid:x"})"), 422,
                  "Bundle.entry[1].resource"},
        rejection{"entry_request",
                  bundle(header() + "," +
                         R"({"fullUrl":"urn:uuid:p","resource":{"resourceType":"Patient"},)"
                         R"("request":{"method":"POST","url":"Patient"}})"),
                  422, "Bundle.entry[1].request"},
        rejection{"dangling_reference",
                  bundle(header() + R"(,{"fullUrl":"urn:uuid:p","resource":{"resourceType":)"
                                    R"("Patient","generalPractitioner":[{"reference":)"
                                    R"("Organization/none"}]}})"),
                  422, "Bundle.entry[1].resource.generalPractitioner[0].reference"},
        rejection{"dangling_focus", bundle(header()), 422, "Bundle.entry[0].resource.focus[0].reference"},
        rejection{"duplicate_full_url", bundle(header() + "," + patient + "," + patient), 422,
                  "Bundle.entry[2].fullUrl"},
        rejection{"missing_bundle_id",
                  R"({"resourceType":"Bundle","type":"message","entry":[)" + header() + "," + patient + "]}",
                  422, "Bundle.id"},
        rejection{"missing_source_endpoint",
                  bundle(R"({"fullUrl":"urn:uuid:h","resource":{"resourceType":"MessageHeader","id":"m",)"
                         R"("eventCoding":{"code":"x"},"source":{}}})"),
                  422, "Bundle.entry[0].resource.source.endpoint"}),
    [](const auto& test_info) { return std::string(test_info.param.name); });

TEST(message_bundle, external_absolute_references_are_allowed) {
  auto c = check(bundle(
      header() + R"(,{"fullUrl":"urn:uuid:p","resource":{"resourceType":"Patient",)"
                 R"("managingOrganization":{"reference":"https://other.example/fhir/Organization/1"}}})"));
  EXPECT_EQ(c.http_status, 200) << c.outcome.to_json();
}

}  // namespace
}  // namespace homebase::fhir
