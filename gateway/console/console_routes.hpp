// console_routes: the web console under /console (issue 13 item 3), its own prefix beside the FHIR API
// (gateway/routes hands every /console request here before any API authentication: the credential is the
// session cookie, never a bearer token or certificate).
//   GET  /console/sign-in               the sign-in form (a pre-session CSRF token in a cookie and the form)
//   POST /console/sign-in               user + password (config console.users): lock-out checked first
//                                       (sign_in_throttle), then scrypt off the I/O threads; 303 to /console/
//   POST /console/sign-out              ends the session
//   GET  /console/oidc/login, /console/oidc/callback   OpenID Connect sign-in (oidc_sign_in; config
//                                       console.oidc): the callback opens a session through
//                                       sessions().signed_in; refusals audited like the password's
//   GET  /console/assets/{file}         embedded static files (console_assets), no session needed
//   GET  /console/                      the start page of the person's role
//   GET  /console/{page}[/{id}]         operator: queues, messages, messages/{id}, dead-letters, triage,
//                                       config; care coordinator: coordinator. Another role's page is 403.
//   /console/api/...                    JSON for the pages (errors: OperationOutcome):
//     GET  me                           who is signed in, and the CSRF token
//     GET  messages?status&partner&event&from&to&child&medical-home&before&limit   (admin_api::list)
//     GET  messages/{id}                admin_api::show, plus the transaction Bundle the child's record
//                                       gives the medical home (what a delivery sends)
//     POST messages/{id}/retry          message_intake::retry (a dead letter: queued again)
//     POST messages/$replay             {"messages": [id, ...]}: retry each (dead letters, selected)
//     POST messages/{id}/match          {"child": id | "new"}: message_intake::resolve_match
//     GET  triage                       held messages, each with what it says about the child and its
//                                       candidate children side by side
//     GET  queues                       admin_api::status (per medical home)
//     GET  config                       the config in force, secrets and key material left out
//     GET  coordinator/children         the care coordinator's views (gateway/console/coordinator_view) of
//     GET  coordinator/agenda           their own medical home (an operator: ?home=<id>, default the first
//     GET  coordinator/tasks            configured): the children, the next case conference, open Tasks,
//     GET  coordinator/letters          letters in flight, and one child's six weeks from `from` (a date,
//     GET  coordinator/children/{patient id}/timeline[?from=YYYY-MM-DD]   default today; another home's
//                                       child is 404 like an unknown one)
// What a person may do follows the API's rules: their identity becomes an auth::principal
// (console_principal) and each console route is checked with auth::permit against the API route it
// mirrors (/admin/... for the operator's); a care coordinator gets 403 on every operator page and call.
// Every answer that shows a child's data is audited (audit::request_audit::disclosed, the console user as
// agent) before it leaves; POSTs need the session's CSRF token; every answer carries the console's
// security headers (console_pages::secure_headers) and Cache-Control: no-store.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/thread_pool.hpp>
#include <memory>
#include <string>
#include <string_view>

#include "config/gateway_config.hpp"
#include "gateway/admin/admin_api.hpp"
#include "gateway/admin/message_replay.hpp"
#include "gateway/audit/request_audit.hpp"
#include "gateway/console/console_sessions.hpp"
#include "gateway/console/oidc_sign_in.hpp"
#include "gateway/console/sign_in_throttle.hpp"
#include "gateway/http/connection_info.hpp"
#include "gateway/http/http_types.hpp"
#include "gateway/pipeline/message_intake.hpp"
#include "gateway/store/sqlite_store.hpp"

namespace homebase::gateway::console {

class console_routes {
 public:
  // `previous`: the console of the configuration this one replaces (a config reload): its sessions and
  // sign-in lockouts carry on here (their settings, session_ttl, idle_timeout and lockout, stay those of
  // start-up until a restart); null at start-up.
  console_routes(config::config_ptr config, store::sqlite_store& store, pipeline::message_intake& intake,
                 admin::admin_api& admin, audit::request_audit& audit,
                 const console_routes* previous = nullptr);
  ~console_routes();
  console_routes(const console_routes&) = delete;
  console_routes& operator=(const console_routes&) = delete;

  // "/console" and everything under it.
  [[nodiscard]] static bool owns(std::string_view path);

  // On the connection's strand. `request_id`: the request's correlation id (also in req's X-Request-Id).
  boost::asio::awaitable<http::response> handle(http::request& req, const http::connection_info& peer,
                                                const std::string& request_id);

  // The sessions (the OpenID Connect callback opens one with sessions().signed_in(...)).
  [[nodiscard]] console_sessions& sessions() { return *sessions_; }
  [[nodiscard]] bool secure_cookies() const { return console_sessions::secure_cookies(*config_); }
  // Trusted HTML shown under the password form (the OpenID Connect sign-in puts its link here). Set once at
  // start-up, before the server runs.
  void set_sign_in_alternatives(std::string html) { sign_in_alternatives_ = std::move(html); }

 private:
  boost::asio::awaitable<http::response> sign_in(http::request& req, const http::connection_info& peer);
  boost::asio::awaitable<http::response> api(http::request& req, const http::connection_info& peer,
                                             const console_session& session, std::string_view rest);
  http::response page(const http::request& req, const console_session& session, std::string_view rest);
  // Audits a view of the children's data (the console user as agent); false: not audited, do not answer.
  boost::asio::awaitable<bool> audit_view(const console_session& session, const http::connection_info& peer,
                                          const http::request& req, bool search,
                                          const std::vector<std::int64_t>& child_ids);
  // Whether the person may use the API route (method, path) the console route mirrors; the refusal is
  // audited.
  std::optional<http::response> refused(const console_session& session, const http::connection_info& peer,
                                        http::request& req, std::string_view method,
                                        std::string_view api_path, bool as_page);
  // The Patient id the child's record gives its medical home (for the audit); empty when unknown.
  std::string patient_id_of(std::int64_t child_id);
  http::response message_detail(std::int64_t id, std::vector<std::int64_t>& children);
  http::response triage(std::vector<std::int64_t>& children);
  http::response config_view();
  // GET /console/api/coordinator/{children,agenda,tasks,letters,children/{patient id}/timeline[?from=]}
  // (gateway/console/coordinator_view): a care coordinator's own medical home; an operator any (?home=,
  // default the first configured). `patients`: the Patient ids shown; `search`: a list, not one child.
  http::response coordinator(const http::request& req, const console_session& session,
                             const http::connection_info& peer, std::string_view rest,
                             std::vector<std::string>& patients, bool& search);
  http::response messages(const http::request& req, std::vector<std::int64_t>& children);

  config::config_ptr config_;
  store::sqlite_store& store_;
  pipeline::message_intake& intake_;
  admin::admin_api& admin_;
  audit::request_audit& audit_;
  std::shared_ptr<console_sessions> sessions_;  // shared with the consoles of earlier/later configs
  std::shared_ptr<sign_in_throttle> throttle_;  // likewise
  // scrypt runs here, one at a time, never on the I/O threads; `hashing_waiting_` bounds the queue.
  boost::asio::thread_pool hashing_{1};
  std::shared_ptr<std::atomic<int>> hashing_waiting_ = std::make_shared<std::atomic<int>>(0);
  std::string dummy_hash_;            // checked for an unknown user, so that a wrong name costs the same time
  std::string sign_in_alternatives_;  // set_sign_in_alternatives (with console.oidc: oidc-sign-in.html)
  std::unique_ptr<oidc_sign_in> oidc_;  // console.oidc; null when absent
};

}  // namespace homebase::gateway::console
