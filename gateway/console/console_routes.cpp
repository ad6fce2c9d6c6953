#include "gateway/console/console_routes.hpp"

#include <openssl/crypto.h>
#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <boost/asio/associated_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <charconv>

#include "gateway/auth/route_policy.hpp"
#include "gateway/child/child_resources.hpp"
#include "gateway/console/config_view.hpp"
#include "gateway/console/console_assets.hpp"
#include "gateway/console/console_pages.hpp"
#include "gateway/console/console_principal.hpp"
#include "gateway/console/coordinator_view.hpp"
#include "gateway/console/password_hash.hpp"
#include "gateway/log/json_log.hpp"
#include "gateway/pipeline/response_message.hpp"
#include "mappers/model/record_codec.hpp"
#include "mappers/outbound/medical_home_transaction.hpp"

namespace homebase::gateway::console {

namespace bhttp = boost::beast::http;
namespace asio = boost::asio;

namespace {

constexpr std::string_view sign_in_cookie = "homebase_console_sign_in";  // the sign-in form's CSRF token
constexpr int max_hashing_waiting = 16;  // sign-ins waiting for the hashing thread; beyond: 503

using writer_t = rapidjson::Writer<rapidjson::StringBuffer>;
void str(writer_t& w, std::string_view s) {
  w.String(s.data(), static_cast<rapidjson::SizeType>(s.size()));
}

bool parse_id(std::string_view text, std::int64_t& id) {
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), id);
  return ec == std::errc() && p == text.data() + text.size() && id > 0;
}

http::response json_response(std::string body, unsigned version) {
  auto res = http::make_response(bhttp::status::ok, std::move(body), "application/json", version);
  secure_headers(res);
  return res;
}

http::response api_error(bhttp::status status, std::string_view code, std::string text, unsigned version) {
  auto res = http::make_error(status, code, std::move(text), {}, version);
  secure_headers(res);
  return res;
}

http::response see_other(std::string_view to, unsigned version) {
  http::response res{bhttp::status::see_other, version};
  res.set(bhttp::field::location, to);
  secure_headers(res);
  res.prepare_payload();
  return res;
}

// Verifies a password on `pool` and completes on the caller's executor (the connection's strand).
template <typename Token>
auto async_verify(asio::thread_pool& pool, const std::string& password, const std::string& hash,
                  Token&& token) {
  return asio::async_initiate<Token, void(bool)>(
      [&pool](auto handler, std::string pw, std::string encoded) {
        auto ex = asio::get_associated_executor(handler);
        asio::post(pool,
                   [h = std::move(handler), pw = std::move(pw), encoded = std::move(encoded), ex]() mutable {
                     bool ok = verify_password(pw, encoded);
                     OPENSSL_cleanse(pw.data(), pw.size());
                     asio::post(ex, [h = std::move(h), ok]() mutable { h(ok); });
                   });
      },
      token, password, hash);
}

// The names of a child, one line: "Anjali Rao (Baby Girl Rao)".
std::string names_of(const mappers::model::child& c) {
  std::string out;
  for (const auto& n : c.names) {
    std::string one = n.text;
    if (one.empty()) {
      for (const auto& g : n.given) one.append(one.empty() ? "" : " ").append(g);
      if (!n.family.empty()) one.append(one.empty() ? "" : " ").append(n.family);
    }
    if (one.empty()) continue;
    if (out.empty())
      out = one;
    else if (out.find(one) == std::string::npos)
      out.append(" / ").append(one);
  }
  return out;
}

// What a record says about the child, for triage: names, birth, identifiers, languages.
void child_facts(writer_t& w, const mappers::model::coordination_record& r) {
  w.Key("name");
  str(w, names_of(r.patient));
  w.Key("birth_date");
  str(w, r.patient.birth_date);
  w.Key("gender");
  str(w, r.patient.gender);
  w.Key("multiple_birth_order");
  w.Int(r.patient.multiple_birth_order);
  w.Key("identifiers");
  w.StartArray();
  for (const auto& i : r.patient.identifiers) str(w, i.system + "|" + i.value);
  w.EndArray();
  w.Key("languages");
  w.StartArray();
  for (const auto& l : r.patient.languages) str(w, l);
  w.EndArray();
  // The family: who they are and how to reach them (a twin shares it; a namesake does not).
  w.Key("family");
  w.StartArray();
  for (const auto& f : r.family) {
    std::string one = f.name.text;
    if (one.empty()) {
      for (const auto& g : f.name.given) one.append(one.empty() ? "" : " ").append(g);
      if (!f.name.family.empty()) one.append(one.empty() ? "" : " ").append(f.name.family);
    }
    if (!f.relationship.code.empty()) one.append(" (").append(f.relationship.code).append(")");
    for (const auto& t : f.telecom)
      if (t.system == "phone" && !t.value.empty()) one.append(", ").append(t.value);
    str(w, one);
  }
  w.EndArray();
}

}  // namespace

