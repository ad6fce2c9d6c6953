// The operator's commands (issue 13 item 6) through the real binary: every command's --help and usage
// errors, check-config on a good and a bad file, replay of a dead letter through a running gateway's admin
// API with an operator's SMART credentials, and dry-run, which prints the Bundle a delivery would carry and
// leaves the store as it was (rows and bytes), or prints the OperationOutcome of a message it would refuse.
#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <rapidjson/document.h>

#include <algorithm>
#include <csignal>
#include <sstream>

#include "tests/integration/gateway_harness.hpp"
#include "tests/integration/message_variants.hpp"

namespace homebase::testing {
namespace {

namespace fs = std::filesystem;
const std::string pm = "/fhir/$process-message";

rapidjson::Document parse(const std::string& text) {
  rapidjson::Document doc;
  doc.Parse(text.c_str());
  return doc;
}

std::string status_of(const gateway_process& gw, int id) {
  auto doc = parse(http_call("GET", gw.url("/admin/messages/" + std::to_string(id))).body);
  return doc.IsObject() && doc.HasMember("status") ? doc["status"].GetString() : "";
}

// How many messages the gateway has (GET /admin/messages lists them, newest first).
int message_count(const gateway_process& gw) {
  int n = 0;
  while (!status_of(gw, n + 1).empty()) ++n;
  return n;
}

// The line after `heading` in `output` (the dry run prints each JSON value on the line after its heading).
std::string line_after(const std::string& output, const std::string& heading) {
  std::istringstream in(output);
  std::string line;
  while (std::getline(in, line))
    if (line.starts_with(heading)) {
      std::getline(in, line);
      return line;
    }
  return {};
}

// SHA-256 of a file's bytes, in hex (OpenSSL EVP).
std::string sha256_of(const fs::path& file) {
  auto bytes = read_file(file);
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  EVP_Digest(bytes.data(), bytes.size(), digest, &size, EVP_sha256(), nullptr);
  std::string hex;
  char two[3];
  for (unsigned i = 0; i < size; ++i) {
    std::snprintf(two, sizeof two, "%02x", digest[i]);
    hex += two;
  }
  return hex;
}

std::string message_file(const temp_dir& dir, int n, const std::string& mrn) {
  char ids[2][64];
  std::snprintf(ids[0], sizeof ids[0], "e%07d-0000-4000-8000-000000000001", n);
  std::snprintf(ids[1], sizeof ids[1], "f%07d-0000-4000-8000-000000000002", n);
  auto file = dir.path() / ("m" + std::to_string(n) + ".json");
  write_file(file, make_variant(seed_text(), {.bundle_id = ids[0], .header_id = ids[1], .mrn = mrn}));
  return file.string();
}

TEST(operator_cli, every_command_has_help_naming_its_options) {
  const std::vector<std::pair<std::string, std::vector<std::string>>> commands = {
      {"serve", {"--config"}},
      {"check-config", {"FILE"}},
      {"replay",
       {"--url", "--status", "--medical-home", "--received-from", "--received-to", "--message", "--client-id",
        "--key", "--kid", "--token-url", "--ca-file"}},
      {"dry-run", {"--config", "MESSAGE"}},
      {"validate", {"--lenient"}},
      {"jwks", {"--key", "--kid", "--alg"}},
      {"backup", {"--config", "OUT"}},
  };
  std::string list;
  ASSERT_EQ(run({homebase_binary(), "help"}, list), 0) << list;
  std::string same;
  EXPECT_EQ(run({homebase_binary(), "--help"}, same), 0);
  EXPECT_EQ(same, list);
  for (const auto& [command, options] : commands) {
    EXPECT_NE(list.find("  " + command + " "), std::string::npos) << list;
    std::string help;
    EXPECT_EQ(run({homebase_binary(), command, "--help"}, help), 0) << command << ": " << help;
    EXPECT_NE(help.find("usage: homebase " + command), std::string::npos) << help;
    for (const auto& option : options)
      EXPECT_NE(help.find(option), std::string::npos) << command << ": " << option;
    std::string again;
    EXPECT_EQ(run({homebase_binary(), "help", command}, again), 0);
    EXPECT_EQ(again, help);
  }
}

TEST(operator_cli, usage_errors_exit_2) {
  temp_dir dir;
  write_file(dir.path() / "m.json", "{}");
  const std::vector<std::vector<std::string>> calls = {
      {},
      {"no-such-command"},
      {"serve"},
      {"serve", "--config"},
      {"check-config"},
      {"check-config", "a.yaml", "b.yaml"},
      {"replay"},
      {"replay", "--status", "dead"},                                   // no --url
      {"replay", "--url", "http://127.0.0.1:1", "--status", "queued"},  // not replayable
      {"replay", "--url", "http://127.0.0.1:1"},                        // nothing selected
      {"replay", "--url", "http://127.0.0.1:1", "--message", "x"},      // not an id
      {"replay", "--url", "http://127.0.0.1:1", "--status", "dead", "--client-id", "operator"},  // no key
      {"replay", "--url", "http://127.0.0.1:1", "--status", "dead", "--bogus", "1"},
      {"dry-run"},
      {"dry-run", (dir.path() / "m.json").string()},  // no --config
      {"dry-run", "--config", "a.yaml"},              // no message
      {"validate"},
      {"jwks"},
      {"backup"},
  };
  for (const auto& call : calls) {
    std::vector<std::string> argv = {homebase_binary()};
    argv.insert(argv.end(), call.begin(), call.end());
    std::string output;
    std::string shown;
    for (const auto& a : call) shown += a + " ";
    EXPECT_EQ(run(argv, output), 2) << shown << "\n" << output;
    EXPECT_NE(output.find("usage: homebase"), std::string::npos) << shown << "\n" << output;
  }
}

TEST(operator_cli, check_config_summarises_a_good_file) {
  std::string output;
  auto example = fs::path(HOMEBASE_TEST_DATA_DIR).parent_path() / "config" / "homebase.example.yaml";
  EXPECT_EQ(run({homebase_binary(), "check-config", example.string()}, output), 0) << output;
  EXPECT_NE(output.find("config OK: " + example.string()), std::string::npos) << output;
  for (const char* line :
       {"partners (", "medical homes (", "schools (", "clients (", "store: ", "listen: http://"})
    EXPECT_NE(output.find(line), std::string::npos) << line << "\n" << output;
  // The old spelling does the same.
  std::string old;
  EXPECT_EQ(run({homebase_binary(), "--check-config", example.string()}, old), 0) << old;
  EXPECT_EQ(old, output);
}

TEST(operator_cli, check_config_names_the_file_line_and_key_of_a_bad_value) {
  temp_dir dir;
  auto config = dir.path() / "homebase.yaml";
  write_file(config, "server:\n  listen_address: 127.0.0.1\n  port: 70000\n");
  std::string output;
  EXPECT_EQ(run({homebase_binary(), "check-config", config.string()}, output), 1) << output;
  EXPECT_NE(output.find(config.string() + ":3"), std::string::npos) << output;
  EXPECT_NE(output.find("server.port"), std::string::npos) << output;
  EXPECT_EQ(output.find("config OK"), std::string::npos) << output;
  std::string missing;
  EXPECT_EQ(run({homebase_binary(), "check-config", (dir.path() / "none.yaml").string()}, missing), 1)
      << missing;
}

// A gateway whose medical home refused one message (a dead letter), then a home that accepts on the same
// port (as tests/integration/admin_replay_test.cpp does it).
class operator_cli_replay : public ::testing::Test {
 protected:
  void SetUp() override {
    port_ = free_port();
    std::string error;
    ASSERT_TRUE(refusing_.start(dir_, {.status = 400, .port = port_}, error)) << error;
    ASSERT_TRUE(
        gw_.start(dir_, {.medical_home_base = "http://127.0.0.1:" + std::to_string(port_) + "/fhir"}, error))
        << error;
    ASSERT_EQ(http_call("POST", gw_.url(pm), message_file(dir_, 1, "CLI-REPLAY-1")).status, 200);
    ASSERT_TRUE(eventually([&] { return status_of(gw_, 1) == "dead"; })) << status_of(gw_, 1);
    refusing_.process.stop(SIGTERM);
    ASSERT_TRUE(accepting_.start(dir_, {.port = port_}, error)) << error;
  }
  [[nodiscard]] std::vector<std::string> replay(const std::vector<std::string>& more) const {
    std::vector<std::string> argv = {
        homebase_binary(), "replay",         "--url", gw_.url(""),
        "--client-id",     "operator",       "--key", auth_fixture("operator.pem").string(),
        "--kid",           "operator-test-1"};
    argv.insert(argv.end(), more.begin(), more.end());
    return argv;
  }

