// medical_home_transfer: a child moves from one medical home to another. It happens inside the child
// writer's job (child/child_writer::save_child), whenever the home the child is routed to now
// (child/medical_home_routing, or the operator's pin) is not children.medical_home, whatever the cause:
// a message whose Patient.generalPractitioner (or another routing signal) names another configured home,
// or an operator's POST /admin/children/{id}/$transfer (gateway/admin/child_transfer), which pins the
// child (children.home_override) so that later messages that still name the old practice cannot route
// it back.
//
// In the writer's one transaction, in this order (save_child steps 1-7 around it):
//   - the record gets a `MedicalHomeTransfer` record event (both homes, the reason; the new home's
//     Provenance), and is saved and indexed as usual;
//   - children.medical_home becomes the new home (the old home's medical_home client loses the child
//     from this commit: api::read_scope keys on it);
//   - the old home's undelivered and dead-lettered record rows for the child are re-targeted to the new
//     home (their messages' destination too): nothing queued is lost. A row whose POST to the old home is
//     in flight is re-targeted as well; the lane's recording then keeps the attempt but leaves the row
//     undelivered for the new home (store::write_tx::record_attempt), and a lane that reads the record
//     after this commit sees the child homed elsewhere and does not post it (delivery_service);
//   - one farewell row for the old home (outbox kind transfer_out) whose payload is frozen now: the
//     record as that home knew it (before this save) with the transfer applied
//     (mappers/outbound/transfer_farewell: CareTeam membership ended, open Tasks cancelled "transferred to
//     another medical home", a Provenance that says only that the child left). Nothing else goes to the
//     old home afterwards: every later row is for the new home;
//   - the new home's row, carrying the full record;
//   - the transfer's AuditEvent (BALP Patient Record, admin-action#transfer): who moved the child (the
//     partner and its message, the operator, or Homebase's routing), from and to, the reason, how many
//     deliveries were re-targeted.
// What the old home learns: that the child left, never where to. The new home learns where from.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "config/gateway_config.hpp"
#include "gateway/store/write_tx.hpp"
#include "mappers/audit/audit_event_builder.hpp"
#include "mappers/model/coordination_record.hpp"

namespace homebase::gateway::child {

// An operator's explicit transfer (POST /admin/children/{id}/$transfer).
struct transfer_request {
  std::string reason;                  // free text (the new home's record event and the AuditEvent only)
  mappers::audit::audit_record admin;  // who asked and the request id (routes::admin_audit)
};

// Who moved the child.
struct transfer_cause {
  bool by_operator = false;
  std::string reason;
  std::string partner_id;  // a message moved it: its partner and MessageHeader.id
  std::string message_id;
  mappers::audit::audit_party who;  // the AuditEvent's client (the partner or the operator; empty: routing)
  std::string request_id;
};

// A transfer save_child is writing.
struct transfer_plan {
  std::string from_id;                         // children.medical_home before
  const config::medical_home* from = nullptr;  // null: that home is no longer configured (no farewell)
  const config::medical_home* to = nullptr;
  std::optional<std::string> before_json;  // the stored record before this save
};

// The record event the child's record gets (sent to the new home as a Provenance).
[[nodiscard]] mappers::model::record_event transfer_event(const transfer_plan& plan,
                                                          const transfer_cause& cause, const std::string& at);

struct transfer_written {
  std::int64_t retargeted = 0;  // the old home's rows now for the new home
  bool farewell = false;        // the old home's last delivery was queued
};

// Writer thread, inside save_child's job, after the record was saved and before the new home's row:
// re-targets, queues the farewell (carried by message `carried`) and writes the AuditEvent.
transfer_written write_transfer(store::write_tx& tx, std::int64_t child_id, const transfer_plan& plan,
                                const transfer_cause& cause, std::int64_t carried,
                                const mappers::model::identifier& patient, std::int64_t now_ms);

}  // namespace homebase::gateway::child