console_routes::console_routes(config::config_ptr config, store::sqlite_store& store,
                               pipeline::message_intake& intake, admin::admin_api& admin,
                               audit::request_audit& audit, const console_routes* previous)
    : config_(std::move(config)),
      store_(store),
      intake_(intake),
      admin_(admin),
      audit_(audit),
      sessions_(previous ? previous->sessions_ : std::make_shared<console_sessions>(config_->console)),
      throttle_(previous ? previous->throttle_
                         : std::make_shared<sign_in_throttle>(config_->console.lockout)) {
  for (const auto& u : config_->console.users)
    if (!is_password_hash(u.password_hash))
      throw config::config_error("console.users: the password_hash of '" + u.name +
                                 "' is not a valid scrypt hash (make one with `homebase hash-password`)");
  // A hash with the cost of the configured ones, checked for unknown user names.
  scrypt_cost cost;
  if (!config_->console.users.empty()) {
    const auto& h = config_->console.users.front().password_hash;
    auto ln = h.find("ln=");
    if (ln != std::string::npos) std::from_chars(h.data() + ln + 3, h.data() + h.size(), cost.log2_n);
  }
  if (previous && !previous->dummy_hash_.empty())
    dummy_hash_ = previous->dummy_hash_;  // a reload: no scrypt run on the I/O thread
  else if (config_->console.enabled)
    dummy_hash_ = hash_password("not a password", cost).value_or("");
  if (config_->console.enabled && config_->console.oidc)
    oidc_ = std::make_unique<oidc_sign_in>(config_,
                                           [](int status, std::string_view title, std::string_view text) {
                                             return render_error(status, title, text, nullptr);
                                           });
  if (oidc_ != nullptr) {
    const auto* link = find_asset("oidc-sign-in.html");
    if (link != nullptr) sign_in_alternatives_ = std::string(link->data);
  }
}

console_routes::~console_routes() {
  hashing_.join();
}

bool console_routes::owns(std::string_view path) {
  return path == "/console" || path.starts_with("/console/");
}

