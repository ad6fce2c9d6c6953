#include "config/gateway_config.hpp"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

namespace homebase::config {
namespace {

constexpr int max_delivery_window = 64;  // deliveries in flight to one medical home

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

// A YAML value as JSON text (for a JWK Set written inline in the file): mappings become objects,
// sequences arrays, every scalar a string (JWK members are strings).
void yaml_to_json(const YAML::Node& node, std::string& out) {
  auto quote = [&out](const std::string& text) {
    out += '"';
    for (unsigned char ch : text) {
      if (ch == '"' || ch == '\\') {
        out += '\\';
        out += static_cast<char>(ch);
      } else if (ch < 0x20) {
        static constexpr char hex[] = "0123456789abcdef";
        out += "\\u00";
        out += hex[ch >> 4];
        out += hex[ch & 15];
      } else {
        out += static_cast<char>(ch);
      }
    }
    out += '"';
  };
  if (node.IsMap()) {
    out += '{';
    bool first = true;
    for (const auto& kv : node) {
      if (!first) out += ',';
      first = false;
      quote(kv.first.as<std::string>());
      out += ':';
      yaml_to_json(kv.second, out);
    }
    out += '}';
  } else if (node.IsSequence()) {
    out += '[';
    for (std::size_t i = 0; i < node.size(); ++i) {
      if (i) out += ',';
      yaml_to_json(node[i], out);
    }
    out += ']';
  } else if (node.IsScalar()) {
    quote(node.Scalar());
  } else {
    out += "null";
  }
}

std::string read_whole_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return {};
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

bool is_loopback(const std::string& address) {
  return address == "localhost" || address == "::1" || address.starts_with("127.");
}

std::string normalized_fingerprint(const std::string& text) {
  std::string out;
  for (unsigned char ch : text) {
    if (ch == ':' || ch == ' ') continue;
    out += static_cast<char>(std::tolower(ch));
  }
  return out;
}

void load_rate(reader& r, const YAML::Node& node, const std::string& where, rate_limit& out) {
  if (!node.IsDefined() || node.IsNull()) return;
  r.only_keys(node, where, {"per_second", "burst"});
  r.get(node, "per_second", where, out.per_second);
  r.get(node, "burst", where, out.burst);
  if (out.per_second < 0) r.fail(node["per_second"], where + ".per_second", "must not be negative");
  if (out.per_second > 0 && out.burst < 1) r.fail(node, where + ".burst", "must be >= 1");
}

// jwks (inline), jwks_file and certificates of a client or partner entry.
void load_credentials(reader& r, const YAML::Node& node, const std::string& where,
                      const std::string& base_dir, client_credentials& out) {
  auto jwks = node["jwks"];
  auto jwks_file = node["jwks_file"];
  bool has_inline = jwks.IsDefined() && !jwks.IsNull();
  bool has_file = jwks_file.IsDefined() && !jwks_file.IsNull();
  if (has_inline && has_file) r.fail(jwks_file, where + ".jwks_file", "give jwks or jwks_file, not both");
  if (has_inline) {
    if (!jwks.IsMap()) r.fail(jwks, where + ".jwks", "must be a JWK Set ({keys: [...]})");
    yaml_to_json(jwks, out.jwks_json);
    out.jwks_origin = r.where(jwks, where + ".jwks");
  } else if (has_file) {
    if (!jwks_file.IsScalar()) r.fail(jwks_file, where + ".jwks_file", "must be a file name");
    auto path = resolve(base_dir, jwks_file.Scalar());
    out.jwks_json = read_whole_file(path);
    if (out.jwks_json.empty())
      r.fail(jwks_file, where + ".jwks_file", "'" + path + "' is not a readable file");
    out.jwks_origin = r.where(jwks_file, where + ".jwks_file") + " (" + path + ")";
  }
  auto certs = node["certificates"];
  if (certs.IsDefined() && !certs.IsNull()) {
    if (!certs.IsSequence())
      r.fail(certs, where + ".certificates", "must be a list of {sha256 | subject | san}");
    for (std::size_t j = 0; j < certs.size(); ++j) {
      auto key = where + ".certificates[" + std::to_string(j) + "]";
      r.only_keys(certs[j], key, {"sha256", "subject", "san"});
      certificate_binding b;
      r.get(certs[j], "sha256", key, b.sha256);
      r.get(certs[j], "subject", key, b.subject);
      r.get(certs[j], "san", key, b.san);
      b.sha256 = normalized_fingerprint(b.sha256);
      if (!b.sha256.empty() &&
          (b.sha256.size() != 64 || b.sha256.find_first_not_of("0123456789abcdef") != std::string::npos))
        r.fail(certs[j]["sha256"], key + ".sha256", "must be a SHA-256 fingerprint (64 hex digits)");
      if (b.sha256.empty() && b.subject.empty() && b.san.empty())
        r.fail(certs[j], key, "needs sha256, subject or san");
      out.certificates.push_back(std::move(b));
    }
  }
}

void load_destination_auth(reader& r, const YAML::Node& node, const std::string& where,
                           const std::string& base_dir, destination_auth& out) {
  if (!node.IsDefined() || node.IsNull()) return;
  r.only_keys(node, where, {"smart", "client_certificate", "bearer_token"});
  auto smart = node["smart"];
  auto cert = node["client_certificate"];
  auto bearer = node["bearer_token"];
  if (smart.IsDefined() && !smart.IsNull()) {
    auto w = where + ".smart";
    r.only_keys(smart, w, {"token_url", "client_id", "private_key_file", "key_id", "algorithm", "scope"});
    out.how = destination_auth::method::smart;
    r.get(smart, "token_url", w, out.token_url);
    r.get(smart, "client_id", w, out.client_id);
    r.get(smart, "private_key_file", w, out.private_key_file);
    r.get(smart, "key_id", w, out.key_id);
    r.get(smart, "algorithm", w, out.algorithm);
    r.get(smart, "scope", w, out.scope);
    if (!is_http_url(out.token_url)) r.fail(smart, w + ".token_url", "must be an http(s) URL");
    if (out.client_id.empty()) r.fail(smart, w + ".client_id", "is required");
    if (out.key_id.empty()) r.fail(smart, w + ".key_id", "is required (the kid of our JWKS)");
    if (out.algorithm != "RS384" && out.algorithm != "ES384")
      r.fail(smart["algorithm"], w + ".algorithm", "must be RS384 or ES384");
    if (out.private_key_file.empty()) r.fail(smart, w + ".private_key_file", "is required");
    out.private_key_file = resolve(base_dir, out.private_key_file);
    std::error_code ec;
    if (!std::filesystem::is_regular_file(out.private_key_file, ec))
      r.fail(smart["private_key_file"], w + ".private_key_file",
             "'" + out.private_key_file + "' is not a readable file");
  }
  if (cert.IsDefined() && !cert.IsNull()) {
    auto w = where + ".client_certificate";
    r.only_keys(cert, w, {"certificate_file", "private_key_file"});
    r.get(cert, "certificate_file", w, out.certificate_file);
    r.get(cert, "private_key_file", w, out.certificate_key_file);
    if (out.certificate_file.empty() || out.certificate_key_file.empty())
      r.fail(cert, w, "needs certificate_file and private_key_file");
    out.certificate_file = resolve(base_dir, out.certificate_file);
    out.certificate_key_file = resolve(base_dir, out.certificate_key_file);
    if (out.how == destination_auth::method::none) out.how = destination_auth::method::certificate;
  }
  if (bearer.IsDefined() && !bearer.IsNull()) {
    if (out.how != destination_auth::method::none)
      r.fail(bearer, where + ".bearer_token", "cannot be combined with smart or client_certificate");
    r.get(node, "bearer_token", where, out.bearer_token);
    if (out.bearer_token.empty()) r.fail(bearer, where + ".bearer_token", "must not be empty");
    out.how = destination_auth::method::bearer;
  }
}

void load_string_list(reader& r, const YAML::Node& node, const char* key, const std::string& where,
                      std::vector<std::string>& out, bool* given = nullptr) {
  auto n = node[key];
  if (!n.IsDefined() || n.IsNull()) return;
  if (!n.IsSequence()) r.fail(n, where + "." + key, "must be a list");
  for (std::size_t i = 0; i < n.size(); ++i) {
    if (!n[i].IsScalar() || n[i].Scalar().empty())
      r.fail(n[i], where + "." + key + "[" + std::to_string(i) + "]", "must be a non-empty string");
    out.push_back(n[i].Scalar());
  }
  if (given) *given = true;
}

// A SMART system scope, v1 (system/Type.read|write|*) or v2 (system/Type.cruds, letters in that order).
// `$scrypt$ln=L,r=R,p=P$SALT$HASH` (gateway/console/password_hash); the numbers and the base64url parts
// are checked there when the console starts, this only recognises the shape.
bool looks_like_password_hash(const std::string& text) {
  if (!text.starts_with("$scrypt$ln=")) return false;
  return std::count(text.begin(), text.end(), '$') == 4 && !text.ends_with('$');
}

void load_console(reader& r, const YAML::Node& node, gateway_config& cfg) {
  r.only_keys(node, "console", {"enabled", "session_ttl", "idle_timeout", "lockout", "users", "oidc"});
  auto& c = cfg.console;
  r.get(node, "enabled", "console", c.enabled);
  r.get_duration(node, "session_ttl", "console", c.session_ttl);
  r.get_duration(node, "idle_timeout", "console", c.idle_timeout);
  if (c.idle_timeout > c.session_ttl)
    r.fail(node["idle_timeout"], "console.idle_timeout", "must not be longer than console.session_ttl");
  if (node.IsDefined() && !node.IsNull()) {
    auto lockout = node["lockout"];
    r.only_keys(lockout, "console.lockout", {"failures", "address_failures", "window", "duration"});
    r.get(lockout, "failures", "console.lockout", c.lockout.failures);
    r.get(lockout, "address_failures", "console.lockout", c.lockout.address_failures);
    r.get_duration(lockout, "window", "console.lockout", c.lockout.window);
    r.get_duration(lockout, "duration", "console.lockout", c.lockout.duration);
    if (c.lockout.failures < 1 || c.lockout.failures > 100)
      r.fail(lockout["failures"], "console.lockout.failures", "must be 1..100");
    if (c.lockout.address_failures < 1 || c.lockout.address_failures > 10'000)
      r.fail(lockout["address_failures"], "console.lockout.address_failures", "must be 1..10000");
    auto users = node["users"];
    if (users.IsDefined() && !users.IsNull()) {
      if (!users.IsSequence()) r.fail(users, "console.users", "must be a list");
      for (std::size_t i = 0; i < users.size(); ++i) {
        auto u = users[i];
        auto where = "console.users[" + std::to_string(i) + "]";
        r.only_keys(u, where, {"name", "password_hash", "role", "medical_home"});
        console_user user;
        r.get(u, "name", where, user.name);
        r.get(u, "password_hash", where, user.password_hash);
        if (user.name.empty() || user.name.size() > 64 ||
            !std::all_of(user.name.begin(), user.name.end(), [](char ch) {
              return std::isalnum(static_cast<unsigned char>(ch)) || ch == '.' || ch == '_' || ch == '-' ||
                     ch == '@';
            }))
          r.fail(u, where + ".name", "is required: 1..64 of letters, digits and . _ - @");
        if (c.find_user(user.name) != nullptr) r.fail(u["name"], where + ".name", "is used twice");
        if (!looks_like_password_hash(user.password_hash))
          r.fail(u, where + ".password_hash",
                 "must be a hash made by `homebase hash-password` ($scrypt$ln=...), never the password");
        std::string role;
        r.get(u, "role", where, role);
        if (role == "operator")
          user.role = console_user_role::operator_;
        else if (role == "care_coordinator")
          user.role = console_user_role::care_coordinator;
        else
          r.fail(u, where + ".role", "must be operator or care_coordinator");
        r.get(u, "medical_home", where, user.medical_home_id);
        if (user.role == console_user_role::care_coordinator) {
          if (cfg.find_medical_home(user.medical_home_id) == nullptr)
            r.fail(u, where + ".medical_home", "must name a medical_homes[].id (the home they work for)");
        } else if (!user.medical_home_id.empty()) {
          r.fail(u["medical_home"], where + ".medical_home", "only for role care_coordinator");
        }
        c.users.push_back(std::move(user));
      }
    }
  }
}

bool is_system_scope(const std::string& scope) {
  if (!scope.starts_with("system/")) return false;
  auto rest = std::string_view(scope).substr(7);
  auto q = rest.find('?');
  if (q != std::string_view::npos) rest = rest.substr(0, q);
  auto dot = rest.rfind('.');
  if (dot == std::string_view::npos || dot == 0) return false;
  auto type = rest.substr(0, dot);
  auto what = rest.substr(dot + 1);
  if (type != "*" && !(std::isupper(static_cast<unsigned char>(type[0])) &&
                       std::all_of(type.begin(), type.end(),
                                   [](char c) { return std::isalpha(static_cast<unsigned char>(c)); })))
    return false;
  if (what == "read" || what == "write" || what == "*") return true;
  static constexpr std::string_view order = "cruds";
  std::size_t at = 0;
  for (char c : what) {
    auto p = order.find(c, at);
    if (p == std::string_view::npos) return false;
    at = p + 1;
  }
  return !what.empty();
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

bool is_loopback_url(const std::string& url) {
  for (std::string_view host : {"http://127.", "http://localhost:", "http://localhost/", "http://[::1]"})
    if (url.starts_with(host) || url == "http://localhost") return true;
  return false;
}

// console.oidc (absent: no OpenID Connect sign-in). After medical_homes, which the users name.
void load_console_oidc(reader& r, const YAML::Node& node, const std::string& base_dir, gateway_config& cfg) {
  if (!node.IsDefined() || node.IsNull()) return;
  const std::string top = "console.oidc";
  if (!cfg.console.enabled) r.fail(node, top, "needs console.enabled: true");
  r.only_keys(
      node, top,
      {"issuer", "client_id", "client_auth", "client_secret_file", "private_key_file", "key_id", "scopes",
       "redirect_uri", "ca_file", "clock_skew", "flow_lifetime", "request_timeout_ms", "users"});
  console_oidc_settings o;
  r.get(node, "issuer", top, o.issuer);
  r.get(node, "client_id", top, o.client_id);
  if (!o.issuer.starts_with("https://") && !is_loopback_url(o.issuer))
    r.fail(node["issuer"], top + ".issuer", "must be an https URL (http only on loopback, for tests)");
  while (o.issuer.ends_with('/') && o.issuer.size() > 8) o.issuer.pop_back();
  if (o.client_id.empty()) r.fail(node, top + ".client_id", "is required");
  std::string how = "client_secret_basic";
  r.get(node, "client_auth", top, how);
  using ca = console_oidc_settings::client_auth;
  if (how == "client_secret_basic")
    o.auth = ca::client_secret_basic;
  else if (how == "client_secret_post")
    o.auth = ca::client_secret_post;
  else if (how == "private_key_jwt")
    o.auth = ca::private_key_jwt;
  else if (how == "none")
    o.auth = ca::none;
  else
    r.fail(node["client_auth"], top + ".client_auth",
           "must be client_secret_basic, client_secret_post, private_key_jwt or none");
  std::string secret_file;
  r.get(node, "client_secret_file", top, secret_file);
  bool secret_auth = o.auth == ca::client_secret_basic || o.auth == ca::client_secret_post;
  if (secret_auth) {
    if (secret_file.empty()) r.fail(node, top + ".client_secret_file", "is required for client_auth " + how);
    auto path = resolve(base_dir, secret_file);
    o.client_secret = read_whole_file(path);
    while (!o.client_secret.empty() && (o.client_secret.back() == '\n' || o.client_secret.back() == '\r'))
      o.client_secret.pop_back();
    if (o.client_secret.empty())
      r.fail(node["client_secret_file"], top + ".client_secret_file",
             "'" + path + "' is not a readable file with the secret");
  } else if (!secret_file.empty()) {
    r.fail(node["client_secret_file"], top + ".client_secret_file",
           "is only for client_secret_basic or _post");
  }
  r.get(node, "private_key_file", top, o.private_key_file);
  r.get(node, "key_id", top, o.key_id);
  if (o.auth == ca::private_key_jwt) {
    if (o.private_key_file.empty())
      r.fail(node, top + ".private_key_file", "is required for private_key_jwt");
    if (o.key_id.empty()) r.fail(node, top + ".key_id", "is required for private_key_jwt");
    o.private_key_file = resolve(base_dir, o.private_key_file);
    std::error_code ec;
    if (!std::filesystem::is_regular_file(o.private_key_file, ec))
      r.fail(node["private_key_file"], top + ".private_key_file",
             "'" + o.private_key_file + "' is not a readable file");
  } else if (!o.private_key_file.empty() || !o.key_id.empty()) {
    r.fail(node["private_key_file"].IsDefined() ? node["private_key_file"] : node["key_id"], top,
           "private_key_file and key_id are only for client_auth private_key_jwt");
  }
  r.get(node, "scopes", top, o.scopes);
  {
    bool has_openid = false;
    std::istringstream words(o.scopes);
    for (std::string w; words >> w;) has_openid = has_openid || w == "openid";
    if (!has_openid) r.fail(node["scopes"], top + ".scopes", "must include openid");
  }
  r.get(node, "redirect_uri", top, o.redirect_uri);
  if (!o.redirect_uri.empty() && !is_http_url(o.redirect_uri))
    r.fail(node["redirect_uri"], top + ".redirect_uri", "must be an http(s) URL");
  r.get(node, "ca_file", top, o.ca_file);
  o.ca_file = resolve(base_dir, o.ca_file);
  if (!o.ca_file.empty()) {
    std::error_code ec;
    if (!std::filesystem::is_regular_file(o.ca_file, ec))
      r.fail(node["ca_file"], top + ".ca_file", "'" + o.ca_file + "' is not a readable file");
  }
  r.get_duration(node, "clock_skew", top, o.clock_skew);
  if (o.clock_skew.count() > 600) r.fail(node["clock_skew"], top + ".clock_skew", "must be at most 10m");
  r.get_duration(node, "flow_lifetime", top, o.flow_lifetime);
  if (o.flow_lifetime.count() > 3'600)
    r.fail(node["flow_lifetime"], top + ".flow_lifetime", "must be at most 1h");
  r.get_ms(node, "request_timeout_ms", top, o.request_timeout);
  if (o.request_timeout.count() < 100)
    r.fail(node["request_timeout_ms"], top + ".request_timeout_ms", "must be >= 100");

  auto users = node["users"];
  if (!users.IsDefined() || users.IsNull() || !users.IsSequence() || users.size() == 0)
    r.fail(users.IsDefined() ? users : node, top + ".users",
           "must list who may sign in ({subject | email, role, medical_home}); nobody else gets in");
  std::set<std::string> seen;
  for (std::size_t i = 0; i < users.size(); ++i) {
    auto u = users[i];
    auto where = top + ".users[" + std::to_string(i) + "]";
    r.only_keys(u, where, {"subject", "email", "name", "role", "medical_home"});
    console_oidc_user user;
    r.get(u, "subject", where, user.subject);
    r.get(u, "email", where, user.email);
    r.get(u, "name", where, user.name);
    r.get(u, "medical_home", where, user.medical_home_id);
    if (user.subject.empty() == user.email.empty())
      r.fail(u, where, "needs exactly one of subject (the sub claim) or email (a verified email claim)");
    std::transform(user.email.begin(), user.email.end(), user.email.begin(),
                   [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
    if (!user.email.empty() && user.email.find('@') == std::string::npos)
      r.fail(u["email"], where + ".email", "must be an e-mail address");
    auto key = user.subject.empty() ? "email:" + user.email : "sub:" + user.subject;
    if (!seen.insert(key).second) r.fail(u, where, "names the same person as an earlier entry");
    std::string role;
    r.get(u, "role", where, role);
    if (role == "operator")
      user.role = console_user_role::operator_;
    else if (role == "care_coordinator")
      user.role = console_user_role::care_coordinator;
    else
      r.fail(u["role"].IsDefined() ? u["role"] : u, where + ".role", "must be operator or care_coordinator");
    if (user.role == console_user_role::care_coordinator) {
      if (cfg.find_medical_home(user.medical_home_id) == nullptr)
        r.fail(u["medical_home"].IsDefined() ? u["medical_home"] : u, where + ".medical_home",
               "must name a medical_homes[].id (a care coordinator works for one medical home)");
    } else if (!user.medical_home_id.empty()) {
      r.fail(u["medical_home"], where + ".medical_home", "only for role care_coordinator");
    }
    if (user.name.empty()) user.name = user.email.empty() ? user.subject : user.email;
    user.origin = r.where(u, where);
    o.users.push_back(std::move(user));
  }
  cfg.console.oidc = std::move(o);
}
}  // namespace

const console_user* console_settings::find_user(std::string_view name) const {
  for (const auto& u : users)
    if (u.name == name) return &u;
  return nullptr;
}

namespace {

// mail: the SMTP submission server for secure e-mail. The password never stands in the file: it is read
// from password_file or from the environment variable password_env.
void load_mail(reader& r, const YAML::Node& node, const std::string& base_dir, gateway_config& cfg) {
  if (!node.IsDefined() || node.IsNull()) return;
  r.only_keys(node, "mail",
              {"smtp_url", "username", "password_file", "password_env", "from", "ca_file", "timeout_ms",
               "signing_certificate_file", "signing_key_file"});
  auto& m = cfg.mail;
  m.configured = true;
  r.get(node, "smtp_url", "mail", m.smtp_url);
  r.get(node, "username", "mail", m.username);
  r.get(node, "from", "mail", m.from);
  r.get(node, "ca_file", "mail", m.ca_file);
  r.get_ms(node, "timeout_ms", "mail", m.timeout);
  r.get(node, "signing_certificate_file", "mail", m.signing_certificate_file);
  r.get(node, "signing_key_file", "mail", m.signing_key_file);
  if (!m.smtp_url.starts_with("smtp://") && !m.smtp_url.starts_with("smtps://"))
    r.fail(node["smtp_url"].IsDefined() ? node["smtp_url"] : node, "mail.smtp_url",
           "must be smtp://host:port (STARTTLS is then required) or smtps://host:port");
  if (m.from.find('@') == std::string::npos)
    r.fail(node["from"].IsDefined() ? node["from"] : node, "mail.from", "must be an e-mail address");
  if (m.timeout.count() < 100) r.fail(node["timeout_ms"], "mail.timeout_ms", "must be >= 100");
  std::string password_file, password_env;
  r.get(node, "password_file", "mail", password_file);
  r.get(node, "password_env", "mail", password_env);
  if (!password_file.empty() && !password_env.empty())
    r.fail(node["password_env"], "mail.password_env", "give password_file or password_env, not both");
  if (!password_file.empty()) {
    std::ifstream in(resolve(base_dir, password_file));
    if (!in) r.fail(node["password_file"], "mail.password_file", "'" + password_file + "' is not readable");
    std::getline(in, m.password);
  } else if (!password_env.empty()) {
    const char* v = std::getenv(password_env.c_str());
    if (v == nullptr || *v == '\0')
      r.fail(node["password_env"], "mail.password_env",
             "the environment variable " + password_env + " is not set");
    m.password = v;
  }
  if (!m.username.empty() && m.password.empty())
    r.fail(node, "mail", "username needs password_file or password_env");
  auto file = [&](const char* key, std::string& path) {
    if (path.empty()) return;
    path = resolve(base_dir, path);
    std::error_code ec;
    if (!std::filesystem::is_regular_file(path, ec))
      r.fail(node[key], std::string("mail.") + key, "'" + path + "' is not a readable file");
  };
  if (!m.ca_file.empty()) file("ca_file", m.ca_file);
  file("signing_certificate_file", m.signing_certificate_file);
  file("signing_key_file", m.signing_key_file);
  if (m.signing_certificate_file.empty() != m.signing_key_file.empty())
    r.fail(node, "mail", "signing_certificate_file and signing_key_file go together");
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

std::string_view to_string(client_kind kind) {
  switch (kind) {
    case client_kind::partner:
      return "partner";
    case client_kind::medical_home:
      return "medical_home";
    case client_kind::school:
      return "school";
    case client_kind::operator_:
      return "operator";
  }
  return "operator";
}

std::string_view to_string(letter_channel_kind kind) {
  switch (kind) {
    case letter_channel_kind::email:
      return "email";
    case letter_channel_kind::fhir:
      return "fhir";
    case letter_channel_kind::hand_carry:
      return "hand_carry";
  }
  return "fhir";
}

const letter_channel* school::find_channel(letter_channel_kind kind) const {
  for (const auto& c : channels)
    if (c.kind == kind) return &c;
  return nullptr;
}

const client* gateway_config::find_client(std::string_view id) const {
  for (const auto& c : clients)
    if (c.id == id) return &c;
  return nullptr;
}

const medical_home* gateway_config::find_medical_home(std::string_view id) const {
  for (const auto& h : medical_homes)
    if (h.id == id) return &h;
  return nullptr;
}

int gateway_config::delivery_window(const medical_home& home) const {
  return home.delivery_window.value_or(delivery.window);
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
              {"server", "store", "delivery", "partners", "medical_homes", "coordination", "schools", "auth",
               "clients", "log", "metrics", "retention", "console", "mail", "letters"});

  auto server = root["server"];
  r.only_keys(server, "server",
              {"listen_address", "port", "io_threads", "header_limit_bytes", "body_limit_bytes",
               "inflight_body_budget_bytes", "json_max_depth", "read_timeout_ms", "write_timeout_ms",
               "idle_timeout_ms", "shutdown_deadline_ms", "public_base_url", "tls", "target_limit_bytes",
               "max_connections", "max_connections_per_address", "per_address_rate"});
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
    r.only_keys(tls, "server.tls", {"certificate_file", "private_key_file", "client_ca_file"});
    tls_settings t;
    r.get(tls, "certificate_file", "server.tls", t.certificate_file);
    r.get(tls, "private_key_file", "server.tls", t.private_key_file);
    r.get(tls, "client_ca_file", "server.tls", t.client_ca_file);
    if (t.certificate_file.empty() || t.private_key_file.empty())
      r.fail(tls, "server.tls", "needs certificate_file and private_key_file");
    t.certificate_file = resolve(base_dir, t.certificate_file);
    t.private_key_file = resolve(base_dir, t.private_key_file);
    t.client_ca_file = resolve(base_dir, t.client_ca_file);
    std::error_code ec;
    if (!t.client_ca_file.empty() && !std::filesystem::is_regular_file(t.client_ca_file, ec))
      r.fail(tls["client_ca_file"], "server.tls.client_ca_file",
             "'" + t.client_ca_file + "' is not a readable file");
    s.tls = t;
  }
  while (s.public_base_url.ends_with('/')) s.public_base_url.pop_back();
  r.get(server, "target_limit_bytes", "server", s.target_limit_bytes);
  if (s.target_limit_bytes < 256)
    r.fail(server["target_limit_bytes"], "server.target_limit_bytes", "must be >= 256");
  r.get(server, "max_connections", "server", s.max_connections);
  r.get(server, "max_connections_per_address", "server", s.max_connections_per_address);
  if (s.max_connections < 1) r.fail(server["max_connections"], "server.max_connections", "must be >= 1");
  if (s.max_connections_per_address < 1 || s.max_connections_per_address > s.max_connections)
    r.fail(server["max_connections_per_address"], "server.max_connections_per_address",
           "must be 1..max_connections");
  if (server.IsDefined() && !server.IsNull())
    load_rate(r, server["per_address_rate"], "server.per_address_rate", s.per_address);

  auto store = root["store"];
  r.only_keys(store, "store", {"path", "max_batch"});
  r.get(store, "path", "store", cfg->store.path);
  r.get(store, "max_batch", "store", cfg->store.max_batch);
  if (cfg->store.path.empty()) r.fail(store, "store.path", "must not be empty");
  if (cfg->store.max_batch < 1) r.fail(store["max_batch"], "store.max_batch", "must be >= 1");
  if (cfg->store.path != ":memory:") cfg->store.path = resolve(base_dir, cfg->store.path);

  auto log = root["log"];
  r.only_keys(log, "log", {"level"});
  r.get(log, "level", "log", cfg->log.level);
  {
    static constexpr std::string_view levels[] = {"trace", "debug",    "info", "warn",
                                                  "error", "critical", "off"};
    if (std::find(std::begin(levels), std::end(levels), cfg->log.level) == std::end(levels))
      r.fail(log["level"], "log.level", "must be one of trace, debug, info, warn, error, critical, off");
  }

  auto metrics = root["metrics"];
  r.only_keys(metrics, "metrics", {"enabled", "listen"});
  r.get(metrics, "enabled", "metrics", cfg->metrics.enabled);
  {
    std::string listen;
    r.get(metrics, "listen", "metrics", listen);
    if (!listen.empty()) {
      // host:port (an IPv6 address in brackets: [::1]:9464)
      auto colon = listen.rfind(':');
      int listen_port = -1;
      if (colon != std::string::npos && colon + 1 < listen.size() && colon + 6 >= listen.size() &&
          std::all_of(listen.begin() + static_cast<std::ptrdiff_t>(colon) + 1, listen.end(),
                      [](char c) { return c >= '0' && c <= '9'; }))
        listen_port = std::stoi(listen.substr(colon + 1));
      std::string host = colon == std::string::npos ? std::string() : listen.substr(0, colon);
      if (host.size() >= 2 && host.front() == '[' && host.back() == ']')
        host = host.substr(1, host.size() - 2);
      if (listen_port < 0 || listen_port > 65535 || host.empty())
        r.fail(metrics["listen"], "metrics.listen", "must be host:port, e.g. 127.0.0.1:9464");
      cfg->metrics.listen_address = host;
      cfg->metrics.listen_port = static_cast<unsigned short>(listen_port);
    }
  }

  // ---- retention (issue 13 item 4) ----
  auto retention = root["retention"];
  r.only_keys(retention, "retention",
              {"enabled", "message_bodies", "delivery_attempts", "audit_events", "purge_every", "purge_batch",
               "purge_pause_ms"});
  {
    auto& k = cfg->retention;
    r.get(retention, "enabled", "retention", k.enabled);
    r.get_duration(retention, "message_bodies", "retention", k.message_bodies);
    r.get_duration(retention, "delivery_attempts", "retention", k.delivery_attempts);
    r.get_duration(retention, "audit_events", "retention", k.audit_events);
    r.get_duration(retention, "purge_every", "retention", k.purge_every);
    r.get(retention, "purge_batch", "retention", k.purge_batch);
    r.get_ms(retention, "purge_pause_ms", "retention", k.purge_pause);
    if (k.purge_batch < 1 || k.purge_batch > 10'000)
      r.fail(retention["purge_batch"], "retention.purge_batch", "must be 1..10000");
  }
  // ---- end retention ----

  auto delivery = root["delivery"];
  r.only_keys(delivery, "delivery",
              {"base_backoff_ms", "max_backoff_ms", "give_up_after", "max_attempts", "window",
               "request_timeout_ms", "verify_tls_peer", "ca_file"});
  auto& d = cfg->delivery;
  r.get_ms(delivery, "base_backoff_ms", "delivery", d.base_backoff);
  r.get_ms(delivery, "max_backoff_ms", "delivery", d.max_backoff);
  r.get_duration(delivery, "give_up_after", "delivery", d.give_up_after);
  r.get(delivery, "max_attempts", "delivery", d.max_attempts);
  r.get(delivery, "window", "delivery", d.window);
  r.get_ms(delivery, "request_timeout_ms", "delivery", d.request_timeout);
  r.get(delivery, "verify_tls_peer", "delivery", d.verify_tls_peer);
  r.get(delivery, "ca_file", "delivery", d.ca_file);
  d.ca_file = resolve(base_dir, d.ca_file);
  if (d.max_attempts < 0)
    r.fail(delivery["max_attempts"], "delivery.max_attempts", "must be >= 0 (0: no limit by count)");
  if (d.window < 0 || d.window > max_delivery_window)
    r.fail(delivery["window"], "delivery.window", "must be 0 to " + std::to_string(max_delivery_window));
  if (d.base_backoff.count() < 1)
    r.fail(delivery["base_backoff_ms"], "delivery.base_backoff_ms", "must be >= 1");
  if (d.max_backoff < d.base_backoff)
    r.fail(delivery, "delivery.max_backoff_ms", "must be >= base_backoff_ms");

  std::set<std::string> ids;
  auto partners = root["partners"];
  if (partners.IsDefined() && !partners.IsNull()) {
    if (!partners.IsSequence()) r.fail(partners, "partners", "must be a list");
    for (std::size_t i = 0; i < partners.size(); ++i) {
      auto node = partners[i];
      auto where = "partners[" + std::to_string(i) + "]";
      r.only_keys(node, where,
                  {"id", "name", "source_endpoints", "validation", "concept_maps", "organization_identifiers",
                   "jwks", "jwks_file", "certificates", "events", "documents", "rate_limit"});
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
      // The partner is also a client: how it authenticates and what it may send.
      client c;
      c.id = p.id;
      c.kind = client_kind::partner;
      c.name = p.name;
      c.partner_id = p.id;
      load_credentials(r, node, where, base_dir, c.credentials);
      bool events_given = false, documents_given = false;
      load_string_list(r, node, "events", where, c.events, &events_given);
      load_string_list(r, node, "documents", where, c.documents, &documents_given);
      c.all_events = !events_given;
      c.all_documents = !documents_given;
      load_rate(r, node["rate_limit"], where + ".rate_limit", c.rate);
      if (!ids.insert("client:" + c.id).second) r.fail(node["id"], where + ".id", "is already a client id");
      cfg->clients.push_back(std::move(c));
      cfg->partners.push_back(std::move(p));
    }
  }
  auto homes = root["medical_homes"];
  if (homes.IsDefined() && !homes.IsNull()) {
    if (!homes.IsSequence()) r.fail(homes, "medical_homes", "must be a list");
    for (std::size_t i = 0; i < homes.size(); ++i) {
      auto node = homes[i];
      auto where = "medical_homes[" + std::to_string(i) + "]";
      r.only_keys(node, where,
                  {"id", "name", "fhir_base_url", "organization_identifiers", "patients", "auth",
                   "delivery_window", "read_back", "letterhead"});
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
      load_destination_auth(r, node["auth"], where + ".auth", base_dir, h.auth);
      if (node["delivery_window"].IsDefined() && !node["delivery_window"].IsNull()) {
        int window = 0;
        r.get(node, "delivery_window", where, window);
        if (window < 0 || window > max_delivery_window)
          r.fail(node["delivery_window"], where + ".delivery_window",
                 "must be 0 to " + std::to_string(max_delivery_window));
        h.delivery_window = window;
      }
      if (auto rb = node["read_back"]; rb.IsDefined() && !rb.IsNull()) {
        auto rb_where = where + ".read_back";
        if (!rb.IsMap()) r.fail(rb, rb_where, "must be a map, e.g. {every: 15m}");
        r.only_keys(rb, rb_where, {"every", "max_pages"});
        medical_home::read_back_settings settings;
        if (!rb["every"].IsDefined() || rb["every"].IsNull()) r.fail(rb, rb_where + ".every", "is required");
        r.get_duration(rb, "every", rb_where, settings.every);
        if (rb["max_pages"].IsDefined() && !rb["max_pages"].IsNull()) {
          r.get(rb, "max_pages", rb_where, settings.max_pages);
          if (settings.max_pages < 1 || settings.max_pages > 1000)
            r.fail(rb["max_pages"], rb_where + ".max_pages", "must be 1 to 1000");
        }
        h.read_back = settings;
      }
      auto head = node["letterhead"];
      r.only_keys(head, where + ".letterhead", {"name", "address_lines", "phone", "fax", "email", "website"});
      r.get(head, "name", where + ".letterhead", h.letterhead.name);
      load_string_list(r, head, "address_lines", where + ".letterhead", h.letterhead.address_lines);
      r.get(head, "phone", where + ".letterhead", h.letterhead.phone);
      r.get(head, "fax", where + ".letterhead", h.letterhead.fax);
      r.get(head, "email", where + ".letterhead", h.letterhead.email);
      r.get(head, "website", where + ".letterhead", h.letterhead.website);
      if (h.letterhead.name.empty()) h.letterhead.name = h.name.empty() ? h.id : h.name;
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
      r.only_keys(node, where,
                  {"id", "name", "fhir_base_url", "organization_identifiers", "auth", "channels"});
      school sc;
      r.get(node, "id", where, sc.id);
      r.get(node, "name", where, sc.name);
      r.get(node, "fhir_base_url", where, sc.fhir_base_url);
      if (sc.id.empty()) r.fail(node, where + ".id", "is required");
      if (!ids.insert("school:" + sc.id).second) r.fail(node["id"], where + ".id", "is used twice");
      auto channels = node["channels"];
      if (channels.IsDefined() && !channels.IsNull()) {
        if (!channels.IsSequence() || channels.size() == 0)
          r.fail(channels, where + ".channels",
                 "must be a non-empty list of {kind: email | fhir | hand_carry}");
        for (std::size_t j = 0; j < channels.size(); ++j) {
          auto c = channels[j];
          auto cw = where + ".channels[" + std::to_string(j) + "]";
          r.only_keys(c, cw, {"kind", "to", "certificate_file"});
          std::string kind;
          r.get(c, "kind", cw, kind);
          letter_channel ch;
          if (kind == "email")
            ch.kind = letter_channel_kind::email;
          else if (kind == "fhir")
            ch.kind = letter_channel_kind::fhir;
          else if (kind == "hand_carry")
            ch.kind = letter_channel_kind::hand_carry;
          else
            r.fail(c["kind"].IsDefined() ? c["kind"] : c, cw + ".kind", "must be email, fhir or hand_carry");
          if (sc.find_channel(ch.kind) != nullptr) r.fail(c, cw + ".kind", "is listed twice");
          load_string_list(r, c, "to", cw, ch.to);
          r.get(c, "certificate_file", cw, ch.certificate_file);
          if (ch.kind == letter_channel_kind::email) {
            if (ch.to.empty()) r.fail(c, cw + ".to", "needs at least one e-mail address");
            for (std::size_t k = 0; k < ch.to.size(); ++k)
              if (ch.to[k].find('@') == std::string::npos ||
                  ch.to[k].find_first_of(" <>\r\n") != std::string::npos)
                r.fail(c["to"][k], cw + ".to[" + std::to_string(k) + "]", "must be an e-mail address");
            if (!ch.certificate_file.empty()) {
              ch.certificate_file = resolve(base_dir, ch.certificate_file);
              std::error_code ec;
              if (!std::filesystem::is_regular_file(ch.certificate_file, ec))
                r.fail(c["certificate_file"], cw + ".certificate_file",
                       "'" + ch.certificate_file + "' is not a readable file");
            }
          } else if (!ch.to.empty() || !ch.certificate_file.empty()) {
            r.fail(c, cw, "to and certificate_file are for kind email only");
          }
          sc.channels.push_back(std::move(ch));
        }
      } else {
        sc.channels.push_back({});  // before channels existed: the FHIR server
      }
      if (sc.find_channel(letter_channel_kind::fhir) != nullptr || !sc.fhir_base_url.empty()) {
        if (!is_http_url(sc.fhir_base_url))
          r.fail(node, where + ".fhir_base_url", "must be an http(s) URL (required by the fhir channel)");
        while (sc.fhir_base_url.ends_with('/')) sc.fhir_base_url.pop_back();
      }
      sc.organization_identifiers =
          r.identifiers(node["organization_identifiers"], where + ".organization_identifiers");
      if (sc.organization_identifiers.empty())
        r.fail(node, where + ".organization_identifiers", "needs at least one {system, value}");
      load_destination_auth(r, node["auth"], where + ".auth", base_dir, sc.auth);
      cfg->schools.push_back(std::move(sc));
    }
  }
  load_mail(r, root["mail"], base_dir, *cfg);
  for (std::size_t i = 0; i < cfg->schools.size(); ++i)
    if (cfg->schools[i].find_channel(letter_channel_kind::email) != nullptr && !cfg->mail.configured)
      r.fail(schools[i]["channels"], "schools[" + std::to_string(i) + "].channels",
             "an email channel needs the mail: block (the SMTP server)");
  auto letters = root["letters"];
  r.only_keys(letters, "letters", {"approval_reminder_after"});
  r.get_duration(letters, "approval_reminder_after", "letters", cfg->letters.approval_reminder_after);
  auto auth = root["auth"];
  r.only_keys(auth, "auth",
              {"development_mode", "token_lifetime", "assertion_max_lifetime", "failed_per_minute",
               "audit_refusals_per_minute"});
  auto& a = cfg->auth;
  r.get(auth, "development_mode", "auth", a.development_mode);
  r.get_duration(auth, "token_lifetime", "auth", a.token_lifetime);
  r.get_duration(auth, "assertion_max_lifetime", "auth", a.assertion_max_lifetime);
  if (a.token_lifetime.count() > 300)
    r.fail(auth["token_lifetime"], "auth.token_lifetime", "must be at most 300s (SMART Backend Services)");
  if (a.assertion_max_lifetime.count() > 300)
    r.fail(auth["assertion_max_lifetime"], "auth.assertion_max_lifetime", "must be at most 300s");
  r.get(auth, "failed_per_minute", "auth", a.failed_per_minute);
  r.get(auth, "audit_refusals_per_minute", "auth", a.audit_refusals_per_minute);
  if (a.failed_per_minute < 1) r.fail(auth["failed_per_minute"], "auth.failed_per_minute", "must be >= 1");
  if (a.audit_refusals_per_minute < 1)
    r.fail(auth["audit_refusals_per_minute"], "auth.audit_refusals_per_minute", "must be >= 1");
  if (a.development_mode && !is_loopback(s.listen_address))
    r.fail(auth["development_mode"], "auth.development_mode",
           "is allowed only when every listener is on loopback (server.listen_address is '" +
               s.listen_address + "')");

  auto clients = root["clients"];
  if (clients.IsDefined() && !clients.IsNull()) {
    if (!clients.IsSequence()) r.fail(clients, "clients", "must be a list");
    for (std::size_t i = 0; i < clients.size(); ++i) {
      auto node = clients[i];
      auto where = "clients[" + std::to_string(i) + "]";
      r.only_keys(node, where,
                  {"id", "kind", "name", "jwks", "jwks_file", "certificates", "scopes", "medical_home",
                   "school", "roles", "rate_limit", "clinician"});
      client c;
      r.get(node, "id", where, c.id);
      r.get(node, "name", where, c.name);
      if (c.id.empty()) r.fail(node, where + ".id", "is required");
      if (!ids.insert("client:" + c.id).second) r.fail(node["id"], where + ".id", "is used twice");
      std::string kind;
      r.get(node, "kind", where, kind);
      if (kind == "medical_home")
        c.kind = client_kind::medical_home;
      else if (kind == "school")
        c.kind = client_kind::school;
      else if (kind == "operator")
        c.kind = client_kind::operator_;
      else if (kind == "partner")
        r.fail(node["kind"], where + ".kind", "partner clients are the partners: list; give the keys there");
      else
        r.fail(node, where + ".kind", "must be medical_home, school or operator");
      load_credentials(r, node, where, base_dir, c.credentials);
      if (c.credentials.jwks_json.empty() && c.credentials.certificates.empty())
        r.fail(node, where, "needs jwks, jwks_file or certificates (how the client authenticates)");
      load_string_list(r, node, "scopes", where, c.scopes);
      for (std::size_t j = 0; j < c.scopes.size(); ++j)
        if (!is_system_scope(c.scopes[j]))
          r.fail(node["scopes"][j], where + ".scopes[" + std::to_string(j) + "]",
                 "must be a SMART system scope: system/Type.read|write|* (v1) or system/Type.cruds (v2)");
      load_string_list(r, node, "roles", where, c.roles);
      r.get(node, "medical_home", where, c.medical_home_id);
      r.get(node, "school", where, c.school_id);
      if (c.kind == client_kind::medical_home) {
        if (cfg->find_medical_home(c.medical_home_id) == nullptr)
          r.fail(node, where + ".medical_home", "must name a medical_homes[].id");
      } else if (!c.medical_home_id.empty()) {
        r.fail(node["medical_home"], where + ".medical_home", "only for kind medical_home");
      }
      if (c.kind == client_kind::school) {
        if (cfg->find_school_by_id(c.school_id) == nullptr)
          r.fail(node, where + ".school", "must name a schools[].id");
      } else if (!c.school_id.empty()) {
        r.fail(node["school"], where + ".school", "only for kind school");
      }
      load_rate(r, node["rate_limit"], where + ".rate_limit", c.rate);
      if (auto cl = node["clinician"]; cl.IsDefined() && !cl.IsNull()) {
        auto cw = where + ".clinician";
        if (c.kind != client_kind::medical_home) r.fail(cl, cw, "only for kind medical_home");
        r.only_keys(cl, cw, {"name", "credentials", "npi", "phone", "email"});
        clinician_identity who;
        r.get(cl, "name", cw, who.name);
        r.get(cl, "credentials", cw, who.credentials);
        r.get(cl, "npi", cw, who.npi);
        r.get(cl, "phone", cw, who.phone);
        r.get(cl, "email", cw, who.email);
        if (who.name.empty()) r.fail(cl, cw + ".name", "is required");
        if (who.npi.size() != 10 || who.npi.find_first_not_of("0123456789") != std::string::npos)
          r.fail(cl["npi"].IsDefined() ? cl["npi"] : cl, cw + ".npi", "must be a 10-digit NPI (quote it)");
        for (const auto& other : cfg->clients)
          if (other.clinician && other.clinician->npi == who.npi)
            r.fail(cl["npi"], cw + ".npi", "is already the clinician of client " + other.id);
        c.clinician = std::move(who);
      }
      cfg->clients.push_back(std::move(c));
    }
  }
  load_console(r, root["console"], *cfg);
  if (root["console"].IsDefined() && !root["console"].IsNull())
    load_console_oidc(r, root["console"]["oidc"], base_dir, *cfg);
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
  auto loaded = load_text(text.str(), path, dir);
  if (const char* store_path = std::getenv("HOMEBASE_STORE_PATH"))
    return with_store_path(loaded, store_path, "HOMEBASE_STORE_PATH");
  return loaded;
}

config_ptr with_store_path(const config_ptr& config, const std::string& path, const std::string& origin) {
  if (path.empty()) throw config_error(origin + ": store.path: must not be empty");
  auto copy = std::make_shared<gateway_config>(*config);
  copy->store.path = path == ":memory:" ? path : std::filesystem::absolute(path).lexically_normal().string();
  return copy;
}

}  // namespace homebase::config
