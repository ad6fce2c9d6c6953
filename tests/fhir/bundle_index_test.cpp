#include "fhir/bundle_index.hpp"

#include <gtest/gtest.h>

#include "fhir/json_document.hpp"

namespace homebase::fhir {
namespace {

constexpr const char* bundle_text = R"({"resourceType":"Bundle","type":"message","entry":[
  {"fullUrl":"urn:uuid:1","resource":{"resourceType":"MessageHeader","id":"h"}},
  {"fullUrl":"http://h.example/fhir/Patient/p1","resource":{"resourceType":"Patient","id":"p1"}},
  {"fullUrl":"urn:uuid:3","resource":{"resourceType":"Practitioner","id":"dr"}},
  {"fullUrl":"urn:uuid:4"}]})";

TEST(bundle_index, resolves_full_urls_relative_and_type_id) {
  rapidjson::Document doc;
  ASSERT_FALSE(parse_json(bundle_text, doc));
  bundle_index index(doc);
  ASSERT_EQ(index.entries().size(), 4u);
  EXPECT_EQ(index.resolve("urn:uuid:3")->resource_type, "Practitioner");
  const auto* patient = index.resolve("http://h.example/fhir/Patient/p1");
  ASSERT_NE(patient, nullptr);
  EXPECT_EQ(patient->index, 1u);
  EXPECT_EQ(index.resolve("Patient/p1", patient), patient);
  EXPECT_EQ(index.resolve("Practitioner/dr")->index, 2u);
  EXPECT_EQ(index.resolve("Patient/p1/_history/2")->index, 1u);
  EXPECT_EQ(index.resolve("urn:uuid:nope"), nullptr);
  EXPECT_EQ(index.resolve("Patient/other"), nullptr);
  EXPECT_EQ(index.resolve("#contained"), nullptr);
  EXPECT_EQ(index.of_type("Patient").size(), 1u);
  EXPECT_EQ(index.entries()[3].resource, nullptr);
}

TEST(bundle_index, restful_base_of_full_url) {
  EXPECT_EQ(restful_base("http://h.example/fhir/Patient/p1"), "http://h.example/fhir/");
  EXPECT_EQ(restful_base("urn:uuid:1"), "");
}

}  // namespace
}  // namespace homebase::fhir
