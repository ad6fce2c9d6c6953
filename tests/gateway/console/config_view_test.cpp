#include "gateway/console/config_view.hpp"

#include <gtest/gtest.h>
#include <rapidjson/document.h>

namespace console = homebase::gateway::console;

TEST(config_view, leaves_out_every_secret) {
  const std::string hash =
      "$scrypt$ln=10,r=8,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g";
  auto config = homebase::config::load_text(
      "medical_homes:\n"
      "  - id: meadowbrook\n"
      "    fhir_base_url: http://127.0.0.1:9/fhir\n"
      "    auth: {bearer_token: TOKEN-SECRET-42}\n"
      "console:\n"
      "  users:\n"
      "    - {name: ops, role: operator, password_hash: \"" +
      hash + "\"}\n");
  auto json = console::redacted_config_json(*config);
  rapidjson::Document doc;
  doc.Parse(json.c_str());
  ASSERT_FALSE(doc.HasParseError());
  EXPECT_EQ(json.find("TOKEN-SECRET-42"), std::string::npos);
  EXPECT_EQ(json.find("$scrypt$"), std::string::npos);
  EXPECT_STREQ(doc["medical_homes"][0]["auth"]["method"].GetString(), "bearer");
  EXPECT_STREQ(doc["medical_homes"][0]["auth"]["bearer_token"].GetString(), "(set)");
  EXPECT_STREQ(doc["console"]["users"][0]["name"].GetString(), "ops");
  EXPECT_STREQ(doc["console"]["users"][0]["password_hash"].GetString(), "(redacted)");
}
