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
  std::string route_note;   // why the message was held as unroutable when it arrived; empty when routed
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
  std::vector<attempt_row> history;
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
  std::int64_t insert_message(const stored_message& m, std::string_view body);
  void update_message(std::int64_t id, const std::string& status, const std::string& destination,
                      std::optional<std::int64_t> child_id);
  std::int64_t insert_outbox(std::int64_t message_id, std::int64_t child_id, const std::string& destination,
                             std::int64_t due_ms);
  void record_attempt(std::int64_t outbox_id, const attempt_row& a, const std::string& new_status,
                      std::int64_t next_attempt_ms);
  // Requeues dead rows of a message; returns how many.
  int requeue_outbox(std::int64_t message_id, std::int64_t due_ms);

  // false after any statement failed; the job's savepoint is then rolled back.
  [[nodiscard]] bool ok() const { return ok_; }
  [[nodiscard]] const std::string& error() const { return error_; }

 private:
  bool check(int rc, const char* what);
  // The cached statement for `sql`, reset and with no bindings.
  sqlite_statement& prepare(const std::string& sql);
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
  [[nodiscard]] bool healthy();
  [[nodiscard]] int schema_version() const { return schema_version_; }

 private:
  void writer_loop();
  // One transaction for the batch, a SAVEPOINT per job; true when it committed. results[i]: job i's own
  // verdict.
  bool run_batch(std::vector<std::pair<job, completion>>& batch, std::vector<bool>& results);
  void checkpoint_loop();
  sqlite3* open_connection(const std::string& path, bool writer);

  sqlite3* write_db_ = nullptr;
  sqlite3* read_db_ = nullptr;
  std::mutex read_mutex_;  // guards read_db_
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
[[nodiscard]] std::string iso_utc(std::int64_t unix_ms);

}  // namespace homebase::gateway::store
