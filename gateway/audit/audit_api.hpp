// audit_api: GET /fhir/AuditEvent, the search of the audit trail (issue 9 item 5; R4 search.html).
// Parameters (repeated parameters AND-ed; comma-separated values OR-ed, except date):
//   patient=Patient/{id} | {id}           the child's Patient resource id
//   patient:identifier=system|value       a business identifier of the child
//   date=[eq|ne|lt|gt|le|ge|sa|eb]{date}  on AuditEvent.recorded; partial dates are ranges
//   type=[system|]code, subtype=[system|]code, outcome=0|4|8|12, agent={client id}
//   _count (default 20, at most 100), _cursor (the id after which the page starts; the `next` link
//   carries it: keyset paging on the AuditEvent id, so a walk neither repeats nor skips a row)
// Unknown parameters are ignored, or refused (400) under Prefer: handling=strict; a bad value is 400 and
// names its parameter. The answer is a searchset Bundle of the stored AuditEvents, oldest first.
// Who may see what is the caller's decision: `medical_home` restricts the search to events about
// children routed to that medical home (a medical_home client); nullopt searches everything (operator).
// Stateless apart from the config and the store; any thread (reads take the store's read connection).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "config/gateway_config.hpp"
#include "gateway/http/http_types.hpp"
#include "gateway/store/audit_table.hpp"
#include "gateway/store/sqlite_store.hpp"

namespace homebase::gateway::audit {

class audit_api {
 public:
  audit_api(config::config_ptr config, store::sqlite_store& store);

  // Whether `path` is this endpoint (the path without its query).
  [[nodiscard]] static bool owns(std::string_view path) { return path == "/fhir/AuditEvent"; }

  // Answers a request to /fhir/AuditEvent: GET searches, any other method is 405.
  [[nodiscard]] http::response handle(const http::request& req,
                                      const std::optional<std::string>& medical_home) const;

  // The search itself: `query` is the request target's query (without '?').
  [[nodiscard]] http::response search(std::string_view query, bool strict,
                                      const std::optional<std::string>& medical_home,
                                      unsigned version = 11) const;

  // A page of the trail as a searchset Bundle (200): entries AuditEvent/{id} under `base`, the `self`
  // link, and `next` when not empty. Shared with audit/disclosures_operation.
  [[nodiscard]] static http::response searchset(const store::audit_page& page, const std::string& base,
                                                const std::string& self_url, const std::string& next_url,
                                                unsigned version);

 private:
  config::config_ptr config_;
  store::sqlite_store& store_;
};

}  // namespace homebase::gateway::audit
