#include "tests/integration/scenario_fixture.hpp"

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <optional>
#include <sstream>

namespace homebase::testing {
namespace fs = std::filesystem;

namespace {

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

// Parses "", "+N" or "-N" (N: 1 to 5 digits) into a day offset.
std::optional<int> day_offset(std::string_view s) {
  if (s.empty()) return 0;
  if (s[0] != '+' && s[0] != '-') return std::nullopt;
  std::string_view digits = s.substr(1);
  if (digits.empty() || digits.size() > 5 || !std::all_of(digits.begin(), digits.end(), is_digit))
    return std::nullopt;
  int n = 0;
  for (char c : digits) n = n * 10 + (c - '0');
  return s[0] == '-' ? -n : n;
}

// "HH:MM" with HH < 24 and MM < 60.
bool clock_time(std::string_view s) {
  if (s.size() != 5 || s[2] != ':' || !is_digit(s[0]) || !is_digit(s[1]) || !is_digit(s[3]) ||
      !is_digit(s[4]))
    return false;
  int hours = (s[0] - '0') * 10 + (s[1] - '0');
  int minutes = (s[3] - '0') * 10 + (s[4] - '0');
  return hours < 24 && minutes < 60;
}

bool uuid_name(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
    return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-' || c == '_' ||
           c == '.';
  });
}

}  // namespace

scenario_fixture::scenario_fixture(std::chrono::sys_days today)
    : today_(today), random_(std::random_device{}()) {}

fixture_text scenario_fixture::expand(std::string_view text) {
  fixture_text out;
  out.text.reserve(text.size());
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t open = text.find("{{", pos);
    if (open == std::string_view::npos) {
      out.text.append(text.substr(pos));
      break;
    }
    out.text.append(text.substr(pos, open - pos));
    std::size_t close = text.find("}}", open + 2);
    if (close == std::string_view::npos) {
      out.text.clear();
      out.error = "unterminated token at offset " + std::to_string(open);
      return out;
    }
    std::string_view token = text.substr(open + 2, close - open - 2);
    auto fail = [&] {
      out.text.clear();
      out.error = "unknown token {{" + std::string(token) + "}} at offset " + std::to_string(open);
      return out;
    };
    if (!token.empty() && token[0] == 'D') {
      auto offset = day_offset(token.substr(1));
      if (!offset) return fail();
      out.text += fhir_date(today_ + std::chrono::days(*offset));
    } else if (!token.empty() && token[0] == 'T') {
      std::size_t space = token.find(' ');
      if (space == std::string_view::npos) return fail();
      auto offset = day_offset(token.substr(1, space - 1));
      std::string_view time = token.substr(space + 1);
      if (!offset || !clock_time(time)) return fail();
      out.text += fhir_date(today_ + std::chrono::days(*offset));
      out.text += 'T';
      out.text.append(time);
      out.text += ":00Z";
    } else if (token.starts_with("UUID:") && uuid_name(token.substr(5))) {
      std::string_view name = token.substr(5);
      auto it = uuids_.find(name);
      if (it == uuids_.end()) {
        // Version 4 (random) UUID: 122 random bits, version and variant bits set.
        std::uint64_t hi = random_();
        std::uint64_t lo = random_();
        hi = (hi & 0xFFFFFFFFFFFF0FFFULL) | 0x0000000000004000ULL;
        lo = (lo & 0x3FFFFFFFFFFFFFFFULL) | 0x8000000000000000ULL;
        char buffer[40];
        std::snprintf(buffer, sizeof buffer, "%08x-%04x-%04x-%04x-%012llx", static_cast<unsigned>(hi >> 32),
                      static_cast<unsigned>((hi >> 16) & 0xFFFF), static_cast<unsigned>(hi & 0xFFFF),
                      static_cast<unsigned>(lo >> 48),
                      static_cast<unsigned long long>(lo & 0xFFFFFFFFFFFFULL));
        it = uuids_.emplace(std::string(name), buffer).first;
      }
      out.text += it->second;
    } else {
      return fail();
    }
    pos = close + 2;
  }
  out.ok = true;
  return out;
}

fixture_text scenario_fixture::load(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return {false, {}, "cannot read " + file.string()};
  std::ostringstream content;
  content << in.rdbuf();
  fixture_text out = expand(content.str());
  if (!out.ok) out.error = file.string() + ": " + out.error;
  return out;
}

std::chrono::sys_days utc_today() {
  return std::chrono::floor<std::chrono::days>(std::chrono::system_clock::now());
}

std::string fhir_date(std::chrono::sys_days day) {
  std::chrono::year_month_day ymd{day};
  char buffer[16];
  std::snprintf(buffer, sizeof buffer, "%04d-%02u-%02u", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()));
  return buffer;
}

std::vector<fs::path> scenario_fixture_files(const fs::path& root) {
  std::vector<fs::path> files;
  std::error_code ec;
  for (fs::recursive_directory_iterator it(root, ec), end; !ec && it != end; it.increment(ec))
    if (it->is_regular_file() && it->path().extension() == ".json") files.push_back(it->path());
  std::sort(files.begin(), files.end());
  return files;
}

std::vector<fs::path> scenario_message_files(const fs::path& scenario_dir) {
  std::vector<fs::path> files;
  std::error_code ec;
  for (fs::directory_iterator it(scenario_dir, ec), end; !ec && it != end; it.increment(ec)) {
    std::string name = it->path().filename().string();
    if (it->is_regular_file() && it->path().extension() == ".json" && name.size() > 3 && is_digit(name[0]) &&
        is_digit(name[1]) && name[2] == '-')
      files.push_back(it->path());
  }
  std::sort(files.begin(), files.end());
  return files;
}

}  // namespace homebase::testing
