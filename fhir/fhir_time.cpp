#include "fhir/fhir_time.hpp"

#include <cstdio>

namespace homebase::fhir {
namespace {

constexpr std::int64_t ms_per_second = 1000;
constexpr std::int64_t ms_per_minute = 60 * ms_per_second;
constexpr std::int64_t ms_per_hour = 60 * ms_per_minute;

// Rounds toward minus infinity (instants before 1970 belong to the day, second, ... they fall in).
std::int64_t floor_div(std::int64_t a, std::int64_t b) {
  return a / b - (a % b < 0 ? 1 : 0);
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

// The date at the start of `s` (YYYY[-MM[-DD]]), stopping after it (`pos`); `fields` says how many parts
// it has (1 year .. 3 day). Parts absent keep the values passed in.
bool read_date(std::string_view s, std::size_t& pos, int& year, int& month, int& day, int& fields) {
  if (!digits(s, pos, 4, year)) return false;
  fields = 1;
  if (pos == s.size()) return true;
  if (!expect(s, pos, '-') || !digits(s, pos, 2, month) || month < 1 || month > 12) return false;
  fields = 2;
  if (pos == s.size()) return true;
  if (!expect(s, pos, '-') || !digits(s, pos, 2, day) || day < 1 ||
      static_cast<unsigned>(day) > days_in_month(year, static_cast<unsigned>(month)))
    return false;
  fields = 3;
  return true;
}

}  // namespace

unsigned days_in_month(std::int64_t year, unsigned month) {
  static constexpr unsigned days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (month < 1 || month > 12) return 0;
  const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  return month == 2 && leap ? 29 : days[month - 1];
}

std::int64_t days_from_civil(std::int64_t year, unsigned month, unsigned day) {
  year -= month <= 2 ? 1 : 0;
  const std::int64_t era = (year >= 0 ? year : year - 399) / 400;
  const auto yoe = static_cast<unsigned>(year - era * 400);                            // [0, 399]
  const unsigned doy = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1;  // [0, 365]
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;                          // [0, 146096]
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

civil_date civil_from_days(std::int64_t days) {
  const std::int64_t z = days + 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const auto doe = static_cast<unsigned>(z - era * 146097);                    // [0, 146096]
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;  // [0, 399]
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);                // [0, 365]
  const unsigned mp = (5 * doy + 2) / 153;                                     // [0, 11], March first
  civil_date out;
  out.day = doy - (153 * mp + 2) / 5 + 1;
  out.month = mp < 10 ? mp + 3 : mp - 9;
  out.year = static_cast<std::int64_t>(yoe) + era * 400 + (out.month <= 2 ? 1 : 0);
  return out;
}

std::optional<date_range> parse_date_range(std::string_view s, date_syntax syntax) {
  std::size_t pos = 0;
  int year = 0, month = 1, day = 1, fields = 0;
  if (!read_date(s, pos, year, month, day, fields)) return std::nullopt;
  const auto y = static_cast<std::int64_t>(year);
  const auto m = static_cast<unsigned>(month);
  if (fields == 1)
    return date_range{days_from_civil(y, 1, 1) * ms_per_day, days_from_civil(y + 1, 1, 1) * ms_per_day};
  const auto day_start = days_from_civil(y, m, static_cast<unsigned>(day)) * ms_per_day;
  if (fields == 2) return date_range{day_start, day_start + days_in_month(y, m) * ms_per_day};
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
      const std::size_t start = pos;
      std::int64_t scale = 100;
      while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
        fraction_ms += (s[pos] - '0') * scale;  // digits past milliseconds do not narrow the range further
        scale /= 10;
        ++pos;
      }
      if (pos == start) return std::nullopt;
      width = 1;
    }
  } else if (syntax == date_syntax::resource) {
    return std::nullopt;  // a resource's time has seconds
  }
  std::int64_t offset_ms = 0;
  if (pos < s.size() && s[pos] == 'Z') {
    ++pos;
  } else if (pos < s.size() && (s[pos] == '+' || s[pos] == '-')) {
    const int sign = s[pos] == '-' ? -1 : 1;
    ++pos;
    int oh = 0, om = 0;
    if (!digits(s, pos, 2, oh) || oh > 14 || !expect(s, pos, ':') || !digits(s, pos, 2, om) || om > 59)
      return std::nullopt;
    offset_ms = sign * (oh * 60 + om) * ms_per_minute;
  } else if (syntax == date_syntax::resource) {
    return std::nullopt;  // a resource's time has a zone
  }
  if (pos != s.size()) return std::nullopt;
  const auto low = day_start + hour * ms_per_hour + minute * ms_per_minute + second * ms_per_second +
                   fraction_ms - offset_ms;
  return date_range{low, low + width};
}