asio::awaitable<http::response> console_routes::handle(http::request& req, const http::connection_info& peer,
                                                       const std::string& request_id) {
  auto path = http::target_path(req.target());
  auto version = req.version();
  bool is_api = path.starts_with("/console/api/") || path == "/console/api";
  if (!config_->console.enabled) {
    if (is_api)
      co_return api_error(bhttp::status::not_found, "not-found", "the console is not enabled", version);
    co_return html_response(bhttp::status::not_found,
                            render_error(404, "The console is not enabled",
                                         "Set console.enabled: true in the gateway's config.", nullptr),
                            version);
  }
  auto method = req.method();
  // Static files: no personal data, no session.
  constexpr std::string_view assets = "/console/assets/";
  if (path.starts_with(assets)) {
    auto name = path.substr(assets.size());
    const auto* asset =
        name.find('/') == std::string_view::npos && !name.ends_with(".html") ? find_asset(name) : nullptr;
    if (asset == nullptr)
      co_return html_response(bhttp::status::not_found,
                              render_error(404, "Not found", "There is no such file.", nullptr), version);
    if (method != bhttp::verb::get && method != bhttp::verb::head)
      co_return api_error(bhttp::status::method_not_allowed, "not-supported", "GET only", version);
    auto res =
        http::make_response(bhttp::status::ok, std::string(asset->data), content_type_of(name), version);
    secure_headers(res, true);
    co_return res;
  }
  if (path == "/console/sign-in") co_return co_await sign_in(req, peer);
  if (oidc_ && path.starts_with("/console/oidc/")) {
    // OpenID Connect: the provider's ID token is the proof; the callback opens a session like a password.
    const oidc_sign_in::open_session_fn open_session = [this, version](const console_identity& who) {
      return sessions_->signed_in(who, secure_cookies(), "/console/", version);
    };
    const oidc_sign_in::refused_fn refused = [&](const oidc_refusal& r) {
      auth::refusal a;
      a.status = r.status == 403 ? 403 : 401;
      a.code = "login";
      a.reason = "console-oidc-" + r.reason;
      a.client_id = r.who.empty() ? std::string() : "console:" + r.who;
      a.diagnostics = r.detail;
      audit_.refused(a, peer, req, request_id);
      log::write({.lvl = log::level::warn,
                  .event = "console.oidc.refused",
                  .request_id = request_id,
                  .client = a.client_id,
                  .status = r.status,
                  .detail = a.reason + ": " + r.detail});
    };
    auto answered = co_await oidc_->route(req, open_session, refused);
    if (answered) {
      secure_headers(*answered);
      co_return std::move(*answered);
    }
  }

  auto session = sessions_->find(req);
  if (!session) {
    if (is_api)
      co_return api_error(bhttp::status::unauthorized, "login",
                          "sign in to the console first (/console/sign-in)", version);
    if (method == bhttp::verb::get) co_return see_other("/console/sign-in", version);
    co_return html_response(
        bhttp::status::unauthorized,
        render_error(401, "Signed out", "Your session has ended. Sign in again to continue.", nullptr),
        version);
  }
  if (method == bhttp::verb::post && !console_sessions::csrf_ok(*session, req)) {
    if (is_api)
      co_return api_error(bhttp::status::forbidden, "forbidden",
                          "the request lacks this session's CSRF token (X-CSRF-Token)", version);
    co_return html_response(bhttp::status::forbidden,
                            render_error(403, "Form expired",
                                         "This form was not sent from this console session. Reload the page "
                                         "and try again.",
                                         &session->who, session->csrf),
                            version);
  }
  if (path == "/console/sign-out") {
    if (method != bhttp::verb::post)
      co_return html_response(bhttp::status::method_not_allowed,
                              render_error(405, "Use the Sign out button", "Sign out is a form (POST).",
                                           &session->who, session->csrf),
                              version);
    co_return sessions_->signed_out(req, secure_cookies(), version);
  }
  if (is_api) {
    auto rest = path.size() > 13 ? path.substr(13) : std::string_view();
    co_return co_await api(req, peer, *session, rest);
  }
  if (method != bhttp::verb::get && method != bhttp::verb::head)
    co_return html_response(
        bhttp::status::method_not_allowed,
        render_error(405, "Not allowed", "Pages are read with GET.", &session->who, session->csrf), version);
  auto rest = path == "/console" ? std::string_view() : path.substr(9);
  // Pages come from the embedded assets; their data comes from /console/api, audited there.
  if (auto denied = refused(*session, peer, req, "GET",
                            rest.empty() || rest == "coordinator" ? "/console" : "/admin/messages", true))
    co_return std::move(*denied);
  co_return page(req, *session, rest);
}

