// search_request: the query of `GET /fhir/{type}?...` (or the form body of `POST /fhir/{type}/_search`)
// as a search of the resource index, following R4 search.html:
//   - repeated parameters are AND-ed, comma-separated values OR-ed; `\,` `\|` `\\` escape;
//   - parameters with an empty value are ignored;
//   - unknown parameters (and unsupported _include targets) are ignored, or refused with `strict`
//     (Prefer: handling=strict);
//   - an invalid value of a known parameter, or a modifier, refused: the error names the parameter.
// Paging: `_count` (default 20, at most 100: more asks for 100), and `_cursor`, the seq after which the
// page starts, which the `next` link carries (rows only ever get higher seqs, so a page walk neither
// repeats nor skips a row when others are inserted meanwhile).
// Pure; no exceptions.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "gateway/store/sqlite_store.hpp"

namespace homebase::gateway::api {

inline constexpr int default_page_size = 20;
inline constexpr int max_page_size = 100;

struct search_request {
  store::index_search query;
  std::vector<std::string> include_params;  // "patient" / "subject" of _include=<type>:<param>
  // The parameters as understood, for the self and next links (without _count and _cursor).
  std::vector<std::pair<std::string, std::string>> echoed;
};

struct search_error {
  std::string param;
  std::string message;
};

[[nodiscard]] std::variant<search_request, search_error> parse_search(std::string_view type,
                                                                      std::string_view query, bool strict);

// "a=1&b=x%20y+z" -> {{"a","1"},{"b","x y z"}} (application/x-www-form-urlencoded); nullopt on a bad
// percent escape.
[[nodiscard]] std::optional<std::vector<std::pair<std::string, std::string>>> split_query(
    std::string_view query);

// Percent-encodes for a query component.
[[nodiscard]] std::string query_encode(std::string_view s);

// An R4 id: [A-Za-z0-9\-\.]{1,64}.
[[nodiscard]] bool is_valid_id(std::string_view id);

}  // namespace homebase::gateway::api
