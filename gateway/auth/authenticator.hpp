// authenticator: who is calling. In this order:
//   1. `Authorization: Bearer <token>`: an access token this gateway issued (access_token_codec), unexpired,
//      whose client is still configured -> that client with the token's scopes;
//   2. a client certificate the TLS layer verified against server.tls.client_ca_file and that one client
//      is bound to (clients[].certificates: SHA-256 fingerprint, subject or subjectAltName) -> that client
//      with its configured scopes (a partner: the events it may send);
//   3. in development mode (auth.development_mode, loopback only) a request with neither is taken as the
//      partner its message names (on the intake routes) or as an operator with every scope;
//   otherwise a refusal: 401 with the reason (no credentials, a bad or expired token, an untrusted
//   certificate, a certificate no client is bound to). A malformed Authorization header is refused even in
//   development mode. Stateless and thread-safe: immutable config and codec.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <variant>

#include "config/gateway_config.hpp"
#include "gateway/auth/access_token.hpp"
#include "gateway/auth/principal.hpp"
#include "gateway/http/connection_info.hpp"
#include "gateway/http/http_types.hpp"

namespace homebase::gateway::auth {

// Why a request is not served, as the HTTP answer and the Security Alert audit see it.
struct refusal {
  int status = 401;         // 401 (who are you?), 403 (not allowed), 429 (too many)
  std::string code;         // OperationOutcome issue code: login, forbidden, throttled
  std::string reason;       // short and stable, for audit aggregation: "no-credentials", "token-expired", ...
  std::string diagnostics;  // what the caller is told
  std::string client_id;    // who it was, when known
  bool bearer_error = false;  // 401 for a presented token: WWW-Authenticate error="invalid_token"
};

class authenticator {
 public:
  authenticator(config::config_ptr config, const access_token_codec& codec);

  // `intake_route`: a route where development mode takes the caller as a partner.
  [[nodiscard]] std::variant<principal, refusal> authenticate(const http::request& req,
                                                              const http::connection_info& peer,
                                                              bool intake_route, std::int64_t now_s) const;

  // The principal of a configured client (certificate or development use, and tests).
  [[nodiscard]] static principal of_client(const config::client& client, auth_method method);

 private:
  config::config_ptr config_;
  const access_token_codec& codec_;
};

// The HTTP answer to a refusal: an OperationOutcome; a 401 carries WWW-Authenticate: Bearer (RFC 6750),
// a 429 Retry-After.
[[nodiscard]] http::response refusal_response(const refusal& r, unsigned version, int retry_after_s = 0);

}  // namespace homebase::gateway::auth
