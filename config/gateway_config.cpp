#include "config/gateway_config.hpp"

#include <yaml-cpp/yaml.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

namespace homebase::config {
namespace {

class reader {
 public:
  explicit reader(std::string origin) : origin_(std::move(origin)) {}

  [[noreturn]] void fail(const YAML::Node& node, const std::string& key, const std::string& what) const {
    std::ostringstream s;
    s << origin_;
    if (node.IsDefined() && node.Mark().line >= 0) s << ":" << node.Mark().line + 1;
    s << ": " << key << ": " << what;
    throw config_error(s.str());
  }

  void only_keys(const YAML::Node& map, const std::string& where,
                 std::initializer_list<const char*> allowed) {
    if (!map.IsDefined() || map.IsNull()) return;
    if (!map.IsMap()) fail(map, where, "must be a mapping");
    std::set<std::string> ok(allowed.begin(), allowed.end());
    for (const auto& kv : map) {
      auto key = kv.first.as<std::string>();
      if (!ok.contains(key)) fail(kv.first, where.empty() ? key : where + "." + key, "unknown key");
    }
  }

  template <typename T>
  void get(const YAML::Node& map, const char* key, const std::string& where, T& out) {
    if (!map.IsDefined() || map.IsNull()) return;
    auto node = map[key];
    if (!node.IsDefined() || node.IsNull()) return;
    try {
      out = node.as<T>();
    } catch (const YAML::Exception&) {
      fail(node, where + "." + key, "has the wrong type");
    }
  }

  void get_ms(const YAML::Node& map, const char* key, const std::string& where,
              std::chrono::milliseconds& out) {
    long long ms = out.count();
    get(map, key, where, ms);
    if (ms < 0) fail(map[key], where + "." + key, "must not be negative");
    out = std::chrono::milliseconds(ms);
  }

  // The location of `node` as "ORIGIN:LINE: key", the prefix of every error of this file.
  [[nodiscard]] std::string where(const YAML::Node& node, const std::string& key) const {
    std::ostringstream s;
    s << origin_;
    if (node.IsDefined() && node.Mark().line >= 0) s << ":" << node.Mark().line + 1;
    s << ": " << key;
    return s.str();
  }

  std::vector<business_identifier> identifiers(const YAML::Node& list, const std::string& where) {
    std::vector<business_identifier> out;
    if (!list.IsDefined() || list.IsNull()) return out;
    if (!list.IsSequence()) fail(list, where, "must be a list of {system, value}");
    for (std::size_t i = 0; i < list.size(); ++i) {
      auto item = list[i];
      auto path = where + "[" + std::to_string(i) + "]";
      only_keys(item, path, {"system", "value"});
      business_identifier id;
      get(item, "system", path, id.system);
      get(item, "value", path, id.value);
      if (id.system.empty() || id.value.empty()) fail(item, path, "needs both system and value");
      out.push_back(std::move(id));
    }
    return out;
  }

