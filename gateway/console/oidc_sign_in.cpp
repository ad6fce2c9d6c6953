#include "gateway/console/oidc_sign_in.hpp"

#include <openssl/evp.h>
#include <openssl/rand.h>
#include <rapidjson/document.h>

#include <algorithm>
#include <cctype>

#include "gateway/auth/base64url.hpp"
#include "gateway/console/console_pages.hpp"
#include "gateway/console/console_sessions.hpp"
#include "gateway/console/id_token_verifier.hpp"
#include "gateway/log/json_log.hpp"

namespace homebase::gateway::console {

namespace asio = boost::asio;
namespace bhttp = boost::beast::http;

namespace {

constexpr std::size_t max_state_length = 128;

// RFC 7636 §4.2: BASE64URL(SHA256(ASCII(code_verifier))).
std::string s256(std::string_view verifier) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (EVP_Digest(verifier.data(), verifier.size(), digest, &length, EVP_sha256(), nullptr) != 1) return {};
  return auth::base64url_encode(std::string_view(reinterpret_cast<const char*>(digest), length));
}

// application/x-www-form-urlencoded (and query) encoding of one value: unreserved characters as they are.
std::string form_encode(std::string_view text) {
  static constexpr char hex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

std::string base64(std::string_view bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
  int n =
      EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                      reinterpret_cast<const unsigned char*>(bytes.data()), static_cast<int>(bytes.size()));
  out.resize(n > 0 ? static_cast<std::size_t>(n) : 0);
  return out;
}

// Text from outside (the provider's error, a claim) for the log, the audit trail and the page: printable
// ASCII only, at most 200 characters.
std::string printable(std::string_view text) {
  std::string out;
  for (unsigned char c : text.substr(0, 200)) out += (c >= 0x20 && c < 0x7f) ? static_cast<char>(c) : '?';
  return out;
}

std::string lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

oidc_refusal refusal(int status, std::string reason, std::string message, std::string detail,
                     std::string who = {}) {
  return {status, std::move(reason), std::move(message), std::move(detail), std::move(who)};
}

std::string strip_fhir(std::string base) {
  while (!base.empty() && base.back() == '/') base.pop_back();
  if (base.ends_with("/fhir")) base.resize(base.size() - 5);
  return base;
}

std::string page(std::string_view title, std::string_view message) {
  std::string body = "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>";
  body += html_escape(title);
  body +=
      " - Homebase</title><link rel=\"stylesheet\" href=\"/console/assets/console.css\"></head>\n<body><main "
      "class=\"sign-in\"><h1>";
  body += html_escape(title);
  body += "</h1>\n<p class=\"refusal\">";
  body += html_escape(message);
  body += "</p>\n<p><a href=\"/console/sign-in\">Back to sign-in</a></p></main></body></html>\n";
  return body;
}

}  // namespace

oidc_sign_in::oidc_sign_in(config::config_ptr config, render_fn render)
    : config_(std::move(config)),
      render_(std::move(render)),
      settings_(*config_->console.oidc),
      redirect_uri_(settings_.redirect_uri.empty()
                        ? strip_fhir(config_->server.public_base_url) + "/console/oidc/callback"
                        : settings_.redirect_uri),
      secure_cookie_(redirect_uri_.starts_with("https://")),
      provider_(settings_) {
  if (settings_.auth == config::console_oidc_settings::client_auth::private_key_jwt)
    signer_ = std::make_unique<auth::client_assertion_signer>(settings_.private_key_file, settings_.key_id);
}

oidc_sign_in::~oidc_sign_in() = default;

std::size_t oidc_sign_in::pending() const {
  std::lock_guard lock(mutex_);
  return flows_.size();
}

std::string oidc_sign_in::cookie(std::string_view value, int max_age_s) const {
  std::string c(flow_cookie);
  c.append("=").append(value).append("; Path=/console/oidc; Max-Age=").append(std::to_string(max_age_s));
  c += "; HttpOnly; SameSite=Lax";
  if (secure_cookie_) c += "; Secure";
  return c;
}

