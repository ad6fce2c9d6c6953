#include "gateway/auth/token_endpoint.hpp"

#include <openssl/rand.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <map>
#include <set>
#include <variant>

#include "gateway/auth/base64url.hpp"
#include "gateway/auth/jwk_set.hpp"
#include "gateway/auth/jwt.hpp"
#include "gateway/auth/scope_set.hpp"
#include "gateway/store/auth_table.hpp"
#include "gateway/store/store_awaitable.hpp"

namespace homebase::gateway::auth {
namespace {

namespace bhttp = boost::beast::http;

constexpr std::size_t max_form_bytes = 64 * 1024;
constexpr std::size_t max_claim_length = 256;  // iss, sub, jti
constexpr std::int64_t clock_skew_s = 30;
constexpr std::int64_t max_token_lifetime_s = 300;  // SMART-12
constexpr std::string_view jwt_bearer = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
// A partner sends messages ($process-message: a Bundle with a MessageHeader) and documents.
constexpr std::string_view partner_scopes = "system/Bundle.c system/MessageHeader.c";

std::int64_t now_s() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

using form = std::map<std::string, std::string, std::less<>>;

int hex_value(char ch) {
  if (ch >= '0' && ch <= '9') return ch - '0';
  if (ch >= 'a' && ch <= 'f') return ch - 'a' + 10;
  if (ch >= 'A' && ch <= 'F') return ch - 'A' + 10;
  return -1;
}

std::optional<std::string> form_decode(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    char ch = text[i];
    if (ch == '+') {
      out += ' ';
    } else if (ch == '%') {
      if (i + 2 >= text.size()) return std::nullopt;
      int hi = hex_value(text[i + 1]);
      int lo = hex_value(text[i + 2]);
      if (hi < 0 || lo < 0) return std::nullopt;
      out += static_cast<char>(hi * 16 + lo);
      i += 2;
    } else {
      out += ch;
    }
  }
  return out;
}

// application/x-www-form-urlencoded; nullopt for bad escapes or a parameter given twice (RFC 6749 §3.2).
std::optional<form> parse_form(std::string_view body) {
  form out;
  std::size_t i = 0;
  while (i <= body.size()) {
    auto amp = body.find('&', i);
    auto pair = body.substr(i, amp == std::string_view::npos ? std::string_view::npos : amp - i);
    if (!pair.empty()) {
      auto eq = pair.find('=');
      auto name = form_decode(pair.substr(0, eq));
      auto value = form_decode(eq == std::string_view::npos ? std::string_view{} : pair.substr(eq + 1));
      if (!name || !value) return std::nullopt;
      if (!out.emplace(std::move(*name), std::move(*value)).second) return std::nullopt;
    }
    if (amp == std::string_view::npos) break;
    i = amp + 1;
  }
  return out;
}

bool is_form(std::string_view content_type) {
  auto media = content_type.substr(0, content_type.find(';'));
  while (!media.empty() && media.back() == ' ') media.remove_suffix(1);
  std::string lower(media);
  for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return lower == "application/x-www-form-urlencoded";
}

std::string_view field(const form& f, std::string_view name) {
  auto it = f.find(name);
  return it == f.end() ? std::string_view{} : std::string_view(it->second);
}

bool has(const form& f, std::string_view name) {
  return f.find(name) != f.end();
}

using json_writer = rapidjson::Writer<rapidjson::StringBuffer>;

void put(json_writer& w, std::string_view key, std::string_view value) {
  w.Key(key.data(), static_cast<rapidjson::SizeType>(key.size()));
  w.String(value.data(), static_cast<rapidjson::SizeType>(value.size()));
}

http::response json_response(bhttp::status status, const rapidjson::StringBuffer& body, unsigned version) {
  auto res =
      http::make_response(status, std::string(body.GetString(), body.GetSize()), "application/json", version);
  res.set(bhttp::field::cache_control, "no-store");
  res.set(bhttp::field::pragma, "no-cache");
  return res;
}

struct approval {
  std::string client_id;
  std::string jti;
  std::int64_t assertion_exp = 0;
  std::string scope;  // granted, v2 text
};

std::string strip_base(std::string base) {
  while (!base.empty() && base.back() == '/') base.pop_back();
  constexpr std::string_view fhir = "/fhir";
  if (base.size() >= fhir.size() && base.compare(base.size() - fhir.size(), fhir.size(), fhir) == 0)
    base.resize(base.size() - fhir.size());
  return base;
}

std::string random_id() {
  unsigned char bytes[16];
  if (RAND_bytes(bytes, sizeof bytes) != 1) return {};
  return base64url_encode(std::string_view(reinterpret_cast<const char*>(bytes), sizeof bytes));
}

}  // namespace

