// primitive_format: R4's lexical rules for primitive values, hand-written for speed. Each check accepts
// exactly what the official regex of that type accepts (profiles-types.json; a test compares both on
// sample values), plus the rules the regexes cannot state: dates must exist (no 2023-02-30), integers fit
// in 32 bits, positiveInt >= 1, base64 padding only at the end.
#pragma once

#include <rapidjson/document.h>

#include <string_view>

namespace homebase::fhir {

enum class json_kind : unsigned char { string, number, boolean };

// The JSON kind R4 uses for primitive type `type` (boolean; integer/positiveInt/unsignedInt/decimal
// as numbers; everything else as strings).
[[nodiscard]] json_kind json_kind_of(std::string_view type);

// Whether the JSON value `v` is a valid value of R4 primitive `type` (JSON kind and lexical form).
// Unknown type names accept any string.
[[nodiscard]] bool valid_primitive(std::string_view type, const rapidjson::Value& v);

// The lexical check alone, on text (for string-represented types; "integer" etc. check number text).
[[nodiscard]] bool valid_primitive_text(std::string_view type, std::string_view text);

}  // namespace homebase::fhir
