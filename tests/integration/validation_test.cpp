// R4 validation on the running binary: the $validate operation (system and type level, resource and
// Parameters bodies, every error status), the validation step of $process-message (strict by default,
// lenient per partner), and the `homebase validate` command line.
#include <gtest/gtest.h>
#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <set>
#include <sstream>
#include <utility>

#include "tests/integration/gateway_harness.hpp"
#include "tests/integration/message_variants.hpp"

namespace homebase::testing {
namespace {

const std::string json = "application/fhir+json";
const std::string pm = "/fhir/$process-message";

// (severity, expression) of every issue of an OperationOutcome; {"?", body} when it is not one.
std::vector<std::pair<std::string, std::string>> issues_of(const std::string& body) {
  rapidjson::Document doc;
  doc.Parse(body.c_str());
  if (doc.HasParseError() || !doc.IsObject() || !doc.HasMember("resourceType") ||
      std::string(doc["resourceType"].GetString()) != "OperationOutcome" || !doc.HasMember("issue"))
    return {{"?", body}};
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& i : doc["issue"].GetArray()) {
    std::string expression;
    if (i.HasMember("expression") && i["expression"].IsArray() && !i["expression"].Empty())
      expression = i["expression"][0].GetString();
    out.emplace_back(i["severity"].GetString(), expression);
  }
  return out;
}

bool has_issue(const std::string& body, const std::string& severity, const std::string& expression) {
  for (const auto& [s, e] : issues_of(body))
    if (s == severity && e == expression) return true;
  return false;
}

int error_count(const std::string& body) {
  int n = 0;
  for (const auto& [s, e] : issues_of(body)) n += s == "error" || s == "fatal" || s == "?";
  return n;
}

std::string to_text(const rapidjson::Value& v) {
  rapidjson::StringBuffer b;
  rapidjson::Writer<rapidjson::StringBuffer> w(b);
  v.Accept(w);
  return {b.GetString(), b.GetSize()};
}

// The seed story's Patient (entry 1) as a resource on its own.
std::string seed_patient() {
  rapidjson::Document doc;
  doc.Parse(seed_text().c_str());
  return to_text(doc["entry"][1]["resource"]);
}

// The seed message with `member: value_json` added to (or replacing one of) the Patient of entry 1, and
// fresh envelope ids.
std::string seed_with_patient_member(const std::string& member, const std::string& value_json,
                                     const std::string& ids) {
  rapidjson::Document doc;
  doc.Parse(make_variant(seed_text(), {.bundle_id = "b-" + ids, .header_id = "h-" + ids}).c_str());
  rapidjson::Document value(&doc.GetAllocator());
  value.Parse(value_json.c_str());
  auto& patient = doc["entry"][1]["resource"];
  patient.RemoveMember(member.c_str());
  patient.AddMember(rapidjson::Value(member.c_str(), doc.GetAllocator()),
                    rapidjson::Value(value, doc.GetAllocator()), doc.GetAllocator());
  return to_text(doc);
}

const std::string bad_patient =
    R"({"resourceType":"Patient","gender":"mail","favouriteColour":"blue","birthDate":"2024-13-45"})";

class validate_operation : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new temp_dir();
    gw_ = new gateway_process();
    std::string error;
    // Nothing is delivered in these tests; a closed port is fine.
    ASSERT_TRUE(
        gw_->start(*dir_, {.medical_home_base = "http://127.0.0.1:9/fhir", .body_limit = 256 * 1024}, error))
        << error;
  }
  static void TearDownTestSuite() {
    delete gw_;
    delete dir_;
  }
  static http_reply post(const std::string& path, const std::string& body,
                         const std::string& content_type = json) {
    auto file = dir_->path() / ("body-" + std::to_string(counter_++) + ".json");
    write_file(file, body);
    return http_call("POST", gw_->url(path), file, content_type);
  }
  static temp_dir* dir_;
  static gateway_process* gw_;
  static int counter_;
};
temp_dir* validate_operation::dir_ = nullptr;
gateway_process* validate_operation::gw_ = nullptr;
int validate_operation::counter_ = 0;

