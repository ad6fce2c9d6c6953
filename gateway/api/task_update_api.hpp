// task_update_api: the medical home's push (issue 11 item 2): its people update the coordination Tasks
// Homebase gave them through Homebase's own FHIR API, and the change flows into the coordination model.
//   PUT   /fhir/Task/{id}   the whole Task (application/fhir+json), as read from GET /fhir/Task/{id}
//   PATCH /fhir/Task/{id}   a JSON Patch (RFC 6902, application/json-patch+json) on the current Task
// Both need If-Match: W/"<versionId>" of the resource index (missing: 428, another version: 412), may
// change only the fields the practice owns (status, statusReason, businessStatus, owner, note, output,
// lastModified; docs/ARCHITECTURE.md "Who owns which field"; any other: 422 naming the element), and reach
// only the caller's own children (api::read_scope: another home's Task is 404). Scope system/Task.u (or
// .write), checked by auth/route_policy before the handler runs.
// The change goes through mappers::model::practice_change (source "medical-home:<home> push") and, when
// it changed the record, is saved by child::save_child in one store job with the If-Match check and the
// AuditEvent (BALP PatientUpdate): the resource index gets a new version and the medical home gets the
// current record delivered. The answer is 200 with the Task as it now is and its new ETag; a change the
// model refuses (reopening a closed item, a referral transition the flow does not allow) is 422 with why.
// Runs on the request's strand; the store job on the writer thread; nothing here throws.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <functional>
#include <string>
#include <string_view>

#include "config/gateway_config.hpp"
#include "gateway/api/read_scope.hpp"
#include "gateway/auth/principal.hpp"
#include "gateway/http/http_types.hpp"
#include "gateway/store/sqlite_store.hpp"

namespace homebase::gateway::api {

class task_update_api {
 public:
  using notify_fn = std::function<void(const std::string& destination)>;
  // `notify` wakes the medical home's delivery worker after a change was queued (may be empty).
  task_update_api(config::config_ptr config, store::sqlite_store& store, notify_fn notify)
      : config_(std::move(config)), store_(store), notify_(std::move(notify)) {}

  // PUT or PATCH of Task/{id}; X-Request-Id is read from `req` for the audit.
  [[nodiscard]] boost::asio::awaitable<http::response> handle(http::request& req, std::string id,
                                                              const auth::principal& who,
                                                              const read_scope& scope);

  // The members of a Task the medical home owns (everything else is Homebase's).
  [[nodiscard]] static bool practice_owned(std::string_view member);

 private:
  config::config_ptr config_;
  store::sqlite_store& store_;
  notify_fn notify_;
};

}  // namespace homebase::gateway::api
