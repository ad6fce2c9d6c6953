// Config reload without a restart (issue 11 item 4) through the real binary: SIGHUP and POST
// /admin/config/$reload. A partner added by a reload sends at once, a removed client is refused, a bad file
// is refused with its file, line and key while the old config serves on, a rotated TLS certificate reaches
// new connections while an open keep-alive connection keeps its own, a new medical home gets deliveries;
// and scenario 16: a partner added by reload under load, with no failed request and no dropped connection.
#include <gtest/gtest.h>
#include <signal.h>
#include <sqlite3.h>

#include <atomic>
#include <mutex>
#include <set>
#include <thread>

#include "tests/integration/gateway_harness.hpp"
#include "tests/integration/keep_alive_client.hpp"
#include "tests/integration/message_variants.hpp"
#include "tests/integration/scenario_fixture.hpp"

namespace homebase::testing {
namespace {

const std::string pm = "/fhir/$process-message";
const std::string rpp_endpoint = "https://ehr.riverside-peds-pulm.example.org/fhir";
const std::string scenario_dir = "fixtures/scenarios/16-partner-added-by-reload/";

// The partners: entry of Riverside Pediatric Pulmonology (its client has the test key riverside-peds-pulm).
std::string rpp_partner() {
  return "  - id: riverside-peds-pulm\n    name: Riverside Pediatric Pulmonology\n    source_endpoints: [" +
         rpp_endpoint + "]\n    jwks_file: " + auth_fixture("riverside-peds-pulm.jwks.json").string() +
         "\n    rate_limit: {per_second: 0}\n";
}

// `text` with `insert` placed before the line `before` (which must be there).
std::string inserted(const std::string& text, const std::string& before, const std::string& insert) {
  auto at = text.find(before);
  EXPECT_NE(at, std::string::npos) << before;
  if (at == std::string::npos) return text;
  return text.substr(0, at) + insert + text.substr(at);
}

// A scenario 16 file with its date tokens expanded for today.
std::string fixture(const std::string& name) {
  scenario_fixture f(utc_today());
  auto t = f.load(test_data(scenario_dir + name));
  EXPECT_TRUE(t.ok) << t.error;
  return t.text;
}

int count_events(const gateway_process& gw, const std::string& event) {
  auto log = read_file(gw.log);
  const std::string needle = "\"event\":\"" + event + "\"";
  int n = 0;
  for (auto at = log.find(needle); at != std::string::npos; at = log.find(needle, at + 1)) ++n;
  return n;
}

// SIGHUP, then waits for the reload's log line (`event`: config.reloaded or config.reload_failed).
bool hangup_and_wait(const gateway_process& gw, const std::string& event) {
  int before = count_events(gw, event);
  if (kill(gw.process.pid(), SIGHUP) != 0) return false;
  return eventually([&] { return count_events(gw, event) > before; });
}

std::string rpp_scope() {
  return "system/Bundle.c system/MessageHeader.c";
}

http_reply post_as(const gateway_process& gw, const std::string& token, const std::filesystem::path& body) {
  return http_call("POST", gw.url(pm), body, "application/fhir+json", bearer(token));
}

std::set<std::string> stored_header_ids(const gateway_process& gw, const std::string& partner) {
  std::set<std::string> out;
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(gw.db.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK) {
    sqlite3_busy_timeout(db, 5000);
    sqlite3_stmt* st = nullptr;
    if (sqlite3_prepare_v2(db, "SELECT header_id FROM messages WHERE partner_id = ?", -1, &st, nullptr) ==
        SQLITE_OK) {
      sqlite3_bind_text(st, 1, partner.c_str(), -1, SQLITE_TRANSIENT);
      while (sqlite3_step(st) == SQLITE_ROW)
        out.insert(reinterpret_cast<const char*>(sqlite3_column_text(st, 0)));
    }
    sqlite3_finalize(st);
  }
  sqlite3_close(db);
  return out;
}

class config_reload : public ::testing::Test {
 protected:
  temp_dir dir_;
  gateway_process gw_;

