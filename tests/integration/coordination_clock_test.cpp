// Time-driven coordination rules on the real binary: a rule configured with a clock of seconds fires from
// the durable scheduler after the message was acknowledged, across gateway restarts, exactly once.
// The clock: the referral loop (a report is due `close_within` after the visit); the visit is the seed's
// pulmonology appointment, sent as fulfilled with a start of now.
#include <gtest/gtest.h>
#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>
#include <signal.h>
#include <sqlite3.h>

#include <chrono>
#include <ctime>
#include <thread>

#include "tests/integration/gateway_harness.hpp"
#include "tests/integration/message_variants.hpp"

namespace homebase::testing {
namespace {

const std::string process_message = "/fhir/$process-message";
const std::string loop_key = "referral-loop|REF-0048213-pulmonology";
constexpr int clock_seconds = 12;

std::string utc(std::time_t t) {
  std::tm tm{};
  gmtime_r(&t, &tm);
  char b[32];
  std::strftime(b, sizeof b, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return b;
}

// The seed story with its pulmonology visit done at `visit` (fulfilled).
std::string seed_with_visit(std::time_t visit) {
  rapidjson::Document doc;
  doc.Parse(seed_text().c_str());
  auto& alloc = doc.GetAllocator();
  for (auto& e : doc["entry"].GetArray()) {
    auto& r = e["resource"];
    if (std::string(r["resourceType"].GetString()) != "Appointment") continue;
    if (std::string(r["identifier"][0]["value"].GetString()) != "APT-0048213-pulmonology") continue;
    r["status"].SetString("fulfilled", alloc);
    auto start = utc(visit), end = utc(visit + 45 * 60);
    r["start"].SetString(start.c_str(), static_cast<rapidjson::SizeType>(start.size()), alloc);
    r["end"].SetString(end.c_str(), static_cast<rapidjson::SizeType>(end.size()), alloc);
  }
  rapidjson::StringBuffer b;
  rapidjson::Writer<rapidjson::StringBuffer> w(b);
  doc.Accept(w);
  return {b.GetString(), b.GetSize()};
}

struct store_view {
  int children = 0;
  int loop_items = 0;  // action items keyed `loop_key`
  int due_rows = 0;    // children with a pending coordination clock
  int outbox_rows = 0;
  int sent_rows = 0;
};

// Reads the store directly (read-only; WAL lets it run beside the gateway).
store_view read_store(const std::filesystem::path& db) {
  store_view v;
  sqlite3* raw = nullptr;
  if (sqlite3_open_v2(db.c_str(), &raw, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
    sqlite3_close(raw);
    return v;
  }
  sqlite3_busy_timeout(raw, 2000);
  auto count = [raw](const char* sql) {
    sqlite3_stmt* s = nullptr;
    int n = -1;
    if (sqlite3_prepare_v2(raw, sql, -1, &s, nullptr) == SQLITE_OK && sqlite3_step(s) == SQLITE_ROW)
      n = sqlite3_column_int(s, 0);
    sqlite3_finalize(s);
    return n;
  };
  v.due_rows = count("SELECT COUNT(*) FROM coordination_due");
  v.outbox_rows = count("SELECT COUNT(*) FROM outbox");
  v.sent_rows = count("SELECT COUNT(*) FROM outbox WHERE status = 'sent'");
  sqlite3_stmt* s = nullptr;
  if (sqlite3_prepare_v2(raw, "SELECT record FROM children", -1, &s, nullptr) == SQLITE_OK) {
    while (sqlite3_step(s) == SQLITE_ROW) {
      ++v.children;
      rapidjson::Document record;
      record.Parse(reinterpret_cast<const char*>(sqlite3_column_text(s, 0)));
      if (record.HasParseError() || !record.HasMember("ac")) continue;
      for (const auto& a : record["ac"].GetArray())
        if (a.HasMember("k") && a["k"].HasMember("v") && std::string(a["k"]["v"].GetString()) == loop_key) {
          ++v.loop_items;
          EXPECT_EQ(std::string(a["ty"].GetString()), "obtain_report");
          EXPECT_EQ(std::string(a["k"]["s"].GetString()), "http://homebase.example.org/fhir/sid/action-item");
        }
    }
  }
  sqlite3_finalize(s);
  sqlite3_close(raw);
  return v;
}

class coordination_clock : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string error;
    ASSERT_TRUE(home.start(dir, {}, error)) << error;
    options.medical_home_base = home.base();
    options.extra_config =
        "coordination:\n  referral_loop:\n    close_within: " + std::to_string(clock_seconds) + "s\n";
  }
  temp_dir dir;
  medical_home_server home;
  gateway_options options;
};

TEST_F(coordination_clock, a_clock_fires_once_from_the_scheduler_across_restarts) {
  gateway_process gw;
  std::string error;
  ASSERT_TRUE(gw.start(dir, options, error)) << error;
  auto visit = std::time(nullptr);
  auto message = dir.path() / "visit.json";
  write_file(message, seed_with_visit(visit));
  auto reply = http_call("POST", gw.url(process_message), message);
  ASSERT_EQ(reply.status, 200) << reply.body;
  ASSERT_TRUE(eventually([&] { return read_store(gw.db).sent_rows == 1; }));

  // Acknowledged and delivered, the clock pending, no task yet; the gateway stops before it is due.
  EXPECT_EQ(gw.process.stop(SIGTERM), 0);
  ASSERT_LT(std::time(nullptr), visit + clock_seconds) << "the machine was too slow to stop before the clock";
  auto before = read_store(gw.db);
  EXPECT_EQ(before.children, 1);
  EXPECT_EQ(before.loop_items, 0);
  EXPECT_EQ(before.due_rows, 1);
  EXPECT_EQ(home.transaction_posts(), 1);

  // Down while the clock comes due; on start the scheduler fires it at once.
  while (std::time(nullptr) <= visit + clock_seconds)
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  ASSERT_TRUE(gw.start(dir, options, error, false)) << error;
  ASSERT_TRUE(eventually([&] { return read_store(gw.db).loop_items == 1; }, std::chrono::seconds(15)));
  // The changed record goes to the medical home (a second outbox row, delivered and so validated).
  ASSERT_TRUE(eventually([&] { return read_store(gw.db).sent_rows == 2; }));
  EXPECT_EQ(home.transaction_posts(), 2);
  auto fired = read_store(gw.db);
  EXPECT_EQ(fired.due_rows, 0);  // the report clock was the last one pending
  EXPECT_EQ(fired.outbox_rows, 2);

  // Another restart: nothing fires again.
  EXPECT_EQ(gw.process.stop(SIGTERM), 0);
  ASSERT_TRUE(gw.start(dir, options, error, false)) << error;
  std::this_thread::sleep_for(std::chrono::seconds(2));
  auto again = read_store(gw.db);
  EXPECT_EQ(again.loop_items, 1);
  EXPECT_EQ(again.outbox_rows, 2);
  EXPECT_EQ(home.transaction_posts(), 2);
  EXPECT_EQ(gw.process.stop(SIGTERM), 0);
}

TEST_F(coordination_clock, a_clock_fires_while_the_gateway_runs) {
  gateway_process gw;
  std::string error;
  ASSERT_TRUE(gw.start(dir, options, error)) << error;
  auto visit = std::time(nullptr);
  auto message = dir.path() / "visit.json";
  write_file(message, seed_with_visit(visit));
  ASSERT_EQ(http_call("POST", gw.url(process_message), message).status, 200);
  EXPECT_EQ(read_store(gw.db).loop_items, 0);
  ASSERT_TRUE(eventually([&] { return read_store(gw.db).loop_items == 1; },
                         std::chrono::seconds(clock_seconds + 15)));
  EXPECT_GE(std::time(nullptr), visit + clock_seconds);  // not before the clock
  ASSERT_TRUE(eventually([&] { return read_store(gw.db).sent_rows == 2; }));
  EXPECT_EQ(read_store(gw.db).due_rows, 0);
  // The same message again changes nothing: the item exists once.
  ASSERT_EQ(http_call("POST", gw.url(process_message), message).status, 200);
  EXPECT_EQ(read_store(gw.db).loop_items, 1);
}

}  // namespace
}  // namespace homebase::testing
