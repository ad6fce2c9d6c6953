#include "mappers/disclosure/fhir_time.hpp"

#include <charconv>

namespace homebase::mappers::disclosure {
namespace {

bool number(std::string_view s, std::size_t at, std::size_t len, int& out) {
  if (at + len > s.size()) return false;
  auto [p, ec] = std::from_chars(s.data() + at, s.data() + at + len, out);
  return ec == std::errc() && p == s.data() + at + len;
}

// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
std::int64_t days_from_civil(int y, int m, int d) {
  y -= m <= 2 ? 1 : 0;
  const int era = (y >= 0 ? y : y - 399) / 400;
  const int yoe = y - era * 400;
  const int doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return static_cast<std::int64_t>(era) * 146097 + doe - 719468;
}

int days_in_month(int y, int m) {
  static constexpr int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  return m == 2 && leap ? 29 : days[m - 1];
}

}  // namespace

std::optional<std::int64_t> fhir_epoch_seconds(std::string_view s, time_bound bound) {
  int y = 0, mo = 1, d = 1, h = 0, mi = 0, sec = 0;
  if (!number(s, 0, 4, y)) return std::nullopt;
  bool end = bound == time_bound::end;
  if (s.size() == 4) {
    return end ? days_from_civil(y + 1, 1, 1) * 86400 - 1 : days_from_civil(y, 1, 1) * 86400;
  }
  if (s[4] != '-' || !number(s, 5, 2, mo) || mo < 1 || mo > 12) return std::nullopt;
  if (s.size() == 7) {
    auto first = days_from_civil(y, mo, 1);
    return end ? (first + days_in_month(y, mo)) * 86400 - 1 : first * 86400;
  }
  if (s.size() < 10 || s[7] != '-' || !number(s, 8, 2, d) || d < 1 || d > days_in_month(y, mo))
    return std::nullopt;
  auto day = days_from_civil(y, mo, d);
  if (s.size() == 10) return end ? (day + 1) * 86400 - 1 : day * 86400;
  // hh:mm:ss[.fff](Z|+hh:mm|-hh:mm)
  if (s[10] != 'T' || !number(s, 11, 2, h) || s.size() < 19 || s[13] != ':' || !number(s, 14, 2, mi) ||
      s[16] != ':' || !number(s, 17, 2, sec) || h > 23 || mi > 59 || sec > 60)
    return std::nullopt;
  std::size_t i = 19;
  if (i < s.size() && s[i] == '.') {
    ++i;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i;
  }
  std::int64_t offset = 0;
  if (i < s.size() && s[i] == 'Z') {
    ++i;
  } else if (i < s.size() && (s[i] == '+' || s[i] == '-')) {
    int oh = 0, om = 0;
    if (!number(s, i + 1, 2, oh) || i + 3 >= s.size() || s[i + 3] != ':' || !number(s, i + 4, 2, om))
      return std::nullopt;
    offset = (oh * 3600 + om * 60) * (s[i] == '-' ? -1 : 1);
    i += 6;
  } else {
    return std::nullopt;  // FHIR requires a zone when a time is given
  }
  if (i != s.size()) return std::nullopt;
  return day * 86400 + h * 3600 + mi * 60 + sec - offset;
}

}  // namespace homebase::mappers::disclosure
