// sign_in_throttle: lock-out after repeated failed console sign-ins (config console.lockout), counted per
// user name and per client address within a sliding window. The console asks `locked` BEFORE it checks a
// password, so a burst of guesses costs no scrypt work once the lock holds; a success clears the user's
// count (not the address's). Memory is bounded: at most `max_entries` names and addresses are tracked; when
// full, expired entries are dropped, then the oldest. Thread-safe (one mutex; every call is short).
#pragma once

#include <chrono>
#include <cstddef>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <string>

#include "config/gateway_config.hpp"

namespace homebase::gateway::console {

class sign_in_throttle {
 public:
  using clock = std::chrono::steady_clock;
  explicit sign_in_throttle(config::console_lockout settings, std::size_t max_entries = 10'000)
      : settings_(settings), max_entries_(max_entries) {}

  // How long sign-in stays refused for this user or address; nullopt when it may be tried now.
  [[nodiscard]] std::optional<std::chrono::seconds> locked(const std::string& user,
                                                           const std::string& address, clock::time_point now);
  // A wrong password (or an unknown user).
  void failed(const std::string& user, const std::string& address, clock::time_point now);
  void succeeded(const std::string& user);

 private:
  struct entry {
    std::deque<clock::time_point> failures;  // within the window, oldest first
    clock::time_point locked_until{};
  };
  void count(std::map<std::string, entry>& table, const std::string& key, int limit, clock::time_point now);
  std::optional<std::chrono::seconds> lock_of(std::map<std::string, entry>& table, const std::string& key,
                                              clock::time_point now);
  void make_room(std::map<std::string, entry>& table, clock::time_point now);

  config::console_lockout settings_;
  std::size_t max_entries_;
  std::mutex mutex_;
  std::map<std::string, entry> users_;      // guarded by mutex_
  std::map<std::string, entry> addresses_;  // guarded by mutex_
};

}  // namespace homebase::gateway::console
