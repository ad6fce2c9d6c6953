// Metrics and logs through the real binary (issue 13 items 1 and 2): Prometheus's own `promtool check
// metrics` (Debian package prometheus, deploy/install-deps.sh --test) parses GET /metrics after a message
// was received and delivered; /metrics needs an operator, or is served alone on metrics.listen; the
// gateway's stderr is one JSON object per line, never a child's name; the request's X-Request-Id is
// echoed, kept with the message and sent to the medical home with the delivery it causes (the test
// medical home logs the header it received); SIGHUP applies a new log.level.
#include <gtest/gtest.h>
#include <rapidjson/document.h>
#include <signal.h>

#include <sstream>

#include "tests/integration/gateway_harness.hpp"
#include "tests/integration/message_variants.hpp"

namespace homebase::testing {
namespace {

namespace fs = std::filesystem;
const std::string process_message = "/fhir/$process-message";

// The request ids the medical home saw on transaction POSTs, in order.
std::vector<std::string> home_request_ids(const medical_home_server& home) {
  std::vector<std::string> out;
  std::istringstream lines(read_file(home.log));
  std::string line;
  while (std::getline(lines, line)) {
    rapidjson::Document doc;
    doc.Parse(line.c_str());
    if (doc.HasParseError() || !doc.IsObject()) continue;
    if (!doc.HasMember("method") || std::string(doc["method"].GetString()) != "POST") continue;
    if (!doc.HasMember("path") || std::string(doc["path"].GetString()) != "/fhir") continue;
    out.push_back(doc.HasMember("request_id") && doc["request_id"].IsString() ? doc["request_id"].GetString()
                                                                              : "");
  }
  return out;
}

// The gateway's log lines, each parsed; a line that is not a JSON object fails the test.
std::vector<rapidjson::Document> log_lines(const gateway_process& gw) {
  std::vector<rapidjson::Document> out;
  std::istringstream lines(read_file(gw.log));
  std::string line;
  while (std::getline(lines, line)) {
    rapidjson::Document doc;
    doc.Parse(line.c_str());
    EXPECT_TRUE(!doc.HasParseError() && doc.IsObject()) << "not a JSON object: " << line;
    if (doc.HasParseError() || !doc.IsObject()) continue;
    out.push_back(std::move(doc));
  }
  return out;
}

std::string text(const rapidjson::Value& v, const char* key) {
  return v.HasMember(key) && v[key].IsString() ? std::string(v[key].GetString()) : std::string();
}

int count_events(const gateway_process& gw, const std::string& event) {
  int n = 0;
  for (const auto& line : log_lines(gw)) n += text(line, "event") == event ? 1 : 0;
  return n;
}

// The header's value in a curl -D dump ("" when absent).
std::string header_value(const std::string& headers, const std::string& name) {
  std::istringstream lines(headers);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.size() > name.size() && strncasecmp(line.c_str(), name.c_str(), name.size()) == 0 &&
        line[name.size()] == ':') {
      auto value = line.substr(name.size() + 1);
      while (!value.empty() && (value.front() == ' ')) value.erase(0, 1);
      while (!value.empty() && (value.back() == '\r' || value.back() == ' ')) value.pop_back();
      return value;
    }
  }
  return {};
}

// `promtool check metrics` on `exposition`: its exit status, and what it said in `output`.
int promtool_check(const temp_dir& dir, const std::string& exposition, std::string& output) {
  auto file = dir.path() / "scrape.txt";
  write_file(file, exposition);
  return run({"sh", "-c", "promtool check metrics < '" + file.string() + "'"}, output);
}

// The value of the sample `series` ("name{labels}") in the exposition, or -1.
double sample(const std::string& exposition, const std::string& series) {
  auto at = exposition.find("\n" + series + " ");
  if (at == std::string::npos) return -1;
  return std::stod(exposition.substr(at + series.size() + 2));
}

class metrics_logs : public ::testing::Test {
 protected:
  void start(std::string extra_config = {}) {
    std::string error;
    ASSERT_TRUE(home_.start(dir_, {}, error)) << error;
    ASSERT_TRUE(
        gw_.start(dir_, {.medical_home_base = home_.base(), .extra_config = std::move(extra_config)}, error))
        << error;
    seed_ = dir_.path() / "seed.json";
    write_file(seed_, seed_text());
  }
  http_reply post_seed(const std::string& request_id) {
    return http_call("POST", gw_.url(process_message), seed_, "application/fhir+json",
                     {"-H", "X-Request-Id: " + request_id});
  }
  temp_dir dir_;
  medical_home_server home_;
  gateway_process gw_;
  fs::path seed_;
};

