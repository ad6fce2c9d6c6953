// token_endpoint: Homebase as the SMART Backend Services authorization server of its own clients
// (../shared/research/fhir-rules.md §6).
//   GET  /.well-known/smart-configuration   discovery (SMART-03): token and introspection URLs,
//   private_key_jwt,
//                                           RS384 and ES384, the scopes and capabilities supported
//   POST /auth/token                        client_credentials + private_key_jwt (SMART-02, 05..12): the
//                                           assertion's kid/kty/alg against the client's JWKS, aud = the
//                                           token URL, exp at most auth.assertion_max_lifetime ahead, jti
//                                           never seen before for that iss within the window, also across a
//                                           restart (auth_jti table, written before the token is returned);
//                                           scope mediated against the client's configured scopes. Errors per
//                                           RFC 6749 §5.2 (invalid_request, invalid_client, invalid_grant,
//                                           unsupported_grant_type, invalid_scope) as JSON with 400/401.
//   POST /auth/introspect                   RFC 7662 for operators (the caller is checked by routes):
//                                           {active, scope, client_id, exp, iat, sub, token_type}
// Runs on the connection's strand; the jti is one store job.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <functional>
#include <memory>
#include <string>

#include "config/gateway_config.hpp"
#include "gateway/auth/access_token.hpp"
#include "gateway/http/connection_info.hpp"
#include "gateway/http/http_types.hpp"
#include "gateway/store/sqlite_store.hpp"

namespace homebase::gateway::auth {

// Why a token request was refused, for the Security Alert AuditEvent (gateway/audit).
struct token_refusal {
  std::string client_id;  // as claimed (may be unknown)
  std::string error;      // the RFC 6749 error code
  std::string reason;     // what failed, for the audit and the log (never the assertion itself)
};

class token_endpoint {
 public:
  // `refused` is called (on the strand) for every refused token request.
  token_endpoint(config::config_ptr config, store::sqlite_store& store, const access_token_codec& codec,
                 std::function<void(const token_refusal&, const http::connection_info&)> refused = {});

  [[nodiscard]] http::response smart_configuration(unsigned version) const;
  boost::asio::awaitable<http::response> token(http::request& req, const http::connection_info& peer);
  [[nodiscard]] http::response introspect(const http::request& req) const;

  // The token URL clients put in `aud`: [base without /fhir]/auth/token (see docs/ARCHITECTURE.md).
  [[nodiscard]] static std::string token_url(const config::gateway_config& config);
  // Parses every client's JWK Set; throws config::config_error naming the first bad one (--check-config).
  static void check_client_keys(const config::gateway_config& config);

 private:
  struct state;
  std::shared_ptr<state> state_;
};

}  // namespace homebase::gateway::auth