TEST_F(validate_operation, a_valid_resource_gets_200_and_no_error) {
  for (const std::string path : {"/fhir/Patient/$validate", "/fhir/$validate", "/fhir/%24validate"}) {
    SCOPED_TRACE(path);
    auto reply = post(path, seed_patient());
    EXPECT_EQ(reply.status, 200) << reply.body;
    EXPECT_NE(reply.headers.find("application/fhir+json"), std::string::npos) << reply.headers;
    EXPECT_FALSE(issues_of(reply.body).empty());  // R4: 1..* issue, "All OK" at least
    EXPECT_EQ(error_count(reply.body), 0) << reply.body;
  }
  // The whole seed message, too.
  auto reply = post("/fhir/Bundle/$validate", seed_text());
  EXPECT_EQ(reply.status, 200);
  EXPECT_EQ(error_count(reply.body), 0) << reply.body;
}

TEST_F(validate_operation, an_invalid_resource_gets_200_with_each_error_at_its_path) {
  auto reply = post("/fhir/Patient/$validate", bad_patient);
  ASSERT_EQ(reply.status, 200) << reply.body;
  EXPECT_TRUE(has_issue(reply.body, "error", "Patient.gender")) << reply.body;  // not in the value set
  EXPECT_TRUE(has_issue(reply.body, "error", "Patient.favouriteColour")) << reply.body;  // unknown element
  EXPECT_TRUE(has_issue(reply.body, "error", "Patient.birthDate")) << reply.body;        // not a date
  EXPECT_EQ(error_count(reply.body), 3) << reply.body;
}

TEST_F(validate_operation, errors_deep_in_a_bundle_name_the_entry) {
  auto reply = post("/fhir/$validate", seed_with_patient_member("gender", R"("mail")", "deep"));
  ASSERT_EQ(reply.status, 200) << reply.body;
  EXPECT_TRUE(has_issue(reply.body, "error", "Bundle.entry[1].resource.gender")) << reply.body;
  EXPECT_EQ(error_count(reply.body), 1) << reply.body;
}

TEST_F(validate_operation, the_parameters_form_validates_its_resource_parameter) {
  auto wrapped = R"({"resourceType":"Parameters","parameter":[{"name":"resource","resource":)" + bad_patient +
                 R"(},{"name":"mode","valueCode":"create"},)"
                 R"({"name":"profile","valueUri":"http://hl7.org/fhir/StructureDefinition/Patient"}]})";
  for (const std::string path : {"/fhir/Patient/$validate", "/fhir/$validate"}) {
    SCOPED_TRACE(path);
    auto reply = post(path, wrapped);
    ASSERT_EQ(reply.status, 200) << reply.body;
    // Paths are those of the resource, not of the Parameters around it.
    EXPECT_TRUE(has_issue(reply.body, "error", "Patient.gender")) << reply.body;
    EXPECT_TRUE(has_issue(reply.body, "error", "Patient.favouriteColour")) << reply.body;
    EXPECT_TRUE(has_issue(reply.body, "error", "Patient.birthDate")) << reply.body;
    EXPECT_EQ(error_count(reply.body), 3) << reply.body;
  }
  auto valid = post("/fhir/$validate", R"({"resourceType":"Parameters","parameter":[{"name":"resource",)"
                                       R"("resource":)" +
                                           seed_patient() + "}]}");
  EXPECT_EQ(valid.status, 200);
  EXPECT_EQ(error_count(valid.body), 0) << valid.body;
}

TEST_F(validate_operation, a_resource_of_another_type_is_an_error_issue) {
  auto reply = post("/fhir/Observation/$validate", seed_patient());
  ASSERT_EQ(reply.status, 200) << reply.body;
  EXPECT_TRUE(has_issue(reply.body, "error", "Patient")) << reply.body;
  EXPECT_NE(reply.body.find("expected Observation"), std::string::npos) << reply.body;
}

