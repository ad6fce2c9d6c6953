// Retention and backups (issue 13 item 4), through the real binary:
//   - `homebase backup` while a thread keeps sending: the copy holds every message acknowledged before the
//     backup began, passes integrity_check, and opens as a store;
//   - the purge under load: nothing acknowledged is lost; delivered messages past retention lose only their
//     body and attempts; undelivered and unroutable ones keep theirs; a repeat of a purged message is still
//     recognised; old AuditEvents go.
// Retention durations of a second or two (config durations are written with a unit) and a purge pass every
// second, so the tests wait on events, never on a sleep.
#include <gtest/gtest.h>
#include <rapidjson/document.h>
#include <sqlite3.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <mutex>
#include <set>
#include <thread>

#include "gateway/store/sqlite_store.hpp"
#include "tests/integration/gateway_harness.hpp"
#include "tests/integration/message_variants.hpp"

namespace homebase::testing {
namespace {

const std::string pm = "/fhir/$process-message";

rapidjson::Document parse(const std::string& text) {
  rapidjson::Document doc;
  doc.Parse(text.c_str());
  return doc;
}

// Sends distinct messages (each another child) from its own thread until stopped; remembers each one the
// gateway acknowledged (200) with the time the answer came.
class sender {
 public:
  sender(const gateway_process& gw, const temp_dir& dir, std::string prefix, std::string gp_npi = {})
      : gw_(gw), dir_(dir), prefix_(std::move(prefix)), gp_npi_(std::move(gp_npi)) {}
  ~sender() { stop(); }
  void start() {
    thread_ = std::thread([this] {
      for (int i = 0; !stopping_; ++i) send_one(i);
    });
  }
  void stop() {
    stopping_ = true;
    if (thread_.joinable()) thread_.join();
  }
  // Sends one message now (on the caller's thread).
  bool send_one(int i) {
    char ids[2][64];
    std::snprintf(ids[0], sizeof ids[0], "%s%06d-0000-4000-8000-000000000001", prefix_.c_str(), i);
    std::snprintf(ids[1], sizeof ids[1], "%s%06d-0000-4000-8000-000000000002", prefix_.c_str(), i);
    auto file = dir_.path() / (prefix_ + std::to_string(i) + ".json");
    write_file(file, make_variant(seed_text(), {.bundle_id = ids[0],
                                                .header_id = ids[1],
                                                .mrn = "R-" + prefix_ + std::to_string(i),
                                                .gp_npi = gp_npi_}));
    auto reply = http_call("POST", gw_.url(pm), file);
    std::filesystem::remove(file);
    if (reply.status != 200) return false;
    std::lock_guard lock(mutex_);
    acked_.push_back({ids[1], std::chrono::steady_clock::now()});
    return true;
  }
  struct ack {
    std::string header_id;
    std::chrono::steady_clock::time_point at;
  };
  std::vector<ack> acked() const {
    std::lock_guard lock(mutex_);
    return acked_;
  }
  std::size_t count() const {
    std::lock_guard lock(mutex_);
    return acked_.size();
  }

 private:
  const gateway_process& gw_;
  const temp_dir& dir_;
  std::string prefix_;
  std::string gp_npi_;
  std::atomic<bool> stopping_{false};
  std::thread thread_;
  mutable std::mutex mutex_;
  std::vector<ack> acked_;
};

std::string integrity_check(const std::string& path) {
  sqlite3* db = nullptr;
  std::string result = "cannot open";
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK) {
    sqlite3_stmt* s = nullptr;
    if (sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &s, nullptr) == SQLITE_OK &&
        sqlite3_step(s) == SQLITE_ROW)
      result = reinterpret_cast<const char*>(sqlite3_column_text(s, 0));
    sqlite3_finalize(s);
  }
  sqlite3_close(db);
  return result;
}

// Every message's (partner, header id) in a store, through the store's own read interface.
std::set<std::string> header_ids(gateway::store::sqlite_store& store) {
  std::set<std::string> out;
  std::int64_t before = 0;
  for (;;) {
    auto page = store.list_messages(std::nullopt, 500, before);
    for (const auto& m : page) out.insert(m.header_id);
    if (page.size() < 500) break;
    before = page.back().id;
  }
  return out;
}

