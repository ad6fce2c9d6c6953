#include "gateway/routes.hpp"

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

}  // namespace

routes::routes(config::config_ptr config, store::sqlite_store& store, pipeline::message_intake& intake)
    : config_(config),
      store_(store),
      intake_(intake),
      admin_(store, config->server.public_base_url, intake.concept_maps()),
      validate_(config->server) {
  metadata_ = pipeline::capability_statement(*config_, store::iso_utc(store::now_ms()));
}

asio::awaitable<http::response> routes::handle(http::request& req) {
  auto path = http::target_path(req.target());
  auto method = req.method();
  auto method_text = req.method_string();

  if (path == "/fhir/$process-message" || path == "/fhir/%24process-message") {
    if (method != bhttp::verb::post) co_return method_not_allowed("POST", method_text, path);
    co_return co_await intake_.process(req);
  }
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
  if (path == "/admin/messages") {
    if (method != bhttp::verb::get) co_return method_not_allowed("GET", method_text, path);
    co_return admin_.list(req);
  }
  constexpr std::string_view messages_prefix = "/admin/messages/";
  if (path.starts_with(messages_prefix)) {
    auto rest = path.substr(messages_prefix.size());
    std::int64_t id = 0;
    constexpr std::string_view retry_suffix = "/retry";
    if (rest.ends_with(retry_suffix) && parse_id(rest.substr(0, rest.size() - retry_suffix.size()), id)) {
      if (method != bhttp::verb::post) co_return method_not_allowed("POST", method_text, path);
      co_return co_await intake_.retry(id);
    }
    if (parse_id(rest, id)) {
      if (method != bhttp::verb::get) co_return method_not_allowed("GET", method_text, path);
      co_return admin_.show(id);
    }
  }
  co_return http::make_error(bhttp::status::not_found, "not-found", "no endpoint at " + std::string(path));
}

}  // namespace homebase::gateway