TEST_F(metrics_logs, the_correlation_id_reaches_the_medical_home_and_is_echoed) {
  start();
  auto reply = post_seed("corr-2024-anjali.1");
  ASSERT_EQ(reply.status, 200) << reply.body;
  EXPECT_EQ(header_value(reply.headers, "X-Request-Id"), "corr-2024-anjali.1");
  ASSERT_TRUE(eventually([&] { return !home_request_ids(home_).empty(); })) << read_file(gw_.log);
  EXPECT_EQ(home_request_ids(home_).front(), "corr-2024-anjali.1");
  // The log tells the same story under the same id: received, then delivered.
  ASSERT_TRUE(eventually([&] { return count_events(gw_, "delivery.sent") == 1; })) << read_file(gw_.log);
  int accepted = 0;
  for (const auto& line : log_lines(gw_)) {
    auto event = text(line, "event");
    if (event != "message.accepted" && event != "delivery.sent") continue;
    EXPECT_EQ(text(line, "request_id"), "corr-2024-anjali.1");
    EXPECT_TRUE(line.HasMember("message_id") && line.HasMember("child")) << event;
    EXPECT_EQ(text(line, "medical_home"), "meadowbrook");
    if (event == "message.accepted") {
      ++accepted;
      EXPECT_EQ(text(line, "client"), "st-elsewhere-nicu");
    }
  }
  EXPECT_EQ(accepted, 1);
  // The audit trail joins the two ends by it too: the receipt (PatientCreate) and the disclosure to the
  // home (PrivacyDisclosure) both carry it as their X-Request-Id entity.
  auto trail =
      http_call("GET", gw_.url("/fhir/AuditEvent?_count=100"), {}, {}, bearer(access_token(gw_, "operator")));
  ASSERT_EQ(trail.status, 200) << trail.body;
  int mentions = 0;
  for (auto at = trail.body.find("corr-2024-anjali.1"); at != std::string::npos;
       at = trail.body.find("corr-2024-anjali.1", at + 1))
    ++mentions;
  EXPECT_GE(mentions, 2) << trail.body;
}

TEST_F(metrics_logs, an_unsafe_or_missing_request_id_is_replaced_by_a_new_one) {
  start();
  auto reply =
      http_call("GET", gw_.url("/healthz"), {}, {}, {"-H", "X-Request-Id: <script>alert(1)</script>"});
  ASSERT_EQ(reply.status, 200);
  auto id = header_value(reply.headers, "X-Request-Id");
  EXPECT_EQ(id.size(), 32u) << id;
  EXPECT_EQ(id.find_first_not_of("0123456789abcdef"), std::string::npos) << id;
  auto none = http_call("GET", gw_.url("/healthz"));
  auto other = header_value(none.headers, "X-Request-Id");
  EXPECT_EQ(other.size(), 32u);
  EXPECT_NE(other, id);
  EXPECT_EQ(read_file(gw_.log).find("<script>"), std::string::npos);
}

TEST_F(metrics_logs, every_log_line_is_json_with_time_level_and_event_and_names_no_child) {
  start();
  ASSERT_EQ(post_seed("corr-json-1").status, 200);
  ASSERT_TRUE(eventually([&] { return count_events(gw_, "delivery.sent") == 1; })) << read_file(gw_.log);
  auto lines = log_lines(gw_);
  ASSERT_GE(lines.size(), 4u);
  for (const auto& line : lines) {
    EXPECT_EQ(text(line, "time").size(), 24u) << text(line, "time");  // 2026-12-06T16:35:08.090Z
    EXPECT_TRUE(text(line, "time").ends_with("Z"));
    EXPECT_FALSE(text(line, "level").empty());
    EXPECT_FALSE(text(line, "event").empty());
  }
  auto log = read_file(gw_.log);
  for (const char* phi : {"Sharma", "Anjali", "Baby Girl", "2024-01-17"})
    EXPECT_EQ(log.find(phi), std::string::npos) << phi << " in the log:\n" << log;
}