asio::awaitable<http::response> console_routes::sign_in(http::request& req,
                                                        const http::connection_info& peer) {
  auto version = req.version();
  bool secure = secure_cookies();
  auto form = [&](bhttp::status status, std::string_view error, std::string_view user) {
    auto token = console_sessions::random_token();
    auto res = html_response(status, render_sign_in(token, error, user, sign_in_alternatives_), version);
    res.set(bhttp::field::set_cookie, console_sessions::set_cookie(sign_in_cookie, token, secure, 3600));
    return res;
  };
  if (req.method() == bhttp::verb::get) {
    if (sessions_->find(req)) co_return see_other("/console/", version);
    co_return form(bhttp::status::ok, {}, {});
  }
  if (req.method() != bhttp::verb::post)
    co_return html_response(bhttp::status::method_not_allowed,
                            render_error(405, "Not allowed", "Sign in with the form.", nullptr), version);
  if (!req[bhttp::field::content_type].starts_with("application/x-www-form-urlencoded"))
    co_return form(bhttp::status::unsupported_media_type, "Sign in with the form.", {});
  auto body = std::string_view(req.body());
  auto expected = console_sessions::cookie(req, sign_in_cookie);
  auto given = console_sessions::form_field(body, "csrf");
  if (expected.empty() || given.size() != expected.size() ||
      CRYPTO_memcmp(given.data(), expected.data(), given.size()) != 0)
    co_return form(bhttp::status::forbidden,
                   "The sign-in form expired or did not come from this site. Try again.", {});
  auto user = console_sessions::form_field(body, "user");
  auto password = console_sessions::form_field(body, "password");
  if (user.empty() || user.size() > 64 || password.empty() || password.size() > 1024)
    co_return form(bhttp::status::bad_request, "Enter your user name and password.", user.substr(0, 64));

  auto refuse_audited = [&](int status, std::string reason, std::string text) {
    auth::refusal r;
    r.status = status;
    r.code = status == 429 ? "throttled" : "login";
    r.reason = std::move(reason);
    r.client_id = "console:" + user;
    r.diagnostics = std::move(text);
    audit_.refused(r, peer, req, std::string(req["X-Request-Id"]));
  };
  auto now = sign_in_throttle::clock::now();
  // Lock-out first: a locked user or address costs no hashing.
  if (auto wait = throttle_->locked(user, peer.address, now)) {
    refuse_audited(429, "console-locked-out", "console sign-in locked out");
    auto minutes = (wait->count() + 59) / 60;
    auto res = form(bhttp::status::too_many_requests,
                    "Too many failed sign-ins. Try again in " + std::to_string(minutes) +
                        (minutes == 1 ? " minute." : " minutes."),
                    user);
    res.set(bhttp::field::retry_after, std::to_string(wait->count()));
    co_return res;
  }
  if (hashing_waiting_->load() >= max_hashing_waiting) {
    auto res = form(bhttp::status::service_unavailable, "The console is busy. Try again in a moment.", user);
    res.set(bhttp::field::retry_after, "1");
    co_return res;
  }
  const auto* configured = config_->console.find_user(user);
  const std::string& hash = configured != nullptr ? configured->password_hash : dummy_hash_;
  ++*hashing_waiting_;
  bool ok = co_await async_verify(hashing_, password, hash, asio::use_awaitable);
  --*hashing_waiting_;
  OPENSSL_cleanse(password.data(), password.size());
  if (!ok || configured == nullptr) {
    throttle_->failed(user, peer.address, sign_in_throttle::clock::now());
    refuse_audited(401, "console-sign-in-failed", "wrong console user name or password");
    co_return form(bhttp::status::unauthorized, "Wrong user name or password.", user);
  }
  throttle_->succeeded(user);
  console_identity who;
  who.name = configured->name;
  who.role = configured->role == config::console_user_role::operator_ ? console_role::operator_
                                                                      : console_role::care_coordinator;
  who.medical_home_id = configured->medical_home_id;
  who.method = "password";
  auto res = sessions_->signed_in(who, secure, "/console/", version);
  secure_headers(res);
  res.insert(bhttp::field::set_cookie, console_sessions::set_cookie(sign_in_cookie, "", secure, 0));
  co_return res;
}

std::optional<http::response> console_routes::refused(const console_session& session,
                                                      const http::connection_info& peer, http::request& req,
                                                      std::string_view method, std::string_view api_path,
                                                      bool as_page) {
  if (api_path == "/console") return std::nullopt;  // the start page and the person's own pages
  auto who = to_principal(session.who, peer.address);
  auto denied = auth::permit(who, auth::need_of(method, api_path));
  if (!denied) return std::nullopt;
  denied->client_id = who.client_id;
  denied->reason = "console-role";
  audit_.refused(*denied, peer, req, std::string(req["X-Request-Id"]));
  if (!as_page)
    return api_error(bhttp::status::forbidden, "forbidden", "this needs the operator role", req.version());
  return html_response(bhttp::status::forbidden,
                       render_error(403, "Not for your role",
                                    "This page is for operators. Care coordinators see their own medical "
                                    "home's children from the console's start page.",
                                    &session.who, session.csrf),
                       req.version());
}

