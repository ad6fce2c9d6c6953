// date_prefix: the comparison prefixes of R4 date search (search.html, "Prefixes": eq ne lt gt le ge sa eb)
// and what each asks of a resource's value, both as the ranges of fhir_time. The store's SQL compares dates
// through date_matches (a SQLite function), so SQL and this unit cannot disagree. Pure; no exceptions.
#pragma once

#include <string_view>

#include "fhir/fhir_time.hpp"

namespace homebase::fhir {

enum class date_prefix { eq, ne, lt, gt, le, ge, sa, eb };

// "ge2024-01" -> ge, and `value` becomes "2024-01"; no prefix -> eq, `value` unchanged.
[[nodiscard]] date_prefix split_date_prefix(std::string_view& value);

// Whether a resource whose value covers `target` matches the search `prefix` + `search`. eq and ne ask
// whether the target lies within the search range; gt and lt whether some of it lies above or below the
// whole search range, ge and le either; sa and eb whether all of it starts after or ends before it.
[[nodiscard]] bool date_matches(date_prefix prefix, const date_range& search, const date_range& target);

}  // namespace homebase::fhir
