// json_document: bytes -> rapidjson tree with the limits a gateway needs against hostile input,
// and tree -> minified text.
//
// Parsing is iterative (no recursion on nesting), checks UTF-8, keeps full decimal precision, and refuses
// documents nested deeper than `max_depth` or objects that repeat a key (RFC 8259 leaves duplicates
// undefined; FHIR JSON forbids them). Parsing is not validation: FHIR rules live in the validator.
//
// The lossless variant (parse_json_lossless + to_canonical_json) also keeps the text of every number, so
// a FHIR decimal such as 1.50 is written back as 1.50, not 1.5: R4 decimals carry their precision in
// their spelling. Everything else FHIR JSON needs to survive a round trip (`_birthDate` siblings, null
// placeholders in primitive arrays, member order) is plain JSON and kept by the tree itself.
#pragma once

#include <rapidjson/document.h>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

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

// A parsed document plus the original text of each of its numbers. The numbers in `document` are ordinary
// rapidjson numbers (IsInt, GetDouble... work as after parse_json); number_text() gives back how one was
// spelled. Texts are tied to the values as parsed: a number that was later changed, or moved to another
// place in the tree, has no text (number_text returns nullopt) and is written from its value.
struct lossless_json {
  rapidjson::Document document;

  // The text of `value` in the parsed input (e.g. "1.50", "-0.0", "1e2"), or nullopt if `value` is not a
  // number of `document` as parsed.
  [[nodiscard]] std::optional<std::string_view> number_text(const rapidjson::Value& value) const;
  [[nodiscard]] std::size_t number_count() const { return numbers_.size(); }

 private:
  friend std::optional<json_error> parse_json_lossless(std::string_view text, lossless_json& out,
                                                       const json_limits& limits);
  struct number {
    const rapidjson::Value* value;  // nullptr: the document root itself (its address changes on move)
    std::uint64_t bits;             // the value as parsed, to notice a number changed in place
    bool is_double;
    std::size_t offset;  // of the text in texts_
    std::size_t length;
  };
  std::vector<number> numbers_;  // sorted by `value`
  std::string texts_;
};

// Parses `text` like parse_json into `out.document` and records each number's text. Errors carry the byte
// offset of the problem, including for a repeated key (offset of that key) and for excess nesting (offset
// of the bracket that opens one level too many). On error `out.document` is null and holds no numbers.
[[nodiscard]] std::optional<json_error> parse_json_lossless(std::string_view text, lossless_json& out,
                                                            const json_limits& limits = {});

// Minified JSON of `value` in canonical form: in every object that has a "resourceType" member, that member
// comes first (the others keep their order); numbers are written with their original text when `source`
// parsed them, otherwise as to_json writes them (NaN and infinities, which JSON cannot spell, as null).
// Strings are escaped as RFC 8259 requires and no more: '"', '\\' and control characters (\b \f \n \r \t
// or \u00XX); '/' and non-ASCII UTF-8 are written as they are. Iterative: any depth is fine.
[[nodiscard]] std::string to_canonical_json(const rapidjson::Value& value,
                                            const lossless_json* source = nullptr);

// Small helpers for reading optional members without exceptions.
[[nodiscard]] std::string_view get_string(const rapidjson::Value& object, const char* name);
[[nodiscard]] const rapidjson::Value* get_object(const rapidjson::Value& object, const char* name);
[[nodiscard]] const rapidjson::Value* get_array(const rapidjson::Value& object, const char* name);

}  // namespace homebase::fhir
