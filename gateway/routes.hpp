// routes: (method, path) -> handler for every endpoint of the gateway; unknown paths get 404, known paths
// with another method 405 with an Allow header. Every error body is an OperationOutcome.
// Before any handler: the caller is authenticated (gateway/auth/authenticator), held to its rate limit,
// and checked against what the route needs (gateway/auth/route_policy); a refusal is answered 401/403/429
// and audited as a Security Alert (gateway/audit/request_audit). A medical_home client reads only its own
// children (api::read_scope); every read or search that disclosed a child's data is audited before the
// answer leaves. Every answer carries X-Request-Id (the caller's, or a new one), is counted in
// homebase_http_requests_total (metrics::route_label) and logged as one `http.request` line.
//   GET  /.well-known/smart-configuration, POST /auth/token, POST /auth/introspect: auth::token_endpoint
//   GET  /healthz                      process is up
//   GET  /readyz                       store reachable
//   GET  /metrics                      metrics::metrics_endpoint (Prometheus text; operator)
//   GET  /fhir/metadata                CapabilityStatement
//   POST /fhir/$process-message        message_intake
//   POST /fhir/$validate               validate_operation (any resource)
//   POST /fhir/{type}/$validate        validate_operation (a resource of {type}; unknown type 404)
//   GET  /admin/messages[/{id}]        admin_api
//   POST /admin/messages/{id}/retry    message_intake::retry
//   POST /admin/messages/$replay       admin::message_replay (bulk requeue by status, home, time)
//   POST /admin/children/{id}/$transfer admin::child_transfer (move a child to another medical home)
//   GET  /admin/status                 admin_api::status (queue counts, dead letters, alerts)
//   POST /admin/config/$reload         admin::config_reload_operation (the SIGHUP reload; 200 with what
//                                      changed, 422 with the loader's file:line: key; audited)
//   GET  /fhir/{type}/{id}             api::fhir_rest_api::read (resource index)
//   PUT|PATCH /fhir/Task/{id}          api::task_update_api (the medical home's push; If-Match)
//   GET  /fhir/Patient/{id}/$medical-home-checklist   api::medical_home_checklist_operation
//   GET  /fhir/{type}?...              api::fhir_rest_api::search
//   POST /fhir/{type}/_search          api::fhir_rest_api::search (form body)
//   GET  /fhir/AuditEvent?...          audit::audit_api (the audit trail)
//   GET  /fhir/Patient/{id}/$disclosures   audit::disclosures_operation (accounting of disclosures)
//   /fhir/Consent, /fhir/$school-letter, /admin/school-letters/{id}: disclosure_api
//   /console, /console/...             console::console_routes, the web console: served before the API's
//                                      authentication (its credential is the session cookie); it turns the
//                                      signed-in person into an auth::principal and applies the same
//                                      permission check and read scope as the API
//
// One routes object serves one configuration: a config reload builds new routes beside the running ones
// (gateway/request_generation) and they inherit, through `previous`, the state that must survive it: the
// rate limiters' buckets and the console's sessions and sign-in lockouts. Everything else in here is
// rebuilt from the new config.
#pragma once

#include "config/gateway_config.hpp"
#include "gateway/admin/admin_api.hpp"
#include "gateway/admin/child_transfer.hpp"
#include "gateway/admin/config_reload_operation.hpp"
#include "gateway/admin/message_replay.hpp"
#include "gateway/api/fhir_rest_api.hpp"
#include "gateway/api/medical_home_checklist_operation.hpp"
#include "gateway/api/task_update_api.hpp"
#include "gateway/api/validate_operation.hpp"
#include "gateway/audit/audit_api.hpp"
#include "gateway/audit/disclosures_operation.hpp"
#include "gateway/audit/request_audit.hpp"
#include "gateway/auth/authenticator.hpp"
#include "gateway/auth/rate_limiter.hpp"
#include "gateway/auth/token_endpoint.hpp"
#include "gateway/console/console_routes.hpp"
#include "gateway/disclosure/disclosure_api.hpp"
#include "gateway/http/request_handler.hpp"
#include "gateway/metrics/metrics_endpoint.hpp"
#include "gateway/pipeline/message_intake.hpp"

namespace homebase::gateway {

class routes final : public http::request_handler {
 public:
  // `disclosure` may be null (no disclosure endpoints).
  // `delivery_notify` wakes a medical home's delivery worker after a replay (may be empty).
  // `previous`: the routes of the configuration this one replaces (a reload), whose rate-limit buckets and
  // console sessions these take over; null at start-up. `reload`: runs a config reload (POST
  // /admin/config/$reload; empty: 501).
  routes(config::config_ptr config, store::sqlite_store& store, pipeline::message_intake& intake,
         disclosure::disclosure_api* disclosure, auth::token_endpoint& tokens,
         const auth::access_token_codec& codec, audit::request_audit& audit,
         admin::message_replay::notify_fn delivery_notify = {}, const routes* previous = nullptr,
         admin::config_reload_operation::reload_fn reload = {});
  boost::asio::awaitable<http::response> handle(http::request& req,
                                                const http::connection_info& peer) override;

 private:
  // Authentication, permission and the route; `who` is set once the caller is known.
  boost::asio::awaitable<http::response> serve(http::request& req, const http::connection_info& peer,
                                               const std::string& request_id, auth::principal& who);
  // The route itself, once the caller is allowed on it.
  boost::asio::awaitable<http::response> dispatch(http::request& req, const http::connection_info& peer,
                                                  const auth::principal& who, api::read_scope& scope);
  // Audits a refusal and turns repeated failed authentications from one address into 429.
  http::response refuse(const auth::refusal& refusal, http::request& req, const http::connection_info& peer,
                        const std::string& request_id);

  config::config_ptr config_;
  store::sqlite_store& store_;
  pipeline::message_intake& intake_;
  disclosure::disclosure_api* disclosure_;  // may be null (no disclosure endpoints)
  auth::token_endpoint& tokens_;
  auth::authenticator authn_;
  audit::request_audit& audit_;
  // Shared with the routes of earlier and later configurations (a reload keeps the buckets; a client's
  // bucket takes its new rate on its next request).
  std::shared_ptr<auth::rate_limiter> client_rate_;  // per client id: config::client::rate
  std::shared_ptr<auth::rate_limiter>
      failures_;  // failed authentications per address: auth.failed_per_minute
  admin::admin_api admin_;
  admin::message_replay replay_;
  admin::child_transfer transfer_;
  admin::config_reload_operation reload_;
  api::validate_operation validate_;
  api::fhir_rest_api rest_;
  api::task_update_api task_update_;  // PUT/PATCH /fhir/Task/{id}: the medical home's push
  api::medical_home_checklist_operation checklist_;
  audit::audit_api audit_search_;             // GET /fhir/AuditEvent
  audit::disclosures_operation disclosures_;  // GET /fhir/Patient/{id}/$disclosures
  metrics::metrics_endpoint metrics_;         // GET /metrics
  console::console_routes console_;           // /console (after admin_: it uses it)
  std::string metadata_;

 public:
  // The console (the OpenID Connect sign-in opens sessions through console().sessions()).
  [[nodiscard]] console::console_routes& console() { return console_; }
};

}  // namespace homebase::gateway
