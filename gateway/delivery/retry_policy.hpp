// retry_policy: what to do after a delivery attempt, and when to try again.
//   2xx -> sent. 5xx, 429, 408, no HTTP answer (connect error, timeout) -> retry after an exponential
//   backoff with jitter (base * 2^(attempt-1), capped, then a random point in [delay/2, delay]) until
//   max_attempts, then dead. Any other status -> dead at once (the destination will not accept it as is).
#pragma once

#include <chrono>
#include <cstdint>
#include <random>

namespace homebase::gateway::delivery {

enum class verdict { sent, retry, dead };

struct retry_policy {
  std::chrono::milliseconds base{500};
  std::chrono::milliseconds cap{60'000};
  int max_attempts = 8;

  // `attempts` counts the attempt just made (1 for the first). http_status 0 means no HTTP answer.
  [[nodiscard]] verdict classify(int http_status, int attempts) const;
  [[nodiscard]] std::chrono::milliseconds backoff(int attempts, std::mt19937_64& rng) const;
};

}  // namespace homebase::gateway::delivery
