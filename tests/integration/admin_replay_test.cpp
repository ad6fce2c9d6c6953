// The operator's view of deliveries (issue 10): dead letters counted and raised as an alert in
// GET /admin/status, then queued again in bulk with POST /admin/messages/$replay (by status, medical home
// and time), audited; bad parameters and callers refused.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <rapidjson/document.h>
#include <sys/socket.h>
#include <unistd.h>

#include <csignal>

#include "tests/integration/gateway_harness.hpp"
#include "tests/integration/message_variants.hpp"

namespace homebase::testing {
namespace {

const std::string pm = "/fhir/$process-message";
const std::string replay = "/admin/messages/$replay";

rapidjson::Document parse(const std::string& text) {
  rapidjson::Document doc;
  doc.Parse(text.c_str());
  return doc;
}

std::string status_of(const gateway_process& gw, int id) {
  auto doc = parse(http_call("GET", gw.url("/admin/messages/" + std::to_string(id))).body);
  return doc.IsObject() && doc.HasMember("status") ? doc["status"].GetString() : "";
}

int count_with(const gateway_process& gw, int messages, const std::string& status) {
  int n = 0;
  for (int id = 1; id <= messages; ++id) n += status_of(gw, id) == status;
  return n;
}

// A Parameters answer's integer parameter.
int integer(const rapidjson::Document& parameters, const char* name) {
  if (!parameters.IsObject() || !parameters.HasMember("parameter")) return -1;
  for (const auto& p : parameters["parameter"].GetArray())
    if (std::string(p["name"].GetString()) == name) return p["valueInteger"].GetInt();
  return -1;
}

class admin_replay : public ::testing::Test {
 protected:
  static constexpr int messages = 3;
  // Three children whose deliveries the home refused (400): three dead letters. Then the home is replaced
  // by one that accepts, on the same port.
  void SetUp() override {
    port_ = free_port();
    std::string error;
    ASSERT_TRUE(refusing_.start(dir_, {.status = 400, .port = port_}, error)) << error;
    ASSERT_TRUE(
        gw_.start(dir_, {.medical_home_base = "http://127.0.0.1:" + std::to_string(port_) + "/fhir"}, error))
        << error;
    for (int i = 1; i <= messages; ++i) {
      char ids[2][64];
      std::snprintf(ids[0], sizeof ids[0], "c%07d-0000-4000-8000-000000000001", i);
      std::snprintf(ids[1], sizeof ids[1], "d%07d-0000-4000-8000-000000000002", i);
      auto file = dir_.path() / ("m" + std::to_string(i) + ".json");
      write_file(file, make_variant(
                           seed_text(),
                           {.bundle_id = ids[0], .header_id = ids[1], .mrn = "REPLAY-" + std::to_string(i)}));
      ASSERT_EQ(http_call("POST", gw_.url(pm), file).status, 200);
    }
    ASSERT_TRUE(eventually([&] { return count_with(gw_, messages, "dead") == messages; }));
    refusing_.process.stop(SIGTERM);
    ASSERT_TRUE(accepting_.start(dir_, {.port = port_}, error)) << error;
  }

