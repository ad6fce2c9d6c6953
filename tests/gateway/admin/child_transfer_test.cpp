// child_transfer's request: the body as Parameters or a JSON object, the medical home checked against the
// config, every refusal naming its parameter; and the route's path.
#include "gateway/admin/child_transfer.hpp"

#include <gtest/gtest.h>

namespace homebase::gateway::admin {
namespace {

constexpr const char* two_homes = R"(
medical_homes:
  - id: meadowbrook
    fhir_base_url: http://127.0.0.1:1/fhir
    organization_identifiers: [{system: "http://hl7.org/fhir/sid/us-npi", value: "1234567893"}]
  - id: lakeside
    fhir_base_url: http://127.0.0.1:2/fhir
    organization_identifiers: [{system: "http://hl7.org/fhir/sid/us-npi", value: "1679576722"}]
)";

transfer_error error_of(std::string_view content_type, std::string_view body) {
  auto config = config::load_text(two_homes);
  auto parsed = parse_transfer(*config, content_type, body);
  EXPECT_TRUE(std::holds_alternative<transfer_error>(parsed)) << body;
  return std::holds_alternative<transfer_error>(parsed) ? std::get<transfer_error>(parsed) : transfer_error{};
}

TEST(child_transfer, reads_parameters_and_json) {
  auto config = config::load_text(two_homes);
  auto p = parse_transfer(
      *config, "application/fhir+json",
      R"({"resourceType":"Parameters","parameter":[{"name":"medical-home","valueId":"lakeside"},)"
      R"({"name":"reason","valueString":"family moved"}]})");
  ASSERT_TRUE(std::holds_alternative<transfer_params>(p));
  EXPECT_EQ(std::get<transfer_params>(p).medical_home, "lakeside");
  EXPECT_EQ(std::get<transfer_params>(p).reason, "family moved");
  auto j = parse_transfer(*config, "application/json", R"({"medical_home":"lakeside"})");
  ASSERT_TRUE(std::holds_alternative<transfer_params>(j));
  EXPECT_EQ(std::get<transfer_params>(j).medical_home, "lakeside");
  EXPECT_EQ(std::get<transfer_params>(j).reason, "");
}

TEST(child_transfer, refuses_what_it_cannot_act_on_naming_the_parameter) {
  EXPECT_EQ(error_of("application/json", R"({"medical_home":"nowhere"})").param, "medical-home");
  EXPECT_EQ(error_of("application/json", R"({"reason":"x"})").param, "medical-home");
  EXPECT_EQ(error_of("application/json", R"({"medical_home":"lakeside","home":"x"})").param, "home");
  EXPECT_EQ(error_of("application/json", R"({"medical_home":3})").param, "medical_home");
  EXPECT_EQ(error_of("application/json", "[1]").param, "");
  EXPECT_EQ(error_of("application/fhir+json", R"({"resourceType":"Patient"})").param, "");
  EXPECT_EQ(
      error_of("application/fhir+json",
               R"({"resourceType":"Parameters","parameter":[{"name":"medical-home","valueInteger":1}]})")
          .param,
      "medical-home");
  EXPECT_EQ(
      error_of("application/fhir+json",
               R"({"resourceType":"Parameters","parameter":[{"name":"medical-home","valueId":"lakeside"},)"
               R"({"name":"medical-home","valueId":"meadowbrook"}]})")
          .param,
      "medical-home");
}

TEST(child_transfer, knows_its_path) {
  EXPECT_EQ(transfer_path_child("/admin/children/12/$transfer"), 12);
  EXPECT_EQ(transfer_path_child("/admin/children/12/%24transfer"), 12);
  EXPECT_FALSE(transfer_path_child("/admin/children/x/$transfer"));
  EXPECT_FALSE(transfer_path_child("/admin/children/0/$transfer"));
  EXPECT_FALSE(transfer_path_child("/admin/children/12"));
  EXPECT_FALSE(transfer_path_child("/admin/messages/12/$transfer"));
}

}  // namespace
}  // namespace homebase::gateway::admin
