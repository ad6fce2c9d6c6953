#include "gateway/store/sqlite_store.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <future>
#include <map>

#include "fhir/fhir_time.hpp"
#include "tests/gateway/store/older_schema.hpp"

namespace homebase::gateway::store {
namespace {

namespace fs = std::filesystem;

struct temp_db {
  temp_db() {
    auto pattern = (fs::temp_directory_path() / "hb-store-XXXXXX").string();
    std::vector<char> buffer(pattern.begin(), pattern.end());
    buffer.push_back('\0');
    dir = mkdtemp(buffer.data());
    path = (dir / "test.db").string();
  }
  ~temp_db() {
    std::error_code ec;
    fs::remove_all(dir, ec);
  }
  fs::path dir;
  std::string path;
};

bool run_job(sqlite_store& store, sqlite_store::job job) {
  std::promise<bool> done;
  auto result = done.get_future();
  EXPECT_TRUE(store.submit(std::move(job), [&done](bool ok) { done.set_value(ok); }));
  return result.get();
}

stored_message message(const std::string& n) {
  stored_message m;
  m.bundle_id = "bundle-" + n;
  m.header_id = "header-" + n;
  m.partner_id = "p";
  m.event_code = "nicu-discharge";
  m.received_at = fhir::format_instant(now_ms());
  m.status = message_status::queued;
  m.destination = "home";
  m.translation = "{}";
  m.route_note = n == "2" ? "no home" : "";
  return m;
}

TEST(sqlite_store, applies_migrations_once_and_keeps_data_across_reopen) {
  temp_db db;
  {
    sqlite_store store({db.path, 16});
    EXPECT_EQ(store.schema_version(), sqlite_store::latest_schema_version());
    EXPECT_GE(store.schema_version(), 2);
    EXPECT_TRUE(store.healthy());
    ASSERT_TRUE(run_job(store, [](write_tx& tx) {
      auto child = tx.save_child(std::nullopt, "{\"v\":1}", {{"mrn", "1"}});
      auto id = tx.insert_message(message("1"), "body");
      tx.insert_outbox(id, child, "home", 0);
      return tx.ok();
    }));
  }
  sqlite_store reopened({db.path, 16});
  EXPECT_EQ(reopened.schema_version(), sqlite_store::latest_schema_version());
  auto m = reopened.get_message(1);
  ASSERT_TRUE(m);
  EXPECT_EQ(m->route_note, "");
  EXPECT_EQ(reopened.get_message_body(1), "body");
  auto due = reopened.due_outbox("home", INT64_MAX, 10);
  ASSERT_EQ(due.size(), 1u);
  EXPECT_EQ(reopened.read_child_record(due[0].child_id), "{\"v\":1}");
  EXPECT_EQ(due[0].header_id, "header-1");
}

TEST(sqlite_store, a_new_database_gets_16_kib_pages_and_an_existing_one_keeps_its_own) {
  auto page_size = [](const std::string& path) {
    sqlite3* raw = nullptr;
    sqlite3_open(path.c_str(), &raw);
    sqlite3_stmt* s = nullptr;
    sqlite3_prepare_v2(raw, "PRAGMA page_size", -1, &s, nullptr);
    std::int64_t size = sqlite3_step(s) == SQLITE_ROW ? sqlite3_column_int64(s, 0) : 0;
    sqlite3_finalize(s);
    sqlite3_close(raw);
    return size;
  };
  temp_db fresh;
  { sqlite_store store({fresh.path, 16}); }
  EXPECT_EQ(page_size(fresh.path), 16384);

  temp_db older;  // made by a gateway before 16 KiB pages: WAL keeps the page size it has
  {
    sqlite3* raw = nullptr;
    ASSERT_EQ(sqlite3_open(older.path.c_str(), &raw), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(raw, "PRAGMA page_size=4096; PRAGMA journal_mode=WAL; CREATE TABLE t(x);", nullptr,
                           nullptr, nullptr),
              SQLITE_OK);
    sqlite3_close(raw);
  }
  {
    sqlite_store store({older.path, 16});
    EXPECT_EQ(store.schema_version(), sqlite_store::latest_schema_version());
  }
  EXPECT_EQ(page_size(older.path), 4096);
}

TEST(sqlite_store, a_delivery_carries_the_correlation_id_of_its_message) {
  temp_db db;
  sqlite_store store({db.path, 16});
  ASSERT_TRUE(run_job(store, [](write_tx& tx) {
    auto child = tx.save_child(std::nullopt, "{}", {{"mrn", "1"}});
    auto m = message("1");
    m.request_id = "corr-7f3a";
    tx.insert_outbox(tx.insert_message(m, "body"), child, "home", 0);
    return tx.ok();
  }));
  auto due = store.due_outbox("home", now_ms(), 10);
  ASSERT_EQ(due.size(), 1u);
  EXPECT_EQ(due[0].request_id, "corr-7f3a");
  EXPECT_EQ(due[0].header_id, "header-1");
}

TEST(sqlite_store, statistics_count_group_commit_batches_by_size) {
  temp_db db;
  sqlite_store store({db.path, 16});
  auto before = store.statistics();
  ASSERT_TRUE(run_job(store, [](write_tx& tx) { return tx.ok(); }));
  auto after = store.statistics();
  EXPECT_EQ(after.batches, before.batches + 1);
  EXPECT_EQ(after.jobs, before.jobs + 1);
  EXPECT_EQ(after.batch_buckets[0], before.batch_buckets[0] + 1);  // a batch of one job
}

TEST(sqlite_store, a_failing_job_rolls_back_only_its_own_changes_in_a_batch) {
  temp_db db;
  sqlite_store store({db.path, 256});
  std::vector<std::promise<bool>> done(50);
  std::vector<std::future<bool>> results;
  for (auto& d : done) results.push_back(d.get_future());
  for (int i = 0; i < 50; ++i) {
    store.submit(
        [i](write_tx& tx) {
          tx.insert_message(message(std::to_string(i)), "b");
          return i % 10 != 3;  // every tenth job fails after writing
        },
        [&done, i](bool ok) { done[i].set_value(ok); });
  }
  int committed = 0;
  for (int i = 0; i < 50; ++i) {
    bool ok = results[i].get();
    EXPECT_EQ(ok, i % 10 != 3) << i;
    committed += ok;
  }
  EXPECT_EQ(static_cast<int>(store.list_messages(std::nullopt, 1000, 0).size()), committed);
}

TEST(sqlite_store, a_header_id_is_stored_once) {
  temp_db db;
  sqlite_store store({db.path, 16});
  ASSERT_TRUE(run_job(store, [](write_tx& tx) {
    tx.insert_message(message("1"), "b");
    return tx.ok();
  }));
  EXPECT_FALSE(run_job(store, [](write_tx& tx) {
    tx.insert_message(message("1"), "b");  // unique index on header_id
    return tx.ok();
  }));
  ASSERT_TRUE(run_job(store, [](write_tx& tx) { return tx.message_by_header("p", "header-1").has_value(); }));
  // Another partner's stream may use the same id.
  EXPECT_TRUE(run_job(store, [](write_tx& tx) {
    auto m = message("1");
    m.partner_id = "other";
    tx.insert_message(m, "b");
    return tx.ok() && !tx.message_by_header("nobody", "header-1") &&
           tx.message_by_bundle("other", "bundle-1");
  }));
}

TEST(sqlite_store, every_status_has_one_text_and_back) {
  for (auto s : {message_status::unroutable, message_status::held_for_match, message_status::queued,
                 message_status::retrying, message_status::sent, message_status::dead})
    EXPECT_EQ(message_status_from_text(to_text(s)), s) << to_text(s);
  for (auto s : {outbox_status::queued, outbox_status::retrying, outbox_status::sent, outbox_status::dead}) {
    EXPECT_EQ(outbox_status_from_text(to_text(s)), s) << to_text(s);
    EXPECT_EQ(to_text(message_status_of(s)), to_text(s));  // a routed message shows its delivery's state
  }
  EXPECT_EQ(message_status_from_text("rejected"), std::nullopt);
  EXPECT_EQ(outbox_status_from_text("Queued"), std::nullopt);
  EXPECT_EQ(outbox_status_from_text("held_for_match"), std::nullopt);
}

TEST(sqlite_store, attempts_move_the_outbox_row_and_the_message_status) {
  temp_db db;
  sqlite_store store({db.path, 16});
  std::int64_t outbox_id = 0;
  ASSERT_TRUE(run_job(store, [&outbox_id](write_tx& tx) {
    auto child = tx.save_child(std::nullopt, "{}", {{"mrn", "1"}});
    auto id = tx.insert_message(message("1"), "b");
    outbox_id = tx.insert_outbox(id, child, "home", 0);
    return tx.ok();
  }));
  ASSERT_TRUE(run_job(store, [outbox_id](write_tx& tx) {
    tx.record_attempt(outbox_id, {fhir::format_instant(now_ms()), 0, "connect: refused", ""},
                      outbox_status::retrying, now_ms() + 60'000);
    return tx.ok();
  }));
  auto pending = store.due_outbox("home", INT64_MAX, 10);
  ASSERT_EQ(pending.size(), 1u);
  EXPECT_EQ(pending[0].attempts, 1);
  EXPECT_GT(pending[0].next_attempt_ms, now_ms());
  ASSERT_TRUE(run_job(store, [outbox_id](write_tx& tx) {
    tx.record_attempt(outbox_id,
                      {fhir::format_instant(now_ms()), 400, "", "{\"resourceType\":\"OperationOutcome\"}"},
                      outbox_status::dead, 0);
    return tx.ok();
  }));
  EXPECT_TRUE(store.due_outbox("home", INT64_MAX, 10).empty());
  EXPECT_EQ(store.get_message(1)->status, message_status::dead);
  auto rows = store.outbox_for_message(1);
  ASSERT_EQ(rows.size(), 1u);
  ASSERT_EQ(rows[0].history.size(), 2u);
  EXPECT_EQ(rows[0].history[0].error, "connect: refused");
  EXPECT_EQ(rows[0].history[1].http_status, 400);
  ASSERT_TRUE(run_job(store, [](write_tx& tx) { return tx.requeue_outbox(1, 0) == 1; }));
  EXPECT_EQ(store.due_outbox("home", INT64_MAX, 10).size(), 1u);
  EXPECT_EQ(store.get_message(1)->status, message_status::queued);
}

// ---- the delivery queue (issue 10) ----

// Children 1 and 2, with outbox rows in the order of `order` (child of each row), all due at `due`.
std::vector<std::int64_t> queue_rows(sqlite_store& store, const std::vector<int>& order, std::int64_t due,
                                     const std::string& destination = "home") {
  std::vector<std::int64_t> ids;
  EXPECT_TRUE(run_job(store, [&](write_tx& tx) {
    std::map<int, std::int64_t> children;
    for (int c : order) {
      if (!children.contains(c))
        children[c] = tx.save_child(std::nullopt, "{}", {{"mrn", destination + std::to_string(c)}});
      auto n = destination + std::to_string(ids.size());
      auto m = message(n);
      auto id = tx.insert_message(m, "b");
      ids.push_back(tx.insert_outbox(id, children[c], destination, due));
    }
    return tx.ok();
  }));
  return ids;
}

std::vector<std::int64_t> ids_of(const std::vector<outbox_row>& rows) {
  std::vector<std::int64_t> out;
  for (const auto& r : rows) out.push_back(r.id);
  return out;
}

TEST(sqlite_store, the_delivery_queue_offers_each_child_its_oldest_row_only) {
  temp_db db;
  sqlite_store store({db.path, 16});
  auto t = now_ms();
  auto ids = queue_rows(store, {1, 2, 1, 3, 2}, t - 10);  // rows 0..4: children 1, 2, 1, 3, 2
  // FIFO per child: the second rows of children 1 and 2 wait behind their first.
  EXPECT_EQ(ids_of(store.due_outbox("home", t, 10)), (std::vector<std::int64_t>{ids[0], ids[1], ids[3]}));
  EXPECT_EQ(ids_of(store.due_outbox("home", t, 2)), (std::vector<std::int64_t>{ids[0], ids[1]}));
  EXPECT_TRUE(store.due_outbox("elsewhere", t, 10).empty());
  auto first = store.due_outbox("home", t, 1);
  ASSERT_EQ(first.size(), 1u);
  EXPECT_EQ(first[0].header_id, "header-home0");
  EXPECT_EQ(first[0].queued_ms, t - 10);
  // Child 1's first row is sent: its second row is next. Child 2's first row failed and waits a minute:
  // its second row waits with it.
  ASSERT_TRUE(run_job(store, [&](write_tx& tx) {
    tx.record_attempt(ids[0], {fhir::format_instant(t), 200, "", ""}, outbox_status::sent, 0);
    tx.record_attempt(ids[1], {fhir::format_instant(t), 503, "", ""}, outbox_status::retrying, t + 60'000);
    return tx.ok();
  }));
  EXPECT_EQ(ids_of(store.due_outbox("home", t, 10)), (std::vector<std::int64_t>{ids[2], ids[3]}));
  EXPECT_EQ(store.next_outbox_due("home", t), t + 60'000);
  EXPECT_EQ(ids_of(store.due_outbox("home", t + 60'000, 10)),
            (std::vector<std::int64_t>{ids[2], ids[3], ids[1]}));
  // Dead letters leave the queue and let the child's next row go.
  ASSERT_TRUE(run_job(store, [&](write_tx& tx) {
    tx.record_attempt(ids[1], {fhir::format_instant(t), 400, "", ""}, outbox_status::dead, 0);
    return tx.ok();
  }));
  EXPECT_EQ(ids_of(store.due_outbox("home", t, 10)), (std::vector<std::int64_t>{ids[2], ids[3], ids[4]}));
  EXPECT_FALSE(store.next_outbox_due("home", t));
}

TEST(sqlite_store, outbox_counts_show_dead_letters_per_destination) {
  temp_db db;
  sqlite_store store({db.path, 16});
  auto t = now_ms();
  auto home = queue_rows(store, {1, 2, 3}, t - 5'000);
  queue_rows(store, {1}, t, "other");
  ASSERT_TRUE(run_job(store, [&](write_tx& tx) {
    tx.record_attempt(home[0], {fhir::format_instant(t), 422, "", ""}, outbox_status::dead, 0);
    tx.record_attempt(home[1], {fhir::format_instant(t), 0, "connect", ""}, outbox_status::retrying,
                      t + 1'000);
    return tx.ok();
  }));
  auto counts = store.outbox_counts();
  ASSERT_EQ(counts.size(), 2u);
  EXPECT_EQ(counts[0].destination, "home");
  EXPECT_EQ(counts[0].dead, 1);
  EXPECT_EQ(counts[0].retrying, 1);
  EXPECT_EQ(counts[0].queued, 1);
  EXPECT_EQ(counts[0].oldest_queued_ms, t - 5'000);
  EXPECT_EQ(counts[1].destination, "other");
  EXPECT_EQ(counts[1].queued, 1);
  EXPECT_EQ(counts[1].dead, 0);
  EXPECT_EQ(store.count_messages(message_status::dead), 1);
}

TEST(sqlite_store, replay_queues_again_by_status_destination_and_received_time) {
  temp_db db;
  sqlite_store store({db.path, 16});
  auto t = now_ms();
  // Four messages received a day apart (rows 0..3 to home, row 4 to other).
  std::vector<std::int64_t> rows;
  ASSERT_TRUE(run_job(store, [&](write_tx& tx) {
    for (int i = 0; i < 5; ++i) {
      auto child = tx.save_child(std::nullopt, "{}", {{"mrn", std::to_string(i)}});
      auto m = message(std::to_string(i));
      m.received_at = fhir::format_instant(t - (4 - i) * 86'400'000LL);
      auto id = tx.insert_message(m, "b");
      rows.push_back(tx.insert_outbox(id, child, i == 4 ? "other" : "home", t - 1'000));
    }
    tx.record_attempt(rows[0], {fhir::format_instant(t), 400, "", ""}, outbox_status::dead, 0);
    tx.record_attempt(rows[1], {fhir::format_instant(t), 400, "", ""}, outbox_status::dead, 0);
    tx.record_attempt(rows[2], {fhir::format_instant(t), 200, "", ""}, outbox_status::sent, 0);
    tx.record_attempt(rows[3], {fhir::format_instant(t), 0, "", ""}, outbox_status::retrying, t + 3'600'000);
    tx.record_attempt(rows[4], {fhir::format_instant(t), 400, "", ""}, outbox_status::dead, 0);
    return tx.ok();
  }));
  auto replay = [&store](const replay_filter& f, std::int64_t due) {
    replay_count out;
    EXPECT_TRUE(run_job(store, [&out, f, due](write_tx& tx) {
      out = tx.replay_outbox(f, due);
      return tx.ok();
    }));
    return out;
  };
  // Dead letters of `home` received from three days ago on: row 1 only (row 0 is older, row 4 elsewhere).
  auto dead = replay({{outbox_status::dead}, "home", fhir::format_instant(t - 3 * 86'400'000LL), ""}, t);
  EXPECT_EQ(dead.deliveries, 1);
  EXPECT_EQ(dead.messages, 1);
  EXPECT_EQ(dead.destinations, (std::vector<std::string>{"home"}));
  EXPECT_EQ(store.get_message(2)->status, message_status::queued);
  EXPECT_EQ(store.get_message(1)->status, message_status::dead);
  auto again = store.outbox_for_message(2);
  ASSERT_EQ(again.size(), 1u);
  EXPECT_EQ(again[0].status, outbox_status::queued);
  EXPECT_EQ(again[0].attempts, 0);
  EXPECT_EQ(again[0].next_attempt_ms, t);
  EXPECT_EQ(again[0].history.size(), 1u);  // the earlier attempt stays in the history
  // "Retry now" for what is waiting out a backoff, and a re-send of what was sent, before a time.
  auto waiting =
      replay({{outbox_status::retrying, outbox_status::sent}, "", "", fhir::format_instant(t)}, t + 5);
  EXPECT_EQ(waiting.deliveries, 2);
  EXPECT_EQ(store.outbox_for_message(3)[0].status, outbox_status::queued);
  EXPECT_EQ(store.outbox_for_message(4)[0].next_attempt_ms, t + 5);
  // Every dead letter anywhere: rows 0 and 4.
  auto all = replay({{outbox_status::dead}, "", "", ""}, t);
  EXPECT_EQ(all.deliveries, 2);
  EXPECT_EQ(all.destinations, (std::vector<std::string>{"home", "other"}));
  EXPECT_EQ(replay({{outbox_status::dead}, "", "", ""}, t).deliveries, 0);
  EXPECT_EQ(store.count_messages(message_status::dead), 0);
}

TEST(sqlite_store, migration_10_counts_the_retry_period_of_older_rows_from_their_last_change) {
  temp_db db;
  std::int64_t t = 1'795'453'200'000;  // 2026-11-23T17:00:00Z
  {
    sqlite_store store({db.path, 16});
    queue_rows(store, {1, 2}, t);
  }
  // Undo migrations 12, 11 and 10 and date the rows as a gateway before them did.
  const char* sql = R"sql(
DROP INDEX outbox_due;
DROP INDEX outbox_child_pending;
DROP INDEX outbox_dead;
ALTER TABLE outbox DROP COLUMN queued_ms;
UPDATE outbox SET updated_at = '2026-11-23T17:00:00.000Z', status = 'retrying' WHERE id = 1;
UPDATE outbox SET updated_at = '2026-11-23T18:00:00.000Z', status = 'sent' WHERE id = 2;
DELETE FROM schema_version WHERE version >= 10;
)sql";
  ASSERT_EQ(store::testing::take_back(db.path, sql), "");
  sqlite_store store({db.path, 16});
  EXPECT_EQ(store.schema_version(), sqlite_store::latest_schema_version());
  auto due = store.due_outbox("home", t + 1, 10);
  ASSERT_EQ(due.size(), 1u);
  EXPECT_EQ(due[0].queued_ms, t);
}

TEST(sqlite_store, migration_11_moves_each_message_body_into_its_own_table) {
  temp_db db;
  {
    sqlite_store store({db.path, 16});
    ASSERT_TRUE(run_job(store, [](write_tx& tx) {
      stored_message m;
      m.bundle_id = "b-1";
      m.header_id = "h-1";
      m.partner_id = "nicu";
      m.received_at = "2026-12-06T10:00:00Z";
      return tx.insert_message(m, "{\"resourceType\":\"Bundle\"}") == 1 && tx.ok();
    }));
  }
  // The store as migration 10 left it: the body inside the messages row (and no request_id, migration 12).
  const char* sql = R"sql(
DELETE FROM schema_version WHERE version >= 11;
)sql";
  ASSERT_EQ(store::testing::take_back(db.path, sql), "");
  sqlite_store store({db.path, 16});
  EXPECT_EQ(store.schema_version(), sqlite_store::latest_schema_version());
  EXPECT_EQ(store.get_message_body(1), "{\"resourceType\":\"Bundle\"}");
  std::string in_tx;
  ASSERT_TRUE(run_job(store, [&in_tx](write_tx& tx) {
    in_tx = tx.message_body(1);
    return tx.ok();
  }));
  EXPECT_EQ(in_tx, "{\"resourceType\":\"Bundle\"}");
  EXPECT_EQ(store.get_message(1)->header_id, "h-1");
}

TEST(sqlite_store, children_are_found_by_any_of_their_identifiers) {
  temp_db db;
  sqlite_store store({db.path, 16});
  ASSERT_TRUE(run_job(store, [](write_tx& tx) {
    tx.save_child(std::nullopt, "{\"v\":1}", {{"mrn", "1"}, {"ssn", "2"}});
    return tx.ok();
  }));
  ASSERT_TRUE(run_job(store, [](write_tx& tx) {
    auto found = tx.find_child({{"other", "x"}, {"ssn", "2"}});
    return found && found->first == 1 && found->second == "{\"v\":1}" && !tx.find_child({{"mrn", "9"}});
  }));
}

TEST(sqlite_store, refuses_a_database_from_a_newer_gateway) {
  temp_db db;
  { sqlite_store store({db.path, 16}); }
  {
    sqlite3* raw = nullptr;
    sqlite3_open(db.path.c_str(), &raw);
    sqlite3_exec(raw, "INSERT INTO schema_version(version) VALUES(99)", nullptr, nullptr, nullptr);
    sqlite3_close(raw);
  }
  EXPECT_THROW(sqlite_store({db.path, 16}), std::runtime_error);
}

// Patient matching reads children by identifier (all of them, distinct) and by birth date + match key.
TEST(sqlite_store, finds_match_candidates_by_identifier_and_by_birth_date_and_key) {
  temp_db db;
  sqlite_store store({db.path, 16});
  ASSERT_TRUE(run_job(store, [](write_tx& tx) {
    auto a = tx.save_child(std::nullopt, "{\"v\":2,\"n\":\"a\"}", {{"mrn", "1"}, {"mrn", "2"}});
    auto b = tx.save_child(std::nullopt, "{\"v\":2,\"n\":\"b\"}", {{"mrn", "3"}});
    tx.add_match_keys(a, "2024-01-17", {"family:sharma", "parent:s|RP1"});
    tx.add_match_keys(b, "2024-01-17", {"family:lopez"});
    tx.add_match_keys(b, "", {"family:sharma"});  // no birth date: not a candidate for anything
    auto both = tx.find_children({{"mrn", "1"}, {"mrn", "2"}, {"mrn", "3"}, {"mrn", "9"}});
    bool ok = both.size() == 2 && both[0].first == a && both[1].first == b;
    auto same_day = tx.children_matching("2024-01-17", {"family:sharma", "parent:s|RP1"});
    ok =
        ok && same_day.size() == 1 && same_day[0].first == a && same_day[0].second == "{\"v\":2,\"n\":\"a\"}";
    ok = ok && tx.children_matching("2024-01-18", {"family:sharma"}).empty();
    ok = ok && tx.child_record(b) && !tx.child_record(99);
    return ok && tx.ok();
  }));
}

TEST(sqlite_store, coordination_due_times_are_set_found_and_cleared_durably) {
  temp_db db;
  {
    sqlite_store store({db.path, 16});
    EXPECT_FALSE(store.earliest_coordination_due());
    ASSERT_TRUE(run_job(store, [](write_tx& tx) {
      auto a = tx.save_child(std::nullopt, "{}", {{"mrn", "a"}});
      auto b = tx.save_child(std::nullopt, "{}", {{"mrn", "b"}});
      tx.set_coordination_due(a, 5'000);
      tx.set_coordination_due(b, 9'000);
      tx.set_coordination_due(b, 3'000);  // a later run moves it
      return tx.ok();
    }));
  }
  sqlite_store store({db.path, 16});
  EXPECT_EQ(store.earliest_coordination_due(), 3'000);
  EXPECT_EQ(store.coordination_due_children(4'000, 10), (std::vector<std::int64_t>{2}));
  EXPECT_EQ(store.coordination_due_children(6'000, 10), (std::vector<std::int64_t>{2, 1}));
  ASSERT_TRUE(run_job(store, [](write_tx& tx) {
    EXPECT_EQ(tx.coordination_due(2), 3'000);
    EXPECT_EQ(tx.child_record(2), "{}");
    tx.set_coordination_due(2, std::nullopt);
    EXPECT_FALSE(tx.coordination_due(2));
    return tx.ok();
  }));
  EXPECT_EQ(store.earliest_coordination_due(), 5'000);
  ASSERT_TRUE(run_job(store, [](write_tx& tx) {
    EXPECT_FALSE(tx.latest_message_of_child(1));
    auto first = tx.insert_message(message("1"), "b1");
    auto m = message("2");
    m.child_id = 1;
    auto second = tx.insert_message(m, "b2");
    EXPECT_GT(second, first);
    EXPECT_EQ(tx.latest_message_of_child(1), second);
    return tx.ok();
  }));
}

}  // namespace
}  // namespace homebase::gateway::store
