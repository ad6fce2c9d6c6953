// lexer: FHIRPath expression text -> tokens (identifiers, literals, operators), skipping whitespace
// and // and /* */ comments. String escapes are resolved here.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace homebase::fhir::fhirpath {

enum class token_kind {
  identifier,            // name or keyword
  delimited_identifier,  // `name`
  string,                // 'text' (unescaped)
  number,                // 12, 1.5
  date_time,             // @2019-01-01T10:00 (text without '@')
  time,                  // @T10:00 (text without "@T")
  variable,              // %name (text without '%')
  special,               // $this, $index, $total (text without '$')
  symbol,                // operator or punctuation
  end,
};

struct token {
  token_kind kind = token_kind::end;
  std::string text;
  std::size_t position = 0;
};

struct lex_error {
  std::string message;
  std::size_t position = 0;
};

struct lex_result {
  std::vector<token> tokens;  // ends with a token of kind `end`
  std::optional<lex_error> error;
};

[[nodiscard]] lex_result tokenize(std::string_view text);

}  // namespace homebase::fhir::fhirpath
