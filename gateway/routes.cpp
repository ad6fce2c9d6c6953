#include "gateway/routes.hpp"

#include <openssl/rand.h>
#include <rapidjson/document.h>

#include <algorithm>
#include <charconv>
#include <optional>

#include "fhir/fhir_time.hpp"
#include "gateway/api/capability_statement.hpp"
#include "gateway/auth/route_policy.hpp"
#include "gateway/log/json_log.hpp"
#include "gateway/metrics/gateway_metrics.hpp"
#include "gateway/metrics/route_label.hpp"

namespace homebase::gateway {

namespace bhttp = boost::beast::http;
namespace asio = boost::asio;

namespace {

http::response method_not_allowed(std::string_view allow, std::string_view method, std::string_view path) {
  auto res = http::make_error(
      bhttp::status::method_not_allowed, "not-supported",
      std::string(method) + " is not allowed on " + std::string(path) + "; allowed: " + std::string(allow));
  res.set(bhttp::field::allow, allow);
  return res;
}

// "/fhir/$validate" -> "" (system level); "/fhir/Patient/$validate" -> "Patient"; anything else -> nullopt.
// '$' may come percent-encoded.
std::optional<std::string_view> validate_target(std::string_view path) {
  constexpr std::string_view prefix = "/fhir/";
  if (!path.starts_with(prefix)) return std::nullopt;
  auto rest = path.substr(prefix.size());
  for (std::string_view op : {"$validate", "%24validate"}) {
    if (rest == op) return std::string_view();
    if (rest.size() > op.size() + 1 && rest.ends_with(op) && rest[rest.size() - op.size() - 1] == '/') {
      auto type = rest.substr(0, rest.size() - op.size() - 1);
      if (type.find('/') == std::string_view::npos) return type;
    }
  }
  return std::nullopt;
}

bool parse_id(std::string_view text, std::int64_t& id) {
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), id);
  return ec == std::errc() && p == text.data() + text.size() && id > 0;
}

// {"child": 12} -> 12; {"child": "new"} -> nullopt (a new child); anything else -> no answer.
std::optional<std::optional<std::int64_t>> match_answer(const std::string& body) {
  rapidjson::Document doc;
  doc.Parse(body.data(), body.size());
  if (doc.HasParseError() || !doc.IsObject()) return std::nullopt;
  auto child = doc.FindMember("child");
  if (child == doc.MemberEnd()) return std::nullopt;
  if (child->value.IsString() && std::string_view(child->value.GetString()) == "new")
    return std::optional<std::int64_t>{};
  if (child->value.IsInt64() && child->value.GetInt64() > 0)
    return std::optional<std::int64_t>{child->value.GetInt64()};
  return std::nullopt;
}

std::string new_request_id() {
  static constexpr char hex[] = "0123456789abcdef";
  unsigned char bytes[16];
  if (RAND_bytes(bytes, sizeof bytes) != 1) return {};
  std::string out;
  for (auto b : bytes) {
    out += hex[b >> 4];
    out += hex[b & 15];
  }
  return out;
}

// The caller's X-Request-Id when it is a safe token (1..128 of A-Z a-z 0-9 and . _ ~ : / + = @ -: it goes
// into logs, AuditEvents and the headers of deliveries), else a new one (32 hex digits).
std::string request_id_of(const http::request& req) {
  auto given = req["X-Request-Id"];
  auto safe = [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
           std::string_view("._~:/+=@-").find(c) != std::string_view::npos;
  };
  if (!given.empty() && given.size() <= 128 && std::all_of(given.begin(), given.end(), safe))
    return std::string(given);
  return new_request_id();
}

// The facts of an admin action's AuditEvent that the route knows: who and which request.
mappers::audit::audit_record admin_audit(const auth::principal& who, const http::request& req) {
  mappers::audit::audit_record r;
  r.kind = mappers::audit::audit_kind::admin_action;
  r.client.id = who.client_id;
  r.client.kind = std::string(config::to_string(who.kind));
  r.client.address = who.address;
  r.request_id = std::string(req["X-Request-Id"]);
  return r;
}

}  // namespace

