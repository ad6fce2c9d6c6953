#include "gateway/console/password_hash.hpp"

#include <gtest/gtest.h>

namespace console = homebase::gateway::console;

namespace {
const console::scrypt_cost cheap{10, 8, 1};  // fast for tests; the default cost is checked once below
}

TEST(password_hash, verifies_the_right_password_only) {
  auto h = console::hash_password("correct horse battery staple", cheap);
  ASSERT_TRUE(h);
  EXPECT_TRUE(h->starts_with("$scrypt$ln=10,r=8,p=1$"));
  EXPECT_TRUE(console::is_password_hash(*h));
  EXPECT_TRUE(console::verify_password("correct horse battery staple", *h));
  EXPECT_FALSE(console::verify_password("correct horse battery stapl", *h));
  EXPECT_FALSE(console::verify_password("", *h));
}

TEST(password_hash, salts_every_hash) {
  auto a = console::hash_password("same", cheap);
  auto b = console::hash_password("same", cheap);
  ASSERT_TRUE(a && b);
  EXPECT_NE(*a, *b);
}

TEST(password_hash, default_cost_is_owasp_scrypt) {
  console::scrypt_cost cost;
  EXPECT_EQ(cost.log2_n, 15);
  EXPECT_EQ(cost.r, 8);
  EXPECT_EQ(cost.p, 3);
  auto h = console::hash_password("pw");
  ASSERT_TRUE(h);
  EXPECT_TRUE(h->starts_with("$scrypt$ln=15,r=8,p=3$"));
  EXPECT_TRUE(console::verify_password("pw", *h));
}

TEST(password_hash, refuses_malformed_and_out_of_bounds_strings) {
  auto h = *console::hash_password("pw", cheap);
  EXPECT_FALSE(console::is_password_hash(""));
  EXPECT_FALSE(console::is_password_hash("pw"));
  EXPECT_FALSE(console::is_password_hash("$argon2id$v=19$m=65536,t=3,p=4$c2FsdA$aGFzaA"));
  auto tail = h.substr(h.find('$', 8));
  EXPECT_FALSE(console::is_password_hash("$scrypt$ln=30,r=8,p=1" + tail));  // 2^30: refused, not run
  EXPECT_FALSE(console::is_password_hash("$scrypt$ln=15,r=8,p=99" + tail));
  EXPECT_FALSE(console::is_password_hash("$scrypt$ln=15,r=8" + tail));
  EXPECT_FALSE(console::is_password_hash(h + "$"));
  EXPECT_FALSE(console::is_password_hash(h.substr(0, h.size() - 2)));  // key shorter than 32 bytes
  EXPECT_FALSE(console::verify_password("pw", "$scrypt$ln=30,r=8,p=1" + tail));
  EXPECT_FALSE(console::hash_password("pw", {40, 8, 1}));
}
