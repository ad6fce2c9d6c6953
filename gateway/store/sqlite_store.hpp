// sqlite_store: the gateway's durable state in one SQLite file (WAL, synchronous=FULL).
//
// Tables (schema in sqlite_store.cpp, numbered migrations applied at open):
//   children(id, record)                  the coordination model, one merged record per child
//   child_identifiers(system, value, child_id)
//   messages(id, bundle_id, header_id, partner_id, status, body, translation, route_note, ...): the
//     response sent to the partner is not stored; it is rebuilt from these (pipeline/response_message)
//   outbox(id, message_id, child_id, destination, status, attempts, next_attempt_ms, ...): "bring this
//     child's record to this destination"; the payload is built from the record when it is sent
//   attempts(id, outbox_id, at, http_status, error, response)
//   fhir_resources(seq, type, id, child_id, patient_id, status, version, last_updated, json, ...): the
//     resource index, what the medical home is sent for each child as FHIR resources (read API)
//   fhir_search_values(resource_seq, param, system, value, low, high): their search parameter values
//   coordination_due(child_id, due_ms): when a time-driven coordination rule must next run for the child
//   children.medical_home: the home the child is routed to (what a medical_home client may read)
//   auth_keys(name, key), auth_jti(iss, jti, expires_ms): SMART Backend Services (gateway/auth/auth_store)
//   audit_events(id, child_id?, ..., body): every AuditEvent, with its search columns (gateway/audit)
//
// Threads: one writer thread owns the write connection. `submit` queues a write job; the writer takes
// every job waiting (up to max_batch), runs each inside its own SAVEPOINT of one transaction, commits
// once (group commit: one fsync for the batch), and only then calls each job's completion, on the writer
// thread. Completions must be cheap (post to an executor). Reads use a separate connection guarded by a
// mutex and may run on any thread; WAL lets them proceed while the writer commits.
#pragma once

#include <sqlite3.h>

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "gateway/store/sqlite_statement.hpp"

namespace homebase::gateway::store {

struct identifier_key {
  std::string system;
  std::string value;
};

struct stored_message {
  std::int64_t id = 0;
  std::string bundle_id;
  std::string header_id;
  std::string partner_id;
  std::string event_code;
  std::string received_at;  // ISO 8601 UTC
  std::string status;       // unroutable | queued | retrying | sent | dead | rejected
  std::string destination;  // medical home id, empty when unroutable
  std::optional<std::int64_t> child_id;
  std::string translation;  // record_codec JSON of what this message said; kept only while unroutable
  std::string
      route_note;  // why the message was held (unroutable, or for patient matching); empty when routed
  std::string match_candidates;  // status held_for_match: the children it could be about, "3,5"
  // What the merge noted (pipeline/merge_notes encoding): part of the response, so kept for a repeat.
  std::string merge_notes;
};

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
  std::string header_id;   // of the message that queued it (next_outbox only)
  std::string partner_id;  // (next_outbox only)
  std::string record;      // the child's current record_codec JSON (next_outbox only)
  std::string status;      // queued | retrying | sent | dead
  int attempts = 0;
  std::int64_t next_attempt_ms = 0;
  std::int64_t queued_ms = 0;  // when it was queued or requeued: the retry period counts from here
  std::vector<attempt_row> history;
};

