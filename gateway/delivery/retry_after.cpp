#include "gateway/delivery/retry_after.hpp"

#include <array>
#include <cstdint>

namespace homebase::gateway::delivery {

namespace {

using namespace std::chrono;

constexpr std::array<std::string_view, 12> months = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                     "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
constexpr std::array<std::string_view, 7> short_days = {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"};
constexpr std::array<std::string_view, 7> long_days = {"Monday", "Tuesday",  "Wednesday", "Thursday",
                                                       "Friday", "Saturday", "Sunday"};
constexpr std::int64_t max_delay_seconds = 10LL * 365 * 86'400;  // longer is "a long time"; the caller caps

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// A cursor over the text: each take_* consumes what it read, or fails and leaves `ok` false.
struct cursor {
  std::string_view rest;
  bool ok = true;

  bool literal(std::string_view text) {
    if (!ok || !rest.starts_with(text)) return ok = false;
    rest.remove_prefix(text.size());
    return true;
  }
  // Exactly `digits` digits (with `allow_space_pad`, a leading space may stand for a zero: asctime's day).
  int number(int digits, bool allow_space_pad = false) {
    if (!ok || rest.size() < static_cast<std::size_t>(digits)) {
      ok = false;
      return 0;
    }
    int value = 0;
    for (int i = 0; i < digits; ++i) {
      char c = rest[static_cast<std::size_t>(i)];
      if (i == 0 && allow_space_pad && c == ' ') continue;
      if (c < '0' || c > '9') {
        ok = false;
        return 0;
      }
      value = value * 10 + (c - '0');
    }
    rest.remove_prefix(static_cast<std::size_t>(digits));
    return value;
  }
  template <std::size_t N>
  int name(const std::array<std::string_view, N>& names) {
    if (!ok) return -1;
    for (std::size_t i = 0; i < N; ++i)
      if (rest.starts_with(names[i])) {
        rest.remove_prefix(names[i].size());
        return static_cast<int>(i);
      }
    ok = false;
    return -1;
  }
};

std::optional<sys_seconds> make_time(int y, int month_index, int d, int hh, int mm, int ss) {
  if (month_index < 0 || hh > 23 || mm > 59 || ss > 60) return std::nullopt;  // 60: a leap second
  year_month_day ymd{year{y}, month{static_cast<unsigned>(month_index + 1)}, day{static_cast<unsigned>(d)}};
  if (!ymd.ok()) return std::nullopt;
  return sys_seconds{sys_days{ymd}.time_since_epoch()} + hours{hh} + minutes{mm} + seconds{ss};
}

// "08:49:37"
bool clock_time(cursor& c, int& hh, int& mm, int& ss) {
  hh = c.number(2);
  c.literal(":");
  mm = c.number(2);
  c.literal(":");
  ss = c.number(2);
  return c.ok;
}

// "Sun, 06 Nov 1994 08:49:37 GMT"
std::optional<sys_seconds> imf_fixdate(std::string_view text) {
  cursor c{text};
  c.name(short_days);
  c.literal(", ");
  int d = c.number(2);
  c.literal(" ");
  int mon = c.name(months);
  c.literal(" ");
  int y = c.number(4);
  c.literal(" ");
  int hh = 0, mm = 0, ss = 0;
  clock_time(c, hh, mm, ss);
  c.literal(" GMT");
  if (!c.ok || !c.rest.empty()) return std::nullopt;
  return make_time(y, mon, d, hh, mm, ss);
}

// "Sunday, 06-Nov-94 08:49:37 GMT"
std::optional<sys_seconds> rfc850_date(std::string_view text, int current_year) {
  cursor c{text};
  c.name(long_days);
  c.literal(", ");
  int d = c.number(2);
  c.literal("-");
  int mon = c.name(months);
  c.literal("-");
  int yy = c.number(2);
  c.literal(" ");
  int hh = 0, mm = 0, ss = 0;
  clock_time(c, hh, mm, ss);
  c.literal(" GMT");
  if (!c.ok || !c.rest.empty()) return std::nullopt;
  int y = current_year / 100 * 100 + yy;
  if (y > current_year + 50) y -= 100;
  return make_time(y, mon, d, hh, mm, ss);
}

// "Sun Nov  6 08:49:37 1994"
std::optional<sys_seconds> asctime_date(std::string_view text) {
  cursor c{text};
  c.name(short_days);
  c.literal(" ");
  int mon = c.name(months);
  c.literal(" ");
  int d = c.number(2, /*allow_space_pad=*/true);
  c.literal(" ");
  int hh = 0, mm = 0, ss = 0;
  clock_time(c, hh, mm, ss);
  c.literal(" ");
  int y = c.number(4);
  if (!c.ok || !c.rest.empty()) return std::nullopt;
  return make_time(y, mon, d, hh, mm, ss);
}

}  // namespace

std::optional<sys_seconds> parse_http_date(std::string_view text, system_clock::time_point now) {
  text = trim(text);
  if (auto t = imf_fixdate(text)) return t;
  int current_year = static_cast<int>(year_month_day{floor<days>(now)}.year());
  if (auto t = rfc850_date(text, current_year)) return t;
  return asctime_date(text);
}

std::optional<seconds> retry_after_delay(std::string_view value, system_clock::time_point now) {
  value = trim(value);
  if (value.empty()) return std::nullopt;
  if (value.front() >= '0' && value.front() <= '9') {
    std::int64_t n = 0;
    for (char c : value) {
      if (c < '0' || c > '9') return std::nullopt;
      n = n * 10 + (c - '0');
      if (n > max_delay_seconds) n = max_delay_seconds;  // no overflow; still "long"
    }
    return seconds{n};
  }
  auto at = parse_http_date(value, now);
  if (!at) return std::nullopt;
  auto delay = ceil<seconds>(*at - now);
  if (delay.count() < 0) return seconds{0};
  return seconds{std::min<std::int64_t>(delay.count(), max_delay_seconds)};
}

}  // namespace homebase::gateway::delivery
