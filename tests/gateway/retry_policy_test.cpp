#include "gateway/delivery/retry_policy.hpp"

#include <gtest/gtest.h>

namespace homebase::gateway::delivery {
namespace {

TEST(retry_policy, classifies_answers) {
  retry_policy p{std::chrono::milliseconds(100), std::chrono::milliseconds(1000), 3};
  EXPECT_EQ(p.classify(200, 1), verdict::sent);
  EXPECT_EQ(p.classify(201, 1), verdict::sent);
  EXPECT_EQ(p.classify(503, 1), verdict::retry);
  EXPECT_EQ(p.classify(429, 2), verdict::retry);
  EXPECT_EQ(p.classify(0, 2), verdict::retry);   // connection refused, timeout
  EXPECT_EQ(p.classify(500, 3), verdict::dead);  // max attempts reached
  EXPECT_EQ(p.classify(400, 1), verdict::dead);
  EXPECT_EQ(p.classify(404, 1), verdict::dead);
  EXPECT_EQ(p.classify(422, 1), verdict::dead);
}

TEST(retry_policy, backoff_grows_exponentially_with_jitter_and_a_cap) {
  retry_policy p{std::chrono::milliseconds(100), std::chrono::milliseconds(1000), 10};
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

}  // namespace
}  // namespace homebase::gateway::delivery
