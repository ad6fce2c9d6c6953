#include "gateway/delivery/retry_policy.hpp"

#include <algorithm>

namespace homebase::gateway::delivery {

verdict retry_policy::classify(int http_status, int attempts) const {
  if (http_status >= 200 && http_status < 300) return verdict::sent;
  bool transient = http_status == 0 || http_status >= 500 || http_status == 429 || http_status == 408;
  if (!transient) return verdict::dead;
  return attempts >= max_attempts ? verdict::dead : verdict::retry;
}

std::chrono::milliseconds retry_policy::backoff(int attempts, std::mt19937_64& rng) const {
  int shift = std::clamp(attempts - 1, 0, 30);
  auto grown = base.count() * (std::int64_t{1} << shift);
  auto delay = std::min<std::int64_t>(grown, cap.count());
  if (delay <= 1) return std::chrono::milliseconds(delay);
  std::uniform_int_distribution<std::int64_t> jitter(delay / 2, delay);
  return std::chrono::milliseconds(jitter(rng));
}

}  // namespace homebase::gateway::delivery