struct token_endpoint::state {
  config::config_ptr config;
  store::sqlite_store& store;
  const access_token_codec& codec;
  std::function<void(const token_refusal&, const http::connection_info&)> refused;
  std::map<std::string, jwk_set, std::less<>> keys;  // client id -> its JWK Set
  std::string token_url;

  // An RFC 6749 §5.2 error: 401 with WWW-Authenticate for invalid_client, 400 otherwise.
  http::response refuse(const http::request& req, const http::connection_info& peer, std::string client_id,
                        std::string_view error, std::string reason) const {
    rapidjson::StringBuffer body;
    json_writer w(body);
    w.StartObject();
    put(w, "error", error);
    put(w, "error_description", reason);
    w.EndObject();
    bool client = error == "invalid_client";
    auto res =
        json_response(client ? bhttp::status::unauthorized : bhttp::status::bad_request, body, req.version());
    if (client) res.set(bhttp::field::www_authenticate, "Bearer realm=\"homebase\"");
    if (refused) refused(token_refusal{std::move(client_id), std::string(error), std::move(reason)}, peer);
    return res;
  }

  // Every check but the jti's novelty (SMART-05, 07..11; RFC 7523 §3). A refusal is (client id, error,
  // reason).
  std::variant<approval, token_refusal> check(const http::request& req) const {
    auto refusal = [](std::string client_id, std::string error, std::string reason) {
      return token_refusal{std::move(client_id), std::move(error), std::move(reason)};
    };
    if (req.method() != bhttp::verb::post) return refusal("", "invalid_request", "use POST");
    if (!is_form(req[bhttp::field::content_type]))
      return refusal("", "invalid_request", "the body must be application/x-www-form-urlencoded");
    if (req.body().size() > max_form_bytes) return refusal("", "invalid_request", "the body is too large");
    auto params = parse_form(req.body());
    if (!params) return refusal("", "invalid_request", "the form is malformed or repeats a parameter");
    if (!has(*params, "grant_type")) return refusal("", "invalid_request", "grant_type is missing");
    if (field(*params, "grant_type") != "client_credentials")
      return refusal("", "unsupported_grant_type", "only client_credentials is supported");
    if (!has(*params, "client_assertion_type") || !has(*params, "client_assertion"))
      return refusal("", "invalid_request", "client_assertion_type and client_assertion are required");
    if (!has(*params, "scope") || field(*params, "scope").empty())
      return refusal("", "invalid_request", "scope is required");
    if (field(*params, "client_assertion_type") != jwt_bearer)
      return refusal("", "invalid_client", "client_assertion_type must be " + std::string(jwt_bearer));

    std::string why;
    auto jwt = decode_jwt(field(*params, "client_assertion"), &why);
    if (!jwt) return refusal("", "invalid_client", "the client assertion is malformed: " + why);
    std::string claimed =
        jwt->iss.size() <= max_claim_length ? jwt->iss : jwt->iss.substr(0, max_claim_length);
    if (jwt->alg != "RS384" && jwt->alg != "ES384")
      return refusal(claimed, "invalid_client", "the assertion's alg must be RS384 or ES384");
    if (jwt->typ && *jwt->typ != "JWT")
      return refusal(claimed, "invalid_client", "the assertion's typ must be JWT");
    if (jwt->kid.empty()) return refusal(claimed, "invalid_client", "the assertion has no kid");
    if (jwt->jku)
      return refusal(claimed, "invalid_client", "jku is not supported: keys are registered in config");
    if (jwt->iss.empty() || jwt->iss.size() > max_claim_length || jwt->sub != jwt->iss)
      return refusal(claimed, "invalid_client", "iss and sub must both be the client_id");
    const auto* client = config->find_client(jwt->iss);
    if (client == nullptr) return refusal(claimed, "invalid_client", "unknown client");
    auto set = keys.find(jwt->iss);
    if (set == keys.end()) return refusal(claimed, "invalid_client", "the client has no registered JWKS");
    if (std::find(jwt->aud.begin(), jwt->aud.end(), token_url) == jwt->aud.end())
      return refusal(claimed, "invalid_client", "aud must be the token URL " + token_url);
    auto now = now_s();
    if (!jwt->exp) return refusal(claimed, "invalid_client", "the assertion has no exp");
    if (*jwt->exp <= now) return refusal(claimed, "invalid_client", "the assertion has expired");
    if (*jwt->exp > now + config->auth.assertion_max_lifetime.count() + clock_skew_s)
      return refusal(claimed, "invalid_client", "the assertion's exp is too far ahead");
    if (jwt->nbf && *jwt->nbf > now + clock_skew_s)
      return refusal(claimed, "invalid_client", "the assertion is not valid yet (nbf)");
    if (jwt->iat && *jwt->iat > now + clock_skew_s)
      return refusal(claimed, "invalid_client", "the assertion was issued in the future (iat)");
    if (jwt->jti.empty() || jwt->jti.size() > max_claim_length)
      return refusal(claimed, "invalid_client", "the assertion needs a jti (at most 256 characters)");
    const jwk* key = set->second.find(jwt->kid, jwt->alg);
    if (key == nullptr)
      return refusal(claimed, "invalid_client", "no single key of the client matches the kid and alg");
    if (!verify_signature(*jwt, *key))
      return refusal(claimed, "invalid_client", "the signature is not valid");

    auto requested = scope_set::parse(field(*params, "scope"));
    auto allowed = client->kind == config::client_kind::partner && client->scopes.empty()
                       ? scope_set::parse(partner_scopes)
                       : scope_set::parse(client->scopes);
    auto granted = allowed.mediate(requested);
    if (granted.empty())
      return refusal(claimed, "invalid_scope", "none of the requested scopes is allowed for this client");
    return approval{jwt->iss, jwt->jti, *jwt->exp, granted.text()};
  }
};

