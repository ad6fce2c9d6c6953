#include "fhir/fhirpath/evaluator.hpp"

#include "fhir/fhirpath/engine.hpp"

namespace homebase::fhir::fhirpath {

result<collection> evaluate(const expression& expr, const rapidjson::Value& resource,
                            const environment& env) {
  detail::engine e(resource, env);
  detail::frame ctx;
  ctx.this_items = {detail::from_json(resource, {})};
  collection out = e.eval(expr.root(), ctx);
  if (e.failed()) return *e.failure();
  return out;
}

}  // namespace homebase::fhir::fhirpath
