// engine: the tree-walking interpreter behind evaluate() (internal). It evaluates AST nodes over
// collections, navigates JSON members (including choice types such as value[x]), and applies the
// operators; functions.cpp implements the function library on top of it. Errors are raised internally
// as `evaluation_failure` and turned into result values by evaluate().
#pragma once

#include <rapidjson/document.h>

#include <cstdint>
#include <string>
#include <string_view>

#include "fhir/fhirpath/ast.hpp"
#include "fhir/fhirpath/evaluator.hpp"
#include "fhir/fhirpath/result.hpp"
#include "fhir/fhirpath/value.hpp"

namespace homebase::fhir::fhirpath::detail {

struct evaluation_failure {
  error failure;
};

[[noreturn]] void fail(error_kind kind, std::string message, std::size_t position);

// The iteration context: $this (as a collection), $index and $total.
struct frame {
  collection this_items;
  std::int64_t index = 0;
  collection total;
};

class engine {
 public:
  engine(const rapidjson::Value& resource, const environment& env);

  // Evaluates `n` where term-level names refer to `ctx.this_items`.
  collection eval(const node& n, const frame& ctx);
  // Evaluates an identifier or function `n` with `input` as its focus (the right side of '.').
  collection eval_on(const node& n, const collection& input, const frame& ctx);

  // Children of `item` named `name` (choice types resolved); appends to `out`.
  void navigate(const value& item, std::string_view name, collection& out) const;
  // All child items of `item`, in document order.
  void children_of(const value& item, collection& out) const;
  // Whether `item` is of the named type (System.X, FHIR.x or bare name).
  [[nodiscard]] bool is_type(const value& item, std::string_view type_name) const;

  // Singleton evaluation to a Boolean: empty when the collection is empty, error if several items.
  static std::optional<bool> to_boolean(const collection& c, std::size_t position);

  [[nodiscard]] const temporal& now() const { return now_; }
  [[nodiscard]] const rapidjson::Value& resource() const { return resource_; }

 private:
  collection eval_binary(const node& n, const frame& ctx);
  collection eval_variable(const node& n) const;

  const rapidjson::Value& resource_;
  const environment& env_;
  temporal now_;
};

// Implemented in functions.cpp: calls function `fn` (a node of kind function) on `input`.
collection call_function(engine& e, const node& fn, const collection& input, const frame& ctx);

// Wraps a JSON value (object, array element or primitive) as an item; `fhir_type` may be empty.
value from_json(const rapidjson::Value& json, std::string fhir_type);

}  // namespace homebase::fhir::fhirpath::detail