http::response console_routes::page(const http::request& req, const console_session& session,
                                    std::string_view rest) {
  auto version = req.version();
  const auto& who = session.who;
  if (rest.empty() || rest == "/")
    return see_other(who.role == console_role::operator_ ? "/console/queues" : "/console/coordinator",
                     version);
  struct known {
    std::string_view path;
    const char* asset;
    const char* title;
  };
  static constexpr known pages[] = {{"queues", "queues", "Queues"},
                                    {"messages", "messages", "Messages"},
                                    {"dead-letters", "dead-letters", "Dead letters"},
                                    {"triage", "triage", "Triage"},
                                    {"config", "config", "Config in force"},
                                    {"coordinator", "coordinator", "My children"}};
  std::string_view asset, title;
  for (const auto& p : pages)
    if (rest == p.path) {
      asset = p.asset;
      title = p.title;
    }
  std::int64_t id = 0;
  if (asset.empty() && rest.starts_with("messages/") && parse_id(rest.substr(9), id)) {
    asset = "message";
    title = "Message";
  }
  auto body = asset.empty() ? std::nullopt : render_page(asset, title, who, session.csrf);
  if (!body)
    return html_response(
        bhttp::status::not_found,
        render_error(404, "Not found", "There is no such page in the console.", &who, session.csrf), version);
  return html_response(bhttp::status::ok, std::move(*body), version);
}

std::string console_routes::patient_id_of(std::int64_t child_id) {
  auto stored = store_.read_child_record(child_id);
  auto record = stored ? mappers::model::decode(*stored) : std::nullopt;
  if (!record) return {};
  return child::project_child_resources(*record).patient_id;
}

asio::awaitable<bool> console_routes::audit_view(const console_session& session,
                                                 const http::connection_info& peer, const http::request& req,
                                                 bool search, const std::vector<std::int64_t>& child_ids) {
  std::vector<std::string> patients;
  for (auto id : child_ids) {
    auto p = patient_id_of(id);
    if (!p.empty() && std::find(patients.begin(), patients.end(), p) == patients.end()) patients.push_back(p);
  }
  if (patients.empty()) co_return true;
  auto who = to_principal(session.who, peer.address);
  auto request_id = std::string(req["X-Request-Id"]);
  co_return co_await audit_.disclosed(who, req, request_id, search, patients);
}

