#include "gateway/letters/signature_time.hpp"

#include <array>
#include <cstdio>

namespace homebase::gateway::letters {

std::string printed_instant(const std::string& instant) {
  static constexpr std::array<const char*, 12> months{"January",   "February", "March",    "April",
                                                      "May",       "June",     "July",     "August",
                                                      "September", "October",  "November", "December"};
  int y = 0, mo = 0, d = 0, h = 0, mi = 0;
  if (instant.size() < 16 || std::sscanf(instant.c_str(), "%4d-%2d-%2dT%2d:%2d", &y, &mo, &d, &h, &mi) != 5 ||
      mo < 1 || mo > 12 || d < 1 || d > 31 || h < 0 || h > 23 || mi < 0 || mi > 59)
    return instant;
  std::string zone;
  auto tz = instant.find_first_of("Z+-", 16);
  if (tz != std::string::npos) zone = instant[tz] == 'Z' ? " UTC" : " UTC" + instant.substr(tz);
  char buf[80];
  std::snprintf(buf, sizeof buf, "%s %d, %d at %02d:%02d", months[static_cast<std::size_t>(mo - 1)], d, y, h,
                mi);
  return buf + zone;
}

}  // namespace homebase::gateway::letters
