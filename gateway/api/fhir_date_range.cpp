#include "gateway/api/fhir_date_range.hpp"

#include <cstdio>

namespace homebase::gateway::api {
namespace {

constexpr std::int64_t ms_per_second = 1000;
constexpr std::int64_t ms_per_minute = 60 * ms_per_second;
constexpr std::int64_t ms_per_day = 24 * 60 * ms_per_minute;

// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's civil calendar arithmetic).
std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) {
  y -= m <= 2 ? 1 : 0;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

bool leap(std::int64_t y) {
  return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

unsigned days_in_month(std::int64_t y, unsigned m) {
  static constexpr unsigned days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && leap(y) ? 29 : days[m - 1];
}

// Reads exactly `n` digits at `pos`.
bool digits(std::string_view s, std::size_t& pos, std::size_t n, int& out) {
  if (pos + n > s.size()) return false;
  out = 0;
  for (std::size_t i = 0; i < n; ++i) {
    char c = s[pos + i];
    if (c < '0' || c > '9') return false;
    out = out * 10 + (c - '0');
  }
  pos += n;
  return true;
}

bool expect(std::string_view s, std::size_t& pos, char c) {
  if (pos >= s.size() || s[pos] != c) return false;
  ++pos;
  return true;
}

}  // namespace

std::optional<date_range> parse_date_range(std::string_view s) {
  std::size_t pos = 0;
  int year = 0, month = 1, day = 1;
  if (!digits(s, pos, 4, year)) return std::nullopt;
  if (pos == s.size()) {
    auto low = days_from_civil(year, 1, 1) * ms_per_day;
    return date_range{low, days_from_civil(year + 1, 1, 1) * ms_per_day};
  }
  if (!expect(s, pos, '-') || !digits(s, pos, 2, month) || month < 1 || month > 12) return std::nullopt;
  if (pos == s.size()) {
    auto low = days_from_civil(year, static_cast<unsigned>(month), 1) * ms_per_day;
    return date_range{low, low + days_in_month(year, static_cast<unsigned>(month)) * ms_per_day};
  }
  if (!expect(s, pos, '-') || !digits(s, pos, 2, day) || day < 1 ||
      static_cast<unsigned>(day) > days_in_month(year, static_cast<unsigned>(month)))
    return std::nullopt;
  const auto day_start =
      days_from_civil(year, static_cast<unsigned>(month), static_cast<unsigned>(day)) * ms_per_day;
  if (pos == s.size()) return date_range{day_start, day_start + ms_per_day};
  int hour = 0, minute = 0, second = 0;
  if (!expect(s, pos, 'T') || !digits(s, pos, 2, hour) || hour > 23 || !expect(s, pos, ':') ||
      !digits(s, pos, 2, minute) || minute > 59)
    return std::nullopt;
  std::int64_t width = ms_per_minute;
  std::int64_t fraction_ms = 0;
  if (pos < s.size() && s[pos] == ':') {
    ++pos;
    if (!digits(s, pos, 2, second) || second > 60) return std::nullopt;
    width = ms_per_second;
    if (pos < s.size() && s[pos] == '.') {
      ++pos;
      std::size_t start = pos;
      std::int64_t scale = 100;
      while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
        fraction_ms += (s[pos] - '0') * scale;  // digits past milliseconds do not narrow the range further
        scale /= 10;
        ++pos;
      }
      if (pos == start) return std::nullopt;
      width = 1;
    }
  }
  std::int64_t offset_ms = 0;
  if (pos < s.size()) {
    if (s[pos] == 'Z') {
      ++pos;
    } else if (s[pos] == '+' || s[pos] == '-') {
      int sign = s[pos] == '-' ? -1 : 1;
      ++pos;
      int oh = 0, om = 0;
      if (!digits(s, pos, 2, oh) || oh > 14 || !expect(s, pos, ':') || !digits(s, pos, 2, om) || om > 59)
        return std::nullopt;
      offset_ms = sign * (oh * 60 + om) * ms_per_minute;
    } else {
      return std::nullopt;
    }
  }
  if (pos != s.size()) return std::nullopt;
  auto low = day_start + hour * 60 * ms_per_minute + minute * ms_per_minute + second * ms_per_second +
             fraction_ms - offset_ms;
  return date_range{low, low + width};
}

std::optional<date_range> period_range(std::string_view start, std::string_view end) {
  date_range r;
  if (!start.empty()) {
    auto s = parse_date_range(start);
    if (!s) return std::nullopt;
    r.low = s->low;
  }
  if (!end.empty()) {
    auto e = parse_date_range(end);
    if (!e) return std::nullopt;
    r.high = e->high;  // an end of "2024-03" lasts until the end of March
  }
  return r;
}

date_prefix split_date_prefix(std::string_view& value) {
  static constexpr std::pair<std::string_view, date_prefix> prefixes[] = {
      {"eq", date_prefix::eq}, {"ne", date_prefix::ne}, {"lt", date_prefix::lt}, {"gt", date_prefix::gt},
      {"le", date_prefix::le}, {"ge", date_prefix::ge}, {"sa", date_prefix::sa}, {"eb", date_prefix::eb}};
  for (const auto& [text, prefix] : prefixes)
    if (value.starts_with(text)) {
      value.remove_prefix(2);
      return prefix;
    }
  return date_prefix::eq;
}

bool date_matches(date_prefix prefix, const date_range& search, const date_range& target) {
  const bool contained = target.low >= search.low && target.high <= search.high;
  // Some instant of the target lies above (below) the whole search range.
  const bool above = target.high > search.high;
  const bool below = target.low < search.low;
  switch (prefix) {
    case date_prefix::eq:
      return contained;
    case date_prefix::ne:
      return !contained;
    case date_prefix::gt:
      return above;
    case date_prefix::lt:
      return below;
    case date_prefix::ge:
      return above || contained;
    case date_prefix::le:
      return below || contained;
    case date_prefix::sa:
      return target.low >= search.high;
    case date_prefix::eb:
      return target.high <= search.low;
  }
  return false;
}

std::string iso_instant(std::int64_t unix_ms) {
  std::int64_t days = unix_ms / ms_per_day;
  std::int64_t rest = unix_ms % ms_per_day;
  if (rest < 0) {
    rest += ms_per_day;
    --days;
  }
  // civil_from_days (inverse of days_from_civil).
  std::int64_t z = days + 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const auto doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  std::int64_t y = static_cast<std::int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned d = doy - (153 * mp + 2) / 5 + 1;
  const unsigned m = mp < 10 ? mp + 3 : mp - 9;
  y += m <= 2 ? 1 : 0;
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%04lld-%02u-%02uT%02lld:%02lld:%02lld.%03lldZ",
                static_cast<long long>(y), m, d, static_cast<long long>(rest / 3600000),
                static_cast<long long>(rest / 60000 % 60), static_cast<long long>(rest / 1000 % 60),
                static_cast<long long>(rest % 1000));
  return buffer;
}

std::string http_date(std::int64_t unix_ms) {
  static constexpr const char* weekdays[] = {"Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"};
  static constexpr const char* months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                           "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  auto iso = iso_instant(unix_ms);  // YYYY-MM-DDThh:mm:ss.mmmZ
  std::int64_t days = unix_ms / ms_per_day - (unix_ms % ms_per_day < 0 ? 1 : 0);
  auto weekday = weekdays[((days % 7) + 7) % 7];
  int month = (iso[5] - '0') * 10 + (iso[6] - '0');
  return std::string(weekday) + ", " + iso.substr(8, 2) + " " + months[month - 1] + " " + iso.substr(0, 4) +
         " " + iso.substr(11, 8) + " GMT";
}

}  // namespace homebase::gateway::api