asio::awaitable<http::response> console_routes::api(http::request& req, const http::connection_info& peer,
                                                    const console_session& session, std::string_view rest) {
  auto version = req.version();
  auto method = req.method();
  auto method_text = std::string_view(req.method_string().data(), req.method_string().size());
  auto wrong_method = [&](std::string_view allow) {
    auto res =
        api_error(bhttp::status::method_not_allowed, "not-supported",
                  std::string(method_text) + " is not allowed here; allowed: " + std::string(allow), version);
    res.set(bhttp::field::allow, allow);
    return res;
  };
  std::vector<std::int64_t> children;  // whose data the answer shows (audited before it leaves)
  bool search = false;
  http::response res;
  std::int64_t id = 0;

  if (rest == "me") {
    if (method != bhttp::verb::get) co_return wrong_method("GET");
    rapidjson::StringBuffer b;
    writer_t w(b);
    w.StartObject();
    w.Key("name");
    str(w, session.who.name);
    w.Key("role");
    w.String(to_string(session.who.role));
    w.Key("medical_home");
    str(w, session.who.medical_home_id);
    w.Key("method");
    str(w, session.who.method);
    w.Key("csrf");
    str(w, session.csrf);
    w.EndObject();
    co_return json_response({b.GetString(), b.GetSize()}, version);
  }
  if (rest == "messages") {
    if (method != bhttp::verb::get) co_return wrong_method("GET");
    if (auto denied = refused(session, peer, req, "GET", "/admin/messages", false))
      co_return std::move(*denied);
    res = messages(req, children);
    search = true;
  } else if (rest == "triage") {
    if (method != bhttp::verb::get) co_return wrong_method("GET");
    if (auto denied = refused(session, peer, req, "GET", "/admin/triage", false))
      co_return std::move(*denied);
    res = triage(children);
    search = true;
  } else if (rest == "queues") {
    if (method != bhttp::verb::get) co_return wrong_method("GET");
    if (auto denied = refused(session, peer, req, "GET", "/admin/status", false))
      co_return std::move(*denied);
    res = admin_.status(*config_);
  } else if (rest == "config") {
    if (method != bhttp::verb::get) co_return wrong_method("GET");
    if (auto denied = refused(session, peer, req, "GET", "/admin/status", false))
      co_return std::move(*denied);
    res = config_view();
  } else if (rest == "messages/$replay" || rest == "messages/%24replay") {
    if (method != bhttp::verb::post) co_return wrong_method("POST");
    if (auto denied = refused(session, peer, req, "POST", "/admin/messages/1/retry", false))
      co_return std::move(*denied);
    rapidjson::Document doc;
    doc.Parse(req.body().data(), req.body().size());
    if (doc.HasParseError() || !doc.IsObject() || !doc.HasMember("messages") || !doc["messages"].IsArray() ||
        doc["messages"].Empty() || doc["messages"].Size() > 500)
      co_return api_error(bhttp::status::bad_request, "structure",
                          R"(expected {"messages": [<message id>, ...]} (1 to 500 ids))", version);
    std::vector<std::int64_t> ids;
    for (const auto& v : doc["messages"].GetArray()) {
      if (!v.IsInt64() || v.GetInt64() < 1)
        co_return api_error(bhttp::status::bad_request, "structure",
                            "each message id must be a positive integer", version);
      ids.push_back(v.GetInt64());
    }
    auto who = to_principal(session.who, peer.address);
    rapidjson::StringBuffer b;
    writer_t w(b);
    w.StartObject();
    w.Key("results");
    w.StartArray();
    for (auto one : ids) {
      mappers::audit::audit_record admin;
      admin.kind = mappers::audit::audit_kind::admin_action;
      admin.client.id = who.client_id;
      admin.client.kind = std::string(config::to_string(who.kind));
      admin.client.address = who.address;
      admin.request_id = std::string(req["X-Request-Id"]);
      auto answer = co_await intake_.retry(one, std::move(admin));
      w.StartObject();
      w.Key("message");
      w.Int64(one);
      w.Key("status");
      w.Int(static_cast<int>(answer.result_int()));
      w.Key("answer");
      rapidjson::Document parsed;
      parsed.Parse(answer.body().data(), answer.body().size());
      if (parsed.HasParseError())
        w.Null();
      else
        parsed.Accept(w);
      w.EndObject();
    }
    w.EndArray();
    w.EndObject();
    co_return json_response({b.GetString(), b.GetSize()}, version);
  } else if (constexpr std::string_view prefix = "messages/"; rest.starts_with(prefix)) {
    auto tail = rest.substr(prefix.size());
    auto slash = tail.find('/');
    if (!parse_id(tail.substr(0, slash), id))
      co_return api_error(bhttp::status::not_found, "not-found", "no message " + std::string(tail), version);
    auto action = slash == std::string_view::npos ? std::string_view() : tail.substr(slash + 1);
    auto admin_path =
        "/admin/messages/" + std::to_string(id) + (action.empty() ? "" : "/" + std::string(action));
    if (action.empty()) {
      if (method != bhttp::verb::get) co_return wrong_method("GET");
      if (auto denied = refused(session, peer, req, "GET", admin_path, false)) co_return std::move(*denied);
      res = message_detail(id, children);
    } else if (action == "retry" || action == "match") {
      if (method != bhttp::verb::post) co_return wrong_method("POST");
      if (auto denied = refused(session, peer, req, "POST", admin_path, false)) co_return std::move(*denied);
      auto who = to_principal(session.who, peer.address);
      mappers::audit::audit_record admin;
      admin.kind = mappers::audit::audit_kind::admin_action;
      admin.client.id = who.client_id;
      admin.client.kind = std::string(config::to_string(who.kind));
      admin.client.address = who.address;
      admin.request_id = std::string(req["X-Request-Id"]);
      if (action == "retry") {
        res = co_await intake_.retry(id, std::move(admin));
      } else {
        rapidjson::Document doc;
        doc.Parse(req.body().data(), req.body().size());
        std::optional<std::optional<std::int64_t>> child;
        if (!doc.HasParseError() && doc.IsObject() && doc.HasMember("child")) {
          const auto& c = doc["child"];
          if (c.IsString() && std::string_view(c.GetString()) == "new")
            child = std::optional<std::int64_t>{};
          else if (c.IsInt64() && c.GetInt64() > 0)
            child = std::optional<std::int64_t>{c.GetInt64()};
        }
        if (!child)
          co_return api_error(bhttp::status::bad_request, "structure",
                              R"(expected {"child": <child id>} or {"child": "new"})", version);
        std::optional<std::int64_t> chosen = *child;
        res = co_await intake_.resolve_match(id, chosen, std::move(admin));
      }
    } else {
      co_return api_error(bhttp::status::not_found, "not-found", "no console API at " + std::string(rest),
                          version);
    }
  } else if (rest.starts_with("coordinator/")) {
    if (method != bhttp::verb::get) co_return wrong_method("GET");
    // The coordinator's views read what the FHIR API serves a medical home (Patient, Appointment, Task, ...).
    if (auto denied = refused(session, peer, req, "GET", "/fhir/Patient", false))
      co_return std::move(*denied);
    std::vector<std::string> patients;  // the Patient ids the answer shows, audited before it leaves
    res = coordinator(req, session, peer, rest.substr(11), patients, search);
    if (res.result() == bhttp::status::ok && !patients.empty()) {
      auto who = to_principal(session.who, peer.address);
      auto request_id = std::string(req["X-Request-Id"]);
      bool audited = co_await audit_.disclosed(who, req, request_id, search, patients);
      if (!audited)
        co_return api_error(bhttp::status::service_unavailable, "transient",
                            "the access could not be audited; nothing was disclosed", version);
    }
    co_return res;
  } else {
    co_return api_error(bhttp::status::not_found, "not-found", "no console API at " + std::string(rest),
                        version);
  }
  secure_headers(res);
  if (res.result() == bhttp::status::ok && !children.empty()) {
    if (!co_await audit_view(session, peer, req, search, children)) {
      co_return api_error(bhttp::status::service_unavailable, "transient",
                          "the access could not be audited; nothing was disclosed", version);
    }
  }
  co_return res;
}