void oidc_sign_in::clear_flow_cookie(http::response& res) const {
  res.insert(bhttp::field::set_cookie, cookie("", 0));
}

http::response oidc_sign_in::refusal_page(const oidc_refusal& r, unsigned version) const {
  auto status = static_cast<bhttp::status>(r.status);
  auto res =
      http::make_response(status, page("Sign-in refused", r.message), "text/html; charset=utf-8", version);
  res.set(bhttp::field::cache_control, "no-store");
  res.set("Content-Security-Policy", "default-src 'none'; style-src 'self'");
  clear_flow_cookie(res);
  return res;
}

asio::awaitable<http::response> oidc_sign_in::login(const http::request& req) {
  std::string error;
  auto state = co_await provider_.get(false, error);
  if (!state) {
    log::write({.lvl = log::level::error, .event = "console.oidc.provider_unreachable", .detail = error});
    co_return refusal_page(
        refusal(502, "provider-unreachable",
                "The identity provider cannot be reached. Try again in a moment, or sign in "
                "with a password.",
                error),
        req.version());
  }
  flow f{console_sessions::random_token(), console_sessions::random_token(),
         std::chrono::steady_clock::now() + settings_.flow_lifetime};
  auto key = console_sessions::random_token();
  auto challenge = s256(f.verifier);
  if (f.nonce.empty() || f.verifier.empty() || key.empty() || challenge.empty())
    co_return refusal_page(
        refusal(503, "no-randomness", "Sign-in is not possible right now.", "RAND_bytes failed"),
        req.version());
  {
    std::lock_guard lock(mutex_);
    if (flows_.size() >= max_pending) {
      auto now = std::chrono::steady_clock::now();
      std::erase_if(flows_, [now](const auto& kv) { return kv.second.expires <= now; });
    }
    if (flows_.size() >= max_pending)
      co_return refusal_page(
          refusal(503, "too-many-sign-ins", "Too many sign-ins are in progress. Try again in a few minutes.",
                  "pending sign-ins at the limit"),
          req.version());
    flows_.emplace(key, f);
  }
  const auto& endpoint = state->metadata.authorization_endpoint;
  std::string location = endpoint + (endpoint.find('?') == std::string::npos ? "?" : "&");
  location += "response_type=code&client_id=" + form_encode(settings_.client_id) +
              "&redirect_uri=" + form_encode(redirect_uri_) + "&scope=" + form_encode(settings_.scopes) +
              "&state=" + key + "&nonce=" + f.nonce + "&code_challenge=" + challenge +
              "&code_challenge_method=S256";
  http::response res{bhttp::status::see_other, req.version()};
  res.set(bhttp::field::location, location);
  res.set(bhttp::field::cache_control, "no-store");
  res.set(bhttp::field::set_cookie, cookie(key, static_cast<int>(settings_.flow_lifetime.count())));
  res.prepare_payload();
  co_return res;
}

