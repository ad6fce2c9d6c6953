// message_table: the `messages` table, one row per inbound message or document (status, destination,
// routing note, what the merge noted; its translation only while unroutable), and `message_bodies`, its raw
// body, written once: a delivery attempt updates the message's status without rewriting ~40 KB beside it.
// The response sent to the partner is not stored: pipeline/response_message rebuilds it from these.
// Implements write_tx's message_* / insert_message / update_message /
// latest_message_of_child and sqlite_store's list_messages / get_message / get_message_body /
// count_messages (message_table.cpp).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace homebase::gateway::store {

// Where a message stands. A routed message shows its delivery's state (outbox_status); `unroutable` and
// `held_for_match` wait for an operator (POST /admin/messages/{id}/$retry, $match).
enum class message_status { unroutable, held_for_match, queued, retrying, sent, dead };

// The one mapping between a status and its text, as stored and as the admin API shows and filters it.
[[nodiscard]] std::string_view to_text(message_status status);
[[nodiscard]] std::optional<message_status> message_status_from_text(std::string_view text);

struct stored_message {
  std::int64_t id = 0;
  std::string bundle_id;
  std::string header_id;
  std::string partner_id;
  std::string event_code;
  std::string received_at;  // ISO 8601 UTC
  message_status status = message_status::queued;
  std::string destination;  // medical home id, empty when unroutable
  std::optional<std::int64_t> child_id;
  std::string translation;  // record_codec JSON of what this message said; kept only while unroutable
  std::string
      route_note;  // why the message was held (unroutable, or for patient matching); empty when routed
  std::string match_candidates;  // status held_for_match: the children it could be about, "3,5"
  // What the merge noted (pipeline/merge_notes encoding): part of the response, so kept for a repeat.
  std::string merge_notes;
  std::string request_id;  // the correlation id of the request that brought it (X-Request-Id)
};

// Which messages list_messages returns (the message browser): every criterion given must hold.
struct message_filter {
  std::optional<message_status> status;
  std::string partner_id;
  std::string event_code;
  std::string destination;  // medical home id
  std::optional<std::int64_t> child_id;
  std::string received_from;    // received_at (ISO 8601 UTC) >= this; empty: open
  std::string received_before;  // < this; empty: open
  int limit = 50;
  std::int64_t before_id = 0;  // only ids below this (paging, newest first); 0: from the newest
};

}  // namespace homebase::gateway::store
