#include "gateway/console/console_sessions.hpp"

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include <algorithm>

#include "gateway/auth/base64url.hpp"
#include "gateway/store/sqlite_store.hpp"

namespace homebase::gateway::console {

namespace bhttp = boost::beast::http;

console_sessions::console_sessions(const config::console_settings& settings, clock_fn now_ms,
                                   std::size_t max_sessions)
    : ttl_ms_(std::chrono::duration_cast<std::chrono::milliseconds>(settings.session_ttl).count()),
      idle_ms_(std::chrono::duration_cast<std::chrono::milliseconds>(settings.idle_timeout).count()),
      now_ms_(now_ms ? std::move(now_ms) : clock_fn([] { return store::now_ms(); })),
      max_sessions_(std::max<std::size_t>(max_sessions, 1)) {}

std::string console_sessions::random_token() {
  unsigned char bytes[32];
  if (RAND_bytes(bytes, sizeof bytes) != 1) return {};
  return auth::base64url_encode(std::string_view(reinterpret_cast<const char*>(bytes), sizeof bytes));
}

std::string console_sessions::set_cookie(std::string_view name, std::string_view value, bool secure,
                                         long long max_age_seconds) {
  std::string c(name);
  c.append("=").append(value).append("; Path=/console; HttpOnly; SameSite=Strict");
  if (secure) c.append("; Secure");
  if (max_age_seconds >= 0) c.append("; Max-Age=").append(std::to_string(max_age_seconds));
  return c;
}

bool console_sessions::ended(const console_session& s, std::int64_t now) const {
  return now >= s.created_ms + ttl_ms_ || now >= s.last_seen_ms + idle_ms_;
}

http::response console_sessions::signed_in(const console_identity& who, bool secure_cookie,
                                           std::string_view to, unsigned version) {
  console_session s;
  s.id = random_token();
  s.csrf = random_token();
  if (s.id.empty() || s.csrf.empty())
    return http::make_error(bhttp::status::service_unavailable, "transient",
                            "no randomness for a session id; try again", {}, version);
  s.who = who;
  s.created_ms = s.last_seen_ms = now_ms_();
  {
    std::lock_guard lock(mutex_);
    if (sessions_.size() >= max_sessions_) {
      auto now = s.created_ms;
      std::erase_if(sessions_, [&](const auto& kv) { return ended(kv.second, now); });
      if (sessions_.size() >= max_sessions_)
        sessions_.erase(std::min_element(
            sessions_.begin(), sessions_.end(),
            [](const auto& a, const auto& b) { return a.second.last_seen_ms < b.second.last_seen_ms; }));
    }
    sessions_[s.id] = s;
  }
  http::response res{bhttp::status::see_other, version};
  res.set(bhttp::field::location, to);
  res.set(bhttp::field::set_cookie, set_cookie(cookie_name, s.id, secure_cookie, ttl_ms_ / 1000));
  res.set(bhttp::field::cache_control, "no-store");
  res.prepare_payload();
  return res;
}

std::optional<console_session> console_sessions::find(const http::request& req) {
  auto id = cookie(req, cookie_name);
  if (id.empty()) return std::nullopt;
  auto now = now_ms_();
  std::lock_guard lock(mutex_);
  auto it = sessions_.find(id);
  if (it == sessions_.end()) return std::nullopt;
  if (ended(it->second, now)) {
    sessions_.erase(it);
    return std::nullopt;
  }
  it->second.last_seen_ms = now;
  return it->second;
}

bool console_sessions::csrf_ok(const console_session& session, const http::request& req) {
  std::string given(req["X-CSRF-Token"]);
  if (given.empty() && req[bhttp::field::content_type].starts_with("application/x-www-form-urlencoded"))
    given = form_field(req.body(), "csrf");
  return !session.csrf.empty() && given.size() == session.csrf.size() &&
         CRYPTO_memcmp(given.data(), session.csrf.data(), given.size()) == 0;
}

http::response console_sessions::signed_out(const http::request& req, bool secure_cookie, unsigned version) {
  auto id = cookie(req, cookie_name);
  if (!id.empty()) {
    std::lock_guard lock(mutex_);
    sessions_.erase(id);
  }
  http::response res{bhttp::status::see_other, version};
  res.set(bhttp::field::location, "/console/sign-in");
  res.set(bhttp::field::set_cookie, set_cookie(cookie_name, "", secure_cookie, 0));
  res.set(bhttp::field::cache_control, "no-store");
  res.prepare_payload();
  return res;
}

std::string console_sessions::cookie(const http::request& req, std::string_view name) {
  for (auto it = req.find(bhttp::field::cookie); it != req.end() && it->name() == bhttp::field::cookie;
       ++it) {
    std::string_view rest(it->value().data(), it->value().size());
    while (!rest.empty()) {
      auto semi = rest.find(';');
      auto pair = rest.substr(0, semi);
      while (pair.starts_with(' ')) pair.remove_prefix(1);
      auto eq = pair.find('=');
      if (eq != std::string_view::npos && pair.substr(0, eq) == name) {
        auto value = pair.substr(eq + 1);
        while (value.ends_with(' ')) value.remove_suffix(1);
        return std::string(value);
      }
      if (semi == std::string_view::npos) break;
      rest.remove_prefix(semi + 1);
    }
  }
  return {};
}

std::string console_sessions::form_field(std::string_view body, std::string_view name) {
  std::string target = "/?";
  target.append(body);
  return http::query_param(target, name);
}

std::size_t console_sessions::size() {
  std::lock_guard lock(mutex_);
  return sessions_.size();
}

}  // namespace homebase::gateway::console
