// retry_policy: what to do after a delivery attempt, and when to try again.
//   2xx -> sent.
//   5xx, 429, 408, no HTTP answer (connect error, timeout, no token) -> transient: retry, until the
//     delivery has been queued for `give_up_after` (default 72 h), then dead. With max_attempts > 0
//     (kept for configurations written before issue 10), also dead once that many attempts were made.
//   Any other status -> dead at once (the destination will not accept it as it is).
// The wait before the next attempt is an exponential backoff with jitter: base * 2^(attempts-1), capped
// at `cap` (default 1 h), then a random point in [delay/2, delay] ("equal jitter", so that the rows and
// gateways that failed together do not retry together). On 429 and 503 a Retry-After from the destination
// (gateway/delivery/retry_after) replaces the backoff, at least `base` and at most `cap`.
// With the defaults (base 1 s, cap 1 h, 72 h) an outage of an hour costs about 12 attempts per
// delivery and dead-letters nothing; retry_policy_test walks it. Pure; no exceptions.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <random>

#include "config/gateway_config.hpp"

namespace homebase::gateway::delivery {

enum class verdict { sent, retry, dead };

struct retry_policy {
  std::chrono::milliseconds base{1'000};
  std::chrono::milliseconds cap{3'600'000};
  std::chrono::milliseconds give_up_after{std::chrono::hours(72)};
  int max_attempts = 0;  // 0: no limit by count

  // The settings of `delivery:` (config/gateway_config).
  [[nodiscard]] static retry_policy of(const config::delivery_settings& settings);

  // Whether an answer (http_status 0: none) is worth another attempt at all.
  [[nodiscard]] static bool transient(int http_status);
  // `attempts` counts the attempt just made (1 for the first); `queued_for` is how long the delivery has
  // been waiting since it was queued (or requeued).
  [[nodiscard]] verdict classify(int http_status, int attempts, std::chrono::milliseconds queued_for) const;
  [[nodiscard]] std::chrono::milliseconds backoff(int attempts, std::mt19937_64& rng) const;
  // The wait before the next attempt after a transient failure: the destination's Retry-After on 429 and
  // 503 when it gave one (bounded by base and cap), else backoff(attempts).
  [[nodiscard]] std::chrono::milliseconds next_delay(int http_status, int attempts,
                                                     std::optional<std::chrono::milliseconds> retry_after,
                                                     std::mt19937_64& rng) const;
};

}  // namespace homebase::gateway::delivery
