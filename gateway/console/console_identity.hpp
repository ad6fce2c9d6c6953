// console_identity: a person signed in to the console (gateway/console/console_sessions), by password
// (config `console.users`) or OpenID Connect (gateway/console/oidc_sign_in). A plain value; to_principal
// gives the API's identity for it, so the console sees exactly what the same role sees through the API.
#pragma once

#include <string>

namespace homebase::gateway::console {

enum class console_role { operator_, care_coordinator };

struct console_identity {
  std::string name;  // the user name (password) or the IdP subject's configured name (OIDC)
  console_role role = console_role::care_coordinator;
  std::string medical_home_id;  // care_coordinator: the one medical home they work for
  std::string method;           // "password" or "oidc"
};

}  // namespace homebase::gateway::console
