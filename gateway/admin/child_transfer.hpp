// child_transfer: POST /admin/children/{id}/$transfer, an operator moves a child to another medical home
// (issue 11 item 3). {id} is the child id as the admin API names children (GET /admin/messages?child=C,
// and each message's child_id).
//
// Body: a FHIR Parameters resource (application/fhir+json) or a JSON object (application/json):
//   medical-home  1..1  a configured medical_homes[].id          Parameters: valueString | valueId |
//   valueCode
//                                                               JSON: "medical_home" (or "medical-home")
//   reason        0..1  free text, kept in the AuditEvent and the new home's record event (never sent to
//                       the old home)                           Parameters: valueString; JSON: "reason"
// A bad body, an unknown parameter or an unknown medical home: 400 OperationOutcome naming it; no such
// child: 404.
//
// One store job (child/child_writer, child/medical_home_transfer): the child is pinned to the new home
// (children.home_override: later messages naming the old practice do not route it back; only another
// $transfer moves it), then saved with cause `transfer`: when the pin is another home than the child's,
// the transfer happens (record event, home, re-targeted deliveries, the old home's farewell, the new
// home's delivery, the AuditEvent admin-action#transfer with the operator as agent). A child already at
// that home is pinned only (and audited). Both homes' delivery workers are woken after the commit.
// Answer: 200 Parameters: transferred (valueBoolean), from and to (valueString), retargeted
// (valueInteger: the old home's deliveries now for the new one), farewell (valueBoolean: the old home's
// last delivery was queued). Operator-only (auth/route_policy: every /admin route).
#pragma once

#include <boost/asio/awaitable.hpp>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "config/gateway_config.hpp"
#include "gateway/http/http_types.hpp"
#include "gateway/store/sqlite_store.hpp"
#include "mappers/audit/audit_event_builder.hpp"

namespace homebase::gateway::admin {

struct transfer_params {
  std::string medical_home;
  std::string reason;
};
struct transfer_error {
  std::string param;  // the parameter at fault ("" for the body as a whole)
  std::string message;
};

// Reads the body (Parameters or a JSON object; `content_type` says which) and checks the home. Pure.
[[nodiscard]] std::variant<transfer_params, transfer_error> parse_transfer(
    const config::gateway_config& config, std::string_view content_type, std::string_view body);

// The child id of a `/admin/children/{id}/$transfer` path (also `%24transfer`); nullopt: not that route.
[[nodiscard]] std::optional<std::int64_t> transfer_path_child(std::string_view path);

class child_transfer {
 public:
  using notify_fn = std::function<void(const std::string& destination)>;
  child_transfer(config::config_ptr config, store::sqlite_store& store, notify_fn notify)
      : config_(std::move(config)), store_(store), notify_(std::move(notify)) {}

  // `admin`: who asked and the request id (routes::admin_audit).
  boost::asio::awaitable<http::response> handle(const http::request& req, std::int64_t child_id,
                                                mappers::audit::audit_record admin);

 private:
  config::config_ptr config_;
  store::sqlite_store& store_;
  notify_fn notify_;
};

}  // namespace homebase::gateway::admin
