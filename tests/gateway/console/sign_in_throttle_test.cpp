#include "gateway/console/sign_in_throttle.hpp"

#include <gtest/gtest.h>

namespace console = homebase::gateway::console;
using namespace std::chrono_literals;

namespace {
homebase::config::console_lockout lockout() {
  homebase::config::console_lockout l;
  l.failures = 3;
  l.address_failures = 5;
  l.window = 60s;
  l.duration = 300s;
  return l;
}
}  // namespace

TEST(sign_in_throttle, locks_a_user_after_repeated_failures) {
  console::sign_in_throttle t(lockout());
  auto now = console::sign_in_throttle::clock::now();
  EXPECT_FALSE(t.locked("ops", "10.0.0.1", now));
  t.failed("ops", "10.0.0.1", now);
  t.failed("ops", "10.0.0.2", now);
  EXPECT_FALSE(t.locked("ops", "10.0.0.3", now));
  t.failed("ops", "10.0.0.3", now);
  auto wait = t.locked("ops", "10.0.0.9", now + 1s);
  ASSERT_TRUE(wait);
  EXPECT_EQ(wait->count(), 299);
  EXPECT_FALSE(t.locked("maria", "10.0.0.9", now + 1s));  // another user from a fresh address
  EXPECT_FALSE(t.locked("ops", "10.0.0.9", now + 301s));  // the lock ends
}

TEST(sign_in_throttle, locks_an_address_trying_many_names) {
  console::sign_in_throttle t(lockout());
  auto now = console::sign_in_throttle::clock::now();
  for (int i = 0; i < 5; ++i) t.failed("user" + std::to_string(i), "10.0.0.7", now);
  EXPECT_TRUE(t.locked("someone-else", "10.0.0.7", now));
  EXPECT_FALSE(t.locked("someone-else", "10.0.0.8", now));
}

TEST(sign_in_throttle, forgets_failures_outside_the_window_and_after_success) {
  console::sign_in_throttle t(lockout());
  auto now = console::sign_in_throttle::clock::now();
  t.failed("ops", "a", now);
  t.failed("ops", "b", now);
  t.failed("ops", "c", now + 61s);  // the first two have left the window
  EXPECT_FALSE(t.locked("ops", "d", now + 61s));
  t.succeeded("ops");
  t.failed("ops", "e", now + 62s);
  t.failed("ops", "f", now + 62s);
  EXPECT_FALSE(t.locked("ops", "g", now + 62s));
}

TEST(sign_in_throttle, bounds_its_memory) {
  console::sign_in_throttle t(lockout(), 100);
  auto now = console::sign_in_throttle::clock::now();
  for (int i = 0; i < 1000; ++i) t.failed("u" + std::to_string(i), "addr" + std::to_string(i), now);
  // Nothing to assert on the size directly: the newest entries are still counted.
  t.failed("u999", "x", now);
  t.failed("u999", "y", now);
  EXPECT_TRUE(t.locked("u999", "z", now));
}
