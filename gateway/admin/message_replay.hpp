// message_replay: POST /admin/messages/$replay, an operator queues deliveries again in bulk, e.g. every
// dead letter of one medical home after its outage, or "retry now" for what is waiting out a backoff.
//
// Parameters, in the query string and/or a FHIR Parameters body (application/fhir+json):
//   status         1..*  dead (dead letters), retrying (waiting for their next attempt: sent now) or sent
//                        (delivered: sent again, e.g. after the home restored a backup); repeats and commas
//                        combine. queued is already queued; unroutable and held_for_match have no delivery
//                        yet (POST /admin/messages/{id}/retry, /match).
//   medical-home   0..1  a configured medical_homes[].id; absent: every home
//   received-from  0..1  the message was received at or after the start of this FHIR date/dateTime
//   received-to    0..1  ... and before the end of this one ("2026-03-01" includes all of that day)
// Body values: valueCode, valueString or valueId (status, medical-home); valueDate, valueDateTime,
// valueInstant or valueString (the times). An unknown parameter, a bad value, a second medical-home or
// an empty time range is a 400 OperationOutcome naming the parameter: nothing is replayed on a guess.
//
// Each selected delivery is queued as new (no attempts; the retry period starts again) and its message
// becomes `queued`, in one store job with the admin action's AuditEvent (admin-action#replay, the
// criteria and counts in outcomeDesc; none when nothing matched). The medical homes' delivery workers
// are woken after the commit. Answer: 200 Parameters: requeued (deliveries), messages, and the criteria as
// applied (status, medical-home, received-from and received-before as instants; before is exclusive).
// Operator-only (gateway/auth/route_policy: every /admin route).
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <variant>

#include "config/gateway_config.hpp"
#include "gateway/http/http_types.hpp"
#include "gateway/store/sqlite_store.hpp"
#include "mappers/audit/audit_event_builder.hpp"

namespace homebase::gateway::admin {

// What a replay selects, with the criteria in words (for the answer and the audit).
struct replay_request {
  store::replay_filter filter;
  std::string criteria;
};
struct replay_error {
  std::string param;  // the parameter at fault ("" for the body as a whole)
  std::string message;
};

// Reads the query string and the body (empty, or a Parameters resource). Pure.
[[nodiscard]] std::variant<replay_request, replay_error> parse_replay(const config::gateway_config& config,
                                                                      std::string_view query,
                                                                      std::string_view body);

class message_replay {
 public:
  using notify_fn = std::function<void(const std::string& destination)>;
  // `notify` wakes a medical home's delivery worker (may be empty).
  message_replay(config::config_ptr config, store::sqlite_store& store, notify_fn notify)
      : config_(std::move(config)), store_(store), notify_(std::move(notify)) {}

  // `admin`: who asked and the request id (routes::admin_audit).
  boost::asio::awaitable<http::response> handle(const http::request& req, mappers::audit::audit_record admin);

 private:
  config::config_ptr config_;
  store::sqlite_store& store_;
  notify_fn notify_;
};

}  // namespace homebase::gateway::admin
