#include "fhir/fhirpath/lexer.hpp"

#include <cctype>

namespace homebase::fhir::fhirpath {

namespace {

bool is_ident_start(char c) {
  return std::isalpha(static_cast<unsigned char>(c)) || c == '_';
}
bool is_ident_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
}
bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

void append_utf8(std::string& out, unsigned code) {
  if (code < 0x80) {
    out += static_cast<char>(code);
  } else if (code < 0x800) {
    out += static_cast<char>(0xC0 | (code >> 6));
    out += static_cast<char>(0x80 | (code & 0x3F));
  } else {
    out += static_cast<char>(0xE0 | (code >> 12));
    out += static_cast<char>(0x80 | ((code >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (code & 0x3F));
  }
}

// Reads a quoted string starting at text[pos] == quote; returns false on error.
bool read_quoted(std::string_view text, std::size_t& pos, char quote, std::string& out) {
  ++pos;
  while (pos < text.size()) {
    char c = text[pos];
    if (c == quote) {
      ++pos;
      return true;
    }
    if (c == '\\') {
      if (pos + 1 >= text.size()) return false;
      char e = text[pos + 1];
      pos += 2;
      switch (e) {
        case 't':
          out += '\t';
          break;
        case 'n':
          out += '\n';
          break;
        case 'r':
          out += '\r';
          break;
        case 'f':
          out += '\f';
          break;
        case '\\':
          out += '\\';
          break;
        case '/':
          out += '/';
          break;
        case '\'':
          out += '\'';
          break;
        case '"':
          out += '"';
          break;
        case '`':
          out += '`';
          break;
        case 'u': {
          if (pos + 4 > text.size()) return false;
          unsigned code = 0;
          for (int i = 0; i < 4; ++i) {
            char h = text[pos++];
            code <<= 4;
            if (is_digit(h))
              code |= static_cast<unsigned>(h - '0');
            else if (h >= 'a' && h <= 'f')
              code |= static_cast<unsigned>(h - 'a' + 10);
            else if (h >= 'A' && h <= 'F')
              code |= static_cast<unsigned>(h - 'A' + 10);
            else
              return false;
          }
          append_utf8(out, code);
          break;
        }
        default:
          return false;
      }
      continue;
    }
    out += c;
    ++pos;
  }
  return false;
}

}  // namespace

lex_result tokenize(std::string_view text) {
  lex_result result;
  std::size_t pos = 0;
  auto fail = [&](std::string message, std::size_t at) {
    result.error = lex_error{std::move(message), at};
    return result;
  };
  while (true) {
    while (pos < text.size() && std::isspace(static_cast<unsigned char>(text[pos]))) ++pos;
    if (pos + 1 < text.size() && text[pos] == '/' && text[pos + 1] == '/') {
      while (pos < text.size() && text[pos] != '\n') ++pos;
      continue;
    }
    if (pos + 1 < text.size() && text[pos] == '/' && text[pos + 1] == '*') {
      auto close = text.find("*/", pos + 2);
      if (close == std::string_view::npos) return fail("unterminated comment", pos);
      pos = close + 2;
      continue;
    }
    token t;
    t.position = pos;
    if (pos >= text.size()) {
      t.kind = token_kind::end;
      result.tokens.push_back(t);
      return result;
    }
    char c = text[pos];
    if (is_ident_start(c)) {
      std::size_t start = pos;
      while (pos < text.size() && is_ident_char(text[pos])) ++pos;
      t.kind = token_kind::identifier;
      t.text = std::string(text.substr(start, pos - start));
    } else if (c == '`') {
      t.kind = token_kind::delimited_identifier;
      if (!read_quoted(text, pos, '`', t.text)) return fail("unterminated delimited identifier", t.position);
    } else if (c == '\'') {
      t.kind = token_kind::string;
      if (!read_quoted(text, pos, '\'', t.text)) return fail("unterminated string", t.position);
    } else if (is_digit(c)) {
      std::size_t start = pos;
      while (pos < text.size() && is_digit(text[pos])) ++pos;
      if (pos + 1 < text.size() && text[pos] == '.' && is_digit(text[pos + 1])) {
        ++pos;
        while (pos < text.size() && is_digit(text[pos])) ++pos;
      }
      t.kind = token_kind::number;
      t.text = std::string(text.substr(start, pos - start));
    } else if (c == '@') {
      ++pos;
      std::size_t start = pos;
      if (pos < text.size() && text[pos] == 'T') {
        ++pos;
        start = pos;
        while (pos < text.size() && (is_digit(text[pos]) || text[pos] == ':' ||
                                     (text[pos] == '.' && pos + 1 < text.size() && is_digit(text[pos + 1]))))
          ++pos;
        t.kind = token_kind::time;
      } else {
        auto digit_next = [&] { return pos + 1 < text.size() && is_digit(text[pos + 1]); };
        while (pos < text.size() &&
               (is_digit(text[pos]) || text[pos] == ':' || text[pos] == 'T' || text[pos] == 'Z' ||
                ((text[pos] == '.' || text[pos] == '+' || text[pos] == '-') && digit_next()))) {
          ++pos;
        }
        t.kind = token_kind::date_time;
      }
      t.text = std::string(text.substr(start, pos - start));
      if (t.text.empty()) return fail("empty date/time literal", t.position);
    } else if (c == '%') {
      ++pos;
      t.kind = token_kind::variable;
      if (pos < text.size() && (text[pos] == '`' || text[pos] == '\'')) {
        if (!read_quoted(text, pos, text[pos], t.text)) return fail("unterminated variable name", t.position);
      } else {
        std::size_t start = pos;
        while (pos < text.size() && (is_ident_char(text[pos]) || text[pos] == '-')) ++pos;
        t.text = std::string(text.substr(start, pos - start));
      }
      if (t.text.empty()) return fail("empty variable name", t.position);
    } else if (c == '$') {
      ++pos;
      std::size_t start = pos;
      while (pos < text.size() && is_ident_char(text[pos])) ++pos;
      t.kind = token_kind::special;
      t.text = std::string(text.substr(start, pos - start));
      if (t.text != "this" && t.text != "index" && t.text != "total")
        return fail("unknown special variable $" + t.text, t.position);
    } else {
      static constexpr std::string_view two[] = {"<=", ">=", "!=", "!~"};
      t.kind = token_kind::symbol;
      bool matched = false;
      for (auto op : two) {
        if (text.substr(pos, 2) == op) {
          t.text = std::string(op);
          pos += 2;
          matched = true;
          break;
        }
      }
      if (!matched) {
        static constexpr std::string_view one = ".,()[]{}+-*/&|<>=~";
        if (one.find(c) == std::string_view::npos)
          return fail(std::string("unexpected character '") + c + "'", pos);
        t.text = std::string(1, c);
        ++pos;
      }
    }
    result.tokens.push_back(std::move(t));
  }
}

}  // namespace homebase::fhir::fhirpath
