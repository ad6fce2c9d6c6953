// json_patch: JSON Patch (RFC 6902) applied to a RapidJSON tree, on RapidJSON's JSON Pointer (RFC 6901,
// rapidjson/pointer.h). The operations add, remove, replace, move, copy and test, in order; the first
// that fails stops the patch and names itself (its index and path), leaving `document` partly patched
// (callers patch a copy). No exceptions, no I/O.
#pragma once

#include <rapidjson/document.h>

#include <optional>
#include <string>
#include <string_view>

namespace homebase::fhir {

struct json_patch_error {
  enum class kind {
    malformed,  // not a patch: not an array of operation objects, unknown op, bad pointer (HTTP 400)
    failed,     // a valid operation that cannot be applied: no such path, a test that fails (HTTP 422)
  };
  kind what = kind::malformed;
  std::string message;  // names the operation: "operation 2 (replace /status): ..."
};

// Applies `patch` (a parsed JSON Patch document) to `document`.
[[nodiscard]] std::optional<json_patch_error> apply_json_patch(rapidjson::Document& document,
                                                               const rapidjson::Value& patch);

}  // namespace homebase::fhir