  temp_dir dir_;
  unsigned short port_ = 0;
  medical_home_server refusing_, accepting_;
  gateway_process gw_;
};

TEST_F(operator_cli_replay, a_dead_letter_is_queued_again_and_delivered) {
  // Without credentials the gateway (not in development mode) refuses: exit 1, and it says what is needed.
  std::string refused;
  EXPECT_EQ(run({homebase_binary(), "replay", "--url", gw_.url(""), "--status", "dead"}, refused), 1)
      << refused;
  EXPECT_NE(refused.find("HTTP 401"), std::string::npos) << refused;
  EXPECT_NE(refused.find("--client-id"), std::string::npos) << refused;
  EXPECT_EQ(status_of(gw_, 1), "dead");
  // A parameter the gateway rejects: exit 2.
  std::string rejected;
  EXPECT_EQ(run(replay({"--status", "dead", "--medical-home", "nowhere"}), rejected), 2) << rejected;
  EXPECT_NE(rejected.find("nowhere"), std::string::npos) << rejected;

  std::string output;
  ASSERT_EQ(run(replay({"--status", "dead", "--medical-home", "meadowbrook"}), output), 0) << output;
  EXPECT_NE(output.find("requeued 1 deliveries of 1 messages"), std::string::npos) << output;
  EXPECT_NE(output.find("medical-home=meadowbrook"), std::string::npos) << output;
  ASSERT_TRUE(eventually([&] { return status_of(gw_, 1) == "sent"; })) << status_of(gw_, 1);
  EXPECT_EQ(accepting_.count("Patient"), 1);
  // The replay is audited as the admin API audits it (admin-action#replay, by the operator client).
  auto trail = parse(http_call("GET",
                               gw_.url("/fhir/AuditEvent?subtype=http://homebase.example.org/fhir/CodeSystem/"
                                       "admin-action%7Creplay"),
                               {}, "", bearer(access_token(gw_, "operator")))
                         .body);
  ASSERT_TRUE(trail.IsObject() && trail.HasMember("total")) << "no searchset";
  ASSERT_EQ(trail["total"].GetInt(), 1);
  std::string desc = trail["entry"][0]["resource"]["outcomeDesc"].GetString();
  EXPECT_NE(desc.find("requeued 1 deliveries of 1 messages"), std::string::npos) << desc;
  // Nothing dead is left: a second replay selects nothing.
  std::string again;
  EXPECT_EQ(run(replay({"--status", "dead"}), again), 0) << again;
  EXPECT_NE(again.find("requeued 0 deliveries of 0 messages"), std::string::npos) << again;
}

TEST_F(operator_cli_replay, one_message_is_requeued_by_its_id) {
  std::string output;
  ASSERT_EQ(run(replay({"--message", "1"}), output), 0) << output;
  EXPECT_NE(output.find("message 1: dead letter requeued for meadowbrook"), std::string::npos) << output;
  ASSERT_TRUE(eventually([&] { return status_of(gw_, 1) == "sent"; })) << status_of(gw_, 1);
  std::string unknown;
  EXPECT_EQ(run(replay({"--message", "99"}), unknown), 1) << unknown;
  EXPECT_NE(unknown.find("HTTP 404"), std::string::npos) << unknown;
}

class operator_cli_dry_run : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string error;
    ASSERT_TRUE(home_.start(dir_, {}, error)) << error;
    ASSERT_TRUE(gw_.start(dir_, {.medical_home_base = home_.base()}, error)) << error;
    ASSERT_EQ(http_call("POST", gw_.url(pm), message_file(dir_, 1, "CLI-DRY-1")).status, 200);
    ASSERT_TRUE(eventually([&] { return status_of(gw_, 1) == "sent"; })) << status_of(gw_, 1);
  }
  // The child's resources as the read API serves them.
  [[nodiscard]] std::string child_resources() const {
    std::string all;
    for (const char* type : {"Patient", "Encounter", "Condition", "Task", "CarePlan"})
      all += http_call("GET", gw_.url(std::string("/fhir/") + type + "?_count=100")).body;
    return all;
  }
  // The dry run's scratch copy goes into a directory of this test (TMPDIR), which must be empty after.
  int dry_run(const std::string& message, std::string& output) const {
    fs::create_directories(scratch());
    return run({"/usr/bin/env", "TMPDIR=" + scratch().string(), homebase_binary(), "dry-run", "--config",
                gw_.config.string(), message},
               output);
  }
  [[nodiscard]] fs::path scratch() const { return dir_.path() / "tmp"; }

