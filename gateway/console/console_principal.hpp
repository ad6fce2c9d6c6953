// console_principal: the API's identity (auth::principal) for a person signed in to the console, so that
// the console's pages are served by the same functions and the same rules as the API:
//   operator          -> kind operator, every read scope (system/*.rs): sees everything, may act on /admin
//   care_coordinator  -> kind medical_home of their home, system/*.rs: api::read_scope limits them to the
//                        children routed to that home, and no operator page or action is theirs
// client_id is "console:<name>" (the agent of every AuditEvent the console causes). Pure.
#pragma once

#include <string>

#include "gateway/auth/principal.hpp"
#include "gateway/console/console_identity.hpp"

namespace homebase::gateway::console {

[[nodiscard]] auth::principal to_principal(const console_identity& who, const std::string& address);

// "operator" or "care_coordinator" (the config's spelling).
[[nodiscard]] const char* to_string(console_role role);

}  // namespace homebase::gateway::console
