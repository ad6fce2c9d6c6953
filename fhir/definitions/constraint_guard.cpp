#include "fhir/definitions/constraint_guard.hpp"

#include <algorithm>
#include <array>
#include <cctype>

namespace homebase::fhir::definitions {
namespace {

bool ident_start(char c) {
  return std::isalpha(static_cast<unsigned char>(c)) != 0 || c == '_';
}
bool ident_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_';
}

bool is_keyword(std::string_view w) {
  static constexpr std::array<std::string_view, 12> words = {
      "and", "or", "xor", "implies", "is", "as", "in", "contains", "div", "mod", "true", "false"};
  return std::find(words.begin(), words.end(), w) != words.end();
}

}  // namespace

constraint_guard analyse_constraint(std::string_view e) {
  constraint_guard g;
  g.guardable = true;
  bool after_dot = false;
  bool after_type_operator = false;  // the identifier after `is`/`as` is a type name
  std::size_t i = 0;
  while (i < e.size()) {
    const char c = e[i];
    if (c == '\'') {  // string literal
      for (++i; i < e.size() && e[i] != '\''; ++i) {
        if (e[i] == '\\') ++i;
      }
      ++i;
      after_dot = false;
      continue;
    }
    if (c == '$' || c == '%' || c == '@') {
      if (c != '@') g.guardable = false;  // $this/$index/%resource...; @ starts a date literal
      for (++i;
           i < e.size() && (ident_char(e[i]) || e[i] == '-' || e[i] == ':' || e[i] == '.' || e[i] == '+');
           ++i) {
      }
      after_dot = false;
      continue;
    }
    if (c == '`' || ident_start(c)) {
      std::string_view word;
      if (c == '`') {
        const std::size_t end = e.find('`', i + 1);
        if (end == std::string_view::npos) return {};
        word = e.substr(i + 1, end - i - 1);
        i = end + 1;
      } else {
        const std::size_t start = i;
        while (i < e.size() && ident_char(e[i])) ++i;
        word = e.substr(start, i - start);
      }
      std::size_t j = i;
      while (j < e.size() && std::isspace(static_cast<unsigned char>(e[j])) != 0) ++j;
      const bool call = j < e.size() && e[j] == '(';
      if (after_type_operator) {
        after_type_operator = false;
      } else if (!after_dot && c != '`' && is_keyword(word)) {
        after_type_operator = word == "is" || word == "as";
      } else if (!after_dot) {
        if (call) {
          g.guardable = false;  // a function applied to the focus itself
        } else if (std::isupper(static_cast<unsigned char>(word[0])) != 0) {
          g.guardable = false;  // a type name starting a path (Patient.name)
        } else if (std::find(g.root_names.begin(), g.root_names.end(), word) == g.root_names.end()) {
          g.root_names.emplace_back(word);
        }
      }
      after_dot = false;
      continue;
    }
    if (c == '.' && !(i + 1 < e.size() && std::isdigit(static_cast<unsigned char>(e[i + 1])) != 0)) {
      after_dot = true;
      ++i;
      continue;
    }
    if (std::isdigit(static_cast<unsigned char>(c)) != 0) {
      while (i < e.size() && (std::isdigit(static_cast<unsigned char>(e[i])) != 0 || e[i] == '.')) ++i;
      after_dot = false;
      continue;
    }
    if (std::isspace(static_cast<unsigned char>(c)) == 0) after_dot = false;
    ++i;
  }
  if (!g.guardable) g.root_names.clear();
  return g;
}

bool invariant_holds(const fhirpath::collection& result) {
  return !(result.size() == 1 && result[0].kind == fhirpath::value_kind::boolean && !result[0].boolean);
}

bool member_matches(std::string_view key, std::string_view name) {
  if (!key.empty() && key[0] == '_') key.remove_prefix(1);
  if (!key.starts_with(name)) return false;
  return key.size() == name.size() || std::isupper(static_cast<unsigned char>(key[name.size()])) != 0;
}

}  // namespace homebase::fhir::definitions
