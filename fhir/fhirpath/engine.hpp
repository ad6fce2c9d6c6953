// engine: the tree-walking interpreter behind evaluate() (internal). It evaluates AST nodes over
// collections, navigates JSON members (including choice types such as value[x]), and applies the
// operators; functions.cpp implements the function library on top of it. No exceptions: the first
// error is recorded in the engine's error slot (fail()), after which every eval() returns empty at once,
// and evaluate() returns the recorded error.
#pragma once

#include <rapidjson/document.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "fhir/fhirpath/ast.hpp"
#include "fhir/fhirpath/evaluator.hpp"
#include "fhir/fhirpath/result.hpp"
#include "fhir/fhirpath/value.hpp"

namespace homebase::fhir::fhirpath::detail {

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
  std::optional<bool> to_boolean(const collection& c, std::size_t position);

  // Records an error (the first one wins); evaluation then short-circuits. Returns an empty collection
  // so that callers can `return fail(...)`.
  collection fail(error_kind kind, std::string message, std::size_t position);
  [[nodiscard]] bool failed() const { return error_.has_value(); }
  [[nodiscard]] const std::optional<error>& failure() const { return error_; }

  [[nodiscard]] const temporal& now() const { return now_; }
  [[nodiscard]] const rapidjson::Value& resource() const { return resource_; }

 private:
  collection eval_binary(const node& n, const frame& ctx);
  collection eval_variable(const node& n);

  collection arithmetic(const std::string& op, const value& a, const value& b, std::size_t position);

  const rapidjson::Value& resource_;
  const environment& env_;
  temporal now_;
  std::optional<error> error_;
};

// Implemented in functions.cpp: calls function `fn` (a node of kind function) on `input`.
collection call_function(engine& e, const node& fn, const collection& input, const frame& ctx);

// Wraps a JSON value (object, array element or primitive) as an item; `fhir_type` may be empty.
value from_json(const rapidjson::Value& json, std::string fhir_type);

}  // namespace homebase::fhir::fhirpath::detail
