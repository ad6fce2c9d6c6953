// request_audit: the AuditEvents the routes write around a request (issue 9 item 5), each through
// mappers/audit's BALP builders and gateway/audit/audit_trail:
//   - a read or search that disclosed children's data: one BALP Read or Query (Patient variant) per
//     request, naming each Patient, committed before the answer leaves (no disclosure without its audit);
//   - a refused request (401, 403, 429): a Security Alert, throttled per address and reason
//     (refusal_throttle), so that a flood of refusals is counted into one AuditEvent per minute.
// Thread-safe; every write is one store job.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <memory>
#include <string>
#include <vector>

#include "config/gateway_config.hpp"
#include "gateway/auth/authenticator.hpp"
#include "gateway/auth/principal.hpp"
#include "gateway/auth/token_endpoint.hpp"
#include "gateway/http/connection_info.hpp"
#include "gateway/http/http_types.hpp"
#include "gateway/store/sqlite_store.hpp"

namespace homebase::gateway::audit {

class refusal_throttle;

class request_audit {
 public:
  request_audit(config::config_ptr config, store::sqlite_store& store);
  ~request_audit();

  // false when the store could not commit the AuditEvent: the answer must then not be sent.
  boost::asio::awaitable<bool> disclosed(const auth::principal& who, const http::request& req,
                                         const std::string& request_id, bool search,
                                         const std::vector<std::string>& patient_ids);
  // Queues the Security Alert (or counts it, beyond the per-minute allowance); does not wait.
  void refused(const auth::refusal& refusal, const http::connection_info& peer, const http::request& req,
               const std::string& request_id);
  // A refused token request (POST /auth/token): a Security Alert, throttled like the others.
  void token_refused(const auth::token_refusal& refusal, const http::connection_info& peer);
  // Writes the counted summaries of minutes that have passed (the gateway calls it on a timer).
  void flush();

 private:
  config::config_ptr config_;
  store::sqlite_store& store_;
  std::unique_ptr<refusal_throttle> throttle_;
};

}  // namespace homebase::gateway::audit
