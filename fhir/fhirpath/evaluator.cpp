#include "fhir/fhirpath/evaluator.hpp"

#include "fhir/fhirpath/engine.hpp"

namespace homebase::fhir::fhirpath {

result<collection> evaluate(const expression& expr, const rapidjson::Value& resource,
                            const environment& env) {
  detail::engine e(env, &resource, &resource);
  e.set_context(e.wrap(resource, {}, {}));
  detail::frame ctx;
  ctx.this_items = std::span<const value>(&e.context(), 1);
  collection out = e.eval(expr.root(), ctx);
  if (e.failed()) return *e.failure();
  return out;
}

}  // namespace homebase::fhir::fhirpath
