// ast: the syntax tree of a parsed FHIRPath expression. Nodes are immutable once parsed and shared
// between copies of an expression.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "fhir/fhirpath/value.hpp"

namespace homebase::fhir::fhirpath {

enum class node_kind {
  literal,     // `literal_value`
  empty,       // {}
  identifier,  // a member name (or type name) evaluated against the focus; `name`
  function,    // `name`(children...) evaluated against the focus
  invocation,  // children[0] . children[1] (children[1] is an identifier or function)
  indexer,     // children[0] [ children[1] ]
  unary,       // `name` is "+" or "-"; children[0]
  binary,      // `name` is the operator; children[0], children[1]
  type_op,     // `name` is "is" or "as"; children[0]; `type_name` the type
  variable,    // %name
  this_ref,    // $this
  index_ref,   // $index
  total_ref,   // $total
};

struct node {
  node_kind kind = node_kind::literal;
  std::string name;
  std::string type_name;  // for type_op: "Patient", "System.String", "FHIR.Quantity"
  value literal_value;
  std::vector<std::shared_ptr<const node>> children;
  std::size_t position = 0;  // byte offset in the expression text
};

using node_ptr = std::shared_ptr<const node>;

}  // namespace homebase::fhir::fhirpath
