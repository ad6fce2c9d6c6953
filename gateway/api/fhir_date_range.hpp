// fhir_date_range: an R4 date, dateTime or instant, however partial, as the half-open range of UTC
// milliseconds it stands for (R4 search.html §3.1.1.4: "2024-01" means all of January 2024), and the
// comparisons of R4 date search (eq ne lt gt le ge sa eb) between a search value and a resource's range.
// A time without a zone is taken as UTC (the gateway has no local time of its own).
// Pure; no exceptions.
#pragma once

#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>

namespace homebase::gateway::api {

struct date_range {
  std::int64_t low = std::numeric_limits<std::int64_t>::min();   // inclusive
  std::int64_t high = std::numeric_limits<std::int64_t>::max();  // exclusive
  friend bool operator==(const date_range&, const date_range&) = default;
};

// "2024", "2024-01", "2024-01-17", "2024-01-17T10:30", "2024-01-17T10:30:00", "...:00.250", with "Z" or
// "+hh:mm"/"-hh:mm" after a time. nullopt for anything else (or an impossible date).
[[nodiscard]] std::optional<date_range> parse_date_range(std::string_view text);

// A Period: an absent start or end leaves that side open.
[[nodiscard]] std::optional<date_range> period_range(std::string_view start, std::string_view end);

enum class date_prefix { eq, ne, lt, gt, le, ge, sa, eb };

// "ge2024-01" -> ge and "2024-01"; no prefix -> eq.
[[nodiscard]] date_prefix split_date_prefix(std::string_view& value);

// Whether a resource whose value covers `target` matches the search `prefix` + `search` (R4 search.html,
// "Prefixes"). Both ranges half open.
[[nodiscard]] bool date_matches(date_prefix prefix, const date_range& search, const date_range& target);

// ISO 8601 UTC with milliseconds, and the HTTP-date of RFC 9110 (Last-Modified).
[[nodiscard]] std::string iso_instant(std::int64_t unix_ms);
[[nodiscard]] std::string http_date(std::int64_t unix_ms);

}  // namespace homebase::gateway::api
