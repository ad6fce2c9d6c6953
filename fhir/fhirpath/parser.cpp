#include "fhir/fhirpath/parser.hpp"

#include <array>
#include <cstdlib>
#include <optional>
#include <utility>

#include "fhir/fhirpath/functions.hpp"
#include "fhir/fhirpath/lexer.hpp"

namespace homebase::fhir::fhirpath {

namespace {

struct operator_level {
  std::array<std::string_view, 4> ops;
};

// Binary levels from the loosest to the tightest binding.
constexpr std::array<operator_level, 10> levels{{
    {{"implies", "", "", ""}},
    {{"or", "xor", "", ""}},
    {{"and", "", "", ""}},
    {{"in", "contains", "", ""}},
    {{"=", "~", "!=", "!~"}},
    {{"<", ">", "<=", ">="}},
    {{"|", "", "", ""}},
    {{"is", "as", "", ""}},  // type operators
    {{"+", "-", "&", ""}},
    {{"*", "/", "div", "mod"}},
}};

operator_id operator_from(std::string_view op) {
  static constexpr std::array<std::pair<std::string_view, operator_id>, 24> table{{
      {"implies", operator_id::implies},
      {"or", operator_id::or_op},
      {"xor", operator_id::xor_op},
      {"and", operator_id::and_op},
      {"in", operator_id::in},
      {"contains", operator_id::contains},
      {"=", operator_id::equal},
      {"~", operator_id::equivalent},
      {"!=", operator_id::not_equal},
      {"!~", operator_id::not_equivalent},
      {"<", operator_id::less},
      {">", operator_id::greater},
      {"<=", operator_id::less_or_equal},
      {">=", operator_id::greater_or_equal},
      {"|", operator_id::union_op},
      {"is", operator_id::is_type},
      {"as", operator_id::as_type},
      {"+", operator_id::plus},
      {"-", operator_id::minus},
      {"&", operator_id::concatenate},
      {"*", operator_id::multiply},
      {"/", operator_id::divide},
      {"div", operator_id::div},
      {"mod", operator_id::mod},
  }};
  for (const auto& [text, id] : table)
    if (text == op) return id;
  return operator_id::none;
}

class parser {
 public:
  explicit parser(std::vector<token> tokens) : tokens_(std::move(tokens)) {}

  std::optional<node_ptr> parse_all() {
    auto root = parse_level(0);
    if (!root) return std::nullopt;
    if (peek().kind != token_kind::end) return fail("unexpected '" + peek().text + "'");
    return root;
  }

  error error_ = {};

 private:
  const token& peek(std::size_t ahead = 0) const {
    return tokens_[std::min(pos_ + ahead, tokens_.size() - 1)];
  }
  bool is_symbol(std::string_view s, std::size_t ahead = 0) const {
    const token& t = peek(ahead);
    return t.kind == token_kind::symbol && t.text == s;
  }
  std::optional<node_ptr> fail(std::string message) {
    error_ = error{error_kind::syntax, std::move(message), peek().position};
    return std::nullopt;
  }
  bool matches_op(std::string_view op) const {
    if (op.empty()) return false;
    const token& t = peek();
    if (t.kind == token_kind::symbol) return t.text == op;
    return t.kind == token_kind::identifier && t.text == op;
  }

  std::optional<node_ptr> parse_level(std::size_t level) {
    if (level == levels.size()) return parse_unary();
    auto left = parse_level(level + 1);
    if (!left) return std::nullopt;
    while (true) {
      std::string_view op;
      for (auto candidate : levels[level].ops)
        if (matches_op(candidate)) op = candidate;
      if (op.empty()) return left;
      auto position = peek().position;
      ++pos_;
      auto n = std::make_shared<node>();
      n->position = position;
      n->name = std::string(op);
      n->op = operator_from(op);
      if (op == "is" || op == "as") {
        auto type = parse_type_specifier();
        if (!type) return std::nullopt;
        n->kind = node_kind::type_op;
        n->type_name = *type;
        n->children.push_back(*left);
      } else {
        auto right = parse_level(level + 1);
        if (!right) return std::nullopt;
        n->kind = node_kind::binary;
        n->children = {*left, *right};
      }
      left = n;
    }
  }

  std::optional<std::string> parse_type_specifier() {
    std::string name;
    while (true) {
      const token& t = peek();
      if (t.kind != token_kind::identifier && t.kind != token_kind::delimited_identifier) {
        fail("type name expected");
        return std::nullopt;
      }
      name += t.text;
      ++pos_;
      if (!is_symbol(".")) return name;
      ++pos_;
      name += '.';
    }
  }

  std::optional<node_ptr> parse_unary() {
    if (is_symbol("+") || is_symbol("-")) {
      auto n = std::make_shared<node>();
      n->kind = node_kind::unary;
      n->name = peek().text;
      n->op = operator_from(n->name);
      n->position = peek().position;
      ++pos_;
      auto operand = parse_unary();
      if (!operand) return std::nullopt;
      n->children.push_back(*operand);
      return n;
    }
    return parse_postfix();
  }

  std::optional<node_ptr> parse_postfix() {
    auto left = parse_term();
    if (!left) return std::nullopt;
    while (true) {
      if (is_symbol(".")) {
        auto position = peek().position;
        ++pos_;
        auto right = parse_invocation();
        if (!right) return std::nullopt;
        auto n = std::make_shared<node>();
        n->kind = node_kind::invocation;
        n->position = position;
        n->children = {*left, *right};
        left = n;
      } else if (is_symbol("[")) {
        auto position = peek().position;
        ++pos_;
        auto index = parse_level(0);
        if (!index) return std::nullopt;
        if (!is_symbol("]")) return fail("']' expected");
        ++pos_;
        auto n = std::make_shared<node>();
        n->kind = node_kind::indexer;
        n->position = position;
        n->children = {*left, *index};
        left = n;
      } else {
        return left;
      }
    }
  }

