// TEMPORARY placeholder with the agreed interface; replaced by the edge helper's unit at merge.
#pragma once
#include <chrono>
#include <string_view>
#include "config/gateway_config.hpp"
namespace homebase::gateway::auth {
class rate_limiter {
 public:
  explicit rate_limiter(std::size_t max_keys = 100'000);
  bool take(std::string_view key, const config::rate_limit& rate, std::chrono::steady_clock::time_point now,
            int* retry_after_s = nullptr);
};
}  // namespace homebase::gateway::auth