 private:
  std::string origin_;
};

bool is_http_url(const std::string& url) {
  return url.starts_with("http://") || url.starts_with("https://");
}

std::string resolve(const std::string& base_dir, const std::string& path) {
  if (path.empty() || std::filesystem::path(path).is_absolute()) return path;
  return (std::filesystem::path(base_dir) / path).lexically_normal().string();
}

}  // namespace

const partner* gateway_config::find_partner_by_endpoint(std::string_view source_endpoint) const {
  for (const auto& p : partners)
    for (const auto& e : p.source_endpoints)
      if (e == source_endpoint) return &p;
  return nullptr;
}

const partner* gateway_config::find_partner_by_organization(std::string_view system,
                                                            std::string_view value) const {
  for (const auto& p : partners)
    for (const auto& id : p.organization_identifiers)
      if (id.system == system && id.value == value) return &p;
  return nullptr;
}

const partner* gateway_config::find_partner(std::string_view id) const {
  for (const auto& p : partners)
    if (p.id == id) return &p;
  return nullptr;
}

config_ptr load_text(const std::string& yaml, const std::string& origin, const std::string& base_dir) {
  YAML::Node root;
  try {
    root = YAML::Load(yaml);
  } catch (const YAML::ParserException& e) {
    throw config_error(origin + ":" + std::to_string(e.mark.line + 1) + ": YAML syntax: " + e.msg);
  }
  reader r(origin);
  auto cfg = std::make_shared<gateway_config>();
  if (!root.IsMap()) r.fail(root, "(root)", "the configuration must be a mapping");
  r.only_keys(root, "", {"server", "store", "delivery", "partners", "medical_homes"});

  auto server = root["server"];
  r.only_keys(server, "server",
              {"listen_address", "port", "io_threads", "header_limit_bytes", "body_limit_bytes",
               "inflight_body_budget_bytes", "json_max_depth", "read_timeout_ms", "write_timeout_ms",
               "idle_timeout_ms", "shutdown_deadline_ms", "public_base_url", "tls"});
  auto& s = cfg->server;
  r.get(server, "listen_address", "server", s.listen_address);
  int port = s.port;
  r.get(server, "port", "server", port);
  if (port < 0 || port > 65535) r.fail(server["port"], "server.port", "must be 0..65535");
  s.port = static_cast<unsigned short>(port);
  r.get(server, "io_threads", "server", s.io_threads);
  if (s.io_threads < 1 || s.io_threads > 64)
    r.fail(server["io_threads"], "server.io_threads", "must be 1..64");
  r.get(server, "header_limit_bytes", "server", s.header_limit_bytes);
  r.get(server, "body_limit_bytes", "server", s.body_limit_bytes);
  if (s.header_limit_bytes < 1024)
    r.fail(server["header_limit_bytes"], "server.header_limit_bytes", "must be >= 1024");
  if (s.body_limit_bytes < 1024)
    r.fail(server["body_limit_bytes"], "server.body_limit_bytes", "must be >= 1024");
  r.get(server, "inflight_body_budget_bytes", "server", s.inflight_body_budget_bytes);
  if (s.inflight_body_budget_bytes < s.body_limit_bytes)
    r.fail(server["inflight_body_budget_bytes"], "server.inflight_body_budget_bytes",
           "must be >= body_limit_bytes");
  r.get(server, "json_max_depth", "server", s.json_max_depth);
  r.get_ms(server, "read_timeout_ms", "server", s.read_timeout);
  r.get_ms(server, "write_timeout_ms", "server", s.write_timeout);
  r.get_ms(server, "idle_timeout_ms", "server", s.idle_timeout);
  r.get_ms(server, "shutdown_deadline_ms", "server", s.shutdown_deadline);
  r.get(server, "public_base_url", "server", s.public_base_url);
  if (server.IsDefined() && server["tls"].IsDefined() && !server["tls"].IsNull()) {
    auto tls = server["tls"];
    r.only_keys(tls, "server.tls", {"certificate_file", "private_key_file"});
    tls_settings t;
    r.get(tls, "certificate_file", "server.tls", t.certificate_file);
    r.get(tls, "private_key_file", "server.tls", t.private_key_file);
    if (t.certificate_file.empty() || t.private_key_file.empty())
      r.fail(tls, "server.tls", "needs certificate_file and private_key_file");
    t.certificate_file = resolve(base_dir, t.certificate_file);
    t.private_key_file = resolve(base_dir, t.private_key_file);
    s.tls = t;
  }
  while (s.public_base_url.ends_with('/')) s.public_base_url.pop_back();

  auto store = root["store"];
  r.only_keys(store, "store", {"path", "max_batch"});
  r.get(store, "path", "store", cfg->store.path);
  r.get(store, "max_batch", "store", cfg->store.max_batch);
  if (cfg->store.path.empty()) r.fail(store, "store.path", "must not be empty");
  if (cfg->store.max_batch < 1) r.fail(store["max_batch"], "store.max_batch", "must be >= 1");
  if (cfg->store.path != ":memory:") cfg->store.path = resolve(base_dir, cfg->store.path);

  auto delivery = root["delivery"];
  r.only_keys(delivery, "delivery",
              {"base_backoff_ms", "max_backoff_ms", "max_attempts", "request_timeout_ms", "verify_tls_peer",
               "ca_file"});
  auto& d = cfg->delivery;
  r.get_ms(delivery, "base_backoff_ms", "delivery", d.base_backoff);
  r.get_ms(delivery, "max_backoff_ms", "delivery", d.max_backoff);
  r.get(delivery, "max_attempts", "delivery", d.max_attempts);
  r.get_ms(delivery, "request_timeout_ms", "delivery", d.request_timeout);
  r.get(delivery, "verify_tls_peer", "delivery", d.verify_tls_peer);
  r.get(delivery, "ca_file", "delivery", d.ca_file);
  d.ca_file = resolve(base_dir, d.ca_file);
  if (d.max_attempts < 1) r.fail(delivery["max_attempts"], "delivery.max_attempts", "must be >= 1");
  if (d.max_backoff < d.base_backoff)
    r.fail(delivery, "delivery.max_backoff_ms", "must be >= base_backoff_ms");

  std::set<std::string> ids;
  auto partners = root["partners"];
  if (partners.IsDefined() && !partners.IsNull()) {
    if (!partners.IsSequence()) r.fail(partners, "partners", "must be a list");
    for (std::size_t i = 0; i < partners.size(); ++i) {
      auto node = partners[i];
      auto where = "partners[" + std::to_string(i) + "]";
      r.only_keys(
          node, where,
          {"id", "name", "source_endpoints", "validation", "concept_maps", "organization_identifiers"});
      partner p;
      r.get(node, "id", where, p.id);
      r.get(node, "name", where, p.name);
      r.get(node, "source_endpoints", where, p.source_endpoints);
      std::string validation = "strict";
      r.get(node, "validation", where, validation);
      if (validation == "lenient")
        p.validation = validation_mode::lenient;
      else if (validation != "strict")
        r.fail(node["validation"], where + ".validation", "must be strict or lenient");
      if (p.id.empty()) r.fail(node, where + ".id", "is required");
      if (!ids.insert("partner:" + p.id).second) r.fail(node["id"], where + ".id", "is used twice");
      p.organization_identifiers =
          r.identifiers(node["organization_identifiers"], where + ".organization_identifiers");
      // A partner sends messages (recognised by endpoint), documents (by organisation), or both.
      if (p.source_endpoints.empty() && p.organization_identifiers.empty())
        r.fail(node, where + ".source_endpoints",
               "needs at least one endpoint (or organization_identifiers for a document sender)");
      for (const auto& id : p.organization_identifiers)
        if (!ids.insert("partner-org:" + id.system + "|" + id.value).second)
          r.fail(node["organization_identifiers"], where + ".organization_identifiers",
                 "'" + id.system + "|" + id.value + "' already identifies another partner");
      auto maps = node["concept_maps"];
      if (maps.IsDefined() && !maps.IsNull()) {
        if (!maps.IsSequence()) r.fail(maps, where + ".concept_maps", "must be a list of ConceptMap files");
        for (std::size_t j = 0; j < maps.size(); ++j) {
          auto key = where + ".concept_maps[" + std::to_string(j) + "]";
          if (!maps[j].IsScalar()) r.fail(maps[j], key, "must be a file name");
          auto file = maps[j].as<std::string>();
          if (file.empty()) r.fail(maps[j], key, "must not be empty");
          concept_map_file f{resolve(base_dir, file), r.where(maps[j], key)};
          std::error_code ec;
          if (!std::filesystem::is_regular_file(f.path, ec))
            r.fail(maps[j], key, "'" + f.path + "' is not a readable file");
          p.concept_maps.push_back(std::move(f));
        }
      }
      cfg->partners.push_back(std::move(p));
    }
  }
  auto homes = root["medical_homes"];
  if (homes.IsDefined() && !homes.IsNull()) {
    if (!homes.IsSequence()) r.fail(homes, "medical_homes", "must be a list");
    for (std::size_t i = 0; i < homes.size(); ++i) {
      auto node = homes[i];
      auto where = "medical_homes[" + std::to_string(i) + "]";
      r.only_keys(node, where, {"id", "name", "fhir_base_url", "organization_identifiers", "patients"});
      medical_home h;
      r.get(node, "id", where, h.id);
      r.get(node, "name", where, h.name);
      r.get(node, "fhir_base_url", where, h.fhir_base_url);
      if (h.id.empty()) r.fail(node, where + ".id", "is required");
      if (!ids.insert("home:" + h.id).second) r.fail(node["id"], where + ".id", "is used twice");
      if (!is_http_url(h.fhir_base_url)) r.fail(node, where + ".fhir_base_url", "must be an http(s) URL");
      while (h.fhir_base_url.ends_with('/')) h.fhir_base_url.pop_back();
      h.organization_identifiers =
          r.identifiers(node["organization_identifiers"], where + ".organization_identifiers");
      h.patients = r.identifiers(node["patients"], where + ".patients");
      cfg->medical_homes.push_back(std::move(h));
    }
  }
  return cfg;
}

config_ptr with_bound_port(const config_ptr& config, unsigned short port) {
  auto copy = std::make_shared<gateway_config>(*config);
  copy->server.port = port;
  if (copy->server.public_base_url.empty())
    copy->server.public_base_url = std::string(copy->server.tls ? "https://" : "http://") +
                                   copy->server.listen_address + ":" + std::to_string(port) + "/fhir";
  return copy;
}

config_ptr load_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw config_error(path + ": cannot read the configuration file");
  std::stringstream text;
  text << in.rdbuf();
  auto dir = std::filesystem::absolute(path).parent_path().string();
  return load_text(text.str(), path, dir);
}

}  // namespace homebase::config
