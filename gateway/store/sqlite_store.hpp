// sqlite_store: the store's engine and its read side. The gateway's durable state is one SQLite file (WAL,
// synchronous=FULL); its tables are created by store/schema's numbered migrations at open, and each table
// family's SQL lives in its own unit:
//   message_table   messages, message_bodies      inbound messages and documents, their raw bodies
//   outbox_table    outbox, attempts              deliveries to medical homes, and each attempt
//   child_table     children, child_identifiers,  the coordination model (one merged record per child,
//                   child_match_keys              routed to one medical home), identifiers, match keys
//   resource_index  fhir_resources,               what each medical home is sent, as FHIR resources with
//                   fhir_search_values            their search values (the read API)
//   clock_table     coordination_due              when a child's time-driven rule must next run
//   auth_table      auth_keys, auth_jti           SMART Backend Services: our token key, assertion jtis seen
//   audit_table     audit_events                  every AuditEvent, with its search columns
//   consent_table   consents, consent_history     the family's Consents, every version
//   letter_table    school_letters                school letters and their delivery (letter_status)
//   read_back_table read_back_marks               the practice read-back's high-water mark per home
//
// The interface callers use speaks domain terms only: `submit` a job that receives a write_tx (write_tx.hpp),
// and the read methods below. A second backend provides the same two classes (docs/ARCHITECTURE.md,
// "Storage").
//
// Threads: one writer thread owns the write connection. `submit` queues a write job; the writer takes
// every job waiting (up to max_batch), runs each inside its own SAVEPOINT of one transaction, commits
// once (group commit: one fsync for the batch), and only then calls each job's completion, on the writer
// thread. Completions must be cheap (post to an executor). Reads use a separate connection guarded by a
// mutex and may run on any thread; WAL lets them proceed while the writer commits. A third connection
// runs WAL checkpoints on its own thread, so that copying pages back never stalls a commit.
#pragma once

#include <sqlite3.h>

#include <array>
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "gateway/store/write_tx.hpp"

namespace homebase::gateway::store {

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
  [[nodiscard]] std::vector<stored_message> list_messages(std::optional<message_status> status, int limit,
                                                          std::int64_t before_id);
  [[nodiscard]] std::vector<stored_message> list_messages(const message_filter& filter);
  [[nodiscard]] std::optional<stored_message> get_message(std::int64_t id);
  [[nodiscard]] std::string get_message_body(std::int64_t id);
  [[nodiscard]] std::vector<outbox_row> outbox_for_message(std::int64_t message_id);
  // Delivery queue: up to `limit` rows of `destination` that are due by `now_ms` and are their child's
  // oldest undelivered row (FIFO per child), earliest due first.
  [[nodiscard]] std::vector<outbox_row> due_outbox(const std::string& destination, std::int64_t now_ms,
                                                   int limit);
  // The earliest next attempt after `after_ms` of an undelivered row of `destination`; nullopt: none.
  [[nodiscard]] std::optional<std::int64_t> next_outbox_due(const std::string& destination,
                                                            std::int64_t after_ms);
  // Undelivered and dead rows per destination (those with any), and messages by status (`unroutable`,
  // `held_for_match`: the ones that wait for a person).
  [[nodiscard]] std::vector<delivery_counts> outbox_counts();
  [[nodiscard]] std::int64_t count_messages(message_status status);
  // The resource index (read API).
  [[nodiscard]] std::optional<indexed_resource> get_indexed(const std::string& type, const std::string& id);
  // One page and the total, from one snapshot. nullopt when the store failed.
  [[nodiscard]] std::optional<index_page> search_indexed(const index_search& search);
  // The earliest coordination due time of any child (unix ms), and the children due by `now_ms`.
  [[nodiscard]] std::optional<std::int64_t> earliest_coordination_due();
  [[nodiscard]] std::vector<std::int64_t> coordination_due_children(std::int64_t now_ms, int limit);
  // One child's next coordination due time (unix ms): when the scheduler runs its time-driven rules again;
  // nullopt: no clock is pending (or the read failed).
  [[nodiscard]] std::optional<std::int64_t> child_coordination_due(std::int64_t child_id);
  [[nodiscard]] bool healthy();
  // The medical home the child is routed to; empty when unrouted or unknown.
  [[nodiscard]] std::string child_home(std::int64_t child_id);
  // A child's stored record JSON (the read side of write_tx::child_record).
  [[nodiscard]] std::optional<std::string> read_child_record(std::int64_t child_id);
  // For the table units inside store/ only (auth, audit, consent, letter): runs `reader` with the read
  // connection, under its mutex.
  void read(const std::function<void(sqlite3*)>& reader);
  // Group commit so far (read-only statistics, for gateway/metrics): batches committed or failed, the jobs
  // in them, and batches by size: batch_buckets[i] counts batches of at most batch_size_bounds[i] jobs
  // (and more than the bound before it); the last counts the larger ones. Any thread.
  static constexpr std::array<int, 9> batch_size_bounds{1, 2, 4, 8, 16, 32, 64, 128, 256};
  struct writer_statistics {
    std::uint64_t batches = 0;
    std::uint64_t jobs = 0;
    std::array<std::uint64_t, batch_size_bounds.size() + 1> batch_buckets{};
  };
  [[nodiscard]] writer_statistics statistics() const;

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
  // statistics(): written by the writer thread, read by any.
  std::atomic<std::uint64_t> batches_{0};
  std::atomic<std::uint64_t> batch_jobs_{0};
  std::array<std::atomic<std::uint64_t>, batch_size_bounds.size() + 1> batch_buckets_{};
  int wal_frames_ = 0;             // writer thread only: WAL size after the last commit (wal hook)
  std::int64_t page_size_ = 4096;  // the database's page size, read at open

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
