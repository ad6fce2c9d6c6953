// routes: (method, path) -> handler for every endpoint of the gateway; unknown paths get 404, known paths
// with another method 405 with an Allow header. Every error body is an OperationOutcome.
//   GET  /healthz                      process is up
//   GET  /readyz                       store reachable
//   GET  /fhir/metadata                CapabilityStatement
//   POST /fhir/$process-message        message_intake
//   POST /fhir/$validate               validate_operation (any resource)
//   POST /fhir/{type}/$validate        validate_operation (a resource of {type}; unknown type 404)
//   GET  /admin/messages[/{id}]        admin_api
//   POST /admin/messages/{id}/retry    message_intake::retry
//   GET  /fhir/{type}/{id}             api::fhir_rest_api::read (resource index)
//   GET  /fhir/Patient/{id}/$medical-home-checklist   api::medical_home_checklist_operation
//   GET  /fhir/{type}?...              api::fhir_rest_api::search
//   POST /fhir/{type}/_search          api::fhir_rest_api::search (form body)
//   GET  /fhir/AuditEvent?...          audit::audit_api (the audit trail)
//   /fhir/Consent, /fhir/$school-letter, /admin/school-letters/{id}: disclosure_api
#pragma once

#include "config/gateway_config.hpp"
#include "gateway/admin/admin_api.hpp"
#include "gateway/api/fhir_rest_api.hpp"
#include "gateway/api/medical_home_checklist_operation.hpp"
#include "gateway/audit/audit_api.hpp"
#include "gateway/disclosure/disclosure_api.hpp"
#include "gateway/http/request_handler.hpp"
#include "gateway/pipeline/message_intake.hpp"
#include "gateway/pipeline/validate_operation.hpp"

namespace homebase::gateway {

class routes final : public http::request_handler {
 public:
  routes(config::config_ptr config, store::sqlite_store& store, pipeline::message_intake& intake,
         disclosure::disclosure_api* disclosure = nullptr);
  boost::asio::awaitable<http::response> handle(http::request& req,
                                                const http::connection_info& peer) override;

 private:
  config::config_ptr config_;
  store::sqlite_store& store_;
  pipeline::message_intake& intake_;
  disclosure::disclosure_api* disclosure_;  // may be null (no disclosure endpoints)
  admin::admin_api admin_;
  pipeline::validate_operation validate_;
  api::fhir_rest_api rest_;
  api::medical_home_checklist_operation checklist_;
  audit::audit_api audit_;
  std::string metadata_;
};

}  // namespace homebase::gateway
