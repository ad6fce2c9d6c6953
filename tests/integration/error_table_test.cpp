// Every rejection of issue 2 §4 (and the partner check of §7), against the running binary: the HTTP
// status, an OperationOutcome body, and nothing kept for a refused message.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "tests/integration/gateway_harness.hpp"
#include "tests/integration/message_variants.hpp"

namespace homebase::testing {
namespace {

struct error_case {
  std::string name;
  std::string method;
  std::string path;
  std::string body;  // empty: no body
  std::string content_type;
  int status;
  std::string issue_code;
};

std::string header_entry(const std::string& extra = "") {
  return R"({"fullUrl":"urn:uuid:h","resource":{"resourceType":"MessageHeader","id":"mh-e",)"
         R"("eventCoding":{"system":"http://homebase.example.org/fhir/CodeSystem/message-event","code":"nicu-discharge"},)"
         R"("source":{"endpoint":"https://ehr.st-elsewhere-childrens.example.org/fhir"})" +
         extra + "}}";
}
std::string message(const std::string& entries) {
  return R"({"resourceType":"Bundle","id":"b-e","type":"message","entry":[)" + entries + "]}";
}
const std::string json = "application/fhir+json";
const std::string pm = "/fhir/$process-message";

std::vector<error_case> cases() {
  std::string patient = R"({"fullUrl":"urn:uuid:p","resource":{"resourceType":"Patient"}})";
  return {
      {"malformed_json", "POST", pm, R"({"resourceType":"Bundle",)", json, 400, "structure"},
      {"not_a_bundle", "POST", pm, R"({"resourceType":"Patient"})", json, 400, "structure"},
      {"not_a_message", "POST", pm, R"({"resourceType":"Bundle","type":"collection","entry":[]})", json, 400,
       "structure"},
      {"deeply_nested", "POST", pm, std::string(5000, '[') + std::string(5000, ']'), json, 400, "structure"},
      {"unknown_path", "GET", "/fhir/Nothing/here", "", json, 404, "not-found"},
      {"wrong_method", "GET", pm, "", json, 405, "not-supported"},
      {"wrong_method_metadata", "DELETE", "/fhir/metadata", "", json, 405, "not-supported"},
      {"too_large", "POST", pm, std::string(300 * 1024, ' ') + "{}", json, 413, "too-costly"},
      {"wrong_content_type", "POST", pm, message(header_entry()), "text/plain", 415, "not-supported"},
      {"first_entry_not_header", "POST", pm, message(patient + "," + header_entry()), json, 422, "invariant"},
      {"entry_without_resource", "POST", pm, message(header_entry() + R"(,{"fullUrl":"urn:uuid:x"})"), json,
       422, "required"},
      {"entry_request_in_message", "POST", pm,
       message(header_entry() + R"(,{"fullUrl":"urn:uuid:p","resource":{"resourceType":"Patient"},)"
                                R"("request":{"method":"POST","url":"Patient"}})"),
       json, 422, "invariant"},
      {"reference_resolves_to_nothing", "POST", pm,
       message(header_entry(R"(,"focus":[{"reference":"urn:uuid:missing"}])") + "," + patient), json, 422,
       "not-found"},
      {"unsupported_event", "POST", pm,
       message(R"({"fullUrl":"urn:uuid:h","resource":{"resourceType":"MessageHeader","id":"m2",)"
               R"("eventCoding":{"system":"http://example.org/events","code":"admit"},)"
               R"("source":{"endpoint":"https://ehr.st-elsewhere-childrens.example.org/fhir"}}})"),
       json, 422, "not-supported"},
      {"unknown_partner", "POST", pm,
       message(
           R"({"fullUrl":"urn:uuid:h","resource":{"resourceType":"MessageHeader","id":"m3",)"
           R"("eventCoding":{"system":"http://homebase.example.org/fhir/CodeSystem/message-event","code":"nicu-discharge"},)"
           R"("source":{"endpoint":"https://intruder.example.org/fhir"}}})"),
       json, 403, "forbidden"},
  };
}

class error_table : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new temp_dir();
    gw_ = new gateway_process();
    std::string error;
    // The destination is never reached in these tests; a closed port is fine.
    ASSERT_TRUE(
        gw_->start(*dir_, {.medical_home_base = "http://127.0.0.1:9/fhir", .body_limit = 256 * 1024}, error))
        << error;
  }
  static void TearDownTestSuite() {
    delete gw_;
    delete dir_;
  }
  static temp_dir* dir_;
  static gateway_process* gw_;
};
temp_dir* error_table::dir_ = nullptr;
gateway_process* error_table::gw_ = nullptr;

TEST_F(error_table, every_error_is_an_operation_outcome_with_the_right_status) {
  int n = 0;
  for (const auto& c : cases()) {
    SCOPED_TRACE(c.name);
    std::filesystem::path body;
    if (!c.body.empty()) {
      body = dir_->path() / ("case-" + std::to_string(n++) + ".json");
      write_file(body, c.body);
    }
    auto reply = http_call(c.method, gw_->url(c.path), body, c.content_type);
    EXPECT_EQ(reply.status, c.status) << reply.body;
    EXPECT_NE(reply.body.find(R"("resourceType":"OperationOutcome")"), std::string::npos) << reply.body;
    EXPECT_NE(reply.body.find(R"("code":")" + c.issue_code + "\""), std::string::npos) << reply.body;
    EXPECT_NE(reply.headers.find("application/fhir+json"), std::string::npos) << reply.headers;
    if (c.status == 405) {
      EXPECT_NE(reply.headers.find("Allow:"), std::string::npos) << reply.headers;
    }
  }
  // Nothing of a refused message was kept, and the gateway still serves.
  auto list = http_call("GET", gw_->url("/admin/messages"));
  EXPECT_EQ(list.status, 200);
  EXPECT_EQ(list.body, R"({"messages":[]})");
  EXPECT_EQ(http_call("GET", gw_->url("/healthz")).status, 200);
}

TEST_F(error_table, element_paths_name_the_offending_element) {
  auto body = dir_->path() / "paths.json";
  write_file(body,
             message(header_entry() + R"(,{"fullUrl":"urn:uuid:p","resource":{"resourceType":"Patient",)"
                                      R"("generalPractitioner":[{"reference":"Organization/gone"}]}})"));
  auto reply = http_call("POST", gw_->url(pm), body);
  EXPECT_EQ(reply.status, 422);
  EXPECT_NE(reply.body.find("Bundle.entry[1].resource.generalPractitioner[0].reference"), std::string::npos)
      << reply.body;
}

TEST_F(error_table, a_truncated_body_does_not_hang_or_crash_the_gateway) {
  // Content-Length promises more than is sent; the read timeout or the close ends the request.
  std::string output;
  run({"curl", "-sS", "--max-time", "2", "-H", "Content-Type: application/fhir+json", "-H",
       "Content-Length: 1000", "--data-binary", "{}", gw_->url(pm)},
      output);
  EXPECT_EQ(http_call("GET", gw_->url("/readyz")).status, 200);
}

TEST_F(error_table, a_client_that_expects_100_continue_gets_it) {
  // curl waits up to --expect100-timeout for "100 Continue" before sending the body; --max-time is
  // shorter, so without the interim response the call fails.
  auto body = dir_->path() / "expect.json";
  write_file(body, message(header_entry()));
  auto reply = http_call("POST", gw_->url(pm), body, json,
                         {"-H", "Expect: 100-continue", "--expect100-timeout", "20", "--max-time", "8"});
  EXPECT_EQ(reply.status, 422) << reply.body;  // answered (a message with nothing to translate)
  EXPECT_NE(reply.headers.find("100 Continue"), std::string::npos) << reply.headers;
}

TEST_F(error_table, metadata_lists_the_process_message_operation) {
  auto reply = http_call("GET", gw_->url("/fhir/metadata"));
  ASSERT_EQ(reply.status, 200);
  EXPECT_NE(reply.body.find(R"("resourceType":"CapabilityStatement")"), std::string::npos);
  EXPECT_NE(reply.body.find(R"("name":"process-message")"), std::string::npos);
  EXPECT_NE(reply.body.find(R"("fhirVersion":"4.0.1")"), std::string::npos);
  auto file = dir_->path() / "metadata.json";
  write_file(file, reply.body);
  std::string output;
  EXPECT_EQ(run({node_binary(), test_data("tools/validate.mjs").string(), "--both", file.string()}, output),
            0)
      << output;
}

TEST(body_budget, a_request_that_does_not_fit_the_budget_is_told_to_come_back) {
  temp_dir dir;
  gateway_process gw;
  std::string error;
  ASSERT_TRUE(gw.start(dir,
                       {.medical_home_base = "http://127.0.0.1:9/fhir",
                        .body_limit = 256 * 1024,
                        .inflight_body_budget = 256 * 1024},
                       error))
      << error;
  // A slow client announces 200 KB and sends only its header: it holds 200 KB of the 256 KB budget.
  int slow = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(gw.process.port());
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(connect(slow, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  std::string head =
      "POST /fhir/$process-message HTTP/1.1\r\nHost: x\r\nContent-Type: application/fhir+json\r\n"
      "Content-Length: 200000\r\n\r\n{";
  ASSERT_EQ(send(slow, head.data(), head.size(), 0), static_cast<ssize_t>(head.size()));
  usleep(200'000);

  auto body = dir.path() / "100k.json";
  std::string spaces(100 * 1024, ' ');  // "[" + std::string(...) trips GCC 12's -Wrestrict in Release
  write_file(body, "[" + spaces + "]");
  auto refused = http_call("POST", gw.url(pm), body);
  EXPECT_EQ(refused.status, 503) << refused.body;
  EXPECT_NE(refused.headers.find("Retry-After: 1"), std::string::npos) << refused.headers;
  EXPECT_NE(refused.body.find(R"("code":"transient")"), std::string::npos);

  close(slow);  // the budget comes back
  EXPECT_TRUE(
      eventually([&] { return http_call("POST", gw.url(pm), body).status == 400; }, std::chrono::seconds(5)));
}

}  // namespace
}  // namespace homebase::testing