routes::routes(config::config_ptr config, store::sqlite_store& store, pipeline::message_intake& intake,
               disclosure::disclosure_api* disclosure, auth::token_endpoint& tokens,
               const auth::access_token_codec& codec, audit::request_audit& audit,
               admin::message_replay::notify_fn delivery_notify, const routes* previous,
               admin::config_reload_operation::reload_fn reload)
    : config_(config),
      store_(store),
      intake_(intake),
      disclosure_(disclosure),
      tokens_(tokens),
      authn_(config, codec),
      audit_(audit),
      client_rate_(previous ? previous->client_rate_ : std::make_shared<auth::rate_limiter>()),
      failures_(previous ? previous->failures_ : std::make_shared<auth::rate_limiter>()),
      admin_(store, config->server.public_base_url, intake.concept_maps()),
      replay_(config, store, delivery_notify),
      transfer_(config, store, delivery_notify),
      reload_(store, std::move(reload), config->server.public_base_url),
      validate_(config->server),
      rest_(store, config->server.public_base_url),
      task_update_(config, store, std::move(delivery_notify)),
      checklist_(store),
      audit_search_(config, store),
      disclosures_(config, store),
      metrics_(config, store),
      console_(config, store, intake, admin_, audit, previous ? &previous->console_ : nullptr) {
  metadata_ = api::capability_statement(*config_, fhir::format_instant(store::now_ms()));
}

http::response routes::refuse(const auth::refusal& refusal, http::request& req,
                              const http::connection_info& peer, const std::string& request_id) {
  auto r = refusal;
  int retry_after = 0;
  if (r.status == 401) {
    // Failed authentications are throttled per address: beyond the allowance, 429 until it refills.
    double per_minute = config_->auth.failed_per_minute;
    config::rate_limit allowance{per_minute / 60.0, per_minute};
    if (!failures_->take(peer.address, allowance, std::chrono::steady_clock::now(), &retry_after)) {
      r.status = 429;
      r.code = "throttled";
      r.reason = "auth-failures-throttled";
      r.diagnostics = "too many failed authentications from this address; try again later";
    }
  }
  audit_.refused(r, peer, req, request_id);
  auto res = auth::refusal_response(r, req.version(), retry_after);
  res.set("X-Request-Id", request_id);
  return res;
}

asio::awaitable<http::response> routes::handle(http::request& req, const http::connection_info& peer) {
  auto started = std::chrono::steady_clock::now();
  auto request_id = request_id_of(req);
  auto route = metrics::route_label(http::target_path(req.target()));
  auth::principal who;
  auto res = co_await serve(req, peer, request_id, who);
  res.set("X-Request-Id", request_id);
  int status = static_cast<int>(res.result_int());
  metrics::gateway_metrics::instance().request(route, status);
  if (log::enabled(log::level::info)) {
    auto took_us =
        std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - started);
    std::string detail(req.method_string());
    detail.append(" ").append(std::to_string(took_us.count())).append(" us");
    log::write({.lvl = log::level::info,
                .event = "http.request",
                .request_id = request_id,
                .client = who.client_id,
                .status = status,
                .route = route,
                .detail = detail});
  }
  co_return res;
}

asio::awaitable<http::response> routes::serve(http::request& req, const http::connection_info& peer,
                                              const std::string& request_id, auth::principal& who) {
  auto path = http::target_path(req.target());
  if (console::console_routes::owns(path)) {
    // The console: its own sign-in and sessions; no API credential is looked at.
    req.set("X-Request-Id", request_id);
    co_return co_await console_.handle(req, peer, request_id);
  }
  auto need = auth::need_of(std::string_view(req.method_string().data(), req.method_string().size()), path);
  if (need.what != auth::access::open) {
    auto now_s = store::now_ms() / 1000;
    auto result = authn_.authenticate(req, peer, need.what == auth::access::partner_intake, now_s);
    if (auto* refused = std::get_if<auth::refusal>(&result))
      co_return refuse(*refused, req, peer, request_id);
    who = std::move(std::get<auth::principal>(result));
    if (who.method != auth::auth_method::development) {
      const auto* client = config_->find_client(who.client_id);
      int retry_after = 1;
      if (client != nullptr &&
          !client_rate_->take(client->id, client->rate, std::chrono::steady_clock::now(), &retry_after)) {
        auth::refusal r;
        r.status = 429;
        r.code = "throttled";
        r.reason = "client-rate";
        r.client_id = who.client_id;
        r.diagnostics = "client '" + who.client_id + "' is over its rate limit";
        audit_.refused(r, peer, req, request_id);
        co_return auth::refusal_response(r, req.version(), retry_after);
      }
    }
    if (auto denied = auth::permit(who, need)) co_return refuse(*denied, req, peer, request_id);
  }
  api::read_scope scope;
  if (who.is(config::client_kind::medical_home)) scope.medical_home = who.medical_home_id;
  req.set("X-Request-Id", request_id);  // handlers audit with it
  auto res = co_await dispatch(req, peer, who, scope);
  // A handler's own refusal (a partner naming another's endpoint, a practice asking for another's child);
  // the token endpoint audits its own.
  if ((res.result() == bhttp::status::forbidden || res.result() == bhttp::status::unauthorized) &&
      path != "/auth/token") {
    auth::refusal r;
    r.status = static_cast<int>(res.result_int());
    r.code = "forbidden";
    r.reason = "handler-refused";
    r.client_id = who.client_id;
    r.diagnostics = res.body().substr(0, 500);
    audit_.refused(r, peer, req, request_id);
  } else if (!scope.patients.empty() && res.result() == bhttp::status::ok) {
    bool search = need.act == auth::interaction::search;
    if (!co_await audit_.disclosed(who, req, request_id, search, scope.patients)) {
      res = http::make_error(bhttp::status::service_unavailable, "transient",
                             "the access could not be audited; nothing was disclosed", {}, req.version());
      res.set(bhttp::field::retry_after, "1");
    }
  }
  co_return res;
}

