#include "gateway/console/sign_in_throttle.hpp"

#include <algorithm>

namespace homebase::gateway::console {

std::optional<std::chrono::seconds> sign_in_throttle::lock_of(std::map<std::string, entry>& table,
                                                              const std::string& key, clock::time_point now) {
  auto it = table.find(key);
  if (it == table.end() || it->second.locked_until <= now) return std::nullopt;
  auto left = std::chrono::ceil<std::chrono::seconds>(it->second.locked_until - now);
  return std::max(left, std::chrono::seconds(1));
}

std::optional<std::chrono::seconds> sign_in_throttle::locked(const std::string& user,
                                                             const std::string& address,
                                                             clock::time_point now) {
  std::lock_guard lock(mutex_);
  auto by_user = lock_of(users_, user, now);
  auto by_address = lock_of(addresses_, address, now);
  if (by_user && by_address) return std::max(*by_user, *by_address);
  return by_user ? by_user : by_address;
}

void sign_in_throttle::make_room(std::map<std::string, entry>& table, clock::time_point now) {
  if (table.size() < max_entries_) return;
  std::erase_if(table, [&](const auto& kv) {
    const auto& e = kv.second;
    return e.locked_until <= now && (e.failures.empty() || e.failures.back() + settings_.window <= now);
  });
  if (table.size() < max_entries_) return;
  auto oldest = std::min_element(table.begin(), table.end(), [](const auto& a, const auto& b) {
    auto at = a.second.failures.empty() ? clock::time_point{} : a.second.failures.back();
    auto bt = b.second.failures.empty() ? clock::time_point{} : b.second.failures.back();
    return at < bt;
  });
  if (oldest != table.end()) table.erase(oldest);
}

void sign_in_throttle::count(std::map<std::string, entry>& table, const std::string& key, int limit,
                             clock::time_point now) {
  if (!table.contains(key)) make_room(table, now);
  auto& e = table[key];
  while (!e.failures.empty() && e.failures.front() + settings_.window <= now) e.failures.pop_front();
  e.failures.push_back(now);
  if (static_cast<int>(e.failures.size()) >= limit) {
    e.locked_until = now + settings_.duration;
    e.failures.clear();
  }
}

void sign_in_throttle::failed(const std::string& user, const std::string& address, clock::time_point now) {
  std::lock_guard lock(mutex_);
  count(users_, user, settings_.failures, now);
  count(addresses_, address, settings_.address_failures, now);
}

void sign_in_throttle::succeeded(const std::string& user) {
  std::lock_guard lock(mutex_);
  users_.erase(user);
}

}  // namespace homebase::gateway::console
