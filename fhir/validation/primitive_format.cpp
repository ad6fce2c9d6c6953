#include "fhir/validation/primitive_format.hpp"

#include <cstddef>

#include "fhir/fhir_time.hpp"

namespace homebase::fhir {
namespace {

// The regexes are applied to UTF-8 bytes, as std::regex does: \s is ASCII whitespace only.
constexpr bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}
constexpr bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

// Reads exactly `n` digits at `pos` into `out`.
bool read_digits(std::string_view s, std::size_t& pos, std::size_t n, int& out) {
  if (pos + n > s.size()) return false;
  int value = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const char c = s[pos + i];
    if (!is_digit(c)) return false;
    value = value * 10 + (c - '0');
  }
  pos += n;
  out = value;
  return true;
}

// YYYY, YYYY-MM or YYYY-MM-DD; `fields` reports how many were read (1..3).
bool read_date(std::string_view s, std::size_t& pos, int& fields) {
  int year = 0;
  int month = 0;
  int day = 0;
  if (!read_digits(s, pos, 4, year) || year == 0) return false;
  fields = 1;
  if (pos == s.size() || s[pos] != '-') return true;
  ++pos;
  if (!read_digits(s, pos, 2, month) || month < 1 || month > 12) return false;
  fields = 2;
  if (pos == s.size() || s[pos] != '-') return true;
  ++pos;
  if (!read_digits(s, pos, 2, day) || day < 1 ||
      static_cast<unsigned>(day) > days_in_month(year, static_cast<unsigned>(month)))
    return false;
  fields = 3;
  return true;
}

// HH:MM:SS(.fraction)?
bool read_time(std::string_view s, std::size_t& pos) {
  int h = 0;
  int m = 0;
  int sec = 0;
  if (!read_digits(s, pos, 2, h) || h > 23) return false;
  if (pos == s.size() || s[pos++] != ':') return false;
  if (!read_digits(s, pos, 2, m) || m > 59) return false;
  if (pos == s.size() || s[pos++] != ':') return false;
  if (!read_digits(s, pos, 2, sec) || sec > 60) return false;
  if (pos < s.size() && s[pos] == '.') {
    ++pos;
    const std::size_t start = pos;
    while (pos < s.size() && is_digit(s[pos])) ++pos;
    if (pos == start) return false;
  }
  return true;
}

// Z or (+|-)HH:MM with HH 00-13, or +/-14:00.
bool read_zone(std::string_view s, std::size_t& pos) {
  if (pos < s.size() && s[pos] == 'Z') {
    ++pos;
    return true;
  }
  if (pos == s.size() || (s[pos] != '+' && s[pos] != '-')) return false;
  ++pos;
  int h = 0;
  int m = 0;
  if (!read_digits(s, pos, 2, h)) return false;
  if (pos == s.size() || s[pos++] != ':') return false;
  if (!read_digits(s, pos, 2, m) || m > 59) return false;
  return h <= 13 || (h == 14 && m == 0);
}

bool valid_date(std::string_view s) {
  std::size_t pos = 0;
  int fields = 0;
  return read_date(s, pos, fields) && pos == s.size();
}

bool valid_date_time(std::string_view s) {
  std::size_t pos = 0;
  int fields = 0;
  if (!read_date(s, pos, fields)) return false;
  if (pos == s.size()) return true;
  if (fields != 3 || s[pos++] != 'T') return false;
  return read_time(s, pos) && read_zone(s, pos) && pos == s.size();
}

bool valid_instant(std::string_view s) {
  std::size_t pos = 0;
  int fields = 0;
  if (!read_date(s, pos, fields) || fields != 3) return false;
  if (pos == s.size() || s[pos++] != 'T') return false;
  return read_time(s, pos) && read_zone(s, pos) && pos == s.size();
}

bool valid_time(std::string_view s) {
  std::size_t pos = 0;
  return read_time(s, pos) && pos == s.size();
}

bool valid_id(std::string_view s) {
  if (s.empty() || s.size() > 64) return false;
  for (char c : s) {
    if (!(is_digit(c) || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '-' || c == '.'))
      return false;
  }
  return true;
}

// [ \r\n\t\S]+ : non-empty, no vertical tab or form feed.
bool valid_string(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (c == '\v' || c == '\f') return false;
  }
  return true;
}

// [^\s]+(\s[^\s]+)* : tokens separated by single whitespace characters.
bool valid_code(std::string_view s) {
  if (s.empty() || is_space(s.front()) || is_space(s.back())) return false;
  for (std::size_t i = 1; i < s.size(); ++i) {
    if (is_space(s[i]) && is_space(s[i - 1])) return false;
  }
  return true;
}

// \S*
bool valid_uri(std::string_view s) {
  for (char c : s) {
    if (is_space(c)) return false;
  }
  return true;
}

// urn:oid:[0-2](\.(0|[1-9][0-9]*))+
bool valid_oid(std::string_view s) {
  constexpr std::string_view prefix = "urn:oid:";
  if (!s.starts_with(prefix)) return false;
  s.remove_prefix(prefix.size());
  if (s.empty() || s[0] < '0' || s[0] > '2') return false;
  std::size_t pos = 1;
  int arcs = 0;
  while (pos < s.size()) {
    if (s[pos++] != '.') return false;
    const std::size_t start = pos;
    while (pos < s.size() && is_digit(s[pos])) ++pos;
    if (pos == start || (s[start] == '0' && pos - start > 1)) return false;
    ++arcs;
  }
  return arcs > 0;
}

