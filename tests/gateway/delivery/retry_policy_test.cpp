#include "gateway/delivery/retry_policy.hpp"

#include <gtest/gtest.h>

namespace homebase::gateway::delivery {
namespace {

using namespace std::chrono_literals;
using std::chrono::milliseconds;

TEST(retry_policy, classifies_answers) {
  retry_policy p{.base = 100ms, .cap = 1000ms, .give_up_after = 1h, .max_attempts = 0};
  EXPECT_EQ(p.classify(200, 1, 0ms), verdict::sent);
  EXPECT_EQ(p.classify(201, 1, 0ms), verdict::sent);
  EXPECT_EQ(p.classify(503, 1, 0ms), verdict::retry);
  EXPECT_EQ(p.classify(429, 2, 0ms), verdict::retry);
  EXPECT_EQ(p.classify(408, 2, 0ms), verdict::retry);
  EXPECT_EQ(p.classify(0, 2, 0ms), verdict::retry);   // connection refused, timeout
  EXPECT_EQ(p.classify(400, 1, 0ms), verdict::dead);  // the destination will not take it as it is
  EXPECT_EQ(p.classify(404, 1, 0ms), verdict::dead);
  EXPECT_EQ(p.classify(422, 1, 0ms), verdict::dead);
}

TEST(retry_policy, gives_up_after_a_period_not_a_count) {
  retry_policy p{.base = 100ms, .cap = 1000ms, .give_up_after = 1h, .max_attempts = 0};
  EXPECT_EQ(p.classify(500, 10'000, 59min), verdict::retry);  // however many attempts
  EXPECT_EQ(p.classify(500, 3, 1h), verdict::dead);
  EXPECT_EQ(p.classify(0, 3, 2h), verdict::dead);
  EXPECT_EQ(p.classify(200, 3, 2h), verdict::sent);  // a success is a success, however late
}

TEST(retry_policy, max_attempts_still_limits_when_configured) {
  retry_policy p{.base = 100ms, .cap = 1000ms, .give_up_after = 1h, .max_attempts = 3};
  EXPECT_EQ(p.classify(500, 2, 0ms), verdict::retry);
  EXPECT_EQ(p.classify(500, 3, 0ms), verdict::dead);
}

TEST(retry_policy, defaults_are_exponential_to_an_hour_for_72_hours) {
  config::delivery_settings defaults;
  auto p = retry_policy::of(defaults);
  EXPECT_EQ(p.base, 1s);
  EXPECT_EQ(p.cap, 1h);
  EXPECT_EQ(p.give_up_after, 72h);
  EXPECT_EQ(p.max_attempts, 0);
}

TEST(retry_policy, backoff_grows_exponentially_with_jitter_and_a_cap) {
  retry_policy p{.base = 100ms, .cap = 1000ms, .give_up_after = 1h, .max_attempts = 0};
  std::mt19937_64 rng(42);
  for (int i = 0; i < 200; ++i) {
    auto first = p.backoff(1, rng).count();
    EXPECT_GE(first, 50);
    EXPECT_LE(first, 100);
    auto third = p.backoff(3, rng).count();
    EXPECT_GE(third, 200);
    EXPECT_LE(third, 400);
    auto late = p.backoff(30, rng).count();
    EXPECT_GE(late, 500);
    EXPECT_LE(late, 1000);
  }
}

TEST(retry_policy, retry_after_replaces_the_backoff_on_429_and_503_within_bounds) {
  retry_policy p{.base = 1s, .cap = 1h, .give_up_after = 72h, .max_attempts = 0};
  std::mt19937_64 rng(7);
  EXPECT_EQ(p.next_delay(503, 1, 120s, rng), 120s);
  EXPECT_EQ(p.next_delay(429, 9, 30s, rng), 30s);  // not the 9th attempt's backoff
  EXPECT_EQ(p.next_delay(503, 1, 0s, rng), 1s);    // never sooner than the base
  EXPECT_EQ(p.next_delay(429, 1, 48h, rng), 1h);   // capped: a day's silence is not kept
  auto other = p.next_delay(500, 1, 120s, rng);    // only 429 and 503 carry it
  EXPECT_LE(other, 1s);
  auto none = p.next_delay(503, 2, std::nullopt, rng);  // absent or unreadable: the backoff
  EXPECT_GE(none, 1s);
  EXPECT_LE(none, 2s);
}

// The whole story of one delivery, on a simulated clock: the medical home is down (no answer) from the
// moment the delivery is queued until `outage`, then answers 200. Returns the attempt times (ms after
// queueing) and the final verdict.
struct walk {
  std::vector<std::int64_t> attempts;
  verdict last = verdict::retry;
};
walk through_outage(const retry_policy& p, milliseconds outage, std::uint64_t seed) {
  walk w;
  std::mt19937_64 rng(seed);
  milliseconds now{0};
  for (int n = 1; n < 100'000; ++n) {
    w.attempts.push_back(now.count());
    int status = now < outage ? 0 : 200;
    w.last = p.classify(status, n, now);
    if (w.last != verdict::retry) return w;
    now += p.next_delay(status, n, std::nullopt, rng);
  }
  return w;
}

TEST(retry_policy, the_defaults_hold_a_one_hour_outage_and_deliver_soon_after) {
  auto p = retry_policy::of(config::delivery_settings{});
  for (std::uint64_t seed = 1; seed <= 50; ++seed) {
    auto w = through_outage(p, 1h, seed);
    ASSERT_EQ(w.last, verdict::sent) << "seed " << seed;  // nothing dead-lettered
    // A dozen attempts or so in the hour, not one a second.
    EXPECT_GE(w.attempts.size(), 11u);
    EXPECT_LE(w.attempts.size(), 15u);
    // Delivered at most one backoff cap after the home came back.
    EXPECT_LE(w.attempts.back(), milliseconds(1h + p.cap).count());
    // Never more than the cap between two attempts.
    for (std::size_t i = 1; i < w.attempts.size(); ++i)
      EXPECT_LE(w.attempts[i] - w.attempts[i - 1], p.cap.count());
  }
}

TEST(retry_policy, the_defaults_hold_three_days_then_dead_letter) {
  auto p = retry_policy::of(config::delivery_settings{});
  auto held = through_outage(p, 71h, 3);
  EXPECT_EQ(held.last, verdict::sent);
  auto lost = through_outage(p, 100h, 3);
  EXPECT_EQ(lost.last, verdict::dead);
  EXPECT_GE(lost.attempts.back(), milliseconds(72h).count());
  EXPECT_LE(lost.attempts.back(), milliseconds(72h + p.cap).count());
}

TEST(retry_policy, the_settings_before_issue_10_dead_lettered_within_minutes) {
  // base 500 ms, cap 60 s, 8 attempts: what the example config said until issue 10.
  retry_policy old{.base = 500ms, .cap = 60s, .give_up_after = 72h, .max_attempts = 8};
  auto w = through_outage(old, 1h, 5);
  EXPECT_EQ(w.last, verdict::dead);
  EXPECT_LT(w.attempts.back(), milliseconds(5min).count());
}

}  // namespace
}  // namespace homebase::gateway::delivery