asio::awaitable<std::variant<console_identity, oidc_refusal>> oidc_sign_in::callback(
    const http::request& req) {
  const auto target = req.target();
  const std::string_view t(target.data(), target.size());
  const auto state = http::query_param(t, "state");
  const auto cookie_state = console_sessions::cookie(req, flow_cookie);
  // Bound to this browser first: a state that is not the cookie's is refused before anything else.
  if (state.empty() || cookie_state.empty() || state != cookie_state || state.size() > max_state_length)
    co_return refusal(400, "state-mismatch",
                      "This sign-in did not start in this browser, or it took too long. Start again.",
                      state.empty()
                          ? "no state parameter"
                          : (cookie_state.empty() ? "no flow cookie" : "state is not the cookie's"));
  std::optional<flow> f;
  {
    std::lock_guard lock(mutex_);
    auto it = flows_.find(state);
    if (it != flows_.end()) {
      f = it->second;
      flows_.erase(it);  // a callback works once
    }
  }
  if (!f || f->expires <= std::chrono::steady_clock::now())
    co_return refusal(
        400, "state-unknown", "This sign-in has expired or was already used. Start again.",
        f ? "the sign-in expired" : "no sign-in in progress for this state (used, expired or forged)");
  const auto error = http::query_param(t, "error");
  if (!error.empty()) {
    auto description = http::query_param(t, "error_description");
    co_return refusal(403, "provider-error",
                      "The identity provider did not sign you in (" + printable(error) + ").",
                      printable(error) + (description.empty() ? "" : ": " + printable(description)));
  }
  const auto iss = http::query_param(t, "iss");
  if (!iss.empty() && iss != settings_.issuer)
    co_return refusal(400, "issuer-mismatch", "The answer came from another identity provider.",
                      "iss parameter '" + printable(iss) + "'");
  const auto code = http::query_param(t, "code");
  if (code.empty() || code.size() > 4096)
    co_return refusal(400, "no-code", "The identity provider's answer is incomplete. Start again.",
                      "no authorization code");
  co_return co_await finish(code, *f);
}

