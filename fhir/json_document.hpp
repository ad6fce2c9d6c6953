// json_document: bytes -> rapidjson tree with the limits a gateway needs against hostile input,
// and tree -> minified text.
//
// Parsing is iterative (no recursion on nesting), checks UTF-8, keeps full decimal precision, and refuses
// documents nested deeper than `max_depth` or objects that repeat a key (RFC 8259 leaves duplicates
// undefined; FHIR JSON forbids them). Parsing is not validation: FHIR rules live in the validator.
#pragma once

#include <rapidjson/document.h>

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace homebase::fhir {

struct json_error {
  std::string message;     // human text, e.g. "Invalid value."
  std::size_t offset = 0;  // byte offset in the input where the problem was found
};

struct json_limits {
  std::size_t max_depth = 64;
};

// Parses `text` into `document` (which keeps its own copy of every string).
[[nodiscard]] std::optional<json_error> parse_json(std::string_view text, rapidjson::Document& document,
                                                   const json_limits& limits = {});

// The same, parsing in place: `buffer` is modified (strings are unescaped into it) and must outlive
// `document`, whose strings point into it. Faster than parse_json even with the copy a caller makes to
// keep its text: 124 vs 147 us on the 38 KB load message (bench/README.md, intake stages).
[[nodiscard]] std::optional<json_error> parse_json_in_place(std::string& buffer,
                                                            rapidjson::Document& document,
                                                            const json_limits& limits = {});

// Minified JSON text of `value`.
[[nodiscard]] std::string to_json(const rapidjson::Value& value);

// Small helpers for reading optional members without exceptions.
[[nodiscard]] std::string_view get_string(const rapidjson::Value& object, const char* name);
[[nodiscard]] const rapidjson::Value* get_object(const rapidjson::Value& object, const char* name);
[[nodiscard]] const rapidjson::Value* get_array(const rapidjson::Value& object, const char* name);

}  // namespace homebase::fhir
