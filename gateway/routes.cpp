#include "gateway/routes.hpp"

#include <rapidjson/document.h>

#include <charconv>
#include <optional>

#include "gateway/pipeline/capability_statement.hpp"

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

}  // namespace

routes::routes(config::config_ptr config, store::sqlite_store& store, pipeline::message_intake& intake,
               disclosure::disclosure_api* disclosure)
    : config_(config),
      store_(store),
      intake_(intake),
      disclosure_(disclosure),
      admin_(store, config->server.public_base_url, intake.concept_maps()),
      validate_(config->server),
      rest_(store, config->server.public_base_url),
      checklist_(store) {
  metadata_ = pipeline::capability_statement(*config_, store::iso_utc(store::now_ms()));
}

asio::awaitable<http::response> routes::handle(http::request& req,
                                               [[maybe_unused]] const http::connection_info& peer) {
  auto path = http::target_path(req.target());
  auto method = req.method();
  auto method_text = req.method_string();

  if (path == "/fhir/$process-message" || path == "/fhir/%24process-message") {
    if (method != bhttp::verb::post) co_return method_not_allowed("POST", method_text, path);
    co_return co_await intake_.process(req);
  }
  if (disclosure_ != nullptr && disclosure::disclosure_api::owns(path))
    co_return co_await disclosure_->handle(req);
  if (path == "/fhir/Bundle") {
    if (method != bhttp::verb::post) co_return method_not_allowed("POST", method_text, path);
    co_return co_await intake_.process_document(req);
  }
  if (auto type = validate_target(path)) {
    if (!type->empty() && !pipeline::validate_operation::is_resource_type(*type)) {
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
      co_return co_await intake_.resolve_match(id, *child);
    }
    if (rest.ends_with(retry_suffix) && parse_id(rest.substr(0, rest.size() - retry_suffix.size()), id)) {
      if (method != bhttp::verb::post) co_return method_not_allowed("POST", method_text, path);
      co_return co_await intake_.retry(id);
    }
    if (parse_id(rest, id)) {
      if (method != bhttp::verb::get) co_return method_not_allowed("GET", method_text, path);
      co_return admin_.show(id);
    }
  }
  if (auto patient = api::medical_home_checklist_operation::patient_of(path); !patient.empty()) {
    if (method != bhttp::verb::get) co_return method_not_allowed("GET", method_text, path);
    co_return checklist_.handle(patient);
  }
  // The read API: /fhir/{type}, /fhir/{type}/_search, /fhir/{type}/{id}, for R4 resource types.
  constexpr std::string_view fhir_prefix = "/fhir/";
  if (path.starts_with(fhir_prefix)) {
    auto rest = path.substr(fhir_prefix.size());
    auto slash = rest.find('/');
    auto type = rest.substr(0, slash);
    if (pipeline::validate_operation::is_resource_type(type)) {
      bool strict = api::fhir_rest_api::prefers_strict(req[bhttp::field::prefer]);
      if (slash == std::string_view::npos) {
        if (method != bhttp::verb::get) co_return method_not_allowed("GET", method_text, path);
        std::string_view target(req.target().data(), req.target().size());
        auto q = target.find('?');
        co_return rest_.search(type, q == std::string_view::npos ? std::string_view() : target.substr(q + 1),
                               strict, req.version());
      }
      auto tail = rest.substr(slash + 1);
      if (tail == "_search") {
        if (method != bhttp::verb::post) co_return method_not_allowed("POST", method_text, path);
        auto content_type = req[bhttp::field::content_type];
        if (!content_type.starts_with("application/x-www-form-urlencoded"))
          co_return http::make_error(bhttp::status::unsupported_media_type, "not-supported",
                                     "_search expects Content-Type application/x-www-form-urlencoded");
        co_return rest_.search(type, req.body(), strict, req.version());
      }
      if (tail.find('/') == std::string_view::npos && !tail.starts_with('$') && !tail.starts_with("%24")) {
        if (method != bhttp::verb::get) co_return method_not_allowed("GET", method_text, path);
        co_return rest_.read(type, tail, req.version());
      }
    }
  }
  co_return http::make_error(bhttp::status::not_found, "not-found", "no endpoint at " + std::string(path));
}

}  // namespace homebase::gateway
