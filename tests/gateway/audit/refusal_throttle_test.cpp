// refusal_throttle: the first refusals of a minute one by one, the rest counted into one summary.
#include "gateway/audit/refusal_throttle.hpp"

#include <gtest/gtest.h>

#include <thread>

namespace homebase::gateway::audit {
namespace {

constexpr std::int64_t t0 = 1'795'453'200'000;

TEST(refusal_throttle, records_the_first_ones_then_counts_and_summarises_at_rollover) {
  refusal_throttle throttle(3);
  for (int i = 0; i < 3; ++i) {
    auto d = throttle.on_refusal("203.0.113.9", "invalid_token", t0 + i);
    EXPECT_TRUE(d.record);
    EXPECT_FALSE(d.summary);
  }
  for (int i = 0; i < 10; ++i) {
    auto d = throttle.on_refusal("203.0.113.9", "invalid_token", t0 + 1000 + i);
    EXPECT_FALSE(d.record);
    EXPECT_FALSE(d.summary);
  }
  // The next minute: this refusal is recorded again, and the counted ten come out as one summary.
  auto d = throttle.on_refusal("203.0.113.9", "invalid_token", t0 + refusal_throttle::window_ms);
  EXPECT_TRUE(d.record);
  ASSERT_TRUE(d.summary);
  EXPECT_EQ(d.summary->count, 10);
  EXPECT_EQ(d.summary->address, "203.0.113.9");
  EXPECT_EQ(d.summary->reason, "invalid_token");
  EXPECT_EQ(d.summary->window_start_ms, t0);
  EXPECT_EQ(d.summary->window_end_ms, t0 + refusal_throttle::window_ms);
}

TEST(refusal_throttle, keys_are_address_and_reason) {
  refusal_throttle throttle(1);
  EXPECT_TRUE(throttle.on_refusal("a", "invalid_token", t0).record);
  EXPECT_FALSE(throttle.on_refusal("a", "invalid_token", t0).record);
  EXPECT_TRUE(throttle.on_refusal("a", "forbidden", t0).record);
  EXPECT_TRUE(throttle.on_refusal("b", "invalid_token", t0).record);
}

TEST(refusal_throttle, flush_summarises_ended_windows_and_forgets_them) {
  refusal_throttle throttle(1);
  (void)throttle.on_refusal("a", "r", t0);
  (void)throttle.on_refusal("a", "r", t0 + 1);
  (void)throttle.on_refusal("a", "r", t0 + 2);
  (void)throttle.on_refusal("b", "r", t0 + 30'000);  // recorded, nothing counted
  EXPECT_TRUE(throttle.flush(t0 + 59'999).empty());  // no window over yet
  auto s = throttle.flush(t0 + refusal_throttle::window_ms);
  ASSERT_EQ(s.size(), 1U);
  EXPECT_EQ(s[0].address, "a");
  EXPECT_EQ(s[0].count, 2);
  EXPECT_EQ(throttle.tracked(), 1U);  // b's window is still open
  EXPECT_TRUE(throttle.flush(t0 + 90'000).empty());
  EXPECT_EQ(throttle.tracked(), 0U);
  // After the flush, a refusal starts afresh: recorded, no summary again.
  auto d = throttle.on_refusal("a", "r", t0 + 120'000);
  EXPECT_TRUE(d.record);
  EXPECT_FALSE(d.summary);
}

TEST(refusal_throttle, memory_is_bounded_and_overflow_is_still_counted) {
  refusal_throttle throttle(1, 4);
  for (int i = 0; i < 1000; ++i) (void)throttle.on_refusal("10.0.0." + std::to_string(i), "r", t0);
  EXPECT_LE(throttle.tracked(), 5U);  // four keys and the overflow key
  auto s = throttle.flush(t0 + refusal_throttle::window_ms);
  ASSERT_EQ(s.size(), 1U);
  EXPECT_EQ(s[0].address, "*");
  EXPECT_EQ(s[0].count, 996);
}

TEST(refusal_throttle, zero_per_minute_counts_everything) {
  refusal_throttle throttle(0);
  EXPECT_FALSE(throttle.on_refusal("a", "r", t0).record);
  auto s = throttle.flush(t0 + refusal_throttle::window_ms);
  ASSERT_EQ(s.size(), 1U);
  EXPECT_EQ(s[0].count, 1);
}

TEST(refusal_throttle, concurrent_refusals_are_each_recorded_or_counted) {
  refusal_throttle throttle(5);
  std::atomic<int> recorded{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&] {
      for (int i = 0; i < 250; ++i)
        if (throttle.on_refusal("a", "r", t0 + i).record) ++recorded;
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(recorded.load(), 5);
  auto s = throttle.flush(t0 + refusal_throttle::window_ms);
  ASSERT_EQ(s.size(), 1U);
  EXPECT_EQ(s[0].count, 995);
}

TEST(refusal_throttle, summary_record_carries_the_count) {
  auto r = summary_record({"203.0.113.9", "invalid_token", 42, t0, t0 + refusal_throttle::window_ms});
  EXPECT_EQ(r.kind, mappers::audit::audit_kind::refusal_summary);
  EXPECT_EQ(r.count, 42);
  EXPECT_EQ(r.client.address, "203.0.113.9");
  EXPECT_EQ(r.action_name, "invalid_token");
  EXPECT_EQ(r.recorded_ms, t0 + refusal_throttle::window_ms);
  EXPECT_NE(r.outcome_desc.find("42"), std::string::npos);
}

}  // namespace
}  // namespace homebase::gateway::audit
