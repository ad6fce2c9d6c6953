// disclosures_operation: GET /fhir/Patient/{id}/$disclosures, the accounting of disclosures a family may ask
// for (45 CFR 164.528; issue 12 item 4), answered from the audit trail alone.
//
// What is listed: every disclosure of the child's data that left the care team and succeeded, i.e. the
// AuditEvents about the child with subtype iso-21089-lifecycle#disclose and outcome 0 whose agent is not a
// configured medical home. Today that is every school letter sent (its recipient: the school); a letter
// handed to a parent is recorded the same way with the parent as recipient. Deliveries to a medical home
// (the child's own, or the one before a transfer) are care-team disclosures for treatment, which 164.528
// does not require to be accounted for: left out. So are failed attempts and blocked letters (nothing left).
//
// Parameters (R4 search syntax, as GET /fhir/AuditEvent):
//   date=[eq|ne|lt|gt|le|ge|sa|eb]{date}  on AuditEvent.recorded, repeatable (AND-ed)
//   _count (default 20, at most 100), _cursor (the id before which the page starts; the `next` link has it)
// Unknown parameters are ignored, or 400 under Prefer: handling=strict. The answer is a searchset Bundle
// of the AuditEvents, newest first. A Patient the caller may not see (another medical home's child) is 404
// like an unknown one; the Patient id goes into the read scope, so the routes audit the call (BALP Query).
// Stateless apart from config and store; any thread (reads take the store's read connection).
#pragma once

#include <string>
#include <string_view>

#include "config/gateway_config.hpp"
#include "gateway/api/read_scope.hpp"
#include "gateway/http/http_types.hpp"
#include "gateway/store/sqlite_store.hpp"

namespace homebase::gateway::audit {

class disclosures_operation {
 public:
  disclosures_operation(config::config_ptr config, store::sqlite_store& store);

  // The Patient id of a path /fhir/Patient/{id}/$disclosures ($ may be %24), or empty.
  [[nodiscard]] static std::string_view patient_of(std::string_view path);

  // Answers GET (any other method: 405). `query` is the target's query without '?'.
  [[nodiscard]] http::response handle(const http::request& req, std::string_view patient_id,
                                      api::read_scope& scope) const;
  [[nodiscard]] http::response accounting(std::string_view patient_id, std::string_view query, bool strict,
                                          api::read_scope& scope, unsigned version = 11) const;

 private:
  config::config_ptr config_;
  store::sqlite_store& store_;
};

}  // namespace homebase::gateway::audit
