#include "gateway/auth/auth_store.hpp"

#include <gtest/gtest.h>

#include <future>

#include "tests/integration/gateway_harness.hpp"

namespace homebase::gateway::auth {
namespace {

constexpr std::int64_t now = 1'800'000'000'000;

bool run_job(store::sqlite_store& store, store::sqlite_store::job job) {
  std::promise<bool> done;
  auto result = done.get_future();
  EXPECT_TRUE(store.submit(std::move(job), [&done](bool ok) { done.set_value(ok); }));
  return result.get();
}

// Whether remember_jti accepted the jti, in a committed job.
bool remember(store::sqlite_store& store, const std::string& iss, const std::string& jti,
              std::int64_t expires, std::int64_t at = now) {
  bool fresh = false;
  EXPECT_TRUE(run_job(store, [&](store::write_tx& tx) {
    fresh = remember_jti(tx, iss, jti, expires, at);
    return tx.ok();
  }));
  return fresh;
}

struct auth_store_test : ::testing::Test {
  homebase::testing::temp_dir dir;
  std::string path = (dir.path() / "auth.db").string();
};

TEST_F(auth_store_test, the_token_key_is_made_once_and_kept_across_a_restart) {
  std::string key;
  {
    store::sqlite_store s({path, 16});
    key = load_or_create_token_key(s);
    EXPECT_EQ(key.size(), 32u);
    EXPECT_EQ(load_or_create_token_key(s), key);
  }
  store::sqlite_store reopened({path, 16});
  EXPECT_EQ(load_or_create_token_key(reopened), key);

  homebase::testing::temp_dir other;
  store::sqlite_store elsewhere({(other.path() / "other.db").string(), 16});
  EXPECT_NE(load_or_create_token_key(elsewhere), key);
}

TEST_F(auth_store_test, a_jti_is_accepted_once_per_issuer_also_after_a_restart) {
  {
    store::sqlite_store s({path, 16});
    EXPECT_TRUE(remember(s, "care-app", "j-1", now + 300'000));
    EXPECT_FALSE(remember(s, "care-app", "j-1", now + 300'000));
    EXPECT_TRUE(remember(s, "other-app", "j-1", now + 300'000));  // per issuer
  }
  store::sqlite_store reopened({path, 16});
  EXPECT_FALSE(remember(reopened, "care-app", "j-1", now + 300'000, now + 1'000));
  EXPECT_FALSE(remember(reopened, "other-app", "j-1", now + 300'000, now + 1'000));
  EXPECT_TRUE(remember(reopened, "care-app", "j-2", now + 300'000, now + 1'000));
}

TEST_F(auth_store_test, an_expired_jti_may_be_used_again_and_expired_rows_go) {
  store::sqlite_store s({path, 16});
  for (int i = 0; i < 100; ++i) EXPECT_TRUE(remember(s, "care-app", "old-" + std::to_string(i), now + 10));
  EXPECT_TRUE(remember(s, "care-app", "old-7", now + 300'000, now + 10));  // expired: taken over
  EXPECT_FALSE(remember(s, "care-app", "old-7", now + 300'000, now + 20));
  // The calls after expiry delete the remaining old rows (at most 64 per call).
  EXPECT_TRUE(remember(s, "care-app", "new-1", now + 300'000, now + 20));
  EXPECT_TRUE(remember(s, "care-app", "new-2", now + 300'000, now + 20));
  std::int64_t rows = -1;
  s.read([&](sqlite3* db) {
    store::sqlite_statement q(db, "SELECT COUNT(*) FROM auth_jti");
    if (q.step() == SQLITE_ROW) rows = q.column_int(0);
  });
  EXPECT_EQ(rows, 3);  // old-7 (renewed), new-1, new-2
}

}  // namespace
}  // namespace homebase::gateway::auth
