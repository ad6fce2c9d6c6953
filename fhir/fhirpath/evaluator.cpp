#include "fhir/fhirpath/evaluator.hpp"

#include "fhir/fhirpath/engine.hpp"

namespace homebase::fhir::fhirpath {

result<collection> evaluate(const expression& expr, const rapidjson::Value& resource,
                            const environment& env) {
  try {
    detail::engine e(resource, env);
    detail::frame ctx;
    ctx.this_items = {detail::from_json(resource, {})};
    return e.eval(expr.root(), ctx);
  } catch (const detail::evaluation_failure& f) {
    return f.failure;
  } catch (const std::exception& ex) {  // std::regex_error, std::bad_alloc
    return error{error_kind::execution, ex.what(), 0};
  }
}

}  // namespace homebase::fhir::fhirpath
