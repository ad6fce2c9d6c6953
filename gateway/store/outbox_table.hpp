// outbox_table: the `outbox` and `attempts` tables. An outbox row says "bring this child's record to this
// destination"; the payload is built from the record when it is sent. FIFO per child, a window of
// children in flight per destination (delivery/delivery_worker).
// Implements write_tx's insert_outbox / insert_farewell_outbox / record_attempt / retarget_outbox /
// move_outbox_row / requeue_outbox / replay_outbox and
// sqlite_store's outbox_for_message / due_outbox / next_outbox_due / outbox_counts
// (outbox_table.cpp).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "gateway/store/message_table.hpp"

namespace homebase::gateway::store {

// Where a delivery stands: waiting for its first attempt, waiting to be tried again, done, or given up
// (a dead letter, requeued only by an operator).
enum class outbox_status { queued, retrying, sent, dead };

// What a row carries (outbox.kind, migration 13): the child's record as it is when sent, or the old medical
// home's last delivery after a transfer (built from the row's frozen `farewell` record).
enum class outbox_kind { record, transfer_out };
[[nodiscard]] std::string_view to_text(outbox_kind kind);

// The one mapping between a status and its text, as stored and as the admin API shows it.
[[nodiscard]] std::string_view to_text(outbox_status status);
[[nodiscard]] std::optional<outbox_status> outbox_status_from_text(std::string_view text);
// A routed message shows the state of its delivery.
[[nodiscard]] message_status message_status_of(outbox_status status);

struct attempt_row {
  std::string at;
  int http_status = 0;  // 0: no HTTP answer (connect error, timeout)
  std::string error;
  std::string response;  // destination's body (truncated)
};

struct outbox_row {
  std::int64_t id = 0;
  std::int64_t message_id = 0;
  std::int64_t child_id = 0;
  std::string destination;
  std::string header_id;   // of the message that queued it (due_outbox only)
  std::string partner_id;  // (due_outbox only)
  std::string request_id;  // the message's correlation id, sent as X-Request-Id (due_outbox only)
  outbox_status status = outbox_status::queued;
  int attempts = 0;
  std::int64_t next_attempt_ms = 0;
  std::int64_t queued_ms = 0;  // when it was queued or requeued: the retry period counts from here
  outbox_kind kind = outbox_kind::record;
  std::string farewell;  // transfer_out: the farewell record JSON (due_outbox, outbox_for_message)
  std::vector<attempt_row> history;
};

// What retarget_outbox moved.
struct retarget_count {
  std::int64_t deliveries = 0;         // outbox rows now for the new home
  std::vector<std::int64_t> messages;  // their messages
};

// Which deliveries POST /admin/messages/$replay queues again.
struct replay_filter {
  std::vector<outbox_status> statuses;  // dead, retrying, sent
  std::string destination;              // empty: every destination
  std::string received_from;            // the message's received_at, ISO 8601 UTC: >= this; empty: open
  std::string received_before;          // < this; empty: open
};
struct replay_count {
  std::int64_t deliveries = 0;            // outbox rows queued again
  std::int64_t messages = 0;              // distinct messages they belong to
  std::vector<std::string> destinations;  // distinct destinations (to wake their workers)
};
// Per destination: its undelivered and dead-lettered rows (GET /admin/status).
struct delivery_counts {
  std::string destination;
  std::int64_t queued = 0;
  std::int64_t retrying = 0;
  std::int64_t dead = 0;
  std::int64_t oldest_queued_ms = 0;  // the oldest undelivered row's queued_ms; 0 when none
};

}  // namespace homebase::gateway::store
