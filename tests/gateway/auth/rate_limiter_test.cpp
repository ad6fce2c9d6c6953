#include "gateway/auth/rate_limiter.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

namespace homebase::gateway::auth {
namespace {

using clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

const clock::time_point t0{};  // an explicit clock: the tests move time themselves

TEST(rate_limiter, a_new_key_has_its_whole_burst_then_waits_for_the_rate) {
  rate_limiter limiter;
  config::rate_limit rate{.per_second = 2, .burst = 3};
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(limiter.take("10.0.0.1", rate, t0)) << i;
  int retry = 0;
  EXPECT_FALSE(limiter.take("10.0.0.1", rate, t0, &retry));
  EXPECT_EQ(retry, 1);  // half a second until the next token, rounded up to whole seconds
  EXPECT_FALSE(limiter.take("10.0.0.1", rate, t0 + 499ms));
  EXPECT_TRUE(limiter.take("10.0.0.1", rate, t0 + 500ms));
  EXPECT_FALSE(limiter.take("10.0.0.1", rate, t0 + 500ms));
}

TEST(rate_limiter, retry_after_counts_whole_seconds_until_a_token) {
  rate_limiter limiter;
  config::rate_limit slow{.per_second = 0.1, .burst = 1};  // one request every 10 s
  EXPECT_TRUE(limiter.take("k", slow, t0));
  int retry = 0;
  EXPECT_FALSE(limiter.take("k", slow, t0, &retry));
  EXPECT_EQ(retry, 10);
  EXPECT_FALSE(limiter.take("k", slow, t0 + 2500ms, &retry));
  EXPECT_EQ(retry, 8);  // 7.5 s left
  EXPECT_TRUE(limiter.take("k", slow, t0 + 10s));
}

TEST(rate_limiter, the_bucket_never_holds_more_than_the_burst) {
  rate_limiter limiter;
  config::rate_limit rate{.per_second = 100, .burst = 2};
  EXPECT_TRUE(limiter.take("k", rate, t0));
  // An hour idle refills to the burst, not to 360,000.
  int granted = 0;
  for (int i = 0; i < 10; ++i) granted += limiter.take("k", rate, t0 + 1h) ? 1 : 0;
  EXPECT_EQ(granted, 2);
}

TEST(rate_limiter, zero_per_second_is_unlimited_and_keeps_no_bucket) {
  rate_limiter limiter;
  config::rate_limit unlimited{};
  for (int i = 0; i < 1000; ++i) ASSERT_TRUE(limiter.take("k", unlimited, t0));
  EXPECT_EQ(limiter.size(), 0u);
}

TEST(rate_limiter, keys_have_their_own_buckets) {
  rate_limiter limiter;
  config::rate_limit rate{.per_second = 1, .burst = 1};
  EXPECT_TRUE(limiter.take("a", rate, t0));
  EXPECT_FALSE(limiter.take("a", rate, t0));
  EXPECT_TRUE(limiter.take("b", rate, t0));
  EXPECT_TRUE(limiter.take(std::string("c|bad-signature"), rate, t0));
}

TEST(rate_limiter, a_clock_going_backwards_adds_no_tokens) {
  rate_limiter limiter;
  config::rate_limit rate{.per_second = 1, .burst = 1};
  EXPECT_TRUE(limiter.take("k", rate, t0 + 10s));
  EXPECT_FALSE(limiter.take("k", rate, t0));
  EXPECT_FALSE(limiter.take("k", rate, t0 + 10s));
  EXPECT_TRUE(limiter.take("k", rate, t0 + 11s));
}

TEST(rate_limiter, memory_is_bounded_and_idle_full_buckets_go_first) {
  rate_limiter limiter(4);
  config::rate_limit rate{.per_second = 1, .burst = 2};
  // "busy" is empty and stays remembered; the others refill to full and are forgotten first.
  EXPECT_TRUE(limiter.take("busy", rate, t0 + 100s));
  EXPECT_TRUE(limiter.take("busy", rate, t0 + 100s));
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(limiter.take("idle" + std::to_string(i), rate, t0 + 98s));
  EXPECT_EQ(limiter.size(), 4u);
  EXPECT_TRUE(limiter.take("new", rate, t0 + 100s));
  EXPECT_LE(limiter.size(), 4u);
  EXPECT_FALSE(limiter.take("busy", rate, t0 + 100s));  // its empty bucket survived the eviction
}

TEST(rate_limiter, when_every_bucket_is_busy_the_oldest_go) {
  rate_limiter limiter(8);
  config::rate_limit rate{.per_second = 0.001, .burst = 1};  // nothing refills within the test
  for (int i = 0; i < 100; ++i) {
    ASSERT_TRUE(limiter.take("k" + std::to_string(i), rate, t0 + std::chrono::seconds(i)));
    ASSERT_LE(limiter.size(), 8u);
  }
  EXPECT_FALSE(limiter.take("k99", rate, t0 + 100s));  // the newest is still remembered
}

TEST(rate_limiter, takes_from_many_threads_never_grant_more_than_the_burst) {
  rate_limiter limiter;
  config::rate_limit rate{.per_second = 0.001, .burst = 500};
  std::atomic<int> granted{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&] {
      for (int i = 0; i < 400; ++i)
        if (limiter.take("shared", rate, t0)) ++granted;
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(granted.load(), 500);
}

}  // namespace
}  // namespace homebase::gateway::auth