  temp_dir dir_;
  medical_home_server home_;
  gateway_process gw_;
};

TEST_F(operator_cli_dry_run, prints_the_bundle_for_the_medical_home_and_writes_nothing) {
  auto before = child_resources();
  auto posts = home_.transaction_posts();
  // A new message about the same child (same MRN): merged into the copy of its record.
  auto update = message_file(dir_, 2, "CLI-DRY-1");
  std::string output;
  ASSERT_EQ(dry_run(update, output), 0) << output;
  EXPECT_NE(output.find("response: HTTP 200"), std::string::npos) << output;
  EXPECT_NE(output.find("message: queued to meadowbrook"), std::string::npos) << output;
  auto bundle = parse(line_after(output, "delivery to meadowbrook (" + home_.base() + "):"));
  ASSERT_TRUE(bundle.IsObject()) << output;
  EXPECT_EQ(std::string(bundle["resourceType"].GetString()), "Bundle");
  EXPECT_EQ(std::string(bundle["type"].GetString()), "transaction");
  EXPECT_NE(line_after(output, "delivery to meadowbrook").find("CLI-DRY-1"), std::string::npos);
  EXPECT_EQ(output.find("not sendable"), std::string::npos) << output;
  EXPECT_NE(output.find("record events:"), std::string::npos) << output;

  // Nothing changed: no second message, the child's resources as they were, nothing sent.
  EXPECT_EQ(message_count(gw_), 1);
  EXPECT_EQ(child_resources(), before);
  EXPECT_EQ(home_.transaction_posts(), posts);

  // With the gateway stopped, the store's file is byte for byte what it was.
  ASSERT_EQ(gw_.process.stop(SIGTERM), 0);
  auto hash = sha256_of(gw_.db);
  auto size = fs::file_size(gw_.db);
  auto listing = [&] {
    std::vector<std::string> names;
    for (const auto& entry : fs::directory_iterator(dir_.path()))
      if (entry.path().filename().string().starts_with("homebase.db"))
        names.push_back(entry.path().filename());
    std::sort(names.begin(), names.end());
    return names;
  };
  auto files = listing();
  std::string offline;
  ASSERT_EQ(dry_run(update, offline), 0) << offline;
  EXPECT_NE(offline.find("message: queued to meadowbrook"), std::string::npos) << offline;
  EXPECT_EQ(sha256_of(gw_.db), hash);
  EXPECT_EQ(fs::file_size(gw_.db), size);
  EXPECT_EQ(listing(), files);  // no -wal or -shm left (or taken away)
  // No scratch copy is left behind.
  EXPECT_TRUE(fs::is_empty(scratch()));
}

TEST_F(operator_cli_dry_run, an_invalid_message_prints_its_operation_outcome_and_exits_1) {
  auto text = read_file(message_file(dir_, 3, "CLI-DRY-3"));
  auto at = text.find("\"birthDate\":\"");
  ASSERT_NE(at, std::string::npos);
  text.replace(at, 13, "\"birthDate\":\"not-a-date");
  auto bad = dir_.path() / "bad.json";
  write_file(bad, text);
  std::string output;
  EXPECT_EQ(dry_run(bad.string(), output), 1) << output;
  EXPECT_NE(output.find("response: HTTP 422"), std::string::npos) << output;
  auto outcome = parse(line_after(output, "response: HTTP 422"));
  ASSERT_TRUE(outcome.IsObject()) << output;
  EXPECT_EQ(std::string(outcome["resourceType"].GetString()), "OperationOutcome");
  EXPECT_NE(output.find("birthDate"), std::string::npos) << output;
  EXPECT_EQ(message_count(gw_), 1);
}

}  // namespace
}  // namespace homebase::testing
