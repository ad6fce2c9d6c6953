// console_sessions: the console's server-side sessions. A session is opened for a console_identity
// (after a password check in console_routes, or an OpenID Connect callback in oidc_sign_in) and named by a
// random 256-bit id (RAND_bytes, base64url) in the cookie
//   homebase_console=<id>; Path=/console; HttpOnly; SameSite=Strict[; Secure]
// Secure is left out only in development mode (plain HTTP on loopback). A session ends at sign-out, after
// `session_ttl` since sign-in (absolute) or after `idle_timeout` without a request, whichever comes
// first; an ended session is forgotten. Each session has its own CSRF token (256 bits), required on every
// POST as the form field `csrf` or the header X-CSRF-Token, compared in constant time.
// Sessions live in memory: a restart signs everyone out. At most `max_sessions` are kept; beyond, the
// least recently used goes. Thread-safe (one mutex; every call is short).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "config/gateway_config.hpp"
#include "gateway/console/console_identity.hpp"
#include "gateway/http/http_types.hpp"

namespace homebase::gateway::console {

struct console_session {
  std::string id;
  std::string csrf;
  console_identity who;
  std::int64_t created_ms = 0;
  std::int64_t last_seen_ms = 0;
};

class console_sessions {
 public:
  static constexpr std::string_view cookie_name = "homebase_console";
  using clock_fn = std::function<std::int64_t()>;  // unix ms

  // `now_ms`: the clock (tests pass their own); empty: the wall clock.
  explicit console_sessions(const config::console_settings& settings, clock_fn now_ms = {},
                            std::size_t max_sessions = 10'000);

  // THE way to sign someone in: opens a session for `who` and answers 303 See Other to `to` (the
  // console's start page by default) with the session cookie. Used by the password sign-in and by the
  // OpenID Connect callback.
  [[nodiscard]] http::response signed_in(const console_identity& who, bool secure_cookie,
                                         std::string_view to = "/console/", unsigned version = 11);

  // The session the request's cookie names, when it has not ended; counts as activity (idle clock).
  [[nodiscard]] std::optional<console_session> find(const http::request& req);

  // Whether a POST carries the session's CSRF token (header X-CSRF-Token, or form field `csrf` of an
  // application/x-www-form-urlencoded body).
  [[nodiscard]] static bool csrf_ok(const console_session& session, const http::request& req);

  // Ends the request's session (if any) and answers 303 to the sign-in page, clearing the cookie.
  [[nodiscard]] http::response signed_out(const http::request& req, bool secure_cookie,
                                          unsigned version = 11);

  // Secure cookies unless the gateway runs in (loopback) development mode.
  [[nodiscard]] static bool secure_cookies(const config::gateway_config& config) {
    return !config.auth.development_mode;
  }

  // A cookie's value in the request's Cookie header(s); empty when absent.
  [[nodiscard]] static std::string cookie(const http::request& req, std::string_view name);
  // A field of an application/x-www-form-urlencoded body, decoded; empty when absent.
  [[nodiscard]] static std::string form_field(std::string_view body, std::string_view name);
  // `name=value; Path=/console; HttpOnly; SameSite=Strict[; Secure][; Max-Age=...]`
  [[nodiscard]] static std::string set_cookie(std::string_view name, std::string_view value, bool secure,
                                              long long max_age_seconds = -1);
  // 256 random bits as base64url (43 characters); empty when RAND_bytes fails.
  [[nodiscard]] static std::string random_token();

  [[nodiscard]] std::size_t size();

 private:
  [[nodiscard]] bool ended(const console_session& s, std::int64_t now) const;

  std::int64_t ttl_ms_;
  std::int64_t idle_ms_;
  clock_fn now_ms_;
  std::size_t max_sessions_;
  std::mutex mutex_;
  std::map<std::string, console_session> sessions_;  // by id; guarded by mutex_
};

}  // namespace homebase::gateway::console