// ---- Delivery queue (issue 10): a window of children in flight per destination, FIFO per child ----
// Which deliveries POST /admin/messages/$replay queues again.
struct replay_filter {
  std::vector<std::string> statuses;  // outbox statuses: dead, retrying, sent
  std::string destination;            // empty: every destination
  std::string received_from;          // the message's received_at, ISO 8601 UTC: >= this; empty: open
  std::string received_before;        // < this; empty: open
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

// One value of a search parameter of an indexed resource: a token (system, value), a reference (target
// type, target id) or a date range [low, high) in UTC milliseconds.
struct index_value {
  std::string param;
  std::string system;
  std::string value;
  std::int64_t low = 0, high = 0;
};

// A row of the resource index.
struct indexed_resource {
  std::int64_t seq = 0;  // insertion order, never changes: the order of search results
  std::string type;
  std::string id;
  std::int64_t child_id = 0;
  std::string patient_id;  // the child's Patient resource id
  std::string status;
  std::int64_t version = 0;  // meta.versionId
  std::int64_t last_updated_ms = 0;
  std::string json;  // with meta
};

// What a writer stores for one resource whose content changed.
struct indexed_write {
  indexed_resource row;
  std::int64_t content_hash = 0;  // of the resource without meta: unchanged content keeps its version
  std::vector<index_value> values;
};

// A search of the index. Filters are AND-ed, the alternatives of one filter OR-ed (R4 search.html).
struct index_filter {
  enum class on { id, status, token, reference, date, last_updated };
  struct alternative {
    std::string system;  // token: "" with any_system false means "no system"; reference: target type or ""
    std::string value;   // token value (empty with match_value false: any value), id, status, reference id
    bool any_system = true;
    bool match_value = true;
    int prefix = 0;  // date, last_updated: a fhir::date_prefix, decided by fhir::date_matches
    std::int64_t low = 0, high = 0;
  };
  on what = on::id;
  std::string param;  // token, reference, date: the parameter's name in fhir_search_values
  std::vector<alternative> any_of;
};

struct index_search {
  std::string type;
  std::vector<index_filter> filters;
  int count = 20;
  std::int64_t after_seq = 0;  // paging: only rows after this one
  // Only resources of children routed to this medical home (a medical_home client); nullopt: all.
  std::optional<std::string> medical_home;
};

struct index_page {
  std::int64_t total = 0;
  std::vector<indexed_resource> rows;
  bool more = false;  // rows beyond this page
};

// The write side, valid only inside a job on the writer thread.
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
  void add_match_keys(std::int64_t child_id, const std::string& birth_date,
                      const std::vector<std::string>& tokens);
  // Sets a message's status, note and match candidates (held_for_match, or back from it).
  void hold_message(std::int64_t id, const std::string& status, const std::string& route_note,
                    const std::string& match_candidates);
  std::int64_t insert_message(const stored_message& m, std::string_view body);
  void update_message(std::int64_t id, const std::string& status, const std::string& destination,
                      std::optional<std::int64_t> child_id);
  // Also records `destination` as the child's medical home (set_child_home).
  std::int64_t insert_outbox(std::int64_t message_id, std::int64_t child_id, const std::string& destination,
                             std::int64_t due_ms);
  void record_attempt(std::int64_t outbox_id, const attempt_row& a, const std::string& new_status,
                      std::int64_t next_attempt_ms);
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
  [[nodiscard]] std::optional<index_version> indexed_version(const std::string& type, const std::string& id);
  // Inserts the row, or replaces the row at `prior_seq` (its seq stays), with its search values.
  void put_indexed(const indexed_write& w, std::optional<std::int64_t> prior_seq);

  // false after any statement failed; the job's savepoint is then rolled back.
  [[nodiscard]] bool ok() const { return ok_; }
  [[nodiscard]] const std::string& error() const { return error_; }

  // For the tables other units own (gateway/disclosure): the cached statement for `sql`, reset and with
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

class sqlite_store {
 public:
  // The job runs on the writer thread inside the batch transaction; returns false to roll back its changes.
  using job = std::function<bool(write_tx&)>;
  // Called on the writer thread after the batch committed (true) or failed (false).
  using completion = std::function<void(bool committed)>;

  struct options {
    std::string path;
    int max_batch = 256;
  };

  // Opens (creating if needed), applies migrations, starts the writer. Throws std::runtime_error at start-up.
  explicit sqlite_store(const options& opts);
  ~sqlite_store();
  sqlite_store(const sqlite_store&) = delete;
  sqlite_store& operator=(const sqlite_store&) = delete;

  // Queues a write; false when the store is stopping (the completion is then never called).
  bool submit(job work, completion done);
  // Stops accepting jobs, finishes those queued, joins the writer.
  void stop();

