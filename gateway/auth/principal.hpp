// principal: who is calling, once authenticated (gateway/auth/authenticator): the configured client, how
// it proved itself, and what it may do. Copied out of the config (so a request keeps the identity it
// started with across a config reload). Plain value.
#pragma once

#include <string>
#include <vector>

#include "config/gateway_config.hpp"
#include "gateway/auth/scope_set.hpp"

namespace homebase::gateway::auth {

enum class auth_method { development, token, certificate };

struct principal {
  std::string client_id;
  config::client_kind kind = config::client_kind::operator_;
  auth_method method = auth_method::token;
  scope_set scopes;             // granted (token) or configured (certificate); all for development operator
  std::string partner_id;       // kind partner
  std::string medical_home_id;  // kind medical_home
  std::string school_id;        // kind school
  std::vector<std::string> roles;
  std::string token_id;  // the access token's jti (method token)
  std::string address;   // the network address the request came from

  [[nodiscard]] bool is(config::client_kind k) const { return kind == k; }
};

}  // namespace homebase::gateway::auth
