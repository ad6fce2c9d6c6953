// engine: the tree-walking interpreter behind evaluate() (internal). It evaluates AST nodes over
// collections, navigates JSON members (including choice types such as value[x]), and applies the
// operators; functions.cpp implements the function library on top of it. No exceptions: the first
// error is recorded in the engine's error slot (fail()), after which every eval() returns empty at once,
// and evaluate() returns the recorded error.
//
// One engine serves one evaluation and is not shared between threads; the expression and the JSON it
// reads are only read, so any number of evaluations may run at the same time.
#pragma once

#include <rapidjson/document.h>

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "fhir/fhirpath/ast.hpp"
#include "fhir/fhirpath/evaluator.hpp"
#include "fhir/fhirpath/result.hpp"
#include "fhir/fhirpath/value.hpp"

namespace homebase::fhir::fhirpath::detail {

// The iteration context: $this, $index and $total. `this_items` and `total` are borrowed from the
// caller's stack, so entering where()/select()/all() for an item allocates nothing.
struct frame {
  std::span<const value> this_items;
  std::int64_t index = 0;
  const collection* total = nullptr;
};

class engine {
 public:
  // `resource` and `root_resource` are %resource and %rootResource (either may be null: the variable is
  // then empty). %context is set with set_context().
  engine(const environment& env, const rapidjson::Value* resource, const rapidjson::Value* root_resource);

  void set_context(value context) { context_ = std::move(context); }
  [[nodiscard]] const value& context() const { return context_; }

  // Evaluates `n` where term-level names refer to `ctx.this_items`.
  collection eval(const node& n, const frame& ctx);
  // Evaluates an identifier or function `n` with `input` as its focus (the right side of '.').
  collection eval_on(const node& n, std::span<const value> input, const frame& ctx);

  // Children of `item` named `name` (choice types resolved); appends to `out`.
  // In strict mode (environment::strict, with a model) an element the model does not know, or a choice
  // element named with its type ("valueQuantity"), is a semantic error.
  void navigate(const value& item, std::string_view name, collection& out);
  // All child items of `item`, in document order.
  void children_of(const value& item, collection& out);
  // Whether `item` is of the named type (System.X, FHIR.x or bare name): `exact` for as()/ofType() on
  // FHIR primitives (see engine.cpp), else the type or a type derived from it.
  [[nodiscard]] bool is_type(const value& item, std::string_view type_name, bool exact = false) const;
  // Whether `type_name` names a type this evaluation knows (always true without a model).
  [[nodiscard]] bool known_type(std::string_view type_name) const;

  // Wraps a JSON value (object, array element or primitive) as an item of FHIR type `fhir_type` (may be
  // empty) whose element definition has model key `model_key` (may be empty).
  [[nodiscard]] value wrap(const rapidjson::Value& json, std::string_view fhir_type,
                           std::string_view model_key) const;

  // Singleton evaluation to a Boolean: empty when the collection is empty, error if several items.
  std::optional<bool> to_boolean(const collection& c, std::size_t position);

  // Records an error (the first one wins); evaluation then short-circuits. Returns an empty collection
  // so that callers can `return fail(...)`.
  collection fail(error_kind kind, std::string message, std::size_t position);
  [[nodiscard]] bool failed() const { return error_.has_value(); }

  // Counts `steps` of work against environment::max_steps; past it, fails with "too costly: ..." and
  // returns false. Each evaluated node is one step, each comparison of a set operation one more.
  bool charge(std::size_t steps, std::size_t position);
  [[nodiscard]] std::size_t steps() const { return steps_; }
  [[nodiscard]] const std::optional<error>& failure() const { return error_; }

  // The instant of this evaluation (read once, on first use).
  const temporal& now();
  [[nodiscard]] const rapidjson::Value* resource() const { return resource_; }
  [[nodiscard]] const rapidjson::Value* root_resource() const { return root_resource_; }
  [[nodiscard]] const environment& env() const { return env_; }
  [[nodiscard]] const fhirpath::model* model() const { return env_.model; }

 private:
  // navigate() for an item the model knows; false when the model does not know the element.
  bool navigate_with_model(const value& item, std::string_view name, collection& out);
  collection eval_binary(const node& n, const frame& ctx);
  collection eval_variable(const node& n);
  collection arithmetic(const node& n, const value& a, const value& b);
  // Appends the items of member value `json` (an array or a single value) with their "_name"
  // companion `elements` (may be null).
  void append_member(const rapidjson::Value* json, const rapidjson::Value* elements,
                     std::string_view fhir_type, std::string_view model_key, collection& out) const;

  const environment& env_;
  value context_;
  const rapidjson::Value* resource_;
  const rapidjson::Value* root_resource_;
  std::optional<temporal> now_;
  std::optional<error> error_;
  std::size_t steps_ = 0;
};

// Implemented in functions.cpp: calls function `fn` (a node of kind function) on `input`.
collection call_function(engine& e, const node& fn, std::span<const value> input, const frame& ctx);

}  // namespace homebase::fhir::fhirpath::detail
