// medical_home_checklist_operation: GET /fhir/Patient/{id}/$medical-home-checklist (issue 4 item 7).
//
// The family-facing Medical Homes Checklist (domain.md §2.6) answered for one child from the coordination
// record as it is now (mappers/outbound/medical_home_checklist): per item a status (evidence, gap,
// no-evidence, not-derivable) and the evidence lines, with the child's corrected age while it applies, as an
// R4 Parameters resource. The Patient id is the one the read API serves. Read-only; on the connection's
// strand; reads the store's read connection.
#pragma once

#include <string_view>

#include "gateway/api/read_scope.hpp"
#include "gateway/http/http_types.hpp"
#include "gateway/store/sqlite_store.hpp"

namespace homebase::gateway::api {

class medical_home_checklist_operation {
 public:
  explicit medical_home_checklist_operation(store::sqlite_store& store) : store_(store) {}

  // 200 Parameters; 404 when no Patient has that id; 500 when the stored record cannot be read.
  // Another medical home's child (per `scope`) is 404, like an unknown one.
  [[nodiscard]] http::response handle(std::string_view patient_id, read_scope& scope) const;

  // The patient id of a path /fhir/Patient/{id}/$medical-home-checklist ($ may be %24), or empty.
  [[nodiscard]] static std::string_view patient_of(std::string_view path);

 private:
  store::sqlite_store& store_;
};

}  // namespace homebase::gateway::api