  // Reads (any thread).
  [[nodiscard]] std::vector<stored_message> list_messages(const std::string& status, int limit,
                                                          std::int64_t before_id);
  [[nodiscard]] std::optional<stored_message> get_message(std::int64_t id);
  [[nodiscard]] std::string get_message_body(std::int64_t id);
  [[nodiscard]] std::vector<outbox_row> outbox_for_message(std::int64_t message_id);
  // The oldest undelivered row of a destination (FIFO per destination) with its child's current record.
  [[nodiscard]] std::optional<outbox_row> next_outbox(const std::string& destination);
  // Delivery queue: up to `limit` rows of `destination` that are due by `now_ms` and are their child's
  // oldest undelivered row (FIFO per child), earliest due first; without the record.
  [[nodiscard]] std::vector<outbox_row> due_outbox(const std::string& destination, std::int64_t now_ms,
                                                   int limit);
  // The earliest next attempt after `after_ms` of an undelivered row of `destination`; nullopt: none.
  [[nodiscard]] std::optional<std::int64_t> next_outbox_due(const std::string& destination,
                                                            std::int64_t after_ms);
  // Undelivered and dead rows per destination (those with any), and messages by status (`unroutable`,
  // `held_for_match`: the ones that wait for a person).
  [[nodiscard]] std::vector<delivery_counts> outbox_counts();
  [[nodiscard]] std::int64_t count_messages(const std::string& status);
  // The resource index (read API).
  [[nodiscard]] std::optional<indexed_resource> get_indexed(const std::string& type, const std::string& id);
  // One page and the total, from one snapshot. nullopt when the store failed.
  [[nodiscard]] std::optional<index_page> search_indexed(const index_search& search);
  // The earliest coordination due time of any child (unix ms), and the children due by `now_ms`.
  [[nodiscard]] std::optional<std::int64_t> earliest_coordination_due();
  [[nodiscard]] std::vector<std::int64_t> coordination_due_children(std::int64_t now_ms, int limit);
  [[nodiscard]] bool healthy();
  // The medical home the child is routed to; empty when unrouted or unknown.
  [[nodiscard]] std::string child_home(std::int64_t child_id);
  // A child's stored record JSON (the read side of write_tx::child_record).
  [[nodiscard]] std::optional<std::string> read_child_record(std::int64_t child_id);
  // Runs `reader` with the read connection, under its mutex (reads of tables other units own).
  void read(const std::function<void(sqlite3*)>& reader);
  [[nodiscard]] int schema_version() const { return schema_version_; }
  // The version this binary's migrations produce.
  [[nodiscard]] static int latest_schema_version();

 private:
  void writer_loop();
  // One transaction for the batch, a SAVEPOINT per job; true when it committed. results[i]: job i's own
  // verdict.
  bool run_batch(std::vector<std::pair<job, completion>>& batch, std::vector<bool>& results);
  void checkpoint_loop();
  sqlite3* open_connection(const std::string& path, bool writer);

  // The read connection's cached statement for `sql`, reset (caller holds read_mutex_; reset it again
  // after use, so that it holds no snapshot). For the reads that run for every delivery.
  sqlite_statement& read_statement(const std::string& sql);

  sqlite3* write_db_ = nullptr;
  sqlite3* read_db_ = nullptr;
  std::mutex read_mutex_;  // guards read_db_ and read_statements_
  statement_cache read_statements_;
  int max_batch_;
  int schema_version_ = 0;

  std::mutex queue_mutex_;  // guards queue_ and stopping_
  std::condition_variable queue_cv_;
  std::deque<std::pair<job, completion>> queue_;
  bool stopping_ = false;
  std::thread writer_;
  statement_cache writer_statements_;  // writer thread only
  int wal_frames_ = 0;                 // writer thread only: WAL size after the last commit (wal hook)

  // WAL checkpoints run on their own connection and thread, so that copying pages back into the
  // database never stalls a commit (the writer's automatic checkpoints are off).
  sqlite3* checkpoint_db_ = nullptr;
  std::mutex checkpoint_mutex_;  // guards checkpoint_stop_
  std::condition_variable checkpoint_cv_;
  bool checkpoint_stop_ = false;
  std::thread checkpointer_;
};

[[nodiscard]] std::int64_t now_ms();

}  // namespace homebase::gateway::store
