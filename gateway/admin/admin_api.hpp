// admin_api: the operator's view of messages (JSON, not FHIR):
//   GET /admin/messages[?status=S&limit=N&before=ID]  newest first, with a `next` link
//   GET /admin/messages/{id}                            status, every delivery attempt, mapping notes
// Retry (POST /admin/messages/{id}/retry) is a write and lives in pipeline/message_intake.
#pragma once

#include <cstdint>

#include "gateway/http/http_types.hpp"
#include "gateway/store/sqlite_store.hpp"

namespace homebase::gateway::admin {

class admin_api {
 public:
  explicit admin_api(store::sqlite_store& store) : store_(store) {}

  [[nodiscard]] http::response list(const http::request& req);
  [[nodiscard]] http::response show(std::int64_t id);

 private:
  store::sqlite_store& store_;
};

}  // namespace homebase::gateway::admin
