#include "config/config_changes.hpp"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <set>

namespace homebase::config {

namespace {

bool same(const business_identifier& a, const business_identifier& b) {
  return a.system == b.system && a.value == b.value;
}

bool same(const std::vector<business_identifier>& a, const std::vector<business_identifier>& b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(),
                    [](const auto& x, const auto& y) { return same(x, y); });
}

bool same(const rate_limit& a, const rate_limit& b) {
  return a.per_second == b.per_second && a.burst == b.burst;
}

bool same_partner(const partner& a, const partner& b) {
  // ConceptMaps by file (their origin names a line, which moves when the file is edited above them); their
  // content is read again by every reload anyway.
  auto maps = [](const partner& p) {
    std::vector<std::string> paths;
    for (const auto& m : p.concept_maps) paths.push_back(m.path);
    return paths;
  };
  return a.name == b.name && a.source_endpoints == b.source_endpoints && a.validation == b.validation &&
         maps(a) == maps(b) && same(a.organization_identifiers, b.organization_identifiers);
}

bool same_client(const client& a, const client& b) {
  auto certs = [](const client& c) {
    std::vector<std::string> out;
    for (const auto& x : c.credentials.certificates) out.push_back(x.sha256 + "|" + x.subject + "|" + x.san);
    return out;
  };
  return a.kind == b.kind && a.name == b.name && a.credentials.jwks_json == b.credentials.jwks_json &&
         certs(a) == certs(b) && a.partner_id == b.partner_id && a.all_events == b.all_events &&
         a.events == b.events && a.all_documents == b.all_documents && a.documents == b.documents &&
         a.scopes == b.scopes && a.medical_home_id == b.medical_home_id && a.school_id == b.school_id &&
         a.roles == b.roles && same(a.rate, b.rate);
}

bool same_school(const school& a, const school& b) {
  return a.name == b.name && a.fhir_base_url == b.fhir_base_url &&
         same(a.organization_identifiers, b.organization_identifiers) &&
         same_destination_auth(a.auth, b.auth);
}

template <typename T, typename Same>
id_changes compare_list(const std::vector<T>& running, const std::vector<T>& fresh, Same same_entry) {
  id_changes out;
  for (const auto& f : fresh) {
    auto it = std::find_if(running.begin(), running.end(), [&](const T& r) { return r.id == f.id; });
    if (it == running.end())
      out.added.push_back(f.id);
    else if (!same_entry(*it, f))
      out.changed.push_back(f.id);
  }
  for (const auto& r : running)
    if (std::none_of(fresh.begin(), fresh.end(), [&](const T& f) { return f.id == r.id; }))
      out.removed.push_back(r.id);
  return out;
}

// Top-level sections (other than the lists compared by id and the restart-only ones) whose YAML differs.
std::vector<std::string> changed_sections(const std::string& running_text, const std::string& fresh_text) {
  static const std::set<std::string> by_id = {"partners", "clients", "medical_homes",
                                              "schools",  "server",  "store"};
  std::vector<std::string> out;
  try {
    auto a = YAML::Load(running_text);
    auto b = YAML::Load(fresh_text);
    if (!a.IsMap() || !b.IsMap()) return out;
    std::set<std::string> keys;
    for (const auto& kv : a) keys.insert(kv.first.as<std::string>());
    for (const auto& kv : b) keys.insert(kv.first.as<std::string>());
    for (const auto& key : keys) {
      if (by_id.contains(key)) continue;
      auto x = a[key];
      auto y = b[key];
      std::string dx = x ? YAML::Dump(x) : std::string();
      std::string dy = y ? YAML::Dump(y) : std::string();
      if (dx != dy) out.push_back(key);
    }
  } catch (const std::exception&) {
    // Only the summary: both files were loaded already.
  }
  return out;
}

void list(std::string& out, const std::string& what, const std::vector<std::string>& ids) {
  if (ids.empty()) return;
  if (!out.empty()) out += "; ";
  out += what + ": ";
  for (std::size_t i = 0; i < ids.size(); ++i) out += (i ? ", " : "") + ids[i];
}

}  // namespace

bool same_destination_auth(const destination_auth& a, const destination_auth& b) {
  return a.how == b.how && a.token_url == b.token_url && a.client_id == b.client_id &&
         a.private_key_file == b.private_key_file && a.key_id == b.key_id && a.algorithm == b.algorithm &&
         a.scope == b.scope && a.certificate_file == b.certificate_file &&
         a.certificate_key_file == b.certificate_key_file && a.bearer_token == b.bearer_token;
}

bool same_delivery(const delivery_settings& a, const delivery_settings& b) {
  return a.base_backoff == b.base_backoff && a.max_backoff == b.max_backoff &&
         a.give_up_after == b.give_up_after && a.max_attempts == b.max_attempts && a.window == b.window &&
         a.request_timeout == b.request_timeout && a.verify_tls_peer == b.verify_tls_peer &&
         a.ca_file == b.ca_file;
}

