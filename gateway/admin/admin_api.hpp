// admin_api: the operator's view of messages (JSON, not FHIR):
//   GET /admin/messages[?status=S&partner=P&event=E&medical-home=H&child=C&received-from=D&received-to=D
//                       &limit=N&before=ID]             newest first (each with its child_id), a `next` link;
//                       dates are FHIR
//                                                       dates or dateTimes (received-to includes its end)
//   GET /admin/messages/{id}                            status, every delivery attempt, and the notes of the
//                                                       response sent (rebuilt from the stored message)
//   GET /admin/triage                                   messages held for patient matching, as a FHIR
//                                                       searchset of the care coordinator's Tasks
//   GET /admin/status                                   per medical home: deliveries queued, retrying and
//                                                       dead (dead letters), the window; messages waiting
//                                                       for a person; `alerts` for what needs an operator
// Bulk replay (POST /admin/messages/$replay) is a write and lives in admin/message_replay.
// Answering a held message (POST /admin/messages/{id}/match) is a write and lives in message_intake.
// Retry (POST /admin/messages/{id}/retry) is a write and lives in pipeline/message_intake.
#pragma once

#include <cstdint>
#include <variant>

#include "config/gateway_config.hpp"
#include "gateway/http/http_types.hpp"
#include "gateway/pipeline/partner_concept_maps.hpp"
#include "gateway/store/sqlite_store.hpp"

namespace homebase::gateway::admin {

class admin_api {
 public:
  // `concept_maps`: the partners' maps, to rebuild a response's notes as they were sent (may be null).
  admin_api(store::sqlite_store& store, std::string public_base_url,
            pipeline::concept_maps_ptr concept_maps = nullptr)
      : store_(store), public_base_url_(std::move(public_base_url)), concept_maps_(std::move(concept_maps)) {}

  [[nodiscard]] http::response list(const http::request& req);
  // The list's query as a store filter, or the 400 to answer.
  [[nodiscard]] static std::variant<store::message_filter, http::response> list_filter(
      const http::request& req);
  [[nodiscard]] http::response show(std::int64_t id);
  [[nodiscard]] http::response triage();
  [[nodiscard]] http::response status(const config::gateway_config& config);

 private:
  store::sqlite_store& store_;
  std::string public_base_url_;
  pipeline::concept_maps_ptr concept_maps_;
};

}  // namespace homebase::gateway::admin