asio::awaitable<std::variant<console_identity, oidc_refusal>> oidc_sign_in::finish(const std::string& code,
                                                                                   const flow& f) {
  using ca = config::console_oidc_settings::client_auth;
  const std::string unreachable = "The identity provider cannot be reached. Try again in a moment.";
  std::string error;
  auto state = co_await provider_.get(false, error);
  if (!state) co_return refusal(502, "provider-unreachable", unreachable, error);

  const auto& token_url = state->metadata.token_endpoint;
  std::string body = "grant_type=authorization_code&code=" + form_encode(code) +
                     "&redirect_uri=" + form_encode(redirect_uri_) + "&code_verifier=" + f.verifier;
  std::string authorization;
  switch (settings_.auth) {
    case ca::client_secret_basic:  // RFC 6749 §2.3.1: each part form-encoded, then Basic
      authorization =
          "Basic " + base64(form_encode(settings_.client_id) + ":" + form_encode(settings_.client_secret));
      break;
    case ca::client_secret_post:
      body += "&client_id=" + form_encode(settings_.client_id) +
              "&client_secret=" + form_encode(settings_.client_secret);
      break;
    case ca::private_key_jwt: {
      auto now_s = std::chrono::duration_cast<std::chrono::seconds>(
                       std::chrono::system_clock::now().time_since_epoch())
                       .count();
      auto assertion = signer_->sign(settings_.client_id, token_url, now_s);
      if (!assertion)
        co_return refusal(503, "client-assertion", "Sign-in is not possible right now.", "cannot sign");
      body += "&client_id=" + form_encode(settings_.client_id) +
              "&client_assertion_type=urn%3Aietf%3Aparams%3Aoauth%3Aclient-assertion-type%3Ajwt-bearer"
              "&client_assertion=" +
              *assertion;
      break;
    }
    case ca::none:
      body += "&client_id=" + form_encode(settings_.client_id);
      break;
  }
  auto http = provider_.client();
  const std::string content_type = "application/x-www-form-urlencoded";
  const std::string accept = "application/json";
  const std::string no_request_id;
  auto answer = co_await http->post(token_url, body, content_type, authorization, accept, no_request_id);
  if (answer.status == 0) {
    std::string ignored;
    (void)co_await provider_.get(true, ignored);  // perhaps the endpoint moved
    co_return refusal(502, "provider-unreachable", unreachable, "token endpoint: " + answer.error);
  }
  rapidjson::Document doc;
  doc.Parse(answer.body.data(), answer.body.size());
  const bool json = !doc.HasParseError() && doc.IsObject();
  if (answer.status != 200) {
    std::string why = "HTTP " + std::to_string(answer.status);
    if (json && doc.HasMember("error") && doc["error"].IsString())
      why += " " + printable(doc["error"].GetString());
    if (json && doc.HasMember("error_description") && doc["error_description"].IsString())
      why += ": " + printable(doc["error_description"].GetString());
    co_return refusal(403, "code-refused",
                      "The identity provider refused this sign-in's code (it may have been used already). "
                      "Start again.",
                      "token endpoint: " + why);
  }
  if (!json || !doc.HasMember("id_token") || !doc["id_token"].IsString())
    co_return refusal(502, "no-id-token", "The identity provider's answer is not usable.",
                      "token endpoint: no id_token in the answer");
  const std::string id_token(doc["id_token"].GetString(), doc["id_token"].GetStringLength());

  id_token_expectations expect;
  expect.issuer = settings_.issuer;
  expect.client_id = settings_.client_id;
  expect.nonce = f.nonce;
  expect.now_s =
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
          .count();
  expect.skew_s = settings_.clock_skew.count();
  auto verified = verify_id_token(id_token, state->keys, expect);
  if (auto* r = std::get_if<id_token_refusal>(&verified);
      r != nullptr && r->problem == id_token_problem::unknown_key) {
    std::string why;
    auto fresh = co_await provider_.get(true, why);  // key rotation: fetch the keys once more
    if (fresh) verified = verify_id_token(id_token, fresh->keys, expect);
  }
  if (auto* r = std::get_if<id_token_refusal>(&verified))
    co_return refusal(403, std::string(reason_of(r->problem)),
                      "The identity provider's token for this sign-in is not valid.", r->detail);
  const auto& claims = std::get<id_token_claims>(verified);

  const config::console_oidc_user* user = nullptr;
  for (const auto& u : settings_.users)
    if (!u.subject.empty() && u.subject == claims.sub) user = &u;
  if (user == nullptr && claims.email_verified && !claims.email.empty()) {
    auto email = lower(claims.email);
    for (const auto& u : settings_.users)
      if (!u.email.empty() && u.email == email) user = &u;
  }
  const std::string who =
      printable(claims.email.empty() ? claims.sub : claims.email + " (" + claims.sub + ")");
  if (user == nullptr)
    co_return refusal(
        403, "not-listed",
        "You are signed in at the identity provider, but not allowed into this console. Ask the "
        "gateway's operator to add you (console.oidc.users).",
        "sub '" + printable(claims.sub) + "'" +
            (claims.email.empty() ? std::string()
                                  : std::string(", email '") + printable(claims.email) + "'" +
                                        (claims.email_verified ? "" : " (not verified)")) +
            " is not in console.oidc.users",
        who);
  console_identity identity;
  identity.name = user->name;
  identity.role = user->role == config::console_user_role::operator_ ? console_role::operator_
                                                                     : console_role::care_coordinator;
  identity.medical_home_id = user->medical_home_id;
  identity.method = "oidc";
  co_return identity;
}

asio::awaitable<std::optional<http::response>> oidc_sign_in::route(const http::request& req,
                                                                   const open_session_fn& open_session,
                                                                   const refused_fn& refused) {
  const auto path = http::target_path(req.target());
  if (path != "/console/oidc/login" && path != "/console/oidc/callback") co_return std::nullopt;
  if (req.method() != bhttp::verb::get) {
    auto res = http::make_response(bhttp::status::method_not_allowed, page("Not allowed", "Use GET."),
                                   "text/html; charset=utf-8", req.version());
    res.set(bhttp::field::allow, "GET");
    co_return res;
  }
  if (path == "/console/oidc/login") co_return co_await login(req);
  auto outcome = co_await callback(req);
  if (auto* r = std::get_if<oidc_refusal>(&outcome)) {
    refused(*r);
    co_return refusal_page(*r, req.version());
  }
  const auto& who = std::get<console_identity>(outcome);
  log::write({.lvl = log::level::info, .event = "console.oidc.signed_in", .client = who.name});
  auto res = open_session(who);
  clear_flow_cookie(res);
  co_return res;
}

}  // namespace homebase::gateway::console
