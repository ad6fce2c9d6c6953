// Patient matching end to end (issue 4 item 5): a discharge with a new MRN for the same baby links to her
// record; a message that could be about a child on record but is not a confident match is held, shows up
// as the coordinator's triage Task, and is merged only after a person answers.
#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include "tests/integration/gateway_harness.hpp"
#include "tests/integration/message_variants.hpp"

namespace homebase::testing {
namespace {

const std::string process_message = "/fhir/$process-message";
const std::string seed_mrn = "SEC-0048213";

std::string replace_all(std::string text, const std::string& from, const std::string& to) {
  for (auto at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size()))
    text.replace(at, from.size(), to);
  return text;
}

// The seed as another message (new ids) in which `mrn` replaces the child's MRN only: the family, the
// names and the birth date stay those of the seed's child.
std::string with_new_mrn(const std::string& bundle_id, const std::string& header_id, const std::string& mrn) {
  auto text = make_variant(seed_text(), {.bundle_id = bundle_id, .header_id = header_id});
  auto at = text.find("\"value\":\"" + seed_mrn + "\"");
  EXPECT_NE(at, std::string::npos);
  if (at != std::string::npos) text.replace(at, seed_mrn.size() + 10, "\"value\":\"" + mrn + "\"");
  return text;
}

// Born the same day with the same family name, but other parents: maybe a cousin, maybe the same baby
// whose parents' details changed. Not confident either way.
std::string same_name_other_parents(const std::string& bundle_id, const std::string& header_id) {
  auto text = with_new_mrn(bundle_id, header_id, "SEC-0099001");
  text = replace_all(text, "SEC-0048213-RP", "SEC-0099001-RP");
  text = replace_all(text, "+1-555-0142-31", "+1-555-0177-20");
  return text;
}

rapidjson::Document json_of(const std::string& text) {
  rapidjson::Document doc;
  doc.Parse(text.c_str());
  return doc;
}

rapidjson::Document admin_message(const gateway_process& gw, long long id) {
  return json_of(http_call("GET", gw.url("/admin/messages/" + std::to_string(id))).body);
}

http_reply post_text(const gateway_process& gw, const temp_dir& dir, const std::string& name,
                     const std::string& text, const std::string& path = process_message,
                     const std::string& type = "application/fhir+json") {
  auto file = dir.path() / name;
  write_file(file, text);
  return http_call("POST", gw.url(path), file, type);
}

class patient_match_flow : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string error;
    ASSERT_TRUE(home.start(dir, {}, error)) << error;
    ASSERT_TRUE(gw.start(dir, {.medical_home_base = home.base()}, error)) << error;
    auto first = post_text(gw, dir, "seed.json", seed_text());
    ASSERT_EQ(first.status, 200) << first.body;
  }
  temp_dir dir;
  medical_home_server home;
  gateway_process gw;
};

TEST_F(patient_match_flow, a_new_mrn_at_discharge_links_through_the_parents) {
  auto reply = post_text(gw, dir, "new-mrn.json", with_new_mrn("b-new-mrn", "h-new-mrn", "SEC-PERM-777"));
  ASSERT_EQ(reply.status, 200) << reply.body;
  EXPECT_EQ(reply.body.find("held until a person confirms"), std::string::npos) << reply.body;
  auto first = admin_message(gw, 1);
  auto second = admin_message(gw, 2);
  ASSERT_TRUE(second.IsObject());
  EXPECT_STREQ(second["status"].GetString(), first["status"].GetString());
  EXPECT_NE(std::string(second["status"].GetString()), "held_for_match");
  // One child, both MRNs: the medical home ends up with one Patient that carries both.
  ASSERT_TRUE(eventually([&] { return home.transaction_posts() >= 2; }));
  EXPECT_EQ(home.count("Patient"), 1);
  auto triage = json_of(http_call("GET", gw.url("/admin/triage")).body);
  EXPECT_EQ(triage["total"].GetInt(), 0);
}

TEST_F(patient_match_flow, an_uncertain_match_is_held_triaged_and_merged_only_when_a_person_answers) {
  auto held_text = same_name_other_parents("b-cousin", "h-cousin");
  auto held = post_text(gw, dir, "cousin.json", held_text);
  ASSERT_EQ(held.status, 200) << held.body;  // acknowledged: kept, nothing lost
  EXPECT_NE(held.body.find("held until a person confirms which child it is about"), std::string::npos)
      << held.body;
  EXPECT_STREQ(admin_message(gw, 2)["status"].GetString(), "held_for_match");

  // The coordinator's triage list: one Task naming the candidate child; it is valid R4.
  auto triage_reply = http_call("GET", gw.url("/admin/triage"));
  ASSERT_EQ(triage_reply.status, 200);
  auto triage = json_of(triage_reply.body);
  ASSERT_EQ(triage["total"].GetInt(), 1);
  const auto& task = triage["entry"][0]["resource"];
  EXPECT_STREQ(task["code"]["coding"][0]["code"].GetString(), "patient-match-review");
  EXPECT_STREQ(task["input"][1]["valueString"].GetString(), "child 1");
  auto checked = post_text(gw, dir, "triage.json", triage_reply.body, "/fhir/$validate");
  ASSERT_EQ(checked.status, 200);
  EXPECT_EQ(checked.body.find("\"severity\":\"error\""), std::string::npos) << checked.body;

  // Nothing of the held message reached the medical home.
  ASSERT_TRUE(eventually([&] { return home.transaction_posts() >= 1; }));
  EXPECT_EQ(home.count("Patient"), 1);

  // Wrong answers change nothing.
  EXPECT_EQ(
      post_text(gw, dir, "a1.json", R"({"child": 99})", "/admin/messages/2/match", "application/json").status,
      422);
  EXPECT_EQ(
      post_text(gw, dir, "a2.json", R"({"child": "maybe"})", "/admin/messages/2/match", "application/json")
          .status,
      400);
  EXPECT_EQ(
      post_text(gw, dir, "a3.json", R"({"child": "new"})", "/admin/messages/1/match", "application/json")
          .status,
      409);
  EXPECT_STREQ(admin_message(gw, 2)["status"].GetString(), "held_for_match");

  // The answer: another child. The message is merged and delivered like any other.
  auto answered =
      post_text(gw, dir, "a4.json", R"({"child": "new"})", "/admin/messages/2/match", "application/json");
  ASSERT_EQ(answered.status, 200) << answered.body;
  EXPECT_NE(std::string(admin_message(gw, 2)["status"].GetString()), "held_for_match");
  EXPECT_EQ(json_of(http_call("GET", gw.url("/admin/triage")).body)["total"].GetInt(), 0);
  ASSERT_TRUE(eventually([&] { return home.count("Patient") == 2; }));

  // A repeat of the held message gets the response first sent, byte for byte.
  auto repeat = post_text(gw, dir, "cousin-again.json", held_text);
  EXPECT_EQ(repeat.status, 200);
  EXPECT_EQ(repeat.body, held.body);
}

TEST_F(patient_match_flow, answering_with_the_child_on_record_merges_into_it) {
  ASSERT_EQ(post_text(gw, dir, "cousin.json", same_name_other_parents("b-c2", "h-c2")).status, 200);
  auto answered =
      post_text(gw, dir, "a.json", R"({"child": 1})", "/admin/messages/2/match", "application/json");
  ASSERT_EQ(answered.status, 200) << answered.body;
  ASSERT_TRUE(eventually([&] { return home.transaction_posts() >= 2; }));
  EXPECT_EQ(home.count("Patient"), 1);
}

}  // namespace
}  // namespace homebase::testing
