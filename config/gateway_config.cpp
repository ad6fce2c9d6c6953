#include "config/gateway_config.hpp"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
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

  // A duration written with its unit (30d, 12h, 15m, 5s, 2w); a bare number is refused, since its unit
  // would be a guess.
  void get_duration(const YAML::Node& map, const char* key, const std::string& where,
                    std::chrono::seconds& out) {
    if (!map.IsDefined() || map.IsNull()) return;
    auto node = map[key];
    if (!node.IsDefined() || node.IsNull()) return;
    auto parsed = node.IsScalar() ? parse_duration(node.Scalar()) : std::nullopt;
    if (!parsed)
      fail(node, where + "." + key,
           "must be a positive duration with a unit (s, m, h, d, w), e.g. 30d or 5s");
    out = *parsed;
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

void load_coordination(reader& r, const YAML::Node& node, coordination_settings& c) {
  const std::string top = "coordination";
  r.only_keys(node, top,
              {"enabled", "case_conference", "parent_partner_outreach", "pcp_visit", "schedule_followup",
               "early_intervention", "interpreter", "transport", "appointment_burden", "referral_loop",
               "weight_gain", "rop_followup", "medication_conflict", "visit_summary_review"});
  r.get(node, "enabled", top, c.enabled);
  if (!node.IsDefined() || node.IsNull()) return;
  auto section = [&](const char* name, std::initializer_list<const char*> keys, bool& enabled) {
    auto n = node[name];
    std::string where = top + "." + name;
    std::vector<const char*> allowed{"enabled"};
    allowed.insert(allowed.end(), keys.begin(), keys.end());
    if (n.IsDefined() && !n.IsNull() && !n.IsMap()) r.fail(n, where, "must be a mapping");
    if (n.IsDefined() && !n.IsNull())
      for (const auto& kv : n) {
        auto key = kv.first.as<std::string>();
        if (std::find_if(allowed.begin(), allowed.end(), [&](const char* a) { return key == a; }) ==
            allowed.end())
          r.fail(kv.first, where + "." + key, "unknown key");
      }
    r.get(n, "enabled", where, enabled);
    return std::make_pair(n, where);
  };
  {
    auto [n, where] = section("case_conference", {"weekday"}, c.case_conference.enabled);
    if (n.IsDefined() && n["weekday"].IsDefined() && !n["weekday"].IsNull()) {
      static constexpr const char* names[] = {"sunday",   "monday", "tuesday", "wednesday",
                                              "thursday", "friday", "saturday"};
      std::string day = n["weekday"].IsScalar() ? n["weekday"].Scalar() : std::string();
      std::transform(day.begin(), day.end(), day.begin(), [](unsigned char ch) { return std::tolower(ch); });
      auto it = std::find(std::begin(names), std::end(names), day);
      if (it == std::end(names))
        r.fail(n["weekday"], where + ".weekday", "must be a day name, e.g. wednesday");
      c.case_conference.weekday = static_cast<int>(it - std::begin(names));
    }
  }
  {
    auto [n, where] =
        section("parent_partner_outreach", {"due_after_discharge"}, c.parent_partner_outreach.enabled);
    r.get_duration(n, "due_after_discharge", where, c.parent_partner_outreach.due_after_discharge);
  }
  {
    auto [n, where] = section("pcp_visit", {"within"}, c.pcp_visit.enabled);
    r.get_duration(n, "within", where, c.pcp_visit.within);
  }
  {
    auto [n, where] = section("schedule_followup", {"due_within"}, c.schedule_followup.enabled);
    r.get_duration(n, "due_within", where, c.schedule_followup.due_within);
  }
  {
    auto& ei = c.early_intervention;
    auto [n, where] = section("early_intervention",
                              {"referral_within", "acknowledgement_within", "ifsp_within"}, ei.enabled);
    r.get_duration(n, "referral_within", where, ei.referral_within);
    r.get_duration(n, "acknowledgement_within", where, ei.acknowledgement_within);
    r.get_duration(n, "ifsp_within", where, ei.ifsp_within);
  }
  (void)section("interpreter", {}, c.interpreter.enabled);
  (void)section("transport", {}, c.transport.enabled);
  {
    auto& b = c.appointment_burden;
    auto [n, where] = section("appointment_burden", {"max_visits_per_week", "max_sites_per_day"}, b.enabled);
    r.get(n, "max_visits_per_week", where, b.max_visits_per_week);
    r.get(n, "max_sites_per_day", where, b.max_sites_per_day);
    if (b.max_visits_per_week < 1)
      r.fail(n["max_visits_per_week"], where + ".max_visits_per_week", "must be >= 1");
    if (b.max_sites_per_day < 1) r.fail(n["max_sites_per_day"], where + ".max_sites_per_day", "must be >= 1");
  }
  {
    auto [n, where] = section("referral_loop", {"close_within"}, c.referral_loop.enabled);
    r.get_duration(n, "close_within", where, c.referral_loop.close_within);
  }
  {
    auto& w = c.weight_gain;
    auto [n, where] = section("weight_gain", {"min_grams_per_day", "window"}, w.enabled);
    r.get(n, "min_grams_per_day", where, w.min_grams_per_day);
    if (!(w.min_grams_per_day > 0 && w.min_grams_per_day < 1000))
      r.fail(n["min_grams_per_day"], where + ".min_grams_per_day", "must be a number of grams above 0");
    r.get_duration(n, "window", where, w.window);
  }
  (void)section("rop_followup", {}, c.rop_followup.enabled);
  (void)section("medication_conflict", {}, c.medication_conflict.enabled);
  (void)section("visit_summary_review", {}, c.visit_summary_review.enabled);
}

}  // namespace