http::response console_routes::messages(const http::request& req, std::vector<std::int64_t>& children) {
  auto res = admin_.list(req);
  // A list filtered to one child shows which messages are about that child: audited as a search.
  auto child = http::query_param(req.target(), "child");
  std::int64_t id = 0;
  if (res.result() == bhttp::status::ok && parse_id(child, id)) children.push_back(id);
  return res;
}

http::response console_routes::message_detail(std::int64_t id, std::vector<std::int64_t>& children) {
  auto shown = admin_.show(id);
  if (shown.result() != bhttp::status::ok) return shown;
  auto m = store_.get_message(id);
  std::string bundle = "null";
  if (m && m->child_id) {
    children.push_back(*m->child_id);
    auto stored = store_.read_child_record(*m->child_id);
    auto record = stored ? mappers::model::decode(*stored) : std::nullopt;
    if (record) {
      // What a delivery of this message sends now: the transaction Bundle of the child's current record
      // (gateway/delivery/delivery_service builds it the same way at each attempt).
      std::string source = m->partner_id;
      if (const auto* partner = config_->find_partner(m->partner_id);
          partner && !partner->source_endpoints.empty())
        source = partner->source_endpoints.front();
      bundle = mappers::outbound::to_transaction_bundle(*record, {source, m->header_id});
    }
  }
  std::string body = "{\"message\":";
  body.append(shown.body()).append(",\"bundle\":").append(bundle).append("}");
  return http::make_response(bhttp::status::ok, std::move(body), "application/json");
}

http::response console_routes::triage(std::vector<std::int64_t>& children) {
  auto rows = store_.list_messages(store::message_status::held_for_match, 200, 0);
  rapidjson::StringBuffer b;
  writer_t w(b);
  w.StartObject();
  w.Key("held");
  w.StartArray();
  for (const auto& m : rows) {
    w.StartObject();
    w.Key("id");
    w.Int64(m.id);
    w.Key("partner");
    str(w, m.partner_id);
    w.Key("event");
    str(w, m.event_code);
    w.Key("received_at");
    str(w, m.received_at);
    w.Key("reason");
    str(w, pipeline::held_for_match_reason(m.route_note));
    w.Key("incoming");
    auto said = m.translation.empty() ? std::nullopt : mappers::model::decode(m.translation);
    if (said) {
      w.StartObject();
      child_facts(w, *said);
      w.EndObject();
    } else {
      w.Null();
    }
    w.Key("candidates");
    w.StartArray();
    std::string_view rest = m.match_candidates;
    while (!rest.empty()) {
      auto comma = rest.find(',');
      std::int64_t child_id = 0;
      if (parse_id(rest.substr(0, comma), child_id)) {
        w.StartObject();
        w.Key("child_id");
        w.Int64(child_id);
        w.Key("medical_home");
        str(w, store_.child_home(child_id));
        auto stored = store_.read_child_record(child_id);
        auto record = stored ? mappers::model::decode(*stored) : std::nullopt;
        if (record) {
          child_facts(w, *record);
          children.push_back(child_id);
        }
        w.EndObject();
      }
      rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 1);
    }
    w.EndArray();
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
  return http::make_response(bhttp::status::ok, {b.GetString(), b.GetSize()}, "application/json");
}

