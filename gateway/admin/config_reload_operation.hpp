// config_reload_operation: POST /admin/config/$reload (operators; gateway/auth/route_policy). Runs the
// gateway's config reload (gateway/reload/config_reloader, the same as SIGHUP) and answers:
//   200 OperationOutcome: one information issue per kind of change (partners, clients, medical homes,
//       schools added/removed/changed, other sections changed; "no change" when none), and one warning
//       naming the keys that changed but need a restart (listener, store, io_threads, ...);
//   422 OperationOutcome: the error as the loader reports it (file:line: key ...); the running configuration
//       stays.
// Either way the admin action is audited (action "config-reload", outcome success or minor failure, the
// summary or the error), in its own store job; 503 when that audit cannot be committed (the reload itself
// has happened or not as the answer would have said; the log has it).
#pragma once

#include <boost/asio/awaitable.hpp>
#include <functional>

#include "fhir/operation_outcome.hpp"
#include "gateway/http/http_types.hpp"
#include "gateway/reload/config_reloader.hpp"
#include "gateway/store/sqlite_store.hpp"
#include "mappers/audit/audit_event_builder.hpp"

namespace homebase::gateway::admin {

class config_reload_operation {
 public:
  using reload_fn = std::function<reload::reload_result()>;

  // `reload` may be empty: the route answers 501 (a gateway built without reloads, e.g. in tests).
  config_reload_operation(store::sqlite_store& store, reload_fn reload, std::string gateway_url);

  [[nodiscard]] static bool owns(std::string_view path) {
    return path == "/admin/config/$reload" || path == "/admin/config/%24reload";
  }

  // `admin`: who asked (client, address, request id).
  boost::asio::awaitable<http::response> handle(const http::request& req, mappers::audit::audit_record admin);

  // The answer's OperationOutcome for a reload's result (pure).
  [[nodiscard]] static fhir::operation_outcome outcome_of(const reload::reload_result& result);

 private:
  store::sqlite_store& store_;
  reload_fn reload_;
  std::string gateway_url_;
};

}  // namespace homebase::gateway::admin