// urn:uuid: + 8-4-4-4-12 lower-case hex
bool valid_uuid(std::string_view s) {
  constexpr std::string_view prefix = "urn:uuid:";
  if (!s.starts_with(prefix) || s.size() != prefix.size() + 36) return false;
  s.remove_prefix(prefix.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (c != '-') return false;
    } else if (!(is_digit(c) || (c >= 'a' && c <= 'f'))) {
      return false;
    }
  }
  return true;
}

// (\s*([0-9a-zA-Z\+/=]){4}\s*)+ : groups of four characters, whitespace only between groups; beyond the
// regex, '=' only as padding: the last one or two characters of the last group ("AB==", "ABC=").
bool valid_base64(std::string_view s) {
  std::size_t in_group = 0;
  std::size_t groups = 0;
  std::size_t padding = 0;  // '=' seen so far; nothing but '=' may follow one
  for (char c : s) {
    if (is_space(c)) {
      if (in_group != 0) return false;  // between groups only (also after the padding)
      continue;
    }
    if (c == '=') {
      if (in_group < 2) return false;  // '=' cannot stand in the first two places of a group
      ++padding;
    } else if (padding > 0) {
      return false;
    } else if (!(is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '+' || c == '/')) {
      return false;
    }
    if (++in_group == 4) {
      in_group = 0;
      ++groups;
    }
  }
  return in_group == 0 && groups > 0;
}

// -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
bool valid_decimal_text(std::string_view s) {
  std::size_t pos = 0;
  if (pos < s.size() && s[pos] == '-') ++pos;
  if (pos == s.size()) return false;
  if (s[pos] == '0') {
    ++pos;
  } else if (is_digit(s[pos])) {
    while (pos < s.size() && is_digit(s[pos])) ++pos;
  } else {
    return false;
  }
  if (pos < s.size() && s[pos] == '.') {
    const std::size_t start = ++pos;
    while (pos < s.size() && is_digit(s[pos])) ++pos;
    if (pos == start) return false;
  }
  if (pos < s.size() && (s[pos] == 'e' || s[pos] == 'E')) {
    ++pos;
    if (pos < s.size() && (s[pos] == '+' || s[pos] == '-')) ++pos;
    const std::size_t start = pos;
    while (pos < s.size() && is_digit(s[pos])) ++pos;
    if (pos == start) return false;
  }
  return pos == s.size();
}

// -?([0]|([1-9][0-9]*)) within 32 bits; positiveInt and unsignedInt narrow the sign and range.
bool valid_integer_text(std::string_view s, long long min) {
  std::size_t pos = 0;
  const bool negative = !s.empty() && s[0] == '-';
  if (negative) ++pos;
  if (pos == s.size() || (s[pos] == '0' && s.size() - pos > 1)) return false;
  long long value = 0;
  for (; pos < s.size(); ++pos) {
    if (!is_digit(s[pos])) return false;
    value = value * 10 + (s[pos] - '0');
    if (value > 2147483648LL) return false;
  }
  if (negative) value = -value;
  return value >= min && value <= 2147483647LL;
}

}  // namespace

json_kind json_kind_of(std::string_view type) {
  if (type == "boolean") return json_kind::boolean;
  if (type == "integer" || type == "positiveInt" || type == "unsignedInt" || type == "decimal")
    return json_kind::number;
  return json_kind::string;
}

bool valid_primitive_text(std::string_view type, std::string_view text) {
  switch (type.empty() ? '\0' : type[0]) {
    case 'b':
      if (type == "boolean") return text == "true" || text == "false";
      if (type == "base64Binary") return valid_base64(text);
      break;
    case 'c':
      if (type == "code") return valid_code(text);
      if (type == "canonical") return valid_uri(text);
      break;
    case 'd':
      if (type == "date") return valid_date(text);
      if (type == "dateTime") return valid_date_time(text);
      if (type == "decimal") return valid_decimal_text(text);
      break;
    case 'i':
      if (type == "id") return valid_id(text);
      if (type == "instant") return valid_instant(text);
      if (type == "integer") return valid_integer_text(text, -2147483648LL);
      break;
    case 'm':
      if (type == "markdown") return valid_string(text);
      break;
    case 'o':
      if (type == "oid") return valid_oid(text);
      break;
    case 'p':
      if (type == "positiveInt") return valid_integer_text(text, 1);
      break;
    case 's':
      if (type == "string") return valid_string(text);
      break;
    case 't':
      if (type == "time") return valid_time(text);
      break;
    case 'u':
      if (type == "uri" || type == "url") return valid_uri(text);
      if (type == "uuid") return valid_uuid(text);
      if (type == "unsignedInt") return valid_integer_text(text, 0);
      break;
    case 'x':
      if (type == "xhtml") return !text.empty();
      break;
    default:
      break;
  }
  return true;
}

bool valid_primitive(std::string_view type, const rapidjson::Value& v) {
  switch (json_kind_of(type)) {
    case json_kind::boolean:
      return v.IsBool();
    case json_kind::number:
      if (type == "decimal") return v.IsNumber();
      if (!v.IsInt()) return false;
      if (type == "positiveInt") return v.GetInt() >= 1;
      if (type == "unsignedInt") return v.GetInt() >= 0;
      return true;
    case json_kind::string:
      return v.IsString() && valid_primitive_text(type, {v.GetString(), v.GetStringLength()});
  }
  return false;
}

}  // namespace homebase::fhir