bool same_medical_home(const medical_home& a, const gateway_config& config_a, const medical_home& b,
                       const gateway_config& config_b) {
  return a.id == b.id && a.name == b.name && a.fhir_base_url == b.fhir_base_url &&
         same(a.organization_identifiers, b.organization_identifiers) && same(a.patients, b.patients) &&
         same_destination_auth(a.auth, b.auth) &&
         config_a.delivery_window(a) == config_b.delivery_window(b) &&
         same_delivery(config_a.delivery, config_b.delivery);
}

bool config_changes::empty() const {
  return partners.empty() && clients.empty() && medical_homes.empty() && schools.empty() &&
         sections.empty() && restart_keys.empty();
}

std::string config_changes::summary() const {
  std::string out;
  const std::pair<const char*, const id_changes*> lists[] = {{"partners", &partners},
                                                             {"clients", &clients},
                                                             {"medical homes", &medical_homes},
                                                             {"schools", &schools}};
  for (const auto& [name, c] : lists) {
    list(out, std::string(name) + " added", c->added);
    list(out, std::string(name) + " removed", c->removed);
    list(out, std::string(name) + " changed", c->changed);
  }
  list(out, "sections changed", sections);
  list(out, "not applied until a restart", restart_keys);
  return out.empty() ? "no change" : out;
}

config_changes compare(const gateway_config& running, const gateway_config& fresh,
                       const std::string& running_text, const std::string& fresh_text) {
  config_changes out;
  out.partners = compare_list(running.partners, fresh.partners, same_partner);
  // The clients of partners carry the partner's id too; a partner's client is reported with the clients.
  out.clients = compare_list(running.clients, fresh.clients, same_client);
  out.medical_homes = compare_list(
      running.medical_homes, fresh.medical_homes,
      [&](const medical_home& a, const medical_home& b) { return same_medical_home(a, running, b, fresh); });
  out.schools = compare_list(running.schools, fresh.schools, same_school);
  if (!running_text.empty() && !fresh_text.empty()) out.sections = changed_sections(running_text, fresh_text);
  out.restart_keys = restart_only_changes(running, fresh);
  return out;
}

std::vector<std::string> restart_only_changes(const gateway_config& running, const gateway_config& fresh) {
  std::vector<std::string> out;
  const auto& a = running.server;
  const auto& b = fresh.server;
  auto check = [&out](bool differs, const char* key) {
    if (differs) out.emplace_back(key);
  };
  check(a.listen_address != b.listen_address, "server.listen_address");
  check(a.port != b.port, "server.port");
  check(a.io_threads != b.io_threads, "server.io_threads");
  check(a.header_limit_bytes != b.header_limit_bytes, "server.header_limit_bytes");
  check(a.body_limit_bytes != b.body_limit_bytes, "server.body_limit_bytes");
  check(a.inflight_body_budget_bytes != b.inflight_body_budget_bytes, "server.inflight_body_budget_bytes");
  check(a.json_max_depth != b.json_max_depth, "server.json_max_depth");
  check(a.read_timeout != b.read_timeout, "server.read_timeout_ms");
  check(a.write_timeout != b.write_timeout, "server.write_timeout_ms");
  check(a.idle_timeout != b.idle_timeout, "server.idle_timeout_ms");
  check(a.shutdown_deadline != b.shutdown_deadline, "server.shutdown_deadline_ms");
  check(a.public_base_url != b.public_base_url, "server.public_base_url");
  check(a.target_limit_bytes != b.target_limit_bytes, "server.target_limit_bytes");
  check(a.max_connections != b.max_connections, "server.max_connections");
  check(a.max_connections_per_address != b.max_connections_per_address, "server.max_connections_per_address");
  check(!same(a.per_address, b.per_address), "server.per_address_rate");
  check(a.tls.has_value() != b.tls.has_value(), "server.tls");
  check(a.tls && b.tls && a.tls->client_ca_file.empty() != b.tls->client_ca_file.empty(),
        "server.tls.client_ca_file (mutual TLS on or off)");
  check(running.store.path != fresh.store.path, "store.path");
  check(running.store.max_batch != fresh.store.max_batch, "store.max_batch");
  check(running.metrics.listen_address != fresh.metrics.listen_address ||
            running.metrics.listen_port != fresh.metrics.listen_port,
        "metrics.listen");
  return out;
}

config_ptr keep_running_settings(const config_ptr& fresh, const gateway_config& running) {
  auto out = std::make_shared<gateway_config>(*fresh);
  out->server = running.server;
  if (running.server.tls && fresh->server.tls &&
      running.server.tls->client_ca_file.empty() == fresh->server.tls->client_ca_file.empty())
    out->server.tls = fresh->server.tls;
  out->store = running.store;
  out->metrics.listen_address = running.metrics.listen_address;
  out->metrics.listen_port = running.metrics.listen_port;
  return out;
}

}  // namespace homebase::config