  std::optional<node_ptr> parse_invocation() {
    const token& t = peek();
    auto n = std::make_shared<node>();
    n->position = t.position;
    if (t.kind == token_kind::special) {
      n->kind = t.text == "this" ? node_kind::this_ref
                                 : (t.text == "index" ? node_kind::index_ref : node_kind::total_ref);
      ++pos_;
      return n;
    }
    if (t.kind != token_kind::identifier && t.kind != token_kind::delimited_identifier)
      return fail("identifier expected");
    n->name = t.text;
    bool delimited = t.kind == token_kind::delimited_identifier;
    ++pos_;
    if (!delimited && is_symbol("(")) {
      ++pos_;
      n->kind = node_kind::function;
      if (!is_symbol(")")) {
        while (true) {
          auto arg = parse_level(0);
          if (!arg) return std::nullopt;
          n->children.push_back(*arg);
          if (is_symbol(",")) {
            ++pos_;
            continue;
          }
          break;
        }
      }
      if (!is_symbol(")")) return fail("')' expected");
      ++pos_;
      n->function = find_function(n->name);
      bool regex_function = n->function == function_id::matches || n->function == function_id::matches_full ||
                            n->function == function_id::replace_matches;
      if (regex_function && !n->children.empty() && n->children[0]->kind == node_kind::literal &&
          n->children[0]->literal_value.kind == value_kind::string) {
        // compiled once here; an invalid pattern is reported when the function is evaluated
        auto compiled = regex::compile(n->children[0]->literal_value.text);
        if (compiled) n->pattern = std::make_shared<const regex>(std::move(*compiled));
      }
      return n;
    }
    n->kind = node_kind::identifier;
    return n;
  }

  std::optional<node_ptr> parse_term() {
    const token& t = peek();
    auto n = std::make_shared<node>();
    n->position = t.position;
    n->kind = node_kind::literal;
    switch (t.kind) {
      case token_kind::number: {
        std::string text = t.text;
        ++pos_;
        auto dot = text.find('.');
        if (dot == std::string::npos) {
          n->literal_value = value::make_integer(std::strtoll(text.c_str(), nullptr, 10));
        } else {
          n->literal_value = value::make_decimal(std::strtod(text.c_str(), nullptr),
                                                 static_cast<int>(text.size() - dot - 1));
        }
        // quantity: number followed by a unit string or a calendar keyword
        const token& unit = peek();
        if (unit.kind == token_kind::string ||
            (unit.kind == token_kind::identifier && !calendar_unit(unit.text).empty())) {
          n->name = unit.text;
          value q = value::make_quantity_view(n->literal_value.kind == value_kind::integer
                                                  ? static_cast<double>(n->literal_value.integer)
                                                  : n->literal_value.decimal,
                                              n->literal_value.scale, n->name);
          n->literal_value = q;
          ++pos_;
        }
        return n;
      }
      case token_kind::string:
        n->name = t.text;  // the node owns the text; the literal borrows it
        n->literal_value = value::make_string_view(n->name);
        ++pos_;
        return n;
      case token_kind::date_time: {
        std::string text = t.text;
        value_kind k = text.find('T') == std::string::npos ? value_kind::date : value_kind::date_time;
        auto parsed = parse_temporal(text, k);
        if (!parsed) return fail("invalid date/time literal @" + text);
        n->literal_value = value::make_temporal(k, *parsed);
        ++pos_;
        return n;
      }
      case token_kind::time: {
        auto parsed = parse_temporal(t.text, value_kind::time);
        if (!parsed) return fail("invalid time literal @T" + t.text);
        n->literal_value = value::make_temporal(value_kind::time, *parsed);
        ++pos_;
        return n;
      }
      case token_kind::variable:
        n->kind = node_kind::variable;
        n->name = t.text;
        ++pos_;
        return n;
      case token_kind::identifier:
        if (t.text == "true" || t.text == "false") {
          n->literal_value = value::make_boolean(t.text == "true");
          ++pos_;
          return n;
        }
        return parse_invocation();
      case token_kind::delimited_identifier:
      case token_kind::special:
        return parse_invocation();
      case token_kind::symbol:
        if (t.text == "(") {
          ++pos_;
          auto inner = parse_level(0);
          if (!inner) return std::nullopt;
          if (!is_symbol(")")) return fail("')' expected");
          ++pos_;
          return inner;
        }
        if (t.text == "{") {
          ++pos_;
          if (!is_symbol("}")) return fail("'}' expected");
          ++pos_;
          n->kind = node_kind::empty;
          return n;
        }
        return fail("unexpected '" + t.text + "'");
      case token_kind::end:
        return fail("unexpected end of expression");
    }
    return fail("unexpected token");
  }

  std::vector<token> tokens_;
  std::size_t pos_ = 0;
};

}  // namespace

result<expression> expression::parse(std::string_view text) {
  auto lexed = tokenize(text);
  if (lexed.error) return error{error_kind::syntax, lexed.error->message, lexed.error->position};
  parser p(std::move(lexed.tokens));
  auto root = p.parse_all();
  if (!root) return p.error_;
  return expression(*root, std::string(text));
}

}  // namespace homebase::fhir::fhirpath
