// route_policy: what each route needs from its caller (issue 9 item 3), decided from the method and path
// alone, before any handler runs ("routes declare what they need; handlers never parse credentials"):
//   open            GET /fhir/metadata, /.well-known/smart-configuration, /healthz, /readyz, POST /auth/token
//   operator        /admin/*, POST /auth/introspect, GET /metrics
//   partner intake  POST /fhir/$process-message, POST /fhir/Bundle (which partner, and which events, is
//                   checked against the message itself by pipeline/message_intake)
//   fhir            the FHIR API on data: a SMART scope for (type, interaction), held by an operator or a
//                   medical_home client (which then sees only its own children); partners and schools read
//                   nothing. Consent: c (POST), u (PUT), r (GET); Task: u (PUT, PATCH: the
//                   medical home's push, api/task_update_api); $school-letter: DocumentReference c;
//                   $medical-home-checklist: Patient r; AuditEvent and Patient/{id}/$disclosures: s.
//   any client      everything else ($validate, unknown paths, wrong methods): authenticated, then the
//                   route answers (404, 405, ...)
// Pure functions.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "gateway/auth/authenticator.hpp"
#include "gateway/auth/principal.hpp"
#include "gateway/auth/scope_set.hpp"

namespace homebase::gateway::auth {

enum class access { open, operator_only, partner_intake, fhir, any_client };

struct route_need {
  access what = access::any_client;
  std::string resource_type;  // access::fhir
  interaction act = interaction::read;
};

[[nodiscard]] route_need need_of(std::string_view method, std::string_view path);
// nullopt: allowed; otherwise the 403 to answer.
[[nodiscard]] std::optional<refusal> permit(const principal& who, const route_need& need);

}  // namespace homebase::gateway::auth
