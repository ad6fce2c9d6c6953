#include "gateway/console/config_view.hpp"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

namespace homebase::gateway::console {
namespace {

using writer_t = rapidjson::Writer<rapidjson::StringBuffer>;
void str(writer_t& w, std::string_view s) {
  w.String(s.data(), static_cast<rapidjson::SizeType>(s.size()));
}
void kv(writer_t& w, const char* key, std::string_view value) {
  w.Key(key);
  str(w, value);
}
void kv(writer_t& w, const char* key, long long value) {
  w.Key(key);
  w.Int64(value);
}
void kv_bool(writer_t& w, const char* key, bool value) {
  w.Key(key);
  w.Bool(value);
}
std::string secs(std::chrono::seconds s) {
  auto n = s.count();
  if (n % 86'400 == 0) return std::to_string(n / 86'400) + "d";
  if (n % 3'600 == 0) return std::to_string(n / 3'600) + "h";
  if (n % 60 == 0) return std::to_string(n / 60) + "m";
  return std::to_string(n) + "s";
}
std::string ms(std::chrono::milliseconds m) {
  return std::to_string(m.count()) + " ms";
}
void identifiers(writer_t& w, const char* key, const std::vector<config::business_identifier>& ids) {
  w.Key(key);
  w.StartArray();
  for (const auto& i : ids) str(w, i.system + "|" + i.value);
  w.EndArray();
}
void list(writer_t& w, const char* key, const std::vector<std::string>& items) {
  w.Key(key);
  w.StartArray();
  for (const auto& i : items) str(w, i);
  w.EndArray();
}
const char* set_or_not(const std::string& value) {
  return value.empty() ? "" : "(set)";
}

void destination_auth(writer_t& w, const config::destination_auth& a) {
  w.Key("auth");
  w.StartObject();
  using m = config::destination_auth::method;
  kv(w, "method",
     a.how == m::smart         ? "smart"
     : a.how == m::certificate ? "certificate"
     : a.how == m::bearer      ? "bearer"
                               : "none");
  if (a.how == m::smart) {
    kv(w, "token_url", a.token_url);
    kv(w, "client_id", a.client_id);
    kv(w, "key_id", a.key_id);
    kv(w, "algorithm", a.algorithm);
    kv(w, "scope", a.scope);
    kv(w, "private_key_file", set_or_not(a.private_key_file));
  }
  if (!a.certificate_file.empty()) kv(w, "client_certificate", "(set)");
  if (a.how == m::bearer) kv(w, "bearer_token", "(set)");
  w.EndObject();
}

}  // namespace

std::string redacted_config_json(const config::gateway_config& c) {
  rapidjson::StringBuffer b;
  writer_t w(b);
  w.StartObject();
  w.Key("server");
  w.StartObject();
  kv(w, "listen", c.server.listen_address + ":" + std::to_string(c.server.port));
  kv(w, "public_base_url", c.server.public_base_url);
  kv(w, "io_threads", c.server.io_threads);
  kv_bool(w, "tls", c.server.tls.has_value());
  kv_bool(w, "mutual_tls", c.server.tls && !c.server.tls->client_ca_file.empty());
  kv(w, "body_limit_bytes", static_cast<long long>(c.server.body_limit_bytes));
  kv(w, "max_connections", c.server.max_connections);
  kv(w, "read_timeout", ms(c.server.read_timeout));
  w.EndObject();
  w.Key("store");
  w.StartObject();
  kv(w, "path", c.store.path);
  kv(w, "max_batch", c.store.max_batch);
  w.EndObject();
  w.Key("auth");
  w.StartObject();
  kv_bool(w, "development_mode", c.auth.development_mode);
  kv(w, "token_lifetime", secs(c.auth.token_lifetime));
  kv(w, "failed_per_minute", c.auth.failed_per_minute);
  w.EndObject();
  w.Key("delivery");
  w.StartObject();
  kv(w, "base_backoff", ms(c.delivery.base_backoff));
  kv(w, "max_backoff", ms(c.delivery.max_backoff));
  kv(w, "give_up_after", secs(c.delivery.give_up_after));
  kv(w, "max_attempts", c.delivery.max_attempts);
  kv(w, "window", c.delivery.window);
  kv(w, "request_timeout", ms(c.delivery.request_timeout));
  kv_bool(w, "verify_tls_peer", c.delivery.verify_tls_peer);
  w.EndObject();
  w.Key("log");
  w.StartObject();
  kv(w, "level", c.log.level);
  w.EndObject();
  w.Key("metrics");
  w.StartObject();
  kv_bool(w, "enabled", c.metrics.enabled);
  kv(w, "listen",
     c.metrics.listen_address.empty()
         ? ""
         : c.metrics.listen_address + ":" + std::to_string(c.metrics.listen_port));
  w.EndObject();
  w.Key("partners");
  w.StartArray();
  for (const auto& p : c.partners) {
    w.StartObject();
    kv(w, "id", p.id);
    kv(w, "name", p.name);
    list(w, "source_endpoints", p.source_endpoints);
    kv(w, "validation", p.validation == config::validation_mode::strict ? "strict" : "lenient");
    kv(w, "concept_maps", static_cast<long long>(p.concept_maps.size()));
    w.EndObject();
  }
  w.EndArray();
  w.Key("medical_homes");
  w.StartArray();
  for (const auto& h : c.medical_homes) {
    w.StartObject();
    kv(w, "id", h.id);
    kv(w, "name", h.name);
    kv(w, "fhir_base_url", h.fhir_base_url);
    identifiers(w, "organization_identifiers", h.organization_identifiers);
    kv(w, "window", c.delivery_window(h));
    destination_auth(w, h.auth);
    w.EndObject();
  }
  w.EndArray();
  w.Key("schools");
  w.StartArray();
  for (const auto& s : c.schools) {
    w.StartObject();
    kv(w, "id", s.id);
    kv(w, "name", s.name);
    kv(w, "fhir_base_url", s.fhir_base_url);
    destination_auth(w, s.auth);
    w.EndObject();
  }
  w.EndArray();
  w.Key("clients");
  w.StartArray();
  for (const auto& cl : c.clients) {
    w.StartObject();
    kv(w, "id", cl.id);
    kv(w, "kind", config::to_string(cl.kind));
    if (!cl.medical_home_id.empty()) kv(w, "medical_home", cl.medical_home_id);
    if (!cl.school_id.empty()) kv(w, "school", cl.school_id);
    list(w, "scopes", cl.scopes);
    list(w, "roles", cl.roles);
    std::string proof;
    if (!cl.credentials.jwks_json.empty()) proof = "private_key_jwt";
    if (!cl.credentials.certificates.empty()) proof += proof.empty() ? "certificate" : " + certificate";
    kv(w, "authenticates_with", proof);
    w.EndObject();
  }
  w.EndArray();
  w.Key("coordination");
  w.StartObject();
  kv_bool(w, "enabled", c.coordination.enabled);
  kv(w, "case_conference_weekday", c.coordination.case_conference.weekday);
  w.EndObject();
  w.Key("console");
  w.StartObject();
  kv(w, "session_ttl", secs(c.console.session_ttl));
  kv(w, "idle_timeout", secs(c.console.idle_timeout));
  kv(w, "lockout",
     std::to_string(c.console.lockout.failures) + " per user / " +
         std::to_string(c.console.lockout.address_failures) + " per address in " +
         secs(c.console.lockout.window) + ", then " + secs(c.console.lockout.duration));
  w.Key("users");
  w.StartArray();
  for (const auto& u : c.console.users) {
    w.StartObject();
    kv(w, "name", u.name);
    kv(w, "role", u.role == config::console_user_role::operator_ ? "operator" : "care_coordinator");
    if (!u.medical_home_id.empty()) kv(w, "medical_home", u.medical_home_id);
    kv(w, "password_hash", "(redacted)");
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
  w.EndObject();
  return {b.GetString(), b.GetSize()};
}

}  // namespace homebase::gateway::console