TEST_F(validate_operation, requests_it_cannot_serve_get_the_documented_status) {
  struct request_case {
    std::string name, method, path, body, content_type;
    int status;
    std::string code;
  };
  const std::string wrapped_without_resource =
      R"({"resourceType":"Parameters","parameter":[{"name":"resource"}]})";
  auto with_param = [](const std::string& param) {
    return R"({"resourceType":"Parameters","parameter":[{"name":"resource","resource":{"resourceType":"Patient"}},)" +
           param + "]}";
  };
  std::vector<request_case> cases{
      {"unknown_type", "POST", "/fhir/Nothing/$validate", seed_patient(), json, 404, "not-found"},
      {"abstract_type", "POST", "/fhir/DomainResource/$validate", seed_patient(), json, 404, "not-found"},
      {"data_type", "POST", "/fhir/HumanName/$validate", seed_patient(), json, 404, "not-found"},
      {"get", "GET", "/fhir/$validate", "", json, 405, "not-supported"},
      {"get_type", "GET", "/fhir/Patient/$validate", "", json, 405, "not-supported"},
      {"malformed_json", "POST", "/fhir/$validate", R"({"resourceType":"Patient",)", json, 400, "structure"},
      {"repeated_key", "POST", "/fhir/$validate",
       R"({"resourceType":"Patient","gender":"male","gender":"male"})", json, 400, "structure"},
      {"deeply_nested", "POST", "/fhir/$validate", std::string(5000, '[') + std::string(5000, ']'), json, 400,
       "structure"},
      {"not_an_object", "POST", "/fhir/$validate", "[]", json, 400, "structure"},
      {"too_large", "POST", "/fhir/$validate", std::string(300 * 1024, ' ') + "{}", json, 413, "too-costly"},
      {"wrong_content_type", "POST", "/fhir/$validate", seed_patient(), "text/plain", 415, "not-supported"},
      {"parameter_without_resource", "POST", "/fhir/$validate", wrapped_without_resource, json, 400,
       "required"},
      {"another_profile", "POST", "/fhir/Patient/$validate",
       with_param(
           R"({"name":"profile","valueUri":"http://hl7.org/fhir/us/core/StructureDefinition/us-core-patient"})"),
       json, 400, "not-supported"},
      {"another_profile_in_the_query", "POST",
       "/fhir/Patient/$validate?profile=http%3A%2F%2Fexample.org%2FStructureDefinition%2Fmine",
       seed_patient(), json, 400, "not-supported"},
      {"profile_of_another_type", "POST", "/fhir/$validate",
       with_param(R"({"name":"profile","valueUri":"http://hl7.org/fhir/StructureDefinition/Observation"})"),
       json, 400, "not-supported"},
      {"mode_delete", "POST", "/fhir/$validate", with_param(R"({"name":"mode","valueCode":"delete"})"), json,
       400, "not-supported"},
      {"unknown_parameter", "POST", "/fhir/$validate", with_param(R"({"name":"format","valueCode":"xml"})"),
       json, 400, "not-supported"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    http_reply reply;
    if (c.body.empty()) {
      reply = http_call(c.method, gw_->url(c.path));
    } else {
      reply = post(c.path, c.body, c.content_type);
    }
    EXPECT_EQ(reply.status, c.status) << reply.body;
    EXPECT_NE(reply.body.find(R"("resourceType":"OperationOutcome")"), std::string::npos) << reply.body;
    EXPECT_NE(reply.body.find(R"("code":")" + c.code + "\""), std::string::npos) << reply.body;
    if (c.status == 405) {
      EXPECT_NE(reply.headers.find("Allow: POST"), std::string::npos) << reply.headers;
    }
  }
  // The base profile itself, with or without its version, is accepted.
  for (const std::string profile : {"http://hl7.org/fhir/StructureDefinition/Patient",
                                    "http://hl7.org/fhir/StructureDefinition/Patient|4.0.1"}) {
    auto reply =
        post("/fhir/$validate", with_param(R"({"name":"profile","valueCanonical":")" + profile + "\"}"));
    EXPECT_EQ(reply.status, 200) << reply.body;
  }
  EXPECT_EQ(http_call("GET", gw_->url("/readyz")).status, 200);
}

TEST_F(validate_operation, metadata_lists_the_validate_operation) {
  auto reply = http_call("GET", gw_->url("/fhir/metadata"));
  ASSERT_EQ(reply.status, 200);
  EXPECT_NE(
      reply.body.find(
          R"("name":"validate","definition":"http://hl7.org/fhir/OperationDefinition/Resource-validate")"),
      std::string::npos)
      << reply.body;
}

// Ingest: the validation step of $process-message.
class ingest_validation : public ::testing::Test {
 protected:
  bool start(const std::string& mode, std::string& error) {
    return gw.start(dir, {.medical_home_base = "http://127.0.0.1:9/fhir", .partner_validation = mode}, error);
  }
  http_reply send(const std::string& body) {
    auto file = dir.path() / ("message-" + std::to_string(counter++) + ".json");
    write_file(file, body);
    return http_call("POST", gw.url(pm), file);
  }
  std::string messages() { return http_call("GET", gw.url("/admin/messages")).body; }
  // The ids of the stored messages, newest first. Their statuses are left out: delivery to the closed
  // port moves them from queued to retrying at any moment.
  std::string message_ids() {
    auto body = messages();
    std::string ids;
    for (auto at = body.find(R"("id":)"); at != std::string::npos; at = body.find(R"("id":)", at + 1))
      ids += body.substr(at + 5, body.find(',', at) - at - 5) + " ";
    return ids;
  }
  temp_dir dir;
  gateway_process gw;
  int counter = 0;
};

TEST_F(ingest_validation, strict_by_default_the_seed_is_accepted_and_an_unknown_element_is_refused) {
  std::string error;
  ASSERT_TRUE(start("", error)) << error;
  auto accepted = send(seed_text());
  ASSERT_EQ(accepted.status, 200) << accepted.body;
  // Best-practice warnings (dom-6, narrative) are not reported back to the sender.
  EXPECT_EQ(accepted.body.find("dom-6"), std::string::npos) << accepted.body;
  auto before = message_ids();
  EXPECT_FALSE(before.empty());

  auto refused = send(seed_with_patient_member("favouriteColour", R"("blue")", "unknown"));
  EXPECT_EQ(refused.status, 422) << refused.body;
  EXPECT_TRUE(has_issue(refused.body, "error", "Bundle.entry[1].resource.favouriteColour")) << refused.body;
  EXPECT_EQ(error_count(refused.body), 1) << refused.body;
  EXPECT_EQ(refused.body.find("dom-6"), std::string::npos) << refused.body;

  auto bad_value = send(seed_with_patient_member("gender", R"("mail")", "gender"));
  EXPECT_EQ(bad_value.status, 422) << bad_value.body;
  EXPECT_TRUE(has_issue(bad_value.body, "error", "Bundle.entry[1].resource.gender")) << bad_value.body;
  // Nothing of a refused message was kept.
  EXPECT_EQ(message_ids(), before);
}

TEST_F(ingest_validation, explicitly_strict_is_the_same_as_the_default) {
  std::string error;
  ASSERT_TRUE(start("strict", error)) << error;
  auto refused = send(seed_with_patient_member("favouriteColour", R"("blue")", "unknown"));
  EXPECT_EQ(refused.status, 422) << refused.body;
  EXPECT_EQ(messages(), R"({"messages":[]})");
}

TEST_F(ingest_validation, a_lenient_partner_gets_unknown_elements_back_as_warnings) {
  std::string error;
  ASSERT_TRUE(start("lenient", error)) << error;
  auto message = seed_with_patient_member("favouriteColour", R"("blue")", "unknown");
  auto accepted = send(message);
  ASSERT_EQ(accepted.status, 200) << accepted.body;
  EXPECT_NE(accepted.body.find(R"("code":"ok")"), std::string::npos) << accepted.body;
  // The response's OperationOutcome reports the unknown element as a warning, with its path.
  EXPECT_NE(
      accepted.body.find(
          R"("severity":"warning","code":"structure","diagnostics":"Unknown element 'favouriteColour'","expression":["Bundle.entry[1].resource.favouriteColour"])"),
      std::string::npos)
      << accepted.body;
  // A repeat gets the same bytes (the response is rebuilt from the stored body, validation included)...
  auto again = send(message);
  EXPECT_EQ(again.status, 200);
  EXPECT_EQ(again.body, accepted.body);
  // ...and the message browser shows the same note.
  auto shown = http_call("GET", gw.url("/admin/messages/1"));
  EXPECT_NE(shown.body.find("Bundle.entry[1].resource.favouriteColour"), std::string::npos) << shown.body;

  // Lenient is about unknown elements only: a wrong value is still refused.
  auto refused = send(seed_with_patient_member("gender", R"("mail")", "gender"));
  EXPECT_EQ(refused.status, 422) << refused.body;
  EXPECT_TRUE(has_issue(refused.body, "error", "Bundle.entry[1].resource.gender")) << refused.body;
}

// The command line.
class validate_cli : public ::testing::Test {
 protected:
  std::filesystem::path file(const std::string& name, const std::string& text) {
    auto p = dir.path() / name;
    write_file(p, text);
    return p;
  }
  // The OperationOutcome printed for `path`, or "" when there is no line for it.
  static std::string outcome_for(const std::string& output, const std::filesystem::path& path) {
    std::istringstream lines(output);
    std::string line;
    const auto prefix = path.string() + ": ";
    while (std::getline(lines, line))
      if (line.starts_with(prefix)) return line.substr(prefix.size());
    return {};
  }
  temp_dir dir;
};

TEST_F(validate_cli, a_valid_file_exits_0_with_its_outcome) {
  auto seed = file("seed.json", seed_text());
  auto patient = file("patient.json", seed_patient());
  std::string output;
  EXPECT_EQ(run({homebase_binary(), "validate", seed.string(), patient.string()}, output), 0) << output;
  auto first = outcome_for(output, seed);
  auto second = outcome_for(output, patient);
  ASSERT_FALSE(first.empty()) << output;
  ASSERT_FALSE(second.empty()) << output;
  EXPECT_LT(output.find(seed.string() + ": "), output.find(patient.string() + ": "));  // in order
  EXPECT_EQ(error_count(first), 0) << first;
  EXPECT_EQ(error_count(second), 0) << second;
  // It validated and nothing more: no server, no store.
  EXPECT_EQ(output.find("LISTENING"), std::string::npos) << output;
  EXPECT_FALSE(std::filesystem::exists(dir.path() / "homebase.db"));
}

TEST_F(validate_cli, any_file_with_errors_exits_1_and_names_the_paths) {
  auto good = file("good.json", seed_patient());
  auto bad = file("bad.json", bad_patient);
  auto malformed = file("malformed.json", R"({"resourceType":"Patient",)");
  std::string output;
  EXPECT_EQ(run({homebase_binary(), "validate", good.string(), bad.string(), malformed.string()}, output), 1)
      << output;
  EXPECT_EQ(error_count(outcome_for(output, good)), 0) << output;
  auto bad_outcome = outcome_for(output, bad);
  EXPECT_TRUE(has_issue(bad_outcome, "error", "Patient.gender")) << bad_outcome;
  EXPECT_TRUE(has_issue(bad_outcome, "error", "Patient.favouriteColour")) << bad_outcome;
  EXPECT_TRUE(has_issue(bad_outcome, "error", "Patient.birthDate")) << bad_outcome;
  auto malformed_outcome = outcome_for(output, malformed);
  EXPECT_EQ(error_count(malformed_outcome), 1) << malformed_outcome;
  EXPECT_NE(malformed_outcome.find("malformed JSON"), std::string::npos) << malformed_outcome;
}

TEST_F(validate_cli, lenient_turns_unknown_elements_into_warnings) {
  auto unknown = file("unknown.json", R"({"resourceType":"Patient","favouriteColour":"blue"})");
  std::string output;
  EXPECT_EQ(run({homebase_binary(), "validate", unknown.string()}, output), 1) << output;
  EXPECT_TRUE(has_issue(outcome_for(output, unknown), "error", "Patient.favouriteColour")) << output;
  EXPECT_EQ(run({homebase_binary(), "validate", "--lenient", unknown.string()}, output), 0) << output;
  EXPECT_TRUE(has_issue(outcome_for(output, unknown), "warning", "Patient.favouriteColour")) << output;
}

TEST_F(validate_cli, usage_errors_and_unreadable_files_exit_2) {
  std::string output;
  EXPECT_EQ(run({homebase_binary(), "validate"}, output), 2) << output;
  EXPECT_NE(output.find("usage: homebase validate"), std::string::npos) << output;
  EXPECT_EQ(run({homebase_binary(), "validate", "--strictest", "x.json"}, output), 2) << output;

  auto bad = file("bad.json", bad_patient);
  auto missing = dir.path() / "missing.json";
  EXPECT_EQ(run({homebase_binary(), "validate", bad.string(), missing.string()}, output), 2) << output;
  // Every file still gets its line; the unreadable one a fatal issue.
  EXPECT_TRUE(has_issue(outcome_for(output, bad), "error", "Patient.gender")) << output;
  EXPECT_TRUE(has_issue(outcome_for(output, missing), "fatal", "")) << output;
}

}  // namespace
}  // namespace homebase::testing
