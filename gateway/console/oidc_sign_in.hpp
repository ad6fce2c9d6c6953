// oidc_sign_in: the console's second way in (issue 13 item 3): OpenID Connect against the practice's
// identity provider, authorization code flow with PKCE (RFC 7636, S256), configured by `console.oidc`.
//   GET /console/oidc/login     login(): a fresh state, nonce and code verifier (32 random bytes each,
//                               OpenSSL RAND_bytes, base64url) are kept server-side, keyed by state, for
//                               `flow_lifetime`; the browser gets the state in the cookie `homebase_oidc`
//                               (HttpOnly, SameSite=Lax: the provider's redirect back is a cross-site
//                               top-level GET; Path=/console/oidc; Secure when the redirect URI is https)
//                               and a 303 to the provider's authorization_endpoint with response_type=code,
//                               client_id, redirect_uri, scope, state, nonce, code_challenge (S256).
//   GET /console/oidc/callback  callback(): the provider's answer. Refused: an error from the provider; a
//                               state that is not the cookie's (another browser, a forged link) or that we
//                               no longer hold (expired, or already used: a callback works once); an iss
//                               parameter (RFC 9207) that is not the issuer. Then the code is exchanged at
//                               the token endpoint (with the verifier and the client authentication of the
//                               config) and the ID token verified (id_token_verifier; an unknown key fetches
//                               the provider's keys once more). Last, the person must be listed in
//                               console.oidc.users, by sub or by a verified email; nobody else gets in.
// The result is a console_identity (method "oidc") for the console's session opener, or an oidc_refusal
// that the route audits and answers with refusal_page(). Every request to the provider is a coroutine on
// the caller's executor with the configured timeout; nothing here throws after construction.
// Thread-safe (the pending flows are behind a mutex).
#pragma once

#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "config/gateway_config.hpp"
#include "gateway/auth/client_assertion_signer.hpp"
#include "gateway/console/console_identity.hpp"
#include "gateway/console/oidc_provider.hpp"
#include "gateway/http/http_types.hpp"

namespace homebase::gateway::console {

struct oidc_refusal {
  int status = 403;     // 400 (a bad or stale callback), 403 (not allowed in), 502 (the provider failed)
  std::string reason;   // short and stable, for the audit trail: "state-mismatch", "not-listed", ...
  std::string message;  // for the person, on the page
  std::string detail;   // for the log and the audit trail
  std::string who;      // the subject or e-mail, when known
};

class oidc_sign_in {
 public:
  static constexpr std::string_view flow_cookie = "homebase_oidc";
  static constexpr std::size_t max_pending = 10'000;  // sign-ins in progress at once

  // An error page's HTML for (status, title, text): the console's (console_pages::render_error).
  using render_fn = std::function<std::string(int, std::string_view, std::string_view)>;

  // `config` is the bound config (its public_base_url gives the default redirect URI) and has
  // console.oidc. `render`: how refusal pages look (empty: a plain page of its own). Throws
  // config::config_error at start-up when the ca_file or the private key is unusable.
  explicit oidc_sign_in(config::config_ptr config, render_fn render = {});
  ~oidc_sign_in();

  // The console's session opener (console_sessions): the signed-in answer for an identity.
  using open_session_fn = std::function<http::response(const console_identity&)>;
  // Records a refusal (the audit trail and the log).
  using refused_fn = std::function<void(const oidc_refusal&)>;

  // Routes GET /console/oidc/login and GET /console/oidc/callback (405 for another method); nullopt for
  // any other path. A refusal is passed to `refused`, then answered with refusal_page().
  boost::asio::awaitable<std::optional<http::response>> route(const http::request& req,
                                                              const open_session_fn& open_session,
                                                              const refused_fn& refused);

  boost::asio::awaitable<http::response> login(const http::request& req);
  boost::asio::awaitable<std::variant<console_identity, oidc_refusal>> callback(const http::request& req);

  // The page that tells the person why not (and clears the flow cookie).
  [[nodiscard]] http::response refusal_page(const oidc_refusal& refusal, unsigned version) const;
  // Adds the Set-Cookie that clears the flow cookie (on the signed-in answer).
  void clear_flow_cookie(http::response& res) const;

  [[nodiscard]] const std::string& redirect_uri() const { return redirect_uri_; }
  // Sign-ins in progress (tests).
  [[nodiscard]] std::size_t pending() const;

 private:
  struct flow {
    std::string nonce;
    std::string verifier;
    std::chrono::steady_clock::time_point expires;
  };
  boost::asio::awaitable<std::variant<console_identity, oidc_refusal>> finish(const std::string& code,
                                                                              const flow& f);
  [[nodiscard]] std::string cookie(std::string_view value, int max_age_s) const;

  config::config_ptr config_;
  render_fn render_;
  const config::console_oidc_settings& settings_;
  std::string redirect_uri_;
  bool secure_cookie_;
  oidc_provider provider_;
  std::unique_ptr<auth::client_assertion_signer> signer_;  // private_key_jwt only
  mutable std::mutex mutex_;
  std::map<std::string, flow, std::less<>> flows_;  // by state; guarded by mutex_
};

}  // namespace homebase::gateway::console
