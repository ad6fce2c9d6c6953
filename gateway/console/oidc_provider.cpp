#include "gateway/console/oidc_provider.hpp"

#include <rapidjson/document.h>

namespace homebase::gateway::console {

namespace asio = boost::asio;

namespace {

bool fail(std::string* error, std::string why) {
  if (error != nullptr) *error = std::move(why);
  return false;
}

bool read_url(const rapidjson::Document& doc, const char* name, bool https_only, std::string& out) {
  auto it = doc.FindMember(name);
  if (it == doc.MemberEnd() || !it->value.IsString()) return false;
  out.assign(it->value.GetString(), it->value.GetStringLength());
  delivery::parsed_url parsed;
  if (!delivery::parse_url(out, parsed)) return false;
  return parsed.tls || !https_only;
}

}  // namespace

std::optional<provider_metadata> parse_provider_metadata(std::string_view json,
                                                         const std::string& expected_issuer,
                                                         std::string* error) {
  rapidjson::Document doc;
  doc.Parse<rapidjson::kParseValidateEncodingFlag>(json.data(), json.size());
  if (doc.HasParseError() || !doc.IsObject())
    return fail(error, "the discovery document is not a JSON object"), std::nullopt;
  provider_metadata m;
  auto issuer = doc.FindMember("issuer");
  if (issuer == doc.MemberEnd() || !issuer->value.IsString())
    return fail(error, "the discovery document has no issuer"), std::nullopt;
  m.issuer.assign(issuer->value.GetString(), issuer->value.GetStringLength());
  if (m.issuer != expected_issuer)
    return fail(error, "the discovery document's issuer '" + m.issuer + "' is not the configured '" +
                           expected_issuer + "'"),
           std::nullopt;
  const bool https_only = expected_issuer.starts_with("https://");
  for (auto [name, out] :
       {std::pair{"authorization_endpoint", &m.authorization_endpoint},
        std::pair{"token_endpoint", &m.token_endpoint}, std::pair{"jwks_uri", &m.jwks_uri}})
    if (!read_url(doc, name, https_only, *out))
      return fail(error, std::string("the discovery document's ") + name + " is missing or not an " +
                             (https_only ? "https" : "http(s)") + " URL"),
             std::nullopt;
  auto methods = doc.FindMember("code_challenge_methods_supported");
  if (methods != doc.MemberEnd()) {
    bool s256 = false;
    if (methods->value.IsArray())
      for (const auto& v : methods->value.GetArray())
        s256 = s256 || (v.IsString() && std::string_view(v.GetString()) == "S256");
    if (!s256) return fail(error, "the provider does not offer PKCE with S256"), std::nullopt;
  }
  return m;
}

oidc_provider::oidc_provider(const config::console_oidc_settings& settings)
    : issuer_(settings.issuer),
      timeout_(settings.request_timeout),
      tls_(std::make_unique<asio::ssl::context>(asio::ssl::context::tls_client)) {
  tls_->set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                    asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 |
                    asio::ssl::context::no_tlsv1_1);
  tls_->set_default_verify_paths();
  if (!settings.ca_file.empty()) {
    boost::system::error_code ec;
    tls_->load_verify_file(settings.ca_file, ec);
    if (ec) throw config::config_error("console.oidc.ca_file '" + settings.ca_file + "': " + ec.message());
  }
  tls_->set_verify_mode(asio::ssl::verify_peer);
}

std::unique_ptr<delivery::http_client> oidc_provider::client() {
  auto c = std::make_unique<delivery::http_client>(*tls_, timeout_);
  c->set_kept_body(max_document_bytes);
  return c;
}

asio::awaitable<std::shared_ptr<const provider_state>> oidc_provider::get(bool refresh, std::string& error) {
  std::shared_ptr<const provider_state> cached;
  {
    std::lock_guard lock(mutex_);
    cached = cached_;
    auto now = std::chrono::steady_clock::now();
    bool stale = !cached || now - cached->fetched > max_age || refresh;
    if (!stale) co_return cached;
    // A refresh at most every min_refresh (with nothing cached, every caller fetches: a first sign-in
    // must not fail because another one is fetching at the same moment).
    if (cached && now - last_attempt_ < min_refresh) co_return cached;
    last_attempt_ = now;
  }
  auto fresh = co_await fetch(error);
  if (!fresh) co_return cached;  // keep what we had
  std::lock_guard lock(mutex_);
  cached_ = fresh;
  co_return fresh;
}

asio::awaitable<std::shared_ptr<const provider_state>> oidc_provider::fetch(std::string& error) {
  auto http = client();
  const std::string discovery_url = issuer_ + "/.well-known/openid-configuration";
  auto doc = co_await http->get(discovery_url);
  if (doc.status != 200) {
    error = "discovery " + discovery_url + ": " +
            (doc.status == 0 ? doc.error : "HTTP " + std::to_string(doc.status));
    co_return nullptr;
  }
  std::string why;
  auto metadata = parse_provider_metadata(doc.body, issuer_, &why);
  if (!metadata) {
    error = "discovery " + discovery_url + ": " + why;
    co_return nullptr;
  }
  auto jwks = co_await http->get(metadata->jwks_uri, "application/jwk-set+json, application/json");
  if (jwks.status != 200) {
    error = "jwks_uri " + metadata->jwks_uri + ": " +
            (jwks.status == 0 ? jwks.error : "HTTP " + std::to_string(jwks.status));
    co_return nullptr;
  }
  auto keys = auth::jwk_set::parse(jwks.body, &why, auth::jwk_source::openid_provider);
  if (!keys) {
    error = "jwks_uri " + metadata->jwks_uri + ": " + why;
    co_return nullptr;
  }
  auto state = std::make_shared<provider_state>(
      provider_state{std::move(*metadata), std::move(*keys), std::chrono::steady_clock::now()});
  co_return state;
}

}  // namespace homebase::gateway::console
