// fhir_time: FHIR R4 date, dateTime and instant values, and the civil calendar under them: reading a value
// as the span of time it stands for, and writing instants, dates and HTTP-dates. Every unit that reads or
// writes a FHIR time uses this one (the read API and the store, the coordination rules, the disclosure gate,
// FHIRPath, the validator). Pure: no clock, no time zone database, no exceptions (std::optional results).
//
// A value stands for a half-open range of UTC milliseconds [low, high), as wide as its precision (R4
// search.html, "date": "2024-01" is all of January 2024, "2024-01-17T10:30:15Z" one second, a fraction one
// millisecond; digits past the millisecond do not narrow it further). A time's offset is honoured. A date
// alone is read as UTC days, and so is a time without a zone, which only the search syntax allows: the
// gateway has no local time of its own.
//
// The text it reads (R4 datatypes.html; an instant is a dateTime with every part, so both syntaxes read it):
//   date     = YYYY [ "-" MM [ "-" DD ] ]
//   time     = hh ":" mm ":" ss [ "." 1*DIGIT ]            hh 00-23, mm 00-59, ss 00-60
//   zone     = "Z" | ( "+" | "-" ) hh ":" mm                hh 00-14
//   resource = date | YYYY "-" MM "-" DD "T" time zone       (date_syntax::resource: as a resource holds it)
//   search   = date | YYYY "-" MM "-" DD "T" hh ":" mm [ ":" ss [ "." 1*DIGIT ] ] [ zone ]
//                                                            (date_syntax::search: R4 search values)
// A day must exist in its month (2023-02-29 is refused).
#pragma once

#include <chrono>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>

namespace homebase::fhir {

// ---- The civil calendar: proleptic Gregorian, after H. Hinnant's public-domain algorithms ----

inline constexpr std::int64_t ms_per_day = 24LL * 60 * 60 * 1000;

struct civil_date {
  std::int64_t year = 1970;
  unsigned month = 1;  // 1..12
  unsigned day = 1;    // 1..31
  friend bool operator==(const civil_date&, const civil_date&) = default;
};

// 28..31; 0 for a month outside 1..12.
[[nodiscard]] unsigned days_in_month(std::int64_t year, unsigned month);
// Days since 1970-01-01 (negative before it) of a date with `month` in 1..12. A day past the end of its
// month counts on into the next (2024-02-30 is 2024-03-01).
[[nodiscard]] std::int64_t days_from_civil(std::int64_t year, unsigned month, unsigned day);
// The inverse: the date `days` after 1970-01-01.
[[nodiscard]] civil_date civil_from_days(std::int64_t days);

// ---- Values as the time they stand for ----

// Half-open UTC milliseconds. A side left open (a Period without start or end) is the type's extreme.
struct date_range {
  std::int64_t low = std::numeric_limits<std::int64_t>::min();   // inclusive
  std::int64_t high = std::numeric_limits<std::int64_t>::max();  // exclusive
  friend bool operator==(const date_range&, const date_range&) = default;
};

// Which grammar of the header a reader accepts.
enum class date_syntax { resource, search };

// nullopt for text the syntax does not allow, or an impossible date or time.
[[nodiscard]] std::optional<date_range> parse_date_range(std::string_view text, date_syntax syntax);

// A Period: from the start of `start` to the end of `end` (an end of "2024-03" lasts until the end of March);
// an empty side is left open. nullopt when a side given is not a value of the syntax.
[[nodiscard]] std::optional<date_range> period_range(std::string_view start, std::string_view end,
                                                     date_syntax syntax);

// A value in whole seconds, as the coordination rules and the disclosure gate count time (resource syntax):
// the first second it stands for ("2024-03" -> 2024-03-01T00:00:00Z) and the last ("2027-08-31" ->
// 2027-08-31T23:59:59Z: an authorization that expires that day holds all of it).
[[nodiscard]] std::optional<std::chrono::sys_seconds> first_second(std::string_view text);
[[nodiscard]] std::optional<std::chrono::sys_seconds> last_second(std::string_view text);

// The calendar date the sender wrote, before any offset is applied ("2024-03-06T23:30:00-05:00" ->
// 2024-03-06); a partial date stands for its first day. Only the date at the start of `text` is read.
[[nodiscard]] std::optional<std::chrono::sys_days> written_date(std::string_view text);

// Whether the value has no time part (a date, however partial).
[[nodiscard]] bool is_date_only(std::string_view text);

// ---- Writing ----

// An R4 instant in UTC with milliseconds: "2024-01-17T10:30:15.250Z".
[[nodiscard]] std::string format_instant(std::int64_t unix_ms);
// An R4 dateTime in UTC to the second: "2024-03-06T16:30:00Z".
[[nodiscard]] std::string format_date_time(std::chrono::sys_seconds t);
// An R4 date: "2024-03-06".
[[nodiscard]] std::string format_date(std::chrono::sys_days d);
// The HTTP-date of RFC 9110 (Last-Modified): "Wed, 17 Jan 2024 10:30:15 GMT".
[[nodiscard]] std::string format_http_date(std::int64_t unix_ms);

}  // namespace homebase::fhir