TEST(backup_command, a_backup_taken_under_load_holds_every_message_acknowledged_before_it) {
  temp_dir dir;
  std::string error;
  gateway_process gw;
  // The medical home does not answer: deliveries retry, the store only grows.
  ASSERT_TRUE(gw.start(dir, {.medical_home_base = "http://127.0.0.1:9/fhir", .max_attempts = 0}, error))
      << error;
  sender load(gw, dir, "b");
  load.start();
  ASSERT_TRUE(eventually([&] { return load.count() >= 15; }, std::chrono::seconds(60)));
  auto backup_began = std::chrono::steady_clock::now();
  auto copy = dir.path() / "backup.db";
  std::string output;
  int status = run({homebase_binary(), "backup", "--config", gw.config.string(), copy.string()}, output);
  auto acked_during = load.count();
  // Still acknowledging after the copy: the gateway was never stopped.
  ASSERT_TRUE(eventually([&] { return load.count() > acked_during; }, std::chrono::seconds(60)));
  load.stop();
  ASSERT_EQ(status, 0) << output;
  EXPECT_NE(output.find("quick_check ok"), std::string::npos) << output;
  EXPECT_NE(output.find("messages: "), std::string::npos) << output;
  EXPECT_EQ(integrity_check(copy.string()), "ok");

  // Restore: the copy opens as a store and holds every message acknowledged before the backup began.
  gateway::store::sqlite_store restored({copy.string(), 16});
  EXPECT_EQ(restored.schema_version(), gateway::store::sqlite_store::latest_schema_version());
  auto kept = header_ids(restored);
  int before = 0;
  for (const auto& a : load.acked())
    if (a.at < backup_began) {
      ++before;
      EXPECT_TRUE(kept.contains(a.header_id)) << a.header_id << " was acknowledged but is not in the backup";
    }
  EXPECT_GE(before, 15);
  // The live store went on meanwhile: it holds every message acknowledged at all.
  EXPECT_EQ(gw.process.stop(SIGTERM), 0);
  gateway::store::sqlite_store live({gw.db.string(), 16});
  auto all = header_ids(live);
  for (const auto& a : load.acked()) EXPECT_TRUE(all.contains(a.header_id)) << a.header_id;
}

TEST(backup_command, refuses_an_existing_target_and_explains_itself) {
  temp_dir dir;
  std::string output;
  EXPECT_EQ(run({homebase_binary(), "backup", "--help"}, output), 0);
  EXPECT_NE(output.find("usage: homebase backup --config CONFIG OUT"), std::string::npos) << output;
  EXPECT_NE(output.find("Restore"), std::string::npos) << output;
  EXPECT_EQ(run({homebase_binary(), "backup", "--config"}, output), 2);

  std::string error;
  gateway_process gw;
  ASSERT_TRUE(gw.start(dir, {.medical_home_base = "http://127.0.0.1:9/fhir"}, error)) << error;
  write_file(dir.path() / "taken.db", "already here");
  EXPECT_EQ(
      run({homebase_binary(), "backup", "--config", gw.config.string(), (dir.path() / "taken.db").string()},
          output),
      1);
  EXPECT_NE(output.find("already exists"), std::string::npos) << output;
  EXPECT_EQ(read_file(dir.path() / "taken.db"), "already here");
  EXPECT_EQ(run({homebase_binary(), "backup", "--config", (dir.path() / "none.yaml").string(),
                 (dir.path() / "out.db").string()},
                output),
            2);
}

// The admin view of message `id`: {status, body_purged, deliveries[0].history size}.
struct message_view {
  std::string status;
  bool body_purged = false;
  int history = -1;
  bool found = false;
};
message_view view(const gateway_process& gw, std::int64_t id) {
  auto doc = parse(http_call("GET", gw.url("/admin/messages/" + std::to_string(id))).body);
  message_view v;
  if (!doc.IsObject() || !doc.HasMember("status")) return v;
  v.found = true;
  v.status = doc["status"].GetString();
  v.body_purged = doc.HasMember("body_purged") && doc["body_purged"].GetBool();
  if (doc.HasMember("deliveries") && doc["deliveries"].Size() > 0)
    v.history = static_cast<int>(doc["deliveries"][0]["history"].Size());
  return v;
}

// Every message the admin browser lists: id -> header id is not shown, so id -> status.
std::map<std::int64_t, std::string> listed(const gateway_process& gw) {
  std::map<std::int64_t, std::string> out;
  std::string next = "/admin/messages?limit=1000";
  while (!next.empty()) {
    auto doc = parse(http_call("GET", gw.url(next)).body);
    if (!doc.IsObject() || !doc.HasMember("messages")) break;
    for (const auto& m : doc["messages"].GetArray()) out[m["id"].GetInt64()] = m["status"].GetString();
    next = doc.HasMember("next") ? doc["next"].GetString() : "";
  }
  return out;
}

double purged_metric(const gateway_process& gw, const std::string& kind) {
  auto text = http_call("GET", gw.url("/metrics")).body;
  auto key = "homebase_purged_total{kind=\"" + kind + "\"} ";
  auto at = text.find(key);
  return at == std::string::npos ? 0 : std::stod(text.substr(at + key.size()));
}