http::response console_routes::config_view() {
  return http::make_response(bhttp::status::ok, redacted_config_json(*config_), "application/json");
}

http::response console_routes::coordinator(const http::request& req, const console_session& session,
                                           const http::connection_info& peer, std::string_view rest,
                                           std::vector<std::string>& patients, bool& search) {
  auto version = req.version();
  auto home = http::query_param(req.target(), "home");
  if (session.who.role == console_role::care_coordinator) {
    // A care coordinator works for one medical home and sees its children only.
    if (!home.empty() && home != session.who.medical_home_id) {
      auth::refusal r;
      r.status = 403;
      r.code = "forbidden";
      r.reason = "console-other-home";
      r.client_id = to_principal(session.who, peer.address).client_id;
      r.diagnostics = "a care coordinator sees only the children of their own medical home";
      audit_.refused(r, peer, req, std::string(req["X-Request-Id"]));
      return api_error(bhttp::status::forbidden, "forbidden", r.diagnostics, version);
    }
    home = session.who.medical_home_id;
  } else if (home.empty() && !config_->medical_homes.empty()) {
    home = config_->medical_homes.front().id;  // an operator without ?home=: the first configured home
  }
  const coordinator_request request{home, store::now_ms()};
  coordinator_answer answer;
  search = true;
  constexpr std::string_view child_prefix = "/children/", timeline_suffix = "/timeline";
  if (rest == "/children") {
    answer = coordinator_children(store_, *config_, request);
  } else if (rest == "/agenda") {
    answer = coordinator_agenda(store_, *config_, request);
  } else if (rest == "/tasks") {
    answer = coordinator_tasks(store_, *config_, request);
  } else if (rest == "/letters") {
    answer = coordinator_letters(store_, *config_, request);
  } else if (rest.starts_with(child_prefix) && rest.ends_with(timeline_suffix) &&
             rest.size() > child_prefix.size() + timeline_suffix.size()) {
    auto patient =
        rest.substr(child_prefix.size(), rest.size() - child_prefix.size() - timeline_suffix.size());
    if (patient.find('/') != std::string_view::npos)
      return api_error(bhttp::status::not_found, "not-found", "no console API at " + std::string(rest),
                       version);
    auto from_text = http::query_param(req.target(), "from");
    auto from = std::chrono::floor<std::chrono::days>(
        std::chrono::sys_seconds(std::chrono::seconds(request.now_ms / 1000)));
    if (!from_text.empty()) {
      auto parsed = parse_from_date(from_text);
      if (!parsed)
        return api_error(bhttp::status::bad_request, "value",
                         "from must be a date (YYYY-MM-DD), not '" + from_text.substr(0, 40) + "'", version);
      from = *parsed;
    }
    answer = coordinator_timeline(store_, *config_, request, patient, from);
    search = false;
  } else {
    return api_error(bhttp::status::not_found, "not-found",
                     "no console API at coordinator" + std::string(rest), version);
  }
  switch (answer.result) {
    case coordinator_answer::outcome::ok:
      patients = std::move(answer.patients);
      return json_response(std::move(answer.json), version);
    case coordinator_answer::outcome::not_found:
      // The same words for an unknown child and another home's: nothing tells that the child exists.
      return api_error(bhttp::status::not_found, "not-found",
                       search ? "no medical home '" + home + "'" : "no such child at this medical home",
                       version);
    case coordinator_answer::outcome::store_failed:
      break;
  }
  return api_error(bhttp::status::internal_server_error, "exception",
                   "the coordinator's view could not be read from the store", version);
}

}  // namespace homebase::gateway::console
