#include "gateway/auth/scope_set.hpp"

#include <gtest/gtest.h>

namespace homebase::gateway::auth {
namespace {

TEST(scope_set, reads_v1_scopes_as_their_v2_meaning) {
  auto s = scope_set::parse("system/Patient.read system/Task.write system/Consent.*");
  EXPECT_EQ(s.text(), "system/Consent.cruds system/Patient.rs system/Task.cud");
  EXPECT_TRUE(s.allows("Patient", interaction::read));
  EXPECT_TRUE(s.allows("Patient", interaction::search));
  EXPECT_FALSE(s.allows("Patient", interaction::create));
  EXPECT_TRUE(s.allows("Task", interaction::update));
  EXPECT_FALSE(s.allows("Task", interaction::read));
  EXPECT_FALSE(s.allows("Observation", interaction::read));
}

TEST(scope_set, reads_v2_scopes_and_merges_one_type) {
  auto s = scope_set::parse("system/Patient.r  system/Patient.s\tsystem/Task.cruds");
  EXPECT_EQ(s.text(), "system/Patient.rs system/Task.cruds");
}

TEST(scope_set, a_wildcard_type_covers_every_type) {
  auto s = scope_set::parse("system/*.rs system/Patient.r");
  EXPECT_EQ(s.text(), "system/*.rs");  // Patient.r adds nothing
  EXPECT_TRUE(s.allows("Observation", interaction::search));
  EXPECT_FALSE(s.allows("Observation", interaction::create));
}

TEST(scope_set, rejects_malformed_and_other_contexts) {
  std::vector<std::string> rejected;
  auto s = scope_set::parse(
      "system/Patient.sr system/Patient.rr system/Patient.x patient/Patient.rs user/*.read openid system/.rs "
      "system/patient.rs system/Patient system/Patient. launch/patient system/Task.rs",
      &rejected);
  EXPECT_EQ(s.text(), "system/Task.rs");
  EXPECT_EQ(rejected.size(), 11u);
}

TEST(scope_set, a_fine_grained_scope_grants_nothing_but_is_not_rejected) {
  std::vector<std::string> rejected;
  auto s = scope_set::parse("system/Observation.rs?category=laboratory", &rejected);
  EXPECT_TRUE(s.empty());
  EXPECT_TRUE(rejected.empty());
  EXPECT_FALSE(s.allows("Observation", interaction::read));
}

TEST(scope_set, parses_a_list) {
  auto s = scope_set::parse(std::vector<std::string>{"system/Patient.read", "system/Task.c"});
  EXPECT_EQ(s.text(), "system/Patient.rs system/Task.c");
}

TEST(scope_set, mediate_narrows_to_what_the_client_may_do) {
  auto allowed = scope_set::parse("system/*.rs system/Task.cu");
  EXPECT_EQ(allowed.mediate(scope_set::parse("system/Patient.cruds")).text(), "system/Patient.rs");
  EXPECT_EQ(allowed.mediate(scope_set::parse("system/Task.write")).text(), "system/Task.cu");
  EXPECT_EQ(allowed.mediate(scope_set::parse("system/*.read")).text(), "system/*.rs");
  EXPECT_EQ(allowed.mediate(scope_set::parse("system/*.c")).text(), "system/Task.c");
  EXPECT_TRUE(allowed.mediate(scope_set::parse("system/Patient.d")).empty());
}

TEST(scope_set, mediate_a_wildcard_request_against_specific_grants) {
  auto allowed = scope_set::parse("system/Patient.rs system/Consent.cru");
  EXPECT_EQ(allowed.mediate(scope_set::parse("system/*.*")).text(), "system/Consent.cru system/Patient.rs");
  EXPECT_EQ(allowed.mediate(scope_set::parse("system/*.r")).text(), "system/Consent.r system/Patient.r");
  EXPECT_TRUE(scope_set{}.mediate(scope_set::parse("system/*.*")).empty());
}

TEST(scope_set, empty_and_blank_input) {
  EXPECT_TRUE(scope_set::parse("").empty());
  EXPECT_TRUE(scope_set::parse("   ").empty());
  EXPECT_EQ(scope_set::parse("").text(), "");
}

}  // namespace
}  // namespace homebase::gateway::auth
