#include "gateway/metrics/route_label.hpp"

#include <algorithm>
#include <array>

namespace homebase::gateway::metrics {

namespace {

bool is_type_name(std::string_view s) {
  return !s.empty() && s.front() >= 'A' && s.front() <= 'Z' && std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
  });
}

// "$name" or "%24name" (no allocation: this runs for every request).
bool is_operation(std::string_view s, std::string_view name) {
  if (s.starts_with('$')) return s.substr(1) == name;
  if (s.starts_with("%24")) return s.substr(3) == name;
  return false;
}

}  // namespace

std::string_view route_label(std::string_view path) {
  static constexpr std::array<std::string_view, 10> fixed = {
      "/fhir/Bundle",  "/fhir/metadata", "/admin/messages",  "/admin/status",
      "/admin/triage", "/auth/token",    "/auth/introspect", "/.well-known/smart-configuration",
      "/healthz",      "/readyz"};
  for (auto f : fixed)
    if (path == f) return f;
  if (path == "/metrics") return "/metrics";
  if (path == "/admin/school-letters") return "/admin/school-letters";
  constexpr std::string_view fhir = "/fhir/";
  constexpr std::string_view messages = "/admin/messages/";
  constexpr std::string_view letters = "/admin/school-letters/";
  if (path.starts_with(messages)) {
    auto rest = path.substr(messages.size());
    if (is_operation(rest, "replay")) return "/admin/messages/$replay";
    if (rest.ends_with("/retry")) return "/admin/messages/{id}/retry";
    if (rest.ends_with("/match")) return "/admin/messages/{id}/match";
    if (rest.find('/') == std::string_view::npos) return "/admin/messages/{id}";
    return "other";
  }
  if (path.starts_with(letters)) return "/admin/school-letters/{id}";
  if (path.starts_with("/admin/children/") &&
      (path.ends_with("/$transfer") || path.ends_with("/%24transfer")))
    return "/admin/children/{id}/$transfer";
  if (!path.starts_with(fhir)) return "other";
  auto rest = path.substr(fhir.size());
  if (is_operation(rest, "process-message")) return "/fhir/$process-message";
  if (is_operation(rest, "validate")) return "/fhir/$validate";
  if (is_operation(rest, "school-letter")) return "/fhir/$school-letter";
  auto slash = rest.find('/');
  auto type = rest.substr(0, slash);
  if (!is_type_name(type)) return "other";
  if (slash == std::string_view::npos) return "/fhir/{type}";
  auto tail = rest.substr(slash + 1);
  if (is_operation(tail, "validate")) return "/fhir/{type}/$validate";
  if (tail == "_search") return "/fhir/{type}/_search";
  auto next = tail.find('/');
  if (next == std::string_view::npos) return tail.empty() ? "other" : "/fhir/{type}/{id}";
  if (type == "Patient" && is_operation(tail.substr(next + 1), "medical-home-checklist"))
    return "/fhir/Patient/{id}/$medical-home-checklist";
  if (type == "Patient" && is_operation(tail.substr(next + 1), "disclosures"))
    return "/fhir/Patient/{id}/$disclosures";
  return "other";
}

}  // namespace homebase::gateway::metrics