std::optional<std::chrono::seconds> parse_duration(std::string_view text) {
  if (text.size() < 2 || text.size() > 12) return std::nullopt;
  long long n = 0;
  for (std::size_t i = 0; i + 1 < text.size(); ++i) {
    if (text[i] < '0' || text[i] > '9') return std::nullopt;
    n = n * 10 + (text[i] - '0');
  }
  long long unit = 0;
  switch (text.back()) {
    case 's':
      unit = 1;
      break;
    case 'm':
      unit = 60;
      break;
    case 'h':
      unit = 3'600;
      break;
    case 'd':
      unit = 86'400;
      break;
    case 'w':
      unit = 7 * 86'400;
      break;
    default:
      return std::nullopt;
  }
  if (n <= 0 || n > 100LL * 365 * 86'400 / unit) return std::nullopt;  // beyond a century is a typo
  return std::chrono::seconds(n * unit);
}

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

const school* gateway_config::find_school(std::string_view system, std::string_view value) const {
  for (const auto& sc : schools)
    for (const auto& id : sc.organization_identifiers)
      if (id.system == system && id.value == value) return &sc;
  return nullptr;
}

const school* gateway_config::find_school_by_id(std::string_view id) const {
  for (const auto& sc : schools)
    if (sc.id == id) return &sc;
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
  r.only_keys(root, "",
              {"server", "store", "delivery", "partners", "medical_homes", "coordination", "schools"});

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
  load_coordination(r, root["coordination"], cfg->coordination);
  auto schools = root["schools"];
  if (schools.IsDefined() && !schools.IsNull()) {
    if (!schools.IsSequence()) r.fail(schools, "schools", "must be a list");
    for (std::size_t i = 0; i < schools.size(); ++i) {
      auto node = schools[i];
      auto where = "schools[" + std::to_string(i) + "]";
      r.only_keys(node, where, {"id", "name", "fhir_base_url", "organization_identifiers"});
      school sc;
      r.get(node, "id", where, sc.id);
      r.get(node, "name", where, sc.name);
      r.get(node, "fhir_base_url", where, sc.fhir_base_url);
      if (sc.id.empty()) r.fail(node, where + ".id", "is required");
      if (!ids.insert("school:" + sc.id).second) r.fail(node["id"], where + ".id", "is used twice");
      if (!is_http_url(sc.fhir_base_url)) r.fail(node, where + ".fhir_base_url", "must be an http(s) URL");
      while (sc.fhir_base_url.ends_with('/')) sc.fhir_base_url.pop_back();
      sc.organization_identifiers =
          r.identifiers(node["organization_identifiers"], where + ".organization_identifiers");
      if (sc.organization_identifiers.empty())
        r.fail(node, where + ".organization_identifiers", "needs at least one {system, value}");
      cfg->schools.push_back(std::move(sc));
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
