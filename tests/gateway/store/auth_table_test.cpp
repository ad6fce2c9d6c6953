#include "gateway/store/auth_table.hpp"

#include <gtest/gtest.h>

#include <future>

#include "tests/integration/gateway_harness.hpp"

namespace homebase::gateway::store {
namespace {

constexpr std::int64_t now = 1'800'000'000'000;

bool run_job(sqlite_store& store, sqlite_store::job job) {
  std::promise<bool> done;
  auto result = done.get_future();
  EXPECT_TRUE(store.submit(std::move(job), [&done](bool ok) { done.set_value(ok); }));
  return result.get();
}

// Whether remember_jti accepted the jti, in a committed job.
bool remember(sqlite_store& store, const std::string& iss, const std::string& jti, std::int64_t expires,
              std::int64_t at = now) {
  bool fresh = false;
  EXPECT_TRUE(run_job(store, [&](write_tx& tx) {
    fresh = auth_table::remember_jti(tx, iss, jti, expires, at);
    return tx.ok();
  }));
  return fresh;
}

struct auth_table_test : ::testing::Test {
  homebase::testing::temp_dir dir;
  std::string path = (dir.path() / "auth.db").string();
};

TEST_F(auth_table_test, a_jti_is_accepted_once_per_issuer_also_after_a_restart) {
  {
    sqlite_store s({path, 16});
    EXPECT_TRUE(remember(s, "care-app", "j-1", now + 300'000));
    EXPECT_FALSE(remember(s, "care-app", "j-1", now + 300'000));
    EXPECT_TRUE(remember(s, "other-app", "j-1", now + 300'000));  // per issuer
  }
  sqlite_store reopened({path, 16});
  EXPECT_FALSE(remember(reopened, "care-app", "j-1", now + 300'000, now + 1'000));
  EXPECT_FALSE(remember(reopened, "other-app", "j-1", now + 300'000, now + 1'000));
  EXPECT_TRUE(remember(reopened, "care-app", "j-2", now + 300'000, now + 1'000));
}

TEST_F(auth_table_test, an_expired_jti_may_be_used_again_and_expired_rows_go) {
  sqlite_store s({path, 16});
  for (int i = 0; i < 100; ++i) EXPECT_TRUE(remember(s, "care-app", "old-" + std::to_string(i), now + 10));
  EXPECT_TRUE(remember(s, "care-app", "old-7", now + 300'000, now + 10));  // expired: taken over
  EXPECT_FALSE(remember(s, "care-app", "old-7", now + 300'000, now + 20));
  // The calls after expiry delete the remaining old rows (at most 64 per call).
  EXPECT_TRUE(remember(s, "care-app", "new-1", now + 300'000, now + 20));
  EXPECT_TRUE(remember(s, "care-app", "new-2", now + 300'000, now + 20));
  std::int64_t rows = -1;
  s.read([&](sqlite3* db) {
    sqlite_statement q(db, "SELECT COUNT(*) FROM auth_jti");
    if (q.step() == SQLITE_ROW) rows = q.column_int(0);
  });
  EXPECT_EQ(rows, 3);  // old-7 (renewed), new-1, new-2
}

TEST_F(auth_table_test, a_kept_secret_is_not_replaced_and_is_read_back) {
  sqlite_store s({path, 16});
  EXPECT_EQ(auth_table::read_secret(s, "signing"), "");
  EXPECT_TRUE(run_job(s, [](write_tx& tx) { return auth_table::keep_secret(tx, "signing", "first"); }));
  EXPECT_TRUE(run_job(s, [](write_tx& tx) { return auth_table::keep_secret(tx, "signing", "second"); }));
  EXPECT_EQ(auth_table::read_secret(s, "signing"), "first");  // another replica's key wins
  EXPECT_EQ(auth_table::read_secret(s, "other"), "");
}

}  // namespace
}  // namespace homebase::gateway::store