TEST_F(metrics_logs, promtool_parses_the_scrape_after_a_message_was_delivered) {
  start();
  ASSERT_EQ(post_seed("corr-metrics-1").status, 200);
  ASSERT_TRUE(eventually([&] { return count_events(gw_, "delivery.sent") == 1; })) << read_file(gw_.log);
  auto scrape = http_call("GET", gw_.url("/metrics"));
  ASSERT_EQ(scrape.status, 200) << scrape.body;
  EXPECT_NE(header_value(scrape.headers, "Content-Type").find("text/plain; version=0.0.4"),
            std::string::npos);
  std::string output;
  EXPECT_EQ(promtool_check(dir_, scrape.body, output), 0) << output << "\n" << scrape.body;
  const auto& m = scrape.body;
  EXPECT_EQ(sample(m, R"(homebase_http_requests_total{route="/fhir/$process-message",status="200"})"), 1)
      << m;
  EXPECT_EQ(sample(m, R"(homebase_delivery_attempts_total{medical_home="meadowbrook",outcome="sent"})"), 1)
      << m;
  for (const char* stage : {"parse", "validate", "translate", "writer_wait", "commit"})
    EXPECT_EQ(sample(m, std::string(R"(homebase_intake_stage_seconds_count{stage=")") + stage + "\"}"), 1)
        << stage << "\n"
        << m;
  EXPECT_GE(sample(m, "homebase_store_batch_size_count"), 2) << m;  // the message, the attempt
  EXPECT_EQ(sample(m, R"(homebase_delivery_queue_depth{medical_home="meadowbrook",status="queued"})"), 0)
      << m;
  EXPECT_GT(sample(m, "homebase_store_size_bytes"), 0) << m;
  EXPECT_NE(m.find("homebase_rule_firings_total{"), std::string::npos) << m;
  EXPECT_NE(m.find("homebase_build_info{version=\""), std::string::npos) << m;
}

TEST_F(metrics_logs, metrics_need_an_operator_on_the_main_listener) {
  start();
  auto anonymous = http_call("GET", gw_.url("/metrics"), {}, {}, {"-H", "Authorization:"});
  EXPECT_EQ(anonymous.status, 401) << anonymous.body;
  auto token = access_token(gw_, "meadowbrook-app");
  ASSERT_FALSE(token.empty());
  auto practice = http_call("GET", gw_.url("/metrics"), {}, {}, bearer(token));
  EXPECT_EQ(practice.status, 403) << practice.body;
  // Both refusals are counted by reason.
  auto scrape = http_call("GET", gw_.url("/metrics"));
  ASSERT_EQ(scrape.status, 200);
  EXPECT_GE(sample(scrape.body, R"(homebase_auth_refusals_total{reason="no-credentials"})"), 1)
      << scrape.body;
  EXPECT_GE(sample(scrape.body, R"(homebase_auth_refusals_total{reason="not-operator"})"), 1) << scrape.body;
}

TEST_F(metrics_logs, metrics_listen_serves_only_metrics_without_credentials) {
  auto port = free_port();
  start("metrics:\n  listen: 127.0.0.1:" + std::to_string(port) + "\n");
  auto url = "http://127.0.0.1:" + std::to_string(port);
  auto scrape = http_call("GET", url + "/metrics");
  ASSERT_EQ(scrape.status, 200) << scrape.body;
  std::string output;
  EXPECT_EQ(promtool_check(dir_, scrape.body, output), 0) << output;
  EXPECT_EQ(http_call("GET", url + "/fhir/metadata").status, 404);
  EXPECT_EQ(http_call("POST", url + "/metrics", seed_).status, 405);
}

TEST_F(metrics_logs, sighup_applies_a_new_log_level) {
  start("log:\n  level: info\n");
  ASSERT_EQ(http_call("GET", gw_.url("/healthz")).status, 200);
  ASSERT_EQ(count_events(gw_, "http.request"), 1) << read_file(gw_.log);
  auto config = read_file(gw_.config);
  auto at = config.find("level: info");
  ASSERT_NE(at, std::string::npos);
  config.replace(at, std::string("level: info").size(), "level: warn");
  write_file(gw_.config, config);
  ASSERT_EQ(kill(gw_.process.pid(), SIGHUP), 0);
  ASSERT_TRUE(eventually([&] { return count_events(gw_, "config.reloaded") == 1; })) << read_file(gw_.log);
  // The line of a request is written before its answer: once curl has the answer, it would be there.
  ASSERT_EQ(http_call("GET", gw_.url("/healthz")).status, 200);
  EXPECT_EQ(count_events(gw_, "http.request"), 1) << read_file(gw_.log);
  // A config that no longer loads changes nothing and is reported.
  write_file(gw_.config, config + "\nnot_a_key: 1\n");
  ASSERT_EQ(kill(gw_.process.pid(), SIGHUP), 0);
  ASSERT_TRUE(eventually([&] { return count_events(gw_, "config.reload_failed") == 1; }))
      << read_file(gw_.log);
}

}  // namespace
}  // namespace homebase::testing
