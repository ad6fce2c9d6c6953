#include "gateway/delivery/retry_policy.hpp"

#include <algorithm>

namespace homebase::gateway::delivery {

retry_policy retry_policy::of(const config::delivery_settings& d) {
  retry_policy p;
  p.base = d.base_backoff;
  p.cap = d.max_backoff;
  p.give_up_after = std::chrono::duration_cast<std::chrono::milliseconds>(d.give_up_after);
  p.max_attempts = d.max_attempts;
  return p;
}

bool retry_policy::transient(int http_status) {
  return http_status == 0 || http_status >= 500 || http_status == 429 || http_status == 408;
}

verdict retry_policy::classify(int http_status, int attempts, std::chrono::milliseconds queued_for) const {
  if (http_status >= 200 && http_status < 300) return verdict::sent;
  if (!transient(http_status)) return verdict::dead;
  if (max_attempts > 0 && attempts >= max_attempts) return verdict::dead;
  return queued_for >= give_up_after ? verdict::dead : verdict::retry;
}

std::chrono::milliseconds retry_policy::backoff(int attempts, std::mt19937_64& rng) const {
  int shift = std::clamp(attempts - 1, 0, 30);
  auto grown = base.count() * (std::int64_t{1} << shift);
  auto delay = std::min<std::int64_t>(grown, cap.count());
  if (delay <= 1) return std::chrono::milliseconds(delay);
  std::uniform_int_distribution<std::int64_t> jitter(delay / 2, delay);
  return std::chrono::milliseconds(jitter(rng));
}

std::chrono::milliseconds retry_policy::next_delay(int http_status, int attempts,
                                                   std::optional<std::chrono::milliseconds> retry_after,
                                                   std::mt19937_64& rng) const {
  if (retry_after && (http_status == 429 || http_status == 503))
    return std::clamp(*retry_after, base, std::max(base, cap));
  return backoff(attempts, rng);
}

}  // namespace homebase::gateway::delivery
