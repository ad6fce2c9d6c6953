// validate_operation: FHIR's standard $validate operation
// (http://hl7.org/fhir/OperationDefinition/Resource-validate) on the R4 validator (fhir/validation):
//   POST /fhir/$validate          a resource of any type
//   POST /fhir/{type}/$validate   a resource of {type}; another type is an error issue of the outcome
//
// The body is the resource itself, or a Parameters with `parameter[name=resource].resource` (the
// operation's standard form; a Parameters without a `resource` parameter is taken as the resource to
// validate). Optional parameters, in the Parameters or in the query string: `profile` (only the type's base
// R4 profile, http://hl7.org/fhir/StructureDefinition/{type}, is supported) and `mode` (create, update or
// profile; the same checks for each).
//
// Answers: 200 with an OperationOutcome whenever the resource could be validated, whatever it holds (the
// issues are the content of the answer; "All OK" when there are none); 400 for malformed JSON or JSON
// nested too deep, a body that is not a JSON object, Parameters without a usable `resource` parameter or
// with an unknown parameter; 400 `not-supported` for another profile or mode delete; 415 for a content
// type other than FHIR JSON. Size limits (413) and methods (405) are checked before, by the server and
// routes.
//
// Stateless: no store, no clock. The validator is immutable, so one instance serves every connection;
// handle() runs on the calling connection's strand.
#pragma once

#include <cstddef>
#include <string_view>

#include "config/gateway_config.hpp"
#include "fhir/validation/validator.hpp"
#include "gateway/http/http_types.hpp"

namespace homebase::gateway::api {

class validate_operation {
 public:
  explicit validate_operation(const config::server_settings& server);

  // `type` empty: the system-level operation. `req.body()` is parsed in place (it is left modified).
  [[nodiscard]] http::response handle(http::request& req, std::string_view type) const;

  // Whether `type` names a concrete R4 resource type (what /fhir/{type}/$validate accepts).
  [[nodiscard]] static bool is_resource_type(std::string_view type);

 private:
  std::size_t json_max_depth_;
  fhir::validator validator_;
};

}  // namespace homebase::gateway::api
