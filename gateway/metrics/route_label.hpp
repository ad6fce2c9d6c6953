// route_label: a request path as the bounded route name the request metrics are labelled with (ids and
// resource types become placeholders, so that a label never names a child or grows without bound).
//   /fhir/$process-message, /fhir/Bundle, /fhir/$validate, /fhir/{type}/$validate, /fhir/metadata,
//   /fhir/{type}, /fhir/{type}/_search, /fhir/{type}/{id}, /fhir/Patient/{id}/$medical-home-checklist,
//   /fhir/Patient/{id}/$disclosures,
//   /fhir/$school-letter, /admin/messages, /admin/messages/{id}, /admin/messages/{id}/retry,
//   /admin/messages/{id}/match, /admin/messages/$replay, /admin/status, /admin/triage,
//   /admin/school-letters, /admin/school-letters/{id}, /auth/token, /auth/introspect,
//   /.well-known/smart-configuration, /healthz, /readyz, /metrics, other
// Pure; any thread.
#pragma once

#include <string_view>

namespace homebase::gateway::metrics {

[[nodiscard]] std::string_view route_label(std::string_view path);

}  // namespace homebase::gateway::metrics
