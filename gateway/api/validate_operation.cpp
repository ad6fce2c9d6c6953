#include "gateway/api/validate_operation.hpp"

#include <optional>
#include <string>

#include "fhir/json_document.hpp"

namespace homebase::gateway::api {

namespace bhttp = boost::beast::http;
using fhir::issue_severity;

namespace {

std::string_view sv(const rapidjson::Value& v) {
  return {v.GetString(), v.GetStringLength()};
}

// What the request asks for: the resource to validate and the operation's optional parameters.
struct validate_request {
  const rapidjson::Value* resource = nullptr;
  std::optional<std::string> profile;
  std::optional<std::string> mode;
};

// A request that cannot be understood: 400 with one issue.
struct request_error {
  bhttp::status status = bhttp::status::bad_request;
  std::string code;
  std::string diagnostics;
  std::string expression;
};

bool is_operation_parameters(const rapidjson::Value& body) {
  if (fhir::get_string(body, "resourceType") != "Parameters") return false;
  const auto* parameters = fhir::get_array(body, "parameter");
  if (parameters == nullptr) return false;
  for (const auto& p : parameters->GetArray())
    if (p.IsObject() && fhir::get_string(p, "name") == "resource") return true;
  return false;
}

// The value of a primitive parameter given as one of `kinds` (valueUri, valueCanonical...).
std::optional<std::string> primitive_value(const rapidjson::Value& parameter,
                                           std::initializer_list<const char*> kinds) {
  for (const char* kind : kinds) {
    auto it = parameter.FindMember(kind);
    if (it != parameter.MemberEnd() && it->value.IsString()) return std::string(sv(it->value));
  }
  return std::nullopt;
}

std::optional<request_error> read_parameters(const rapidjson::Value& body, validate_request& out) {
  const auto& parameters = *fhir::get_array(body, "parameter");
  for (rapidjson::SizeType i = 0; i < parameters.Size(); ++i) {
    const auto& p = parameters[i];
    const std::string at = "Parameters.parameter[" + std::to_string(i) + "]";
    if (!p.IsObject() || !p.HasMember("name") || !p["name"].IsString())
      return request_error{bhttp::status::bad_request, "required", "a parameter needs a name", at};
    const auto name = fhir::get_string(p, "name");
    if (name == "resource") {
      if (out.resource != nullptr)
        return request_error{bhttp::status::bad_request, "structure",
                             "the resource parameter is given more than once", at};
      const auto* resource = fhir::get_object(p, "resource");
      if (resource == nullptr)
        return request_error{bhttp::status::bad_request, "required",
                             "the resource parameter carries no resource", at + ".resource"};
      out.resource = resource;
    } else if (name == "profile" || name == "mode") {
      auto value = name == "profile" ? primitive_value(p, {"valueUri", "valueCanonical", "valueString"})
                                     : primitive_value(p, {"valueCode", "valueString"});
      if (!value)
        return request_error{bhttp::status::bad_request, "required",
                             "the " + std::string(name) + " parameter has no value", at};
      (name == "profile" ? out.profile : out.mode) = std::move(*value);
    } else {
      return request_error{
          bhttp::status::bad_request, "not-supported",
          "unknown parameter '" + std::string(name) + "'; $validate takes resource, mode and profile",
          at + ".name"};
    }
  }
  return std::nullopt;
}

std::optional<request_error> check_mode(const std::optional<std::string>& mode) {
  if (!mode || *mode == "create" || *mode == "update" || *mode == "profile") return std::nullopt;
  if (*mode == "delete")
    return request_error{bhttp::status::bad_request,
                         "not-supported",
                         "mode delete is not supported: this gateway keeps no resources to delete",
                         {}};
  return request_error{bhttp::status::bad_request,
                       "code-invalid",
                       "mode '" + *mode + "' is not one of create, update, delete, profile",
                       {}};
}

// Only the base R4 profile of the type is supported: the StructureDefinition's url, optionally with the
// version 4.0.1.
std::optional<request_error> check_profile(const std::optional<std::string>& profile, std::string_view type) {
  if (!profile) return std::nullopt;
  const auto* definition = type.empty() ? nullptr : fhir::definitions::type_registry::r4().find_type(type);
  if (definition != nullptr && (*profile == definition->url || *profile == definition->url + "|4.0.1"))
    return std::nullopt;
  return request_error{
      bhttp::status::bad_request,
      "not-supported",
      "profile '" + *profile + "' is not supported; only the base R4 profile of the type (" +
          (definition != nullptr ? definition->url
                                 : std::string("http://hl7.org/fhir/StructureDefinition/{type}")) +
          ") is",
      {}};
}

http::response reject(const request_error& e, unsigned version) {
  return http::make_error(e.status, e.code, e.diagnostics, e.expression, version);
}

}  // namespace

validate_operation::validate_operation(const config::server_settings& server)
    : json_max_depth_(server.json_max_depth) {}

bool validate_operation::is_resource_type(std::string_view type) {
  const auto* t = fhir::definitions::type_registry::r4().find_type(type);
  return t != nullptr && t->kind == fhir::definitions::type_kind::resource && !t->is_abstract &&
         !t->is_profile && t->name == type;
}

http::response validate_operation::handle(http::request& req, std::string_view type) const {
  const auto version = req.version();
  if (!http::is_fhir_json(req[bhttp::field::content_type]))
    return http::make_error(bhttp::status::unsupported_media_type, "not-supported",
                            "expected Content-Type application/fhir+json, got '" +
                                std::string(req[bhttp::field::content_type]) + "'",
                            {}, version);
  rapidjson::Document body;
  if (auto error = fhir::parse_json_in_place(req.body(), body, {json_max_depth_}))
    return http::make_error(bhttp::status::bad_request, "structure",
                            "malformed JSON at byte " + std::to_string(error->offset) + ": " + error->message,
                            {}, version);
  if (!body.IsObject())
    return http::make_error(bhttp::status::bad_request, "structure",
                            "the body must be a resource or a Parameters (a JSON object)", {}, version);

  validate_request request;
  if (is_operation_parameters(body)) {
    if (auto e = read_parameters(body, request)) return reject(*e, version);
  } else {
    request.resource = &body;
  }
  // Query parameters (FHIR allows the primitive parameters of a POSTed operation in the URL).
  const auto target = req.target();
  auto query_value = [target](std::string_view name) -> std::optional<std::string> {
    if (target.find('?') == std::string_view::npos) return std::nullopt;
    auto v = http::query_param(target, name);
    if (v.empty()) return std::nullopt;
    return v;
  };
  if (auto p = query_value("profile")) request.profile = std::move(p);
  if (auto m = query_value("mode")) request.mode = std::move(m);

  if (auto e = check_mode(request.mode)) return reject(*e, version);
  // The type the profile must be the base of: {type}, or at system level the resource's own type.
  const std::string_view profile_type =
      !type.empty() ? type : fhir::get_string(*request.resource, "resourceType");
  if (auto e = check_profile(request.profile, profile_type)) return reject(*e, version);

  fhir::operation_outcome outcome;
  validator_.validate(*request.resource, outcome, {}, type);
  return http::make_outcome(bhttp::status::ok, outcome, version);
}

}  // namespace homebase::gateway::api