asio::awaitable<http::response> routes::dispatch(http::request& req, const http::connection_info& peer,
                                                 const auth::principal& who, api::read_scope& scope) {
  auto path = http::target_path(req.target());
  auto method = req.method();
  auto method_text = req.method_string();

  if (path == "/fhir/$process-message" || path == "/fhir/%24process-message") {
    if (method != bhttp::verb::post) co_return method_not_allowed("POST", method_text, path);
    co_return co_await intake_.process(req, who);
  }
  if (path == "/.well-known/smart-configuration") {
    if (method != bhttp::verb::get) co_return method_not_allowed("GET", method_text, path);
    co_return tokens_.smart_configuration(req.version());
  }
  if (path == "/auth/token") {
    if (method != bhttp::verb::post) co_return method_not_allowed("POST", method_text, path);
    auto res = co_await tokens_.token(req, peer);
    // A refused assertion is a failed authentication: beyond the address's allowance, 429.
    int retry_after = 0;
    double per_minute = config_->auth.failed_per_minute;
    if (res.result() == bhttp::status::unauthorized &&
        !failures_->take(peer.address, config::rate_limit{per_minute / 60.0, per_minute},
                         std::chrono::steady_clock::now(), &retry_after)) {
      res.result(bhttp::status::too_many_requests);
      res.set(bhttp::field::retry_after, std::to_string(std::max(retry_after, 1)));
    }
    co_return res;
  }
  if (path == "/auth/introspect") {
    if (method != bhttp::verb::post) co_return method_not_allowed("POST", method_text, path);
    co_return tokens_.introspect(req);
  }
  if (audit::audit_api::owns(path)) {
    // An operator searches the whole trail; a medical_home client only events about its own children.
    co_return audit_search_.handle(req, scope.medical_home);
  }
  if (disclosure_ != nullptr && disclosure::disclosure_api::owns(path))
    co_return co_await disclosure_->handle(req, who);
  if (path == "/fhir/Bundle") {
    if (method != bhttp::verb::post) co_return method_not_allowed("POST", method_text, path);
    co_return co_await intake_.process_document(req, who);
  }
  if (auto type = validate_target(path)) {
    if (!type->empty() && !api::validate_operation::is_resource_type(*type)) {
      std::string what(*type);  // built in steps: GCC 12 warns (-Wrestrict) on "'" + std::string(...)
      what.append(" is not an R4 resource type");
      co_return http::make_error(bhttp::status::not_found, "not-found", std::move(what));
    }
    if (method != bhttp::verb::post) co_return method_not_allowed("POST", method_text, path);
    co_return validate_.handle(req, *type);
  }
  if (path == "/fhir/metadata") {
    if (method != bhttp::verb::get) co_return method_not_allowed("GET", method_text, path);
    co_return http::make_response(bhttp::status::ok, metadata_, http::fhir_json);
  }
  if (path == "/healthz") {
    if (method != bhttp::verb::get) co_return method_not_allowed("GET", method_text, path);
    co_return http::make_response(bhttp::status::ok, R"({"status":"ok"})", "application/json");
  }
  if (path == "/metrics") {
    if (method != bhttp::verb::get) co_return method_not_allowed("GET", method_text, path);
    co_return metrics_.handle(req.version());
  }
  if (path == "/readyz") {
    if (method != bhttp::verb::get) co_return method_not_allowed("GET", method_text, path);
    if (!store_.healthy())
      co_return http::make_error(bhttp::status::service_unavailable, "transient",
                                 "the store is not reachable");
    co_return http::make_response(bhttp::status::ok, R"({"status":"ready"})", "application/json");
  }
  if (path == "/admin/triage") {
    if (method != bhttp::verb::get) co_return method_not_allowed("GET", method_text, path);
    co_return admin_.triage();
  }
  if (path == "/admin/messages") {
    if (method != bhttp::verb::get) co_return method_not_allowed("GET", method_text, path);
    co_return admin_.list(req);
  }
  if (path == "/admin/status") {
    if (method != bhttp::verb::get) co_return method_not_allowed("GET", method_text, path);
    co_return admin_.status(*config_);
  }
  if (path == "/admin/messages/$replay" || path == "/admin/messages/%24replay") {
    if (method != bhttp::verb::post) co_return method_not_allowed("POST", method_text, path);
    auto admin = admin_audit(who, req);  // named: no temporary inside co_await (GCC 12)
    co_return co_await replay_.handle(req, std::move(admin));
  }
  if (auto child = admin::transfer_path_child(path)) {
    if (method != bhttp::verb::post) co_return method_not_allowed("POST", method_text, path);
    auto admin = admin_audit(who, req);  // named: no temporary inside co_await (GCC 12)
    co_return co_await transfer_.handle(req, *child, std::move(admin));
  }
  if (admin::config_reload_operation::owns(path)) {
    if (method != bhttp::verb::post) co_return method_not_allowed("POST", method_text, path);
    auto admin = admin_audit(who, req);  // named: no temporary inside co_await (GCC 12)
    co_return co_await reload_.handle(req, std::move(admin));
  }
  constexpr std::string_view messages_prefix = "/admin/messages/";
  if (path.starts_with(messages_prefix)) {
    auto rest = path.substr(messages_prefix.size());
    std::int64_t id = 0;
    constexpr std::string_view retry_suffix = "/retry";
    constexpr std::string_view match_suffix = "/match";
    if (rest.ends_with(match_suffix) && parse_id(rest.substr(0, rest.size() - match_suffix.size()), id)) {
      if (method != bhttp::verb::post) co_return method_not_allowed("POST", method_text, path);
      auto child = match_answer(req.body());
      if (!child)
        co_return http::make_error(bhttp::status::bad_request, "structure",
                                   R"(expected {"child": <child id>} or {"child": "new"})");
      co_return co_await intake_.resolve_match(id, *child, admin_audit(who, req));
    }
    if (rest.ends_with(retry_suffix) && parse_id(rest.substr(0, rest.size() - retry_suffix.size()), id)) {
      if (method != bhttp::verb::post) co_return method_not_allowed("POST", method_text, path);
      co_return co_await intake_.retry(id, admin_audit(who, req));
    }
    if (parse_id(rest, id)) {
      if (method != bhttp::verb::get) co_return method_not_allowed("GET", method_text, path);
      co_return admin_.show(id);
    }
  }
  if (auto patient = audit::disclosures_operation::patient_of(path); !patient.empty())
    co_return disclosures_.handle(req, patient, scope);  // an operator: any child; a home: its own
  if (auto patient = api::medical_home_checklist_operation::patient_of(path); !patient.empty()) {
    if (method != bhttp::verb::get) co_return method_not_allowed("GET", method_text, path);
    co_return checklist_.handle(patient, scope);
  }
  // The read API: /fhir/{type}, /fhir/{type}/_search, /fhir/{type}/{id}, for R4 resource types.
  constexpr std::string_view fhir_prefix = "/fhir/";
  if (path.starts_with(fhir_prefix)) {
    auto rest = path.substr(fhir_prefix.size());
    auto slash = rest.find('/');
    auto type = rest.substr(0, slash);
    if (api::validate_operation::is_resource_type(type)) {
      bool strict = api::fhir_rest_api::prefers_strict(req[bhttp::field::prefer]);
      if (slash == std::string_view::npos) {
        if (method != bhttp::verb::get) co_return method_not_allowed("GET", method_text, path);
        std::string_view target(req.target().data(), req.target().size());
        auto q = target.find('?');
        co_return rest_.search(type, q == std::string_view::npos ? std::string_view() : target.substr(q + 1),
                               strict, req.version(), scope);
      }
      auto tail = rest.substr(slash + 1);
      if (tail == "_search") {
        if (method != bhttp::verb::post) co_return method_not_allowed("POST", method_text, path);
        auto content_type = req[bhttp::field::content_type];
        if (!content_type.starts_with("application/x-www-form-urlencoded"))
          co_return http::make_error(bhttp::status::unsupported_media_type, "not-supported",
                                     "_search expects Content-Type application/x-www-form-urlencoded");
        co_return rest_.search(type, req.body(), strict, req.version(), scope);
      }
      if (tail.find('/') == std::string_view::npos && !tail.starts_with('$') && !tail.starts_with("%24")) {
        if (type == "Task" && (method == bhttp::verb::put || method == bhttp::verb::patch)) {
          std::string task_id(tail);  // named: no temporary inside co_await (GCC 12)
          co_return co_await task_update_.handle(req, std::move(task_id), who, scope);
        }
        if (method != bhttp::verb::get)
          co_return method_not_allowed(type == "Task" ? "GET, PUT, PATCH" : "GET", method_text, path);
        co_return rest_.read(type, tail, req.version(), scope);
      }
    }
  }
  co_return http::make_error(bhttp::status::not_found, "not-found", "no endpoint at " + std::string(path));
}

}  // namespace homebase::gateway