  void start(gateway_options options = {}) {
    if (options.medical_home_base.empty()) options.medical_home_base = "http://127.0.0.1:9/fhir";
    std::string error;
    ASSERT_TRUE(gw_.start(dir_, options, error)) << error;
  }
  http_reply reload() {
    return http_call("POST", gw_.url("/admin/config/$reload"), {}, "",
                     gw_.scheme == "https" ? std::vector<std::string>{"-k"} : std::vector<std::string>{});
  }
  std::filesystem::path visit_summary() {
    auto p = dir_.path() / "02-pulmonology-visit-summary.json";
    if (!std::filesystem::exists(p)) write_file(p, fixture("02-pulmonology-visit-summary.json"));
    return p;
  }
};

TEST_F(config_reload, a_partner_added_by_reload_can_send_at_once) {
  start();
  std::string error;
  EXPECT_TRUE(access_token(gw_, "riverside-peds-pulm", rpp_scope(), &error).empty()) << "not a client yet";
  write_file(gw_.config, inserted(read_file(gw_.config), "medical_homes:\n", rpp_partner()));
  auto answer = reload();
  ASSERT_EQ(answer.status, 200) << answer.body;
  EXPECT_NE(answer.body.find("partners added: riverside-peds-pulm"), std::string::npos) << answer.body;
  EXPECT_NE(answer.body.find("clients added: riverside-peds-pulm"), std::string::npos) << answer.body;
  auto token = access_token(gw_, "riverside-peds-pulm", rpp_scope(), &error);
  ASSERT_FALSE(token.empty()) << error;
  auto sent = post_as(gw_, token, visit_summary());
  EXPECT_EQ(sent.status, 200) << sent.body;
  EXPECT_EQ(stored_header_ids(gw_, "riverside-peds-pulm").size(), 1u);
  // The reload is an audited admin action.
  auto audit = http_call("GET", gw_.url("/fhir/AuditEvent?subtype=config-reload"), {}, "",
                         bearer(access_token(gw_, "operator")));
  EXPECT_EQ(audit.status, 200) << audit.body;
  EXPECT_NE(audit.body.find("configuration reloaded: partners added: riverside-peds-pulm"), std::string::npos)
      << audit.body;
}

TEST_F(config_reload, a_removed_client_is_refused_afterwards) {
  start({.extra_partners = rpp_partner()});
  std::string error;
  auto token = access_token(gw_, "riverside-peds-pulm", rpp_scope(), &error);
  ASSERT_FALSE(token.empty()) << error;
  ASSERT_EQ(post_as(gw_, token, visit_summary()).status, 200);
  auto text = read_file(gw_.config);
  auto at = text.find(rpp_partner());
  ASSERT_NE(at, std::string::npos);
  write_file(gw_.config, text.substr(0, at) + text.substr(at + rpp_partner().size()));
  auto answer = reload();
  ASSERT_EQ(answer.status, 200) << answer.body;
  EXPECT_NE(answer.body.find("partners removed: riverside-peds-pulm"), std::string::npos) << answer.body;
  // The token it holds names a client that is gone; a new one is not issued.
  auto refused = post_as(gw_, token, visit_summary());
  EXPECT_EQ(refused.status, 401) << refused.body;
  EXPECT_TRUE(access_token(gw_, "riverside-peds-pulm", "system/Bundle.c", &error).empty());
  // The others are served as before.
  auto seed = dir_.path() / "seed.json";
  write_file(seed, seed_text());
  EXPECT_EQ(http_call("POST", gw_.url(pm), seed).status, 200);
}

TEST_F(config_reload, a_bad_file_is_refused_with_file_line_and_key_and_the_old_one_keeps_serving) {
  start();
  auto good = read_file(gw_.config);
  auto bad = good;
  auto at = bad.find("  max_attempts: 4\n");
  ASSERT_NE(at, std::string::npos) << bad;
  bad.replace(at, std::string("  max_attempts: 4\n").size(), "  max_attempts: many\n");
  bad = inserted(bad, "medical_homes:\n", rpp_partner());
  write_file(gw_.config, bad);
  auto answer = reload();
  ASSERT_EQ(answer.status, 422) << answer.body;
  EXPECT_NE(answer.body.find(gw_.config.string() + ":"), std::string::npos) << answer.body;
  EXPECT_NE(answer.body.find("delivery.max_attempts"), std::string::npos) << answer.body;
  EXPECT_NE(answer.body.find("the running configuration stays"), std::string::npos) << answer.body;
  // SIGHUP says the same in the log; nothing of the bad file was applied.
  ASSERT_TRUE(hangup_and_wait(gw_, "config.reload_failed")) << read_file(gw_.log);
  EXPECT_NE(read_file(gw_.log).find("delivery.max_attempts"), std::string::npos);
  std::string error;
  EXPECT_TRUE(access_token(gw_, "riverside-peds-pulm", rpp_scope(), &error).empty());
  auto seed = dir_.path() / "seed.json";
  write_file(seed, seed_text());
  EXPECT_EQ(http_call("POST", gw_.url(pm), seed).status, 200);
  // Fixed, it loads.
  write_file(gw_.config, good);
  EXPECT_EQ(reload().status, 200);
}

TEST_F(config_reload, restart_only_keys_are_named_and_the_rest_applies) {
  start();
  auto text = read_file(gw_.config);
  auto at = text.find("  io_threads: 2\n");
  ASSERT_NE(at, std::string::npos);
  text.replace(at, std::string("  io_threads: 2\n").size(), "  io_threads: 3\n");
  write_file(gw_.config, inserted(text, "medical_homes:\n", rpp_partner()));
  auto answer = reload();
  ASSERT_EQ(answer.status, 200) << answer.body;
  EXPECT_NE(answer.body.find("applied only after a restart (the running values stay): server.io_threads"),
            std::string::npos)
      << answer.body;
  EXPECT_NE(answer.body.find("partners added: riverside-peds-pulm"), std::string::npos) << answer.body;
  EXPECT_EQ(count_events(gw_, "config.restart_needed"), 1) << read_file(gw_.log);
}

std::string make_certificate(const temp_dir& dir, const std::string& cn) {
  std::string output;
  EXPECT_EQ(run({"openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                 "-keyout", (dir.path() / "server.key").string(), "-out",
                 (dir.path() / "server.pem").string(), "-days", "1", "-subj", "/CN=" + cn},
                output),
            0)
      << output;
  return output;
}

TEST_F(config_reload, a_rotated_certificate_reaches_new_connections_while_an_open_one_keeps_working) {
  make_certificate(dir_, "127.0.0.1");
  start({.tls = true});
  keep_alive_client before(gw_.process.port(), true);
  std::string error;
  ASSERT_TRUE(before.connect(error)) << error;
  ASSERT_EQ(before.request("GET", "/healthz").status, 200);
  auto old_fingerprint = before.peer_certificate_sha256();
  ASSERT_FALSE(old_fingerprint.empty());
  // Rotation: new files under the same names, then SIGHUP.
  make_certificate(dir_, "homebase-rotated");
  ASSERT_TRUE(hangup_and_wait(gw_, "config.reloaded")) << read_file(gw_.log);
  keep_alive_client after(gw_.process.port(), true);
  ASSERT_TRUE(after.connect(error)) << error;
  EXPECT_EQ(after.request("GET", "/healthz").status, 200);
  EXPECT_NE(after.peer_certificate_sha256(), old_fingerprint);
  auto still = before.request("GET", "/healthz");
  EXPECT_EQ(still.status, 200) << still.error;
  EXPECT_TRUE(still.keep_alive);
  EXPECT_EQ(before.peer_certificate_sha256(), old_fingerprint);
  // A key that does not load is refused, and the server keeps its certificate.
  write_file(dir_.path() / "server.key", "not a key\n");
  ASSERT_TRUE(hangup_and_wait(gw_, "config.reload_failed")) << read_file(gw_.log);
  EXPECT_NE(read_file(gw_.log).find("server.tls"), std::string::npos);
  keep_alive_client third(gw_.process.port(), true);
  ASSERT_TRUE(third.connect(error)) << error;
  EXPECT_EQ(third.request("GET", "/healthz").status, 200);
  EXPECT_EQ(third.peer_certificate_sha256(), after.peer_certificate_sha256());
}

TEST_F(config_reload, a_new_medical_home_gets_deliveries) {
  medical_home_server meadowbrook, riverside;
  temp_dir riverside_dir;  // each server logs to its own directory
  std::string error;
  ASSERT_TRUE(meadowbrook.start(dir_, {}, error)) << error;
  ASSERT_TRUE(riverside.start(riverside_dir, {}, error)) << error;
  start({.medical_home_base = meadowbrook.base()});
  const std::string home =
      "  - id: riverside\n    name: Riverside Family Medicine\n    fhir_base_url: " + riverside.base() +
      "\n    organization_identifiers:\n      - system: http://hl7.org/fhir/sid/us-npi\n"
      "        value: \"5555555555\"\n";
  write_file(gw_.config, inserted(read_file(gw_.config), "auth:\n", home));
  auto answer = reload();
  ASSERT_EQ(answer.status, 200) << answer.body;
  EXPECT_NE(answer.body.find("medical homes added: riverside"), std::string::npos) << answer.body;
  auto message = dir_.path() / "riverside-child.json";
  write_file(message, make_variant(seed_text(), {.bundle_id = "b-riverside-1",
                                                 .header_id = "h-riverside-1",
                                                 .mrn = "RIV-0001",
                                                 .gp_npi = "5555555555"}));
  auto sent = http_call("POST", gw_.url(pm), message);
  ASSERT_EQ(sent.status, 200) << sent.body;
  EXPECT_TRUE(eventually([&] { return riverside.transaction_posts() >= 1; })) << read_file(gw_.log);
  EXPECT_EQ(meadowbrook.transaction_posts(), 0);
}

// Scenario 16 (tests/fixtures/scenarios/16-partner-added-by-reload/README.md): Riverside Pediatric
// Pulmonology is added by a reload while St. Elsewhere's discharges stream in over several keep-alive
// connections; then Riverside sends its first visit summary. No request fails, no connection drops, and
// every acknowledged message is in the store.
TEST_F(config_reload, scenario_16_a_partner_added_by_reload_under_load) {
  start();
  std::string error;
  auto nicu = access_token(gw_, "st-elsewhere-nicu", {}, &error);
  ASSERT_FALSE(nicu.empty()) << error;
  ASSERT_TRUE(access_token(gw_, "riverside-peds-pulm", rpp_scope(), &error).empty()) << "not a client yet";
  const auto discharge = fixture("01-nicu-discharge.json");

  constexpr int connections = 4;
  constexpr int max_per_connection = 400;  // the load stops by itself even if the test's steps do not come
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(90);
  std::atomic<bool> stop{false};
  std::atomic<int> acked_total{0}, failed{0}, dropped{0};
  std::vector<std::atomic<int>> acked(connections);
  std::mutex m;
  std::vector<std::string> acknowledged, problems;
  std::vector<std::thread> load;
  for (int c = 0; c < connections; ++c)
    load.emplace_back([&, c] {
      keep_alive_client client(gw_.process.port(), false);
      std::string why;
      if (!client.connect(why)) {
        ++dropped;
        std::lock_guard lock(m);
        problems.push_back("connect: " + why);
        return;
      }
      for (int i = 0; i < max_per_connection && !stop && std::chrono::steady_clock::now() < give_up; ++i) {
        auto header = "s16-h-" + std::to_string(c) + "-" + std::to_string(i);
        auto body = make_variant(
            discharge,
            {.bundle_id = "s16-b-" + std::to_string(c) + "-" + std::to_string(i), .header_id = header});
        auto reply = client.request("POST", pm, body, {{"Authorization", "Bearer " + nicu}});
        if (reply.status == 200) {
          ++acked[c];
          ++acked_total;
          std::lock_guard lock(m);
          acknowledged.push_back(header);
        } else {
          ++failed;
          std::lock_guard lock(m);
          problems.push_back(std::to_string(reply.status) + " " + reply.error + " " +
                             reply.body.substr(0, 300));
        }
        if (reply.status == 0 || !reply.keep_alive) {  // a reset, an error or a close: a dropped connection
          ++dropped;
          return;
        }
      }
    });
  auto each_at_least = [&](const std::vector<int>& base, int more) {
    for (int c = 0; c < connections; ++c)
      if (acked[c].load() < base[c] + more) return false;
    return true;
  };
  std::vector<int> none(connections, 0);
  EXPECT_TRUE(
      eventually([&] { return each_at_least(none, 3) || failed || dropped; }, std::chrono::seconds(60)));

  // The reload, in the middle of the stream.
  write_file(gw_.config, inserted(read_file(gw_.config), "medical_homes:\n", rpp_partner()));
  EXPECT_TRUE(hangup_and_wait(gw_, "config.reloaded")) << read_file(gw_.log);
  std::vector<int> at_reload(connections);
  for (int c = 0; c < connections; ++c) at_reload[c] = acked[c].load();
  EXPECT_TRUE(
      eventually([&] { return each_at_least(at_reload, 3) || failed || dropped; }, std::chrono::seconds(60)));

  // The new partner, at once, while the load goes on.
  auto rpp = access_token(gw_, "riverside-peds-pulm", rpp_scope(), &error);
  EXPECT_FALSE(rpp.empty()) << error;
  auto summary = post_as(gw_, rpp, visit_summary());
  EXPECT_EQ(summary.status, 200) << summary.body;

  stop = true;
  for (auto& t : load) t.join();
  EXPECT_EQ(failed.load(), 0) << (problems.empty() ? "" : problems.front());
  EXPECT_EQ(dropped.load(), 0) << (problems.empty() ? "" : problems.front());
  EXPECT_GT(acked_total.load(), 6 * connections);
  auto stored = stored_header_ids(gw_, "st-elsewhere-nicu");
  int missing = 0;
  for (const auto& h : acknowledged) missing += stored.contains(h) ? 0 : 1;
  EXPECT_EQ(missing, 0) << "of " << acknowledged.size() << " acknowledged";
  EXPECT_EQ(stored_header_ids(gw_, "riverside-peds-pulm").size(), 1u);
  std::cout << "scenario 16: " << acked_total.load() << " messages acknowledged over " << connections
            << " keep-alive connections through the reload\n";
}

}  // namespace
}  // namespace homebase::testing