TEST(retention_purge, under_load_nothing_acknowledged_is_lost_and_only_delivered_bodies_go) {
  temp_dir dir;
  std::string error;
  medical_home_server home;
  ASSERT_TRUE(home.start(dir, {}, error)) << error;
  gateway_process gw;
  gateway_options options{.medical_home_base = home.base(), .max_attempts = 0};
  // A second home that never answers: its messages stay undelivered (retrying).
  options.second_home_base = "http://127.0.0.1:9/fhir";
  options.second_home_npi = "5555555555";
  options.extra_config =
      "retention:\n  message_bodies: 1s\n  delivery_attempts: 1s\n  audit_events: 2s\n  purge_every: 1s\n"
      "  purge_batch: 3\n  purge_pause_ms: 5\n";
  ASSERT_TRUE(gw.start(dir, options, error)) << error;

  // Before the load: one message for the home that does not answer, one that no home takes.
  sender waiting(gw, dir, "w", "5555555555");
  ASSERT_TRUE(waiting.send_one(0));
  sender lost(gw, dir, "u", "9999999999");
  ASSERT_TRUE(lost.send_one(0));
  // The load: messages delivered while the purge runs every second.
  auto audit_cutoff = std::chrono::system_clock::now();
  sender load(gw, dir, "p");
  load.start();
  ASSERT_TRUE(eventually([&] { return load.count() >= 12; }, std::chrono::seconds(90)));
  ASSERT_TRUE(eventually([&] { return purged_metric(gw, "message_body") > 0; }, std::chrono::seconds(60)));
  load.stop();
  const std::size_t acked = load.count() + 2;

  // Nothing acknowledged is lost: every message is listed, and every one for meadowbrook is delivered.
  std::map<std::int64_t, std::string> messages;
  ASSERT_TRUE(eventually(
      [&] {
        messages = listed(gw);
        int sent = 0;
        for (const auto& [id, status] : messages) sent += status == "sent";
        return messages.size() == acked && sent == static_cast<int>(acked) - 2;
      },
      std::chrono::seconds(90)))
      << messages.size() << " of " << acked;
  EXPECT_EQ(home.count("Patient"), static_cast<int>(acked) - 2);
  // Delivered and past retention: the body and the attempts go, the row and its status stay.
  ASSERT_TRUE(eventually(
      [&] {
        for (const auto& [id, status] : messages) {
          if (status != "sent") continue;
          auto v = view(gw, id);
          if (!v.found || !v.body_purged || v.history != 0) return false;
        }
        return true;
      },
      std::chrono::seconds(60)));
  // Not delivered: kept whole (message 1 waits for riverside, message 2 for a person).
  for (std::int64_t id : {1, 2}) {
    auto v = view(gw, id);
    ASSERT_TRUE(v.found);
    EXPECT_NE(v.status, "sent");
    EXPECT_FALSE(v.body_purged) << "message " << id << " (" << v.status << ") lost its body";
  }
  EXPECT_TRUE(eventually([&] { return view(gw, 1).history > 0; }));  // its failed attempts are kept too
  EXPECT_EQ(view(gw, 2).status, "unroutable");

  // A repeat of a purged message is recognised, not processed again, and says why it has no notes.
  auto patients = home.count("Patient");
  char bundle[64], header[64];
  std::snprintf(bundle, sizeof bundle, "p%06d-0000-4000-8000-000000000001", 0);
  std::snprintf(header, sizeof header, "p%06d-0000-4000-8000-000000000002", 0);
  auto repeat = dir.path() / "repeat.json";
  write_file(repeat, make_variant(seed_text(), {.bundle_id = bundle, .header_id = header, .mrn = "R-p0"}));
  auto reply = http_call("POST", gw.url(pm), repeat);
  EXPECT_EQ(reply.status, 200) << reply.body;
  EXPECT_NE(reply.body.find("purged under the retention policy"), std::string::npos) << reply.body;
  EXPECT_EQ(listed(gw).size(), acked);
  EXPECT_EQ(home.count("Patient"), patients);

  // AuditEvents older than their retention (2 s) go: none recorded before the load began is left.
  char date[64];
  auto t = std::chrono::system_clock::to_time_t(audit_cutoff);
  std::strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&t));
  auto operator_token = bearer(access_token(gw, "operator"));
  ASSERT_TRUE(eventually(
      [&] {
        auto trail = parse(
            http_call("GET", gw.url(std::string("/fhir/AuditEvent?date=le") + date), {}, "", operator_token)
                .body);
        return trail.IsObject() && trail.HasMember("total") && trail["total"].GetInt() == 0;
      },
      std::chrono::seconds(30)));
  EXPECT_GT(purged_metric(gw, "audit_event"), 0);
  EXPECT_GT(purged_metric(gw, "attempt"), 0);
}

}  // namespace
}  // namespace homebase::testing
