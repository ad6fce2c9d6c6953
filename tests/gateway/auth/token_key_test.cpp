#include "gateway/auth/token_key.hpp"

#include <gtest/gtest.h>

#include "tests/integration/gateway_harness.hpp"

namespace homebase::gateway::auth {
namespace {

struct token_key_test : ::testing::Test {
  homebase::testing::temp_dir dir;
  std::string path = (dir.path() / "auth.db").string();
};

TEST_F(token_key_test, the_token_key_is_made_once_and_kept_across_a_restart) {
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

}  // namespace
}  // namespace homebase::gateway::auth
