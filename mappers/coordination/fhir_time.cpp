#include "mappers/coordination/fhir_time.hpp"

#include <cstdio>

namespace homebase::mappers::coordination {
namespace {

using namespace std::chrono;

// Reads `count` digits at `pos`; -1 when they are not all digits.
int digits(std::string_view s, std::size_t pos, std::size_t count) {
  if (pos + count > s.size()) return -1;
  int n = 0;
  for (std::size_t i = pos; i < pos + count; ++i) {
    if (s[i] < '0' || s[i] > '9') return -1;
    n = n * 10 + (s[i] - '0');
  }
  return n;
}

std::optional<sys_days> date_part(std::string_view s, std::size_t& used) {
  int y = digits(s, 0, 4);
  if (y < 0) return std::nullopt;
  int m = 1, d = 1;
  used = 4;
  if (s.size() > 4) {
    if (s[4] != '-' || (m = digits(s, 5, 2)) < 0) return std::nullopt;
    used = 7;
    if (s.size() > 7) {
      if (s[7] != '-' || (d = digits(s, 8, 2)) < 0) return std::nullopt;
      used = 10;
    }
  }
  year_month_day ymd{year(y), month(static_cast<unsigned>(m)), day(static_cast<unsigned>(d))};
  if (!ymd.ok()) return std::nullopt;
  return sys_days(ymd);
}

}  // namespace

std::optional<sys_days> local_date(std::string_view text) {
  std::size_t used = 0;
  return date_part(text, used);
}

bool is_date_only(std::string_view text) {
  return text.find('T') == std::string_view::npos;
}

std::optional<time_point> parse_fhir_time(std::string_view s) {
  std::size_t used = 0;
  auto date = date_part(s, used);
  if (!date) return std::nullopt;
  if (used == s.size()) return time_point(*date);
  // A time needs a full date, then Thh:mm:ss, optional fraction, then Z or an offset.
  if (used != 10 || s.size() < 20 || s[10] != 'T' || s[13] != ':' || s[16] != ':') return std::nullopt;
  int hh = digits(s, 11, 2), mm = digits(s, 14, 2), ss = digits(s, 17, 2);
  if (hh < 0 || hh > 23 || mm < 0 || mm > 59 || ss < 0 || ss > 60) return std::nullopt;
  std::size_t pos = 19;
  if (pos < s.size() && s[pos] == '.') {
    ++pos;
    std::size_t start = pos;
    while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') ++pos;
    if (pos == start) return std::nullopt;
  }
  long offset = 0;
  if (pos < s.size() && s[pos] == 'Z') {
    ++pos;
  } else if (pos + 6 == s.size() && (s[pos] == '+' || s[pos] == '-') && s[pos + 3] == ':') {
    int oh = digits(s, pos + 1, 2), om = digits(s, pos + 4, 2);
    if (oh < 0 || oh > 14 || om < 0 || om > 59) return std::nullopt;
    offset = (oh * 3600L + om * 60L) * (s[pos] == '-' ? -1 : 1);
    pos += 6;
  } else {
    return std::nullopt;
  }
  if (pos != s.size()) return std::nullopt;
  return time_point(*date) + hours(hh) + minutes(mm) + seconds(ss) - seconds(offset);
}

std::string format_instant(time_point t) {
  auto d = floor<days>(t);
  year_month_day ymd(d);
  hh_mm_ss hms(t - d);
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%04d-%02u-%02uT%02d:%02d:%02dZ", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                static_cast<int>(hms.hours().count()), static_cast<int>(hms.minutes().count()),
                static_cast<int>(hms.seconds().count()));
  return buffer;
}

std::string format_date(sys_days d) {
  year_month_day ymd(d);
  char buffer[16];
  std::snprintf(buffer, sizeof buffer, "%04d-%02u-%02u", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()));
  return buffer;
}

}  // namespace homebase::mappers::coordination
