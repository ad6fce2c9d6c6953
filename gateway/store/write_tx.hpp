// write_tx: the write side of the store, valid only inside a job on the writer thread (sqlite_store::submit).
// Its methods speak domain terms; each table unit implements its own (message_table, outbox_table,
// child_table, resource_index, clock_table). A job's failed statement marks the tx failed, and the job's
// SAVEPOINT is rolled back.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "gateway/store/child_table.hpp"
#include "gateway/store/message_table.hpp"
#include "gateway/store/outbox_table.hpp"
#include "gateway/store/resource_index.hpp"
#include "gateway/store/sqlite_statement.hpp"

namespace homebase::gateway::store {

// Prepared statements of the writer connection, keyed by their SQL; owned by the writer thread.
using statement_cache = std::unordered_map<std::string, sqlite_statement>;

class write_tx {
 public:
  write_tx(sqlite3* db, statement_cache& cache);

  // Message ids are unique within one partner's message stream (messaging.html §1.3), not across partners.
  [[nodiscard]] std::optional<stored_message> message_by_header(const std::string& partner_id,
                                                                const std::string& header_id);
  [[nodiscard]] std::optional<stored_message> message_by_bundle(const std::string& partner_id,
                                                                const std::string& bundle_id);
  [[nodiscard]] std::optional<stored_message> message_by_id(std::int64_t id);
  [[nodiscard]] std::string message_body(std::int64_t id);
  // The child any of these identifiers belongs to, with its stored record JSON.
  [[nodiscard]] std::optional<std::pair<std::int64_t, std::string>> find_child(
      const std::vector<identifier_key>& identifiers);
  // Inserts (id empty) or updates a child; links every identifier to it. Returns the child id.
  std::int64_t save_child(std::optional<std::int64_t> id, const std::string& record,
                          const std::vector<identifier_key>& identifiers);
  // Every child that any of these identifiers belongs to (distinct), with its record JSON.
  [[nodiscard]] std::vector<std::pair<std::int64_t, std::string>> find_children(
      const std::vector<identifier_key>& identifiers);
  // Children born on `birth_date` that have any of the match keys `tokens` (mappers::model::match_keys).
  [[nodiscard]] std::vector<std::pair<std::int64_t, std::string>> children_matching(
      const std::string& birth_date, const std::vector<std::string>& tokens);
  [[nodiscard]] std::optional<std::string> child_record(std::int64_t child_id);
  // The medical home the child is routed to (children.medical_home): what a medical_home client may see.
  void set_child_home(std::int64_t child_id, const std::string& medical_home);
  [[nodiscard]] std::string child_home(std::int64_t child_id);
  // The child's medical home and the operator's override ($transfer), in one read.
  [[nodiscard]] child_routing child_routing_of(std::int64_t child_id);
  // Pins the child to `medical_home` ('' clears the pin): it outranks every routing signal of the record.
  void set_child_home_override(std::int64_t child_id, const std::string& medical_home);
  void add_match_keys(std::int64_t child_id, const std::string& birth_date,
                      const std::vector<std::string>& tokens);
  std::int64_t insert_message(const stored_message& m, std::string_view body);
  void update_message(std::int64_t id, message_status status, const std::string& destination,
                      std::optional<std::int64_t> child_id);
  // Also records `destination` as the child's medical home (set_child_home).
  std::int64_t insert_outbox(std::int64_t message_id, std::int64_t child_id, const std::string& destination,
                             std::int64_t due_ms);
  // The attempt is always kept; the row's status (and its message's) changes only while the row is still
  // for `destination` (when given): a row re-targeted by a transfer while its POST was in flight stays
  // undelivered for its new home.
  void record_attempt(std::int64_t outbox_id, const attempt_row& a, outbox_status new_status,
                      std::int64_t next_attempt_ms, const std::string& destination = {});
  // One more round trip within an attempt (a 412 answered by a read-back and a retry): an attempts row
  // only; the outbox row's count and status are the attempt's (record_attempt).
  void record_round_trip(std::int64_t outbox_id, const attempt_row& a);
  // The old home's last delivery after a transfer (kind transfer_out, built from `farewell`); unlike
  // insert_outbox, it does not make `destination` the child's home.
  std::int64_t insert_farewell_outbox(std::int64_t message_id, std::int64_t child_id,
                                      const std::string& destination, const std::string& farewell,
                                      std::int64_t due_ms);
  // Moves the child's undelivered and dead-lettered record rows for `from` to `to` (due at `due_ms`, the
  // retry period counted again; dead ones stay dead, for an operator's replay at the new home), and their
  // messages' destination. Rows already sent stay as they are.
  retarget_count retarget_outbox(std::int64_t child_id, const std::string& from, const std::string& to,
                                 std::int64_t due_ms);
  // One undelivered row, still for `from`, moved to `to` (a lane found the child homed elsewhere).
  bool move_outbox_row(std::int64_t outbox_id, const std::string& from, const std::string& to,
                       std::int64_t due_ms);
  // The child's next coordination due time (unix ms); nullopt: no clock pending.
  [[nodiscard]] std::optional<std::int64_t> coordination_due(std::int64_t child_id);
  // Sets (or, with nullopt, clears) the child's next coordination due time.
  void set_coordination_due(std::int64_t child_id, std::optional<std::int64_t> due_ms);
  // The newest message about the child: an outbox row the scheduler queues refers to it.
  [[nodiscard]] std::optional<std::int64_t> latest_message_of_child(std::int64_t child_id);
  // Requeues dead rows of a message; returns how many.
  int requeue_outbox(std::int64_t message_id, std::int64_t due_ms);
  // Queues again, as new (no attempts, due and counted from `due_ms`), every outbox row the filter selects;
  // each message of theirs becomes `queued`.
  replay_count replay_outbox(const replay_filter& filter, std::int64_t due_ms);
  // The index row of (type, id): its seq, version and content hash.
  struct index_version {
    std::int64_t seq = 0;
    std::int64_t version = 0;
    std::int64_t content_hash = 0;
  };
  // The rows of these keys (out[i] for keys[i]; nullopt: not indexed), a few keys per statement.
  [[nodiscard]] std::vector<std::optional<index_version>> indexed_versions(
      const std::vector<resource_key>& keys);
  [[nodiscard]] std::optional<index_version> indexed_version(const std::string& type, const std::string& id);
  // Inserts each new row and replaces each row at its prior_seq (the seq stays), with their search values.
  void put_indexed(const std::vector<indexed_write>& writes);
  // One row (tests and single writes): the row at `prior_seq`, or a new one.
  void put_indexed(const indexed_write& w, std::optional<std::int64_t> prior_seq);

  // false after any statement failed; the job's savepoint is then rolled back.
  [[nodiscard]] bool ok() const { return ok_; }
  [[nodiscard]] const std::string& error() const { return error_; }

  // For the table units inside store/ only: the cached statement for `sql`, reset and with
  // no bindings; and `check` records a failed step so that the job rolls back.
  sqlite_statement& prepare(const std::string& sql);
  bool check(int rc, const char* what);
  [[nodiscard]] std::int64_t last_insert_id() const { return sqlite3_last_insert_rowid(db_); }
  [[nodiscard]] int changes() const { return sqlite3_changes(db_); }

 private:
  std::optional<stored_message> one_message(const std::string& where, const std::string* text,
                                            std::int64_t number, const std::string* partner_id = nullptr);
  sqlite3* db_;
  statement_cache& cache_;
  bool ok_ = true;
  std::string error_;
};

}  // namespace homebase::gateway::store
