#include "gateway/api/search_request.hpp"

#include <algorithm>
#include <charconv>

#include "fhir/date_prefix.hpp"
#include "gateway/api/search_parameters.hpp"

namespace homebase::gateway::api {
namespace {

using store::index_filter;

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::optional<std::string> form_decode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '+') {
      out.push_back(' ');
    } else if (s[i] == '%') {
      if (i + 2 >= s.size()) return std::nullopt;
      int hi = hex_value(s[i + 1]), lo = hex_value(s[i + 2]);
      if (hi < 0 || lo < 0) return std::nullopt;
      out.push_back(static_cast<char>(hi * 16 + lo));
      i += 2;
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

// Splits on an unescaped `sep`, removing the escapes R4 defines (\, \| \$ \\).
std::vector<std::string> split_escaped(std::string_view s, char sep) {
  std::vector<std::string> parts(1);
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\' && i + 1 < s.size()) {
      parts.back().push_back(s[++i]);
    } else if (s[i] == sep) {
      parts.emplace_back();
    } else {
      parts.back().push_back(s[i]);
    }
  }
  return parts;
}

// Keeps escapes: splits a comma list whose items are then split on '|'.
std::vector<std::string> split_keep_escapes(std::string_view s, char sep) {
  std::vector<std::string> parts(1);
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\' && i + 1 < s.size()) {
      parts.back().push_back(s[i]);
      parts.back().push_back(s[++i]);
    } else if (s[i] == sep) {
      parts.emplace_back();
    } else {
      parts.back().push_back(s[i]);
    }
  }
  return parts;
}

bool parse_int(std::string_view s, std::int64_t& out) {
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && p == s.data() + s.size() && out >= 0;
}

std::optional<search_error> date_filter(const std::string& name, std::string_view value, index_filter& f) {
  for (const auto& item : split_escaped(value, ',')) {
    std::string_view text = item;
    auto prefix = fhir::split_date_prefix(text);
    auto range = fhir::parse_date_range(text, fhir::date_syntax::search);
    if (!range)
      return search_error{
          name, "'" + item +
                    "' is not a date: expected [eq|ne|lt|gt|le|ge|sa|eb]YYYY[-MM[-DD[Thh:mm[:ss[.s]]"
                    "[Z|(+|-)hh:mm]]]]"};
    index_filter::alternative a;
    a.prefix = static_cast<int>(prefix);
    a.low = range->low;
    a.high = range->high;
    f.any_of.push_back(std::move(a));
  }
  return std::nullopt;
}

std::optional<search_error> token_filter(const std::string& name, std::string_view value, index_filter& f) {
  for (const auto& item : split_keep_escapes(value, ',')) {
    auto parts = split_escaped(item, '|');
    index_filter::alternative a;
    if (parts.size() == 1) {
      a.value = parts[0];
    } else if (parts.size() == 2) {
      a.any_system = false;
      a.system = parts[0];
      a.value = parts[1];
      a.match_value = !parts[1].empty();
    } else {
      return search_error{name, "'" + item + "' is not a token: expected [system|]code"};
    }
    if (a.any_system && a.value.empty()) return search_error{name, "empty token"};
    f.any_of.push_back(std::move(a));
  }
  return std::nullopt;
}

std::optional<search_error> reference_filter(const std::string& name, std::string_view value,
                                             index_filter& f) {
  for (const auto& item : split_escaped(value, ',')) {
    auto target = parse_reference(item);
    if (!is_valid_id(target.id))
      return search_error{name, "'" + item + "' is not a reference: expected [Type/]id with an R4 id"};
    index_filter::alternative a;
    a.value = target.id;
    if (!target.type.empty()) {
      a.any_system = false;
      a.system = target.type;
    }
    f.any_of.push_back(std::move(a));
  }
  return std::nullopt;
}

}  // namespace

bool is_valid_id(std::string_view id) {
  if (id.empty() || id.size() > 64) return false;
  for (char c : id)
    if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.'))
      return false;
  return true;
}

std::optional<std::vector<std::pair<std::string, std::string>>> split_query(std::string_view query) {
  std::vector<std::pair<std::string, std::string>> out;
  while (!query.empty()) {
    auto amp = query.find('&');
    auto pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    if (pair.empty()) continue;
    auto eq = pair.find('=');
    auto name = form_decode(pair.substr(0, eq));
    auto value = form_decode(eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1));
    if (!name || !value) return std::nullopt;
    out.emplace_back(std::move(*name), std::move(*value));
  }
  return out;
}