namespace {
// A client's JWK Set; a bad one is a configuration error naming where the file says it (start-up only).
jwk_set client_keys(const config::client& c) {
  std::string why;
  auto set = jwk_set::parse(c.credentials.jwks_json, &why);
  if (!set)
    throw config::config_error(c.credentials.jwks_origin + ": client '" + c.id + "': invalid JWKS: " + why);
  return std::move(*set);
}
}  // namespace

void token_endpoint::check_client_keys(const config::gateway_config& config) {
  for (const auto& c : config.clients)
    if (!c.credentials.jwks_json.empty()) (void)client_keys(c);
}

token_endpoint::token_endpoint(
    config::config_ptr config, store::sqlite_store& store, const access_token_codec& codec,
    std::function<void(const token_refusal&, const http::connection_info&)> refused)
    : state_(
          std::make_shared<state>(state{config, store, codec, std::move(refused), {}, token_url(*config)})) {
  for (const auto& c : config->clients)
    if (!c.credentials.jwks_json.empty()) state_->keys.emplace(c.id, client_keys(c));
}

std::string token_endpoint::token_url(const config::gateway_config& config) {
  return strip_base(config.server.public_base_url) + "/auth/token";
}

http::response token_endpoint::smart_configuration(unsigned version) const {
  const auto& cfg = *state_->config;
  auto base = strip_base(cfg.server.public_base_url);
  std::set<std::string> scopes;
  auto add_scopes = [&scopes](const scope_set& s) {
    auto text = s.text();
    std::size_t i = 0;
    while (i < text.size()) {
      auto space = text.find(' ', i);
      scopes.insert(text.substr(i, space == std::string::npos ? std::string::npos : space - i));
      if (space == std::string::npos) break;
      i = space + 1;
    }
  };
  add_scopes(scope_set::parse(partner_scopes));
  for (const auto& c : cfg.clients) add_scopes(scope_set::parse(c.scopes));

  rapidjson::StringBuffer body;
  json_writer w(body);
  auto list = [&w](std::string_view key, std::initializer_list<std::string_view> values) {
    w.Key(key.data(), static_cast<rapidjson::SizeType>(key.size()));
    w.StartArray();
    for (auto v : values) w.String(v.data(), static_cast<rapidjson::SizeType>(v.size()));
    w.EndArray();
  };
  w.StartObject();
  put(w, "issuer", cfg.server.public_base_url);
  put(w, "token_endpoint", state_->token_url);
  put(w, "introspection_endpoint", base + "/auth/introspect");
  list("token_endpoint_auth_methods_supported", {"private_key_jwt"});
  list("token_endpoint_auth_signing_alg_values_supported", {"RS384", "ES384"});
  list("grant_types_supported", {"client_credentials"});
  w.Key("scopes_supported");
  w.StartArray();
  for (const auto& s : scopes) w.String(s.data(), static_cast<rapidjson::SizeType>(s.size()));
  w.EndArray();
  list("capabilities", {"client-confidential-asymmetric", "permission-v1", "permission-v2"});
  w.EndObject();
  auto res = http::make_response(bhttp::status::ok, std::string(body.GetString(), body.GetSize()),
                                 "application/json", version);
  return res;
}