  temp_dir dir_;
  unsigned short port_ = 0;
  medical_home_server refusing_, accepting_;
  gateway_process gw_;
};

TEST_F(admin_replay, dead_letters_raise_an_alert_then_are_replayed_for_one_home_and_audited) {
  auto status = parse(http_call("GET", gw_.url("/admin/status")).body);
  ASSERT_TRUE(status.IsObject());
  EXPECT_EQ(status["deliveries"]["dead"].GetInt(), messages);
  ASSERT_EQ(status["medical_homes"].Size(), 1u);
  EXPECT_EQ(std::string(status["medical_homes"][0]["id"].GetString()), "meadowbrook");
  EXPECT_EQ(status["medical_homes"][0]["dead"].GetInt(), messages);
  ASSERT_EQ(status["alerts"].Size(), 1u);
  EXPECT_EQ(std::string(status["alerts"][0]["code"].GetString()), "dead-letters");
  EXPECT_EQ(std::string(status["alerts"][0]["severity"].GetString()), "error");
  EXPECT_EQ(status["alerts"][0]["count"].GetInt(), messages);

  auto reply = http_call("POST", gw_.url(replay + "?status=dead&medical-home=meadowbrook"));
  ASSERT_EQ(reply.status, 200) << reply.body;
  auto answer = parse(reply.body);
  EXPECT_EQ(std::string(answer["resourceType"].GetString()), "Parameters");
  EXPECT_EQ(integer(answer, "requeued"), messages);
  EXPECT_EQ(integer(answer, "messages"), messages);
  ASSERT_TRUE(eventually([&] { return count_with(gw_, messages, "sent") == messages; }));
  EXPECT_EQ(accepting_.count("Patient"), messages);
  status = parse(http_call("GET", gw_.url("/admin/status")).body);
  EXPECT_EQ(status["deliveries"]["dead"].GetInt(), 0);
  EXPECT_EQ(status["alerts"].Size(), 0u);

  // Nothing dead any more: a second replay queues nothing (and records no action).
  answer = parse(http_call("POST", gw_.url(replay + "?status=dead")).body);
  EXPECT_EQ(integer(answer, "requeued"), 0);

  // The operator's action is in the trail: one admin-action#replay AuditEvent, with what it did.
  auto trail = parse(http_call("GET",
                               gw_.url("/fhir/AuditEvent?subtype=http://homebase.example.org/fhir/CodeSystem/"
                                       "admin-action%7Creplay"),
                               {}, "", bearer(access_token(gw_, "operator")))
                         .body);
  ASSERT_TRUE(trail.IsObject() && trail.HasMember("total")) << "no searchset";
  ASSERT_EQ(trail["total"].GetInt(), 1);
  const auto& event = trail["entry"][0]["resource"];
  std::string desc = event["outcomeDesc"].GetString();
  EXPECT_NE(desc.find("requeued 3 deliveries of 3 messages"), std::string::npos) << desc;
  EXPECT_NE(desc.find("medical-home=meadowbrook"), std::string::npos) << desc;
}

TEST_F(admin_replay, a_parameters_body_resends_what_was_sent_in_a_time_range) {
  ASSERT_EQ(http_call("POST", gw_.url(replay + "?status=dead")).status, 200);
  ASSERT_TRUE(eventually([&] { return count_with(gw_, messages, "sent") == messages; }));
  int posts = accepting_.transaction_posts();
  // Everything received today or later, sent again (e.g. after the home restored a backup).
  auto body = dir_.path() / "replay.json";
  write_file(body, R"({"resourceType":"Parameters","parameter":[{"name":"status","valueCode":"sent"},
    {"name":"medical-home","valueString":"meadowbrook"},{"name":"received-from","valueDate":"2000-01-01"}]})");
  auto reply = http_call("POST", gw_.url(replay), body);
  ASSERT_EQ(reply.status, 200) << reply.body;
  EXPECT_EQ(integer(parse(reply.body), "requeued"), messages);
  // At least one POST per message: the three test messages share business keys (message_variants), so a
  // resend can meet a version another child's resend just wrote (412, a read-back and a retry: versioned
  // writes, docs/ARCHITECTURE.md "Who owns which field").
  ASSERT_TRUE(eventually([&] { return accepting_.transaction_posts() >= posts + messages; }));
  ASSERT_TRUE(eventually([&] { return count_with(gw_, messages, "sent") == messages; }));
  // A range that ended before these messages arrived selects nothing.
  write_file(body, R"({"resourceType":"Parameters","parameter":[{"name":"status","valueCode":"sent"},
    {"name":"received-to","valueDate":"2001"}]})");
  EXPECT_EQ(integer(parse(http_call("POST", gw_.url(replay), body).body), "requeued"), 0);
}

TEST_F(admin_replay, bad_parameters_are_400_and_only_operators_may_replay) {
  auto expect_400 = [&](const std::string& query, const std::string& says) {
    auto reply = http_call("POST", gw_.url(replay + query));
    EXPECT_EQ(reply.status, 400) << query << ": " << reply.body;
    EXPECT_NE(reply.body.find("OperationOutcome"), std::string::npos) << reply.body;
    EXPECT_NE(reply.body.find(says), std::string::npos) << query << ": " << reply.body;
  };
  expect_400("", "status is required");
  expect_400("?status=queued", "queued already");
  expect_400("?status=unroutable", "/retry");
  expect_400("?status=lost", "unknown status");
  expect_400("?status=dead&medical-home=nowhere", "no configured medical home");
  expect_400("?status=dead&medical_home=meadowbrook",
             "unknown parameter 'medical_home'");  // no silent widening
  expect_400("?status=dead&received-from=yesterday", "not a FHIR date");
  expect_400("?status=dead&received-from=2026-02-01&received-to=2026-01-01", "must end after");
  auto body = dir_.path() / "bad.json";
  write_file(body, R"({"resourceType":"Parameters","parameter":[{"name":"status","valueInteger":1}]})");
  EXPECT_EQ(http_call("POST", gw_.url(replay), body).status, 400);
  write_file(body, R"({"resourceType":"Patient"})");
  EXPECT_EQ(http_call("POST", gw_.url(replay), body).status, 400);
  EXPECT_EQ(http_call("GET", gw_.url(replay)).status, 405);
  EXPECT_EQ(count_with(gw_, messages, "dead"), messages);  // nothing was replayed by any of these

  // A medical home's app is no operator.
  auto app = bearer(access_token(gw_, "meadowbrook-app"));
  EXPECT_EQ(http_call("POST", gw_.url(replay + "?status=dead"), {}, "", app).status, 403);
  EXPECT_EQ(http_call("GET", gw_.url("/admin/status"), {}, "", app).status, 403);
  EXPECT_EQ(count_with(gw_, messages, "dead"), messages);
}

}  // namespace
}  // namespace homebase::testing
