// rate_limiter: token buckets keyed by a string (a network address, a client id, "address|reason"), for
// the per-address limit before authentication (server.per_address_rate), the per-client limits and the
// failed-authentication throttle.
//
// A bucket holds at most `rate.burst` tokens and gains `rate.per_second` tokens a second; a new key starts
// with a full bucket. The rate is passed on every call (keys of one kind share one rate; a bucket keeps only
// its tokens and when it last refilled). Time is passed in (steady clock), so tests drive it explicitly.
//
// Memory is bounded: at most `max_keys` buckets. When a new key would exceed that, buckets that have refilled
// to full (idle keys: forgetting them changes nothing) are evicted first; if that is not enough, the quarter
// of the buckets touched longest ago goes (amortised O(1) per new key).
//
// Thread-safe: every call takes one mutex (the server calls it from all io threads).
#pragma once

#include <chrono>
#include <cstddef>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "config/gateway_config.hpp"

namespace homebase::gateway::auth {

class rate_limiter {
 public:
  explicit rate_limiter(std::size_t max_keys = 100'000);

  // Takes one token from `key`'s bucket; false when empty, with the whole seconds until one is there
  // (at least 1) in `*retry_after_s`. A rate with per_second == 0 is unlimited (always true, no bucket).
  bool take(std::string_view key, const config::rate_limit& rate, std::chrono::steady_clock::time_point now,
            int* retry_after_s = nullptr);

  // How many keys hold a bucket now (for tests and metrics).
  [[nodiscard]] std::size_t size() const;

 private:
  struct bucket {
    double tokens = 0;
    std::chrono::steady_clock::time_point last;  // when `tokens` was last brought up to date
    double per_second = 0;                       // the rate it was last used with (to tell when it is full)
    double burst = 0;
  };
  struct string_hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
  };

  // Makes room for one more key (mutex held).
  void evict(std::chrono::steady_clock::time_point now);

  const std::size_t max_keys_;
  mutable std::mutex mutex_;
  std::unordered_map<std::string, bucket, string_hash, std::equal_to<>> buckets_;  // guarded by mutex_
};

}  // namespace homebase::gateway::auth