std::optional<date_range> period_range(std::string_view start, std::string_view end, date_syntax syntax) {
  date_range r;
  if (!start.empty()) {
    auto s = parse_date_range(start, syntax);
    if (!s) return std::nullopt;
    r.low = s->low;
  }
  if (!end.empty()) {
    auto e = parse_date_range(end, syntax);
    if (!e) return std::nullopt;
    r.high = e->high;
  }
  return r;
}

std::optional<std::chrono::sys_seconds> first_second(std::string_view text) {
  auto r = parse_date_range(text, date_syntax::resource);
  if (!r) return std::nullopt;
  return std::chrono::sys_seconds(std::chrono::seconds(floor_div(r->low, ms_per_second)));
}

std::optional<std::chrono::sys_seconds> last_second(std::string_view text) {
  auto r = parse_date_range(text, date_syntax::resource);
  if (!r) return std::nullopt;
  return std::chrono::sys_seconds(std::chrono::seconds(floor_div(r->high - 1, ms_per_second)));
}

std::optional<std::chrono::sys_days> written_date(std::string_view text) {
  std::size_t pos = 0;
  int year = 0, month = 1, day = 1, fields = 0;
  const auto date = text.substr(0, 10);  // the longest date; what follows it is not read
  if (!read_date(date, pos, year, month, day, fields)) return std::nullopt;
  return std::chrono::sys_days(
      std::chrono::days(days_from_civil(year, static_cast<unsigned>(month), static_cast<unsigned>(day))));
}

bool is_date_only(std::string_view text) {
  return text.find('T') == std::string_view::npos;
}

std::string format_instant(std::int64_t unix_ms) {
  const std::int64_t days = floor_div(unix_ms, ms_per_day);
  const std::int64_t rest = unix_ms - days * ms_per_day;
  const civil_date d = civil_from_days(days);
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%04lld-%02u-%02uT%02lld:%02lld:%02lld.%03lldZ",
                static_cast<long long>(d.year), d.month, d.day, static_cast<long long>(rest / ms_per_hour),
                static_cast<long long>(rest / ms_per_minute % 60),
                static_cast<long long>(rest / ms_per_second % 60), static_cast<long long>(rest % 1000));
  return buffer;
}

std::string format_date_time(std::chrono::sys_seconds t) {
  auto instant = format_instant(t.time_since_epoch().count() * ms_per_second);  // ...:ss.000Z
  return instant.substr(0, instant.size() - 5) + "Z";
}

std::string format_date(std::chrono::sys_days d) {
  const civil_date c = civil_from_days(d.time_since_epoch().count());
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%04lld-%02u-%02u", static_cast<long long>(c.year), c.month, c.day);
  return buffer;
}

std::string format_http_date(std::int64_t unix_ms) {
  static constexpr const char* weekdays[] = {"Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"};  // 1970-01-01
  static constexpr const char* months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                           "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  const std::int64_t days = floor_div(unix_ms, ms_per_day);
  const std::int64_t rest = unix_ms - days * ms_per_day;
  const civil_date d = civil_from_days(days);
  char buffer[80];
  std::snprintf(buffer, sizeof buffer, "%s, %02u %s %04lld %02lld:%02lld:%02lld GMT",
                weekdays[days - floor_div(days, 7) * 7], d.day, months[d.month - 1],
                static_cast<long long>(d.year), static_cast<long long>(rest / ms_per_hour),
                static_cast<long long>(rest / ms_per_minute % 60),
                static_cast<long long>(rest / ms_per_second % 60));
  return buffer;
}

}  // namespace homebase::fhir
