#include "fhir/json_document.hpp"

#include <gtest/gtest.h>

namespace homebase::fhir {
namespace {

TEST(json_document, parses_valid_json_and_keeps_decimal_precision) {
  rapidjson::Document doc;
  ASSERT_FALSE(parse_json(R"({"resourceType":"Observation","valueQuantity":{"value":1.50}})", doc));
  EXPECT_EQ(get_string(doc, "resourceType"), "Observation");
  EXPECT_DOUBLE_EQ((*get_object(doc, "valueQuantity"))["value"].GetDouble(), 1.5);
}

TEST(json_document, reports_malformed_json_with_offset) {
  rapidjson::Document doc;
  auto error = parse_json(R"({"a": [1, 2,, 3]})", doc);
  ASSERT_TRUE(error);
  EXPECT_EQ(error->offset, 12u);
  EXPECT_FALSE(error->message.empty());
}

TEST(json_document, rejects_duplicate_keys) {
  rapidjson::Document doc;
  auto error = parse_json(R"({"a":{"b":1,"c":2,"b":3}})", doc);
  ASSERT_TRUE(error);
  EXPECT_NE(error->message.find("duplicate JSON key \"b\""), std::string::npos);
}

TEST(json_document, rejects_duplicate_keys_in_large_objects) {
  std::string text = "{";
  for (int i = 0; i < 40; ++i) text += "\"k" + std::to_string(i) + "\":" + std::to_string(i) + ",";
  rapidjson::Document doc;
  ASSERT_FALSE(parse_json(text + "\"last\":0}", doc));
  auto error = parse_json(text + "\"k17\":0}", doc);
  ASSERT_TRUE(error);
  EXPECT_NE(error->message.find("\"k17\""), std::string::npos);
}

TEST(json_document, rejects_nesting_beyond_the_limit_without_recursion) {
  std::string deep(100000, '[');
  deep += std::string(100000, ']');
  rapidjson::Document doc;
  auto error = parse_json(deep, doc, {64});
  ASSERT_TRUE(error);
  EXPECT_NE(error->message.find("nesting"), std::string::npos);
}

TEST(json_document, rejects_invalid_utf8) {
  rapidjson::Document doc;
  std::string bad = "{\"a\":\"\xC3\x28\"}";
  EXPECT_TRUE(parse_json(bad, doc));
}

TEST(json_document, parses_in_place_with_the_same_checks) {
  std::string text = R"({"a":"x\u00e9y","b":[1,2]})";
  rapidjson::Document doc;
  ASSERT_FALSE(parse_json_in_place(text, doc));
  EXPECT_EQ(get_string(doc, "a"), "x\xC3\xA9y");
  std::string dup = R"({"a":1,"a":2})";
  EXPECT_TRUE(parse_json_in_place(dup, doc));
  std::string nul("{\"a\":1}\0{", 9);
  auto error = parse_json_in_place(nul, doc);
  ASSERT_TRUE(error);
  EXPECT_EQ(error->offset, 7u);
  std::string bad = "{\"a\":\"\xC3\x28\"}";
  EXPECT_TRUE(parse_json_in_place(bad, doc));
}

TEST(json_document, writes_minified) {
  rapidjson::Document doc;
  ASSERT_FALSE(parse_json("{ \"a\" : [ 1 , true ] }", doc));
  EXPECT_EQ(to_json(doc), R"({"a":[1,true]})");
}

}  // namespace
}  // namespace homebase::fhir
