// http_types: the request/response types every gateway handler uses, and helpers that build FHIR responses.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <string>
#include <string_view>

#include "fhir/operation_outcome.hpp"

namespace homebase::gateway::http {

namespace bhttp = boost::beast::http;
using request = bhttp::request<bhttp::string_body>;
using response = bhttp::response<bhttp::string_body>;

inline constexpr std::string_view fhir_json = "application/fhir+json; charset=utf-8";

[[nodiscard]] response make_response(bhttp::status status, std::string body, std::string_view content_type,
                                     unsigned version = 11);
[[nodiscard]] response make_outcome(bhttp::status status, const fhir::operation_outcome& outcome,
                                    unsigned version = 11);
[[nodiscard]] response make_error(bhttp::status status, std::string_view code, std::string diagnostics,
                                  std::string expression = {}, unsigned version = 11);

// Whether a Content-Type names FHIR JSON: application/fhir+json (or application/json, or the DSTU2 name
// application/json+fhir), with any parameters such as charset.
[[nodiscard]] bool is_fhir_json(std::string_view content_type);

// The path of a request target without its query ("/fhir/metadata?x=1" -> "/fhir/metadata").
[[nodiscard]] std::string_view target_path(std::string_view target);
// The value of a query parameter, percent-decoded; empty when absent.
[[nodiscard]] std::string query_param(std::string_view target, std::string_view name);

}  // namespace homebase::gateway::http
