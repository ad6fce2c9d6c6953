#include "gateway/auth/rate_limiter.hpp"

#include <algorithm>
#include <cmath>
#include <vector>

namespace homebase::gateway::auth {

namespace {
using clock = std::chrono::steady_clock;

// The bucket's size: burst, or one request when no burst was configured.
double capacity(const config::rate_limit& rate) {
  return std::max(rate.burst, 1.0);
}

double seconds_between(clock::time_point from, clock::time_point to) {
  if (to <= from) return 0;  // a clock that went backwards (or the same instant) adds nothing
  return std::chrono::duration<double>(to - from).count();
}
}  // namespace

rate_limiter::rate_limiter(std::size_t max_keys) : max_keys_(std::max<std::size_t>(max_keys, 1)) {}

std::size_t rate_limiter::size() const {
  std::lock_guard lock(mutex_);
  return buckets_.size();
}

bool rate_limiter::take(std::string_view key, const config::rate_limit& rate, clock::time_point now,
                        int* retry_after_s) {
  if (!(rate.per_second > 0)) return true;  // unlimited (also guards against NaN)
  const double cap = capacity(rate);
  std::lock_guard lock(mutex_);
  auto it = buckets_.find(key);
  if (it == buckets_.end()) {
    if (buckets_.size() >= max_keys_) evict(now);
    it = buckets_.emplace(std::string(key), bucket{cap, now, rate.per_second, cap}).first;
  } else {
    auto& b = it->second;
    b.tokens = std::min(cap, b.tokens + seconds_between(b.last, now) * rate.per_second);
    if (now > b.last) b.last = now;
    b.per_second = rate.per_second;
    b.burst = cap;
  }
  auto& b = it->second;
  if (b.tokens >= 1.0) {
    b.tokens -= 1.0;
    return true;
  }
  if (retry_after_s) {
    double wait = std::ceil((1.0 - b.tokens) / rate.per_second);
    *retry_after_s = wait >= 86'400 ? 86'400 : std::max(1, static_cast<int>(wait));
  }
  return false;
}

void rate_limiter::evict(clock::time_point now) {
  // Idle keys first: a bucket that has refilled to full behaves exactly like a new one.
  std::erase_if(buckets_, [now](const auto& entry) {
    const auto& b = entry.second;
    return b.tokens + seconds_between(b.last, now) * b.per_second >= b.burst;
  });
  if (buckets_.size() < max_keys_) return;
  // Still full (many keys, all busy): forget the quarter touched longest ago, so that the next
  // max_keys / 4 new keys need no sweep.
  std::vector<clock::time_point> times;
  times.reserve(buckets_.size());
  for (const auto& [k, b] : buckets_) times.push_back(b.last);
  auto quarter = std::max<std::size_t>(times.size() / 4, 1);
  std::nth_element(times.begin(), times.begin() + static_cast<std::ptrdiff_t>(quarter - 1), times.end());
  auto cutoff = times[quarter - 1];
  std::size_t removed = 0;
  for (auto it = buckets_.begin(); it != buckets_.end() && removed < quarter;) {
    if (it->second.last <= cutoff) {
      it = buckets_.erase(it);
      ++removed;
    } else {
      ++it;
    }
  }
}

}  // namespace homebase::gateway::auth
