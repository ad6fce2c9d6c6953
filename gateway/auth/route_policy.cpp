#include "gateway/auth/route_policy.hpp"

namespace homebase::gateway::auth {

namespace {

std::string_view interaction_name(interaction i) {
  switch (i) {
    case interaction::create:
      return "create";
    case interaction::read:
      return "read";
    case interaction::update:
      return "update";
    case interaction::remove:
      return "delete";
    case interaction::search:
      return "search";
  }
  return "read";
}

char interaction_letter(interaction i) {
  switch (i) {
    case interaction::create:
      return 'c';
    case interaction::read:
      return 'r';
    case interaction::update:
      return 'u';
    case interaction::remove:
      return 'd';
    case interaction::search:
      return 's';
  }
  return 'r';
}

route_need fhir_need(std::string type, interaction act) {
  route_need n;
  n.what = access::fhir;
  n.resource_type = std::move(type);
  n.act = act;
  return n;
}

bool is_operation(std::string_view segment, std::string_view name) {
  return segment == std::string("$").append(name) || segment == std::string("%24").append(name);
}

refusal forbidden(const principal& who, std::string reason, std::string diagnostics, bool scope = false) {
  refusal r;
  r.status = 403;
  r.code = "forbidden";
  r.reason = std::move(reason);
  r.diagnostics = std::move(diagnostics);
  r.client_id = who.client_id;
  r.bearer_error = scope && who.method == auth_method::token;
  return r;
}

}  // namespace

route_need need_of(std::string_view method, std::string_view path) {
  route_need open;
  open.what = access::open;
  if (path == "/fhir/metadata" || path == "/.well-known/smart-configuration" || path == "/healthz" ||
      path == "/readyz" || path == "/auth/token")
    return open;
  route_need any;
  if (path == "/auth/introspect" || path == "/admin" || path.starts_with("/admin/") || path == "/metrics") {
    route_need n;
    n.what = access::operator_only;
    return n;
  }
  if (!path.starts_with("/fhir/")) return any;
  auto rest = path.substr(6);
  if ((is_operation(rest, "process-message") || rest == "Bundle") && method == "POST") {
    route_need n;
    n.what = access::partner_intake;
    return n;
  }
  // School letters: request, approve (the signing clinician's client), cancel.
  if (is_operation(rest, "school-letter") || is_operation(rest, "school-letter-approve") ||
      is_operation(rest, "school-letter-cancel"))
    return fhir_need("DocumentReference", interaction::create);
  // /fhir/{type}[/{id}[/{op}]]
  auto slash = rest.find('/');
  auto type = std::string(rest.substr(0, slash));
  if (type.empty() || type[0] < 'A' || type[0] > 'Z') return any;  // $validate and other system operations
  if (slash == std::string_view::npos) {
    if (type == "Consent" && method == "POST") return fhir_need(type, interaction::create);
    if (method == "GET") return fhir_need(type, interaction::search);
    return any;
  }
  auto tail = rest.substr(slash + 1);
  if (tail == "_search") return method == "POST" ? fhir_need(type, interaction::search) : any;
  auto next = tail.find('/');
  if (next == std::string_view::npos) {
    if (tail.starts_with('$') || tail.starts_with("%24")) return any;  // /fhir/{type}/$validate
    if (method == "PUT") return fhir_need(type, interaction::update);
    if (method == "PATCH") return fhir_need(type, interaction::update);  // JSON Patch: an update (u)
    if (method == "GET") return fhir_need(type, interaction::read);
    return any;
  }
  if (type == "Patient" && is_operation(tail.substr(next + 1), "medical-home-checklist"))
    return fhir_need("Patient", interaction::read);
  // The accounting of disclosures is a search of the audit trail.
  if (type == "Patient" && is_operation(tail.substr(next + 1), "disclosures"))
    return fhir_need("AuditEvent", interaction::search);
  return any;
}

std::optional<refusal> permit(const principal& who, const route_need& need) {
  using config::client_kind;
  switch (need.what) {
    case access::open:
    case access::any_client:
      return std::nullopt;
    case access::operator_only:
      if (who.is(client_kind::operator_)) return std::nullopt;
      return forbidden(who, "not-operator", "only operator clients may use this endpoint");
    case access::partner_intake:
      if (who.is(client_kind::partner)) return std::nullopt;
      return forbidden(who, "not-partner", "only partner clients send messages and documents");
    case access::fhir:
      break;
  }
  if (who.is(client_kind::partner) || who.is(client_kind::school))
    return forbidden(who, "kind-may-not-read",
                     std::string("a ") + std::string(config::to_string(who.kind)) +
                         " client has no access to the FHIR API's data");
  if (!who.scopes.allows(need.resource_type, need.act))
    return forbidden(who, "insufficient-scope",
                     "the client's scopes do not allow " + std::string(interaction_name(need.act)) + " on " +
                         need.resource_type + " (needs system/" + need.resource_type + "." +
                         interaction_letter(need.act) + ")",
                     true);
  return std::nullopt;
}

}  // namespace homebase::gateway::auth
