#include "fhir/fhirpath/evaluator.hpp"

#include "fhir/fhirpath/engine.hpp"

namespace homebase::fhir::fhirpath {

result<collection> evaluate(const expression& expr, const focus& where, const environment& env) {
  detail::engine e(env, where.resource,
                   where.root_resource != nullptr ? where.root_resource : where.resource);
  detail::frame ctx;
  if (where.node != nullptr) {
    value context = e.wrap(*where.node, where.type, where.model_key);
    if (!where.node->IsObject()) context.element = where.primitive_element;
    e.set_context(std::move(context));
    ctx.this_items = std::span<const value>(&e.context(), 1);
  } else if (where.primitive_element != nullptr) {
    value context = value::make_node(nullptr, where.type);
    context.element = where.primitive_element;
    context.model_key = where.model_key;
    e.set_context(std::move(context));
    ctx.this_items = std::span<const value>(&e.context(), 1);
  }
  collection out = e.eval(expr.root(), ctx);
  if (env.steps_used != nullptr) *env.steps_used += e.steps();
  if (e.failed()) return *e.failure();
  return out;
}

result<collection> evaluate(const expression& expr, const rapidjson::Value& resource,
                            const environment& env) {
  return evaluate(expr, focus{&resource, {}, {}, &resource, &resource}, env);
}

result<bool> evaluate_constraint(const expression& expr, const focus& where, const environment& env) {
  auto r = evaluate(expr, where, env);
  if (!r) return r.failure();
  const collection& items = r.value();
  if (items.empty()) return false;
  if (items.size() > 1)
    return error{error_kind::execution, "the constraint gave " + std::to_string(items.size()) + " items", 0};
  return items[0].kind != value_kind::boolean || items[0].boolean;
}

}  // namespace homebase::fhir::fhirpath
