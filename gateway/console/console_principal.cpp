#include "gateway/console/console_principal.hpp"

namespace homebase::gateway::console {

auth::principal to_principal(const console_identity& who, const std::string& address) {
  auth::principal p;
  p.client_id = "console:";
  p.client_id.append(who.name);
  p.method = auth::auth_method::token;  // a credential was checked (the session), never development
  p.scopes = auth::scope_set::parse("system/*.rs");
  p.address = address;
  if (who.role == console_role::operator_) {
    p.kind = config::client_kind::operator_;
  } else {
    p.kind = config::client_kind::medical_home;
    p.medical_home_id = who.medical_home_id;
    p.roles.emplace_back(std::string_view("care-coordinator"));
  }
  return p;
}

const char* to_string(console_role role) {
  return role == console_role::operator_ ? "operator" : "care_coordinator";
}

}  // namespace homebase::gateway::console
