// ast: the syntax tree of a parsed FHIRPath expression. Nodes are immutable once parsed and shared
// between copies of an expression. The parser resolves what can be resolved once: operators and
// function names to ids, literal regular expressions to compiled programs, so that evaluation does no
// string dispatch.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "fhir/fhirpath/regex.hpp"
#include "fhir/fhirpath/value.hpp"

namespace homebase::fhir::fhirpath {

enum class node_kind {
  literal,     // `literal_value`
  empty,       // {}
  identifier,  // a member name (or type name) evaluated against the focus; `name`
  function,    // `name`(children...) evaluated against the focus; `function`
  invocation,  // children[0] . children[1] (children[1] is an identifier or function)
  indexer,     // children[0] [ children[1] ]
  unary,       // `op` is plus or minus; children[0]
  binary,      // `op`; children[0], children[1]
  type_op,     // `op` is is_type or as_type; children[0]; `type_name` the type
  variable,    // %name
  this_ref,    // $this
  index_ref,   // $index
  total_ref,   // $total
};

enum class operator_id : std::uint8_t {
  none,
  implies,
  or_op,
  xor_op,
  and_op,
  in,
  contains,
  equal,
  equivalent,
  not_equal,
  not_equivalent,
  less,
  greater,
  less_or_equal,
  greater_or_equal,
  union_op,
  is_type,
  as_type,
  plus,
  minus,
  concatenate,
  multiply,
  divide,
  div,
  mod,
};

// The functions the engine knows (functions.cpp maps names to ids; `unknown` for any other name).
enum class function_id : std::uint8_t {
  unknown,
  empty,
  exists,
  all,
  all_true,
  any_true,
  all_false,
  any_false,
  count,
  first,
  last,
  tail,
  skip,
  take,
  single,
  where,
  select,
  repeat,
  distinct,
  is_distinct,
  of_type,
  is,
  as,
  iif,
  not_fn,
  union_fn,
  combine,
  intersect,
  exclude,
  subset_of,
  superset_of,
  to_string,
  to_integer,
  to_decimal,
  to_boolean,
  to_quantity,
  to_date,
  to_date_time,
  to_time,
  converts_to_string,
  converts_to_integer,
  converts_to_decimal,
  converts_to_boolean,
  converts_to_quantity,
  converts_to_date,
  converts_to_date_time,
  converts_to_time,
  starts_with,
  ends_with,
  contains,
  index_of,
  substring,
  upper,
  lower,
  replace,
  matches,
  matches_full,
  replace_matches,
  length,
  to_chars,
  trim,
  split,
  join,
  encode,
  decode,
  escape,
  unescape,
  children,
  descendants,
  trace,
  today,
  now,
  time_of_day,
  abs,
  ceiling,
  floor,
  round,
  sqrt,
  ln,
  log,
  power,
  exp,
  truncate,
  precision,
  low_boundary,
  high_boundary,
  comparable,
  type,
  has_value,
  get_value,
  extension,
  aggregate,
  sort,
  resolve,
  member_of,
  conforms_to,
  html_checks,
};

struct node {
  node_kind kind = node_kind::literal;
  operator_id op = operator_id::none;           // unary, binary, type_op
  function_id function = function_id::unknown;  // function
  std::string name;       // identifier, function or variable name; operator text; string literal text
  std::string type_name;  // for type_op: "Patient", "System.String", "FHIR.Quantity"
  value literal_value;    // borrows its text from `name` (string literals, quantity units)
  std::vector<std::shared_ptr<const node>> children;
  std::shared_ptr<const regex> pattern;  // matches(), matchesFull(), replaceMatches() with a literal pattern
  std::size_t position = 0;              // byte offset in the expression text
};

using node_ptr = std::shared_ptr<const node>;

}  // namespace homebase::fhir::fhirpath