boost::asio::awaitable<http::response> token_endpoint::token(http::request& req,
                                                             const http::connection_info& peer) {
  auto st = state_;  // kept alive across the store job
  auto checked = st->check(req);
  if (auto* refusal = std::get_if<token_refusal>(&checked))
    co_return st->refuse(req, peer, std::move(refusal->client_id), refusal->error,
                         std::move(refusal->reason));
  auto approved = std::get<approval>(std::move(checked));

  // SMART-06: the jti, once per issuer while the assertion could still be accepted; committed before the
  // token is returned.
  auto seen_before = std::make_shared<bool>(false);
  std::int64_t keep_until_ms = (approved.assertion_exp + clock_skew_s) * 1000;
  store::sqlite_store::job remember = [iss = approved.client_id, jti = approved.jti, keep_until_ms,
                                       seen_before](store::write_tx& tx) {
    if (store::auth_table::remember_jti(tx, iss, jti, keep_until_ms)) return true;
    if (!tx.ok()) return false;
    *seen_before = true;
    return true;
  };
  bool committed = co_await store::run_in_store(st->store, std::move(remember));
  if (!committed) {
    rapidjson::StringBuffer body;
    json_writer w(body);
    w.StartObject();
    put(w, "error", "temporarily_unavailable");
    put(w, "error_description", "the gateway cannot record the assertion now; try again");
    w.EndObject();
    auto res = json_response(bhttp::status::service_unavailable, body, req.version());
    res.set(bhttp::field::retry_after, "1");
    co_return res;
  }
  if (*seen_before)
    co_return st->refuse(req, peer, approved.client_id, "invalid_client",
                         "the assertion's jti was already used");

  auto now = now_s();
  auto lifetime = std::clamp<std::int64_t>(st->config->auth.token_lifetime.count(), 1, max_token_lifetime_s);
  token_claims claims{approved.client_id, approved.scope, now, now + lifetime, random_id()};
  auto issued = st->codec.issue(claims);
  if (issued.empty() || claims.jti.empty()) {
    rapidjson::StringBuffer body;
    json_writer w(body);
    w.StartObject();
    put(w, "error", "temporarily_unavailable");
    put(w, "error_description", "the gateway cannot sign a token now");
    w.EndObject();
    co_return json_response(bhttp::status::service_unavailable, body, req.version());
  }
  rapidjson::StringBuffer body;
  json_writer w(body);
  w.StartObject();
  put(w, "access_token", issued);
  put(w, "token_type", "bearer");
  w.Key("expires_in");
  w.Int64(lifetime);
  put(w, "scope", approved.scope);
  w.EndObject();
  co_return json_response(bhttp::status::ok, body, req.version());
}

http::response token_endpoint::introspect(const http::request& req) const {
  auto bad_request = [&req](std::string reason) {
    rapidjson::StringBuffer body;
    json_writer w(body);
    w.StartObject();
    put(w, "error", "invalid_request");
    put(w, "error_description", reason);
    w.EndObject();
    return json_response(bhttp::status::bad_request, body, req.version());
  };
  if (req.method() != bhttp::verb::post) return bad_request("use POST");
  if (!is_form(req[bhttp::field::content_type]))
    return bad_request("the body must be application/x-www-form-urlencoded");
  if (req.body().size() > max_form_bytes) return bad_request("the body is too large");
  auto params = parse_form(req.body());
  if (!params || !has(*params, "token")) return bad_request("token is required");

  auto claims = state_->codec.verify(field(*params, "token"), now_s());
  rapidjson::StringBuffer body;
  json_writer w(body);
  w.StartObject();
  w.Key("active");
  w.Bool(claims.has_value());
  if (claims) {
    put(w, "scope", claims->scope);
    put(w, "client_id", claims->client_id);
    put(w, "sub", claims->client_id);
    w.Key("exp");
    w.Int64(claims->expires_at);
    w.Key("iat");
    w.Int64(claims->issued_at);
    put(w, "token_type", "Bearer");
  }
  w.EndObject();
  return json_response(bhttp::status::ok, body, req.version());
}

}  // namespace homebase::gateway::auth
