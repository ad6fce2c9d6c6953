#include "gateway/store/sqlite_store.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <future>

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
  m.received_at = iso_utc(now_ms());
  m.status = "queued";
  m.destination = "home";
  m.translation = "{}";
  m.route_note = n == "2" ? "no home" : "";
  return m;
}

TEST(sqlite_store, applies_migrations_once_and_keeps_data_across_reopen) {
  temp_db db;
  {
    sqlite_store store({db.path, 16});
    EXPECT_EQ(store.schema_version(), 2);
    EXPECT_TRUE(store.healthy());
    ASSERT_TRUE(run_job(store, [](write_tx& tx) {
      auto child = tx.save_child(std::nullopt, "{\"v\":1}", {{"mrn", "1"}});
      auto id = tx.insert_message(message("1"), "body");
      tx.insert_outbox(id, child, "home", 0);
      return tx.ok();
    }));
  }
  sqlite_store reopened({db.path, 16});
  EXPECT_EQ(reopened.schema_version(), 2);
  auto m = reopened.get_message(1);
  ASSERT_TRUE(m);
  EXPECT_EQ(m->route_note, "");
  EXPECT_EQ(reopened.get_message_body(1), "body");
  auto next = reopened.next_outbox("home");
  ASSERT_TRUE(next);
  EXPECT_EQ(next->record, "{\"v\":1}");
  EXPECT_EQ(next->header_id, "header-1");
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
  EXPECT_EQ(static_cast<int>(store.list_messages("", 1000, 0).size()), committed);
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
    tx.record_attempt(outbox_id, {iso_utc(now_ms()), 0, "connect: refused", ""}, "retrying",
                      now_ms() + 60'000);
    return tx.ok();
  }));
  auto next = store.next_outbox("home");
  ASSERT_TRUE(next);
  EXPECT_EQ(next->attempts, 1);
  EXPECT_GT(next->next_attempt_ms, now_ms());
  ASSERT_TRUE(run_job(store, [outbox_id](write_tx& tx) {
    tx.record_attempt(outbox_id, {iso_utc(now_ms()), 400, "", "{\"resourceType\":\"OperationOutcome\"}"},
                      "dead", 0);
    return tx.ok();
  }));
  EXPECT_FALSE(store.next_outbox("home"));
  EXPECT_EQ(store.get_message(1)->status, "dead");
  auto rows = store.outbox_for_message(1);
  ASSERT_EQ(rows.size(), 1u);
  ASSERT_EQ(rows[0].history.size(), 2u);
  EXPECT_EQ(rows[0].history[0].error, "connect: refused");
  EXPECT_EQ(rows[0].history[1].http_status, 400);
  ASSERT_TRUE(run_job(store, [](write_tx& tx) { return tx.requeue_outbox(1, 0) == 1; }));
  EXPECT_TRUE(store.next_outbox("home"));
  EXPECT_EQ(store.get_message(1)->status, "queued");
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

}  // namespace
}  // namespace homebase::gateway::store
