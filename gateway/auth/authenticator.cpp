#include "gateway/auth/authenticator.hpp"

#include <boost/beast/core/string.hpp>

namespace homebase::gateway::auth {

namespace bhttp = boost::beast::http;

namespace {

refusal refuse(int status, std::string code, std::string reason, std::string diagnostics,
               std::string client_id = {}, bool bearer_error = false) {
  refusal r;
  r.status = status;
  r.code = std::move(code);
  r.reason = std::move(reason);
  r.diagnostics = std::move(diagnostics);
  r.client_id = std::move(client_id);
  r.bearer_error = bearer_error;
  return r;
}

bool binds(const config::certificate_binding& b, const http::peer_certificate& cert) {
  if (!b.sha256.empty() && b.sha256 != cert.sha256) return false;
  if (!b.subject.empty() && b.subject != cert.subject) return false;
  if (!b.san.empty()) {
    bool found = false;
    for (const auto& name : cert.subject_alt_names) found = found || name == b.san;
    if (!found) return false;
  }
  return true;
}

}  // namespace

authenticator::authenticator(config::config_ptr config, const access_token_codec& codec)
    : config_(std::move(config)), codec_(codec) {}

principal authenticator::of_client(const config::client& client, auth_method method) {
  principal p;
  p.client_id = client.id;
  p.kind = client.kind;
  p.method = method;
  p.partner_id = client.partner_id;
  p.medical_home_id = client.medical_home_id;
  p.school_id = client.school_id;
  p.roles = client.roles;
  if (client.kind == config::client_kind::partner)
    p.scopes = scope_set::parse(std::string_view("system/Bundle.c system/MessageHeader.c"));
  else
    p.scopes = scope_set::parse(client.scopes);
  return p;
}

std::variant<principal, refusal> authenticator::authenticate(const http::request& req,
                                                             const http::connection_info& peer,
                                                             bool intake_route, std::int64_t now_s) const {
  auto authorization = req[bhttp::field::authorization];
  if (!authorization.empty()) {
    std::string_view value(authorization.data(), authorization.size());
    if (value.size() < 7 || !boost::beast::iequals(value.substr(0, 7), "Bearer "))
      return refuse(401, "login", "unsupported-scheme",
                    "the Authorization header must be 'Bearer <access token>' (SMART Backend Services)");
    auto token = value.substr(7);
    while (!token.empty() && token.front() == ' ') token.remove_prefix(1);
    token_error why = token_error::malformed;
    auto claims = codec_.verify(token, now_s, &why);
    if (!claims)
      return refuse(401, "login", why == token_error::expired ? "token-expired" : "token-invalid",
                    std::string("the access token is not valid: ") + describe(why), {}, true);
    const auto* client = config_->find_client(claims->client_id);
    if (client == nullptr)
      return refuse(401, "login", "token-unknown-client", "the access token's client is no longer configured",
                    claims->client_id, true);
    auto p = of_client(*client, auth_method::token);
    // What the token was granted, never more than the client is configured for now.
    if (client->kind != config::client_kind::partner)
      p.scopes = scope_set::parse(client->scopes).mediate(scope_set::parse(std::string_view(claims->scope)));
    p.token_id = claims->jti;
    p.address = peer.address;
    return p;
  }
  if (peer.certificate) {
    const auto& cert = *peer.certificate;
    if (!cert.trusted)
      return refuse(401, "login", "certificate-untrusted",
                    "the client certificate is not trusted (" +
                        (cert.verify_error.empty() ? std::string("it does not chain to the client CA")
                                                   : cert.verify_error) +
                        ")");
    const config::client* bound = nullptr;
    for (const auto& c : config_->clients)
      for (const auto& b : c.credentials.certificates)
        if (bound == nullptr && binds(b, cert)) bound = &c;
    if (bound == nullptr)
      return refuse(401, "login", "certificate-unbound",
                    "no client is bound to this certificate (subject '" + cert.subject + "')");
    auto p = of_client(*bound, auth_method::certificate);
    p.address = peer.address;
    return p;
  }
  if (config_->auth.development_mode) {
    principal p;
    p.method = auth_method::development;
    p.address = peer.address;
    if (intake_route) {
      p.kind = config::client_kind::partner;  // the partner is the one the message names
      p.client_id = "development";
      p.scopes = scope_set::parse(std::string_view("system/Bundle.c system/MessageHeader.c"));
    } else {
      p.kind = config::client_kind::operator_;
      p.client_id = "development-operator";
      p.scopes = scope_set::parse(std::string_view("system/*.cruds"));
    }
    return p;
  }
  return refuse(401, "login", "no-credentials",
                "this endpoint needs credentials: an access token from POST /auth/token (SMART Backend "
                "Services) or a client certificate");
}

http::response refusal_response(const refusal& r, unsigned version, int retry_after_s) {
  auto res = http::make_error(static_cast<bhttp::status>(r.status), r.code, r.diagnostics, {}, version);
  if (r.status == 401) {
    std::string challenge = "Bearer realm=\"homebase\"";
    if (r.bearer_error) challenge += ", error=\"invalid_token\"";
    res.set(bhttp::field::www_authenticate, challenge);
  }
  if (r.status == 403 && r.bearer_error)
    res.set(bhttp::field::www_authenticate, "Bearer error=\"insufficient_scope\"");
  if (r.status == 429 || retry_after_s > 0)
    res.set(bhttp::field::retry_after, std::to_string(retry_after_s > 0 ? retry_after_s : 1));
  return res;
}

}  // namespace homebase::gateway::auth