std::string query_encode(std::string_view s) {
  static constexpr char hex[] = "0123456789ABCDEF";
  std::string out;
  for (char ch : s) {
    auto c = static_cast<unsigned char>(ch);
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
        c == '_' || c == '~' || c == ':' || c == '/') {
      out.push_back(ch);
    } else {
      out.push_back('%');
      out.push_back(hex[c >> 4]);
      out.push_back(hex[c & 0x0F]);
    }
  }
  return out;
}

std::variant<search_request, search_error> parse_search(std::string_view type, std::string_view query,
                                                        bool strict) {
  search_request out;
  out.query.type = std::string(type);
  out.query.count = default_page_size;
  auto pairs = split_query(query);
  if (!pairs) return search_error{"", "the query string has a malformed percent escape"};
  for (auto& [raw_name, value] : *pairs) {
    if (value.empty()) continue;  // R4: a parameter without a value is ignored
    std::string name = raw_name;
    std::string modifier;
    if (auto colon = name.find(':'); colon != std::string::npos) {
      modifier = name.substr(colon + 1);
      name.resize(colon);
    }
    const auto& raw = raw_name;  // clang 14 cannot capture a structured binding in a lambda
    auto unknown = [&]() -> std::optional<search_error> {
      if (strict)
        return search_error{raw, "parameter '" + raw + "' is not supported for " + std::string(type) +
                                     " (see GET /fhir/metadata)"};
      return std::nullopt;
    };
    const search_parameter* p = find_search_parameter(type, name);
    bool known = p != nullptr || name == "_id" || name == "_lastUpdated" || name == "_count" ||
                 name == "_cursor" || name == "_include";
    if (name == "_format" || name == "_pretty") continue;  // general parameters; the answer is JSON anyway
    if (!known) {
      if (auto e = unknown()) return *e;
      continue;
    }
    if (!modifier.empty() && name != "_include")
      return search_error{raw_name, "modifier ':" + modifier + "' is not supported on '" + name + "'"};

    if (name == "_count") {
      std::int64_t n = 0;
      if (!parse_int(value, n)) return search_error{name, "'" + value + "' is not a non-negative integer"};
      out.query.count = static_cast<int>(std::min<std::int64_t>(n, max_page_size));
      continue;
    }
    if (name == "_cursor") {
      std::int64_t n = 0;
      if (!parse_int(value, n))
        return search_error{name, "'" + value + "' is not a paging cursor of this server"};
      out.query.after_seq = n;
      continue;
    }
    if (name == "_include") {
      // <type>:<param>[:<target type>]; modifiers such as :iterate are not supported.
      auto parts = split_escaped(value, ':');
      if (parts.size() < 2 || parts.size() > 3 || parts[0].empty() || parts[1].empty())
        return search_error{name, "'" + value + "' is not <source type>:<search parameter>[:<target type>]"};
      bool supported =
          modifier.empty() && parts[0] == type && (parts[1] == "patient" || parts[1] == "subject") &&
          find_search_parameter(type, parts[1]) != nullptr && (parts.size() == 2 || parts[2] == "Patient");
      if (!supported) {
        if (strict)
          return search_error{raw_name, "_include '" + value + "' is not supported for " + std::string(type) +
                                            " (only <type>:patient and <type>:subject)"};
        continue;
      }
      out.include_params.push_back(parts[1]);
      out.echoed.emplace_back(raw_name, value);
      continue;
    }

    index_filter f;
    f.param = name;
    std::optional<search_error> error;
    if (name == "_id") {
      f.what = index_filter::on::id;
      for (const auto& id : split_escaped(value, ',')) {
        if (!is_valid_id(id)) return search_error{name, "'" + id + "' is not an R4 id"};
        index_filter::alternative a;
        a.value = id;
        f.any_of.push_back(std::move(a));
      }
    } else if (name == "_lastUpdated") {
      f.what = index_filter::on::last_updated;
      error = date_filter(name, value, f);
    } else {
      switch (p->kind) {
        case param_kind::status:
          f.what = index_filter::on::status;
          for (const auto& item : split_keep_escapes(value, ',')) {
            auto parts = split_escaped(item, '|');  // system|code: the code is what counts
            index_filter::alternative a;
            a.value = parts.back();
            if (a.value.empty()) return search_error{name, "empty status code"};
            f.any_of.push_back(std::move(a));
          }
          break;
        case param_kind::token:
          f.what = index_filter::on::token;
          error = token_filter(name, value, f);
          break;
        case param_kind::reference:
          f.what = index_filter::on::reference;
          error = reference_filter(name, value, f);
          break;
        case param_kind::date:
          f.what = index_filter::on::date;
          error = date_filter(name, value, f);
          break;
      }
    }
    if (error) return *error;
    out.query.filters.push_back(std::move(f));
    out.echoed.emplace_back(raw_name, value);
  }
  return out;
}

}  // namespace homebase::gateway::api
