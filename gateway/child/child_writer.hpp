// child_writer: the one way a child's record is saved. Every writer of a child (message and document
// intake, the admin retry and match, the clock scheduler, the school-letter workflow, Consents, the
// operator's $transfer) prepares the record and calls save_child inside its store job, so that everything
// that must commit with a child commits with it, in one order:
//   1. the record (encoded) and its identifiers          children, child_identifiers
//   2. the patient-matching keys                          child_match_keys
//   3. the coordination rules' next due time              coordination_due   (rules ran in prepare_child)
//   4. the resource index the read API serves             indexed_resources  (only what changed)
//   5. routing: the medical home, and the causing message's status and destination
//   6. the outbox row that carries the record to that home
//   7. the cause's AuditEvent, when it brings one
// The medical home is the operator's pin (children.home_override, set by $transfer) when there is one,
// else what the record routes to (prepare_child). When that is not children.medical_home, the child
// changes home (child/medical_home_transfer): before step 1 the record gets the transfer's event; at step
// 6 the old home's undelivered rows are re-targeted, its farewell row queued, and a delivery to the new
// home is queued whatever the cause; after step 7 the transfer's AuditEvent.
// A message (new or retried by an operator) always queues a delivery; any other cause queues one only when
// what the medical home gets changed (a resource of the index got a new version), pointing at the child's
// newest message. prepare_child is pure and may run off the writer thread (intake does so for a child the
// gateway does not know yet).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/gateway_config.hpp"
#include "gateway/child/child_resources.hpp"
#include "gateway/child/coordination_rules.hpp"
#include "gateway/child/medical_home_routing.hpp"
#include "gateway/child/medical_home_transfer.hpp"
#include "gateway/store/sqlite_store.hpp"
#include "mappers/audit/audit_event_builder.hpp"
#include "mappers/model/coordination_record.hpp"

namespace homebase::gateway::child {

// Everything the store needs from a record, computed without the store.
struct prepared_child {
  std::string record_json;
  std::vector<store::identifier_key> identifiers;
  std::string birth_date;
  std::vector<std::string> match_keys;
  coordination_outcome coordination;  // the rules' work is in the record; their next due time
  route destination;                  // the medical home (null: unroutable) and why
  child_resources resources;          // what the record gives the medical home
  const config::gateway_config* config =
      nullptr;  // what it was routed with (the operator's pin is looked up in it)
};

// Runs the coordination rules on `record` at `now_ms` (they may add work to it; `rules_source` names who
// ran them in the record's events), then encodes, routes and projects it.
[[nodiscard]] prepared_child prepare_child(mappers::model::coordination_record& record,
                                           const config::gateway_config& config, std::int64_t now_ms,
                                           std::string_view rules_source);

// Why a child is saved.
enum class save_kind {
  message,      // a message or document was received: `new_message` is inserted with its routing
  admin_retry,  // an operator retried or matched a stored message: `message_id` gets its routing
  clock,        // a coordination due time came
  letter,       // a school letter's step (request, cancel, send)
  consent,      // a Consent was received or revised
  transfer,     // an operator moved the child to another medical home ($transfer; the pin is already set)
  practice,     // the medical home's own change came back (API push, read-back pull; model::practice_change)
};
[[nodiscard]] std::string_view to_string(save_kind kind);

struct save_cause {
  save_kind kind = save_kind::message;
  // kind message: the row to insert; status, destination and child_id are set by routing.
  store::stored_message* new_message = nullptr;
  std::string_view new_message_body;
  // kind admin_retry: the stored message being routed.
  std::optional<std::int64_t> message_id;
  // The cause's AuditEvent, written with the child's id; nullptr: none.
  const mappers::audit::audit_record* audit = nullptr;
  // kind transfer: the operator's request (reason, who).
  const transfer_request* transfer = nullptr;
  // false: no outbox row, the caller brings the record to the medical home itself (the delivery that
  // met the practice's change on a 412 retries with the saved record at once).
  bool queue_delivery = true;
};

struct saved_child {
  std::int64_t child_id = 0;
  std::optional<std::int64_t> message_id;  // the causing message (inserted or retried)
  int resources_changed = 0;               // index rows written
  bool queued = false;                     // an outbox row was written for `home`
  std::string home;                        // the medical home the child is routed to ('' unroutable)
  std::string transferred_from;            // the child changed home: the old one (its farewell is queued)
  std::int64_t retargeted = 0;             // ... and how many of its deliveries were re-targeted
};

// Writer thread, inside the caller's job: saves `child` as child `child_id` (nullopt: a new child). Errors
// are in tx (tx.ok()); the caller's job returns tx.ok() so that a failure rolls everything back.
saved_child save_child(store::write_tx& tx, std::optional<std::int64_t> child_id, const prepared_child& child,
                       const save_cause& cause, std::int64_t now_ms);

}  // namespace homebase::gateway::child
