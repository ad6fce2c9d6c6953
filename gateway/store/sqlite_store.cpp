#include "gateway/store/sqlite_store.hpp"

#include <chrono>
#include <stdexcept>

#include "gateway/store/resource_index.hpp"
#include "gateway/store/schema.hpp"
#include "gateway/store/sqlite_statement.hpp"

namespace homebase::gateway::store {
namespace {

// Past this WAL size the writer completes a checkpoint itself, so that the WAL restarts; below it the
// checkpoint thread does the copying (at ~100 KB of pages per message a lower threshold made the writer do
// it after every batch).
constexpr std::int64_t wal_restart_bytes = 32 << 20;

}  // namespace

int sqlite_store::latest_schema_version() {
  return store::latest_schema_version();
}

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

sqlite3* sqlite_store::open_connection(const std::string& path, bool writer) {
  sqlite3* db = nullptr;
  int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | (writer ? SQLITE_OPEN_CREATE : 0);
  if (sqlite3_open_v2(path.c_str(), &db, flags, nullptr) != SQLITE_OK) {
    std::string message = db != nullptr ? sqlite3_errmsg(db) : "out of memory";
    sqlite3_close(db);
    throw std::runtime_error("store: cannot open " + path + ": " + message);
  }
  sqlite3_busy_timeout(db, 5000);
  std::string error;
  // Automatic checkpoints are off: checkpoint_loop copies, and the writer completes a checkpoint only past
  // wal_restart_bytes. Readers never write.
  // A new database gets 16 KiB pages (an existing one keeps its size): a WAL frame is one write call per
  // page, and this VM's system calls are dear. The writer keeps 32 MiB of pages, so that the B-trees the
  // resource index writes at random stay in memory instead of being read back (bench/README.md, "Intake speed
  // with everything on").
  const char* pragmas = writer ? "PRAGMA page_size=16384; PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
                                 "PRAGMA foreign_keys=ON; PRAGMA wal_autocheckpoint=0;"
                                 "PRAGMA journal_size_limit=67108864; PRAGMA cache_size=-32768;"
                               : "PRAGMA foreign_keys=ON; PRAGMA wal_autocheckpoint=0;";
  if (exec(db, pragmas, &error) != SQLITE_OK) {
    sqlite3_close(db);
    throw std::runtime_error("store: " + error);
  }
  return db;
}

sqlite_store::sqlite_store(const options& opts) : max_batch_(opts.max_batch) {
  // A start-up failure (a newer schema, a failed migration) throws: the connections opened so far are
  // closed first, since the destructor will not run.
  try {
    write_db_ = open_connection(opts.path, true);
    schema_version_ = migrate(write_db_);
    {
      sqlite_statement s(write_db_, "PRAGMA page_size");
      if (s.step() == SQLITE_ROW) page_size_ = s.column_int(0);
    }
    read_db_ = open_connection(opts.path, false);
    if (!detail::register_search_functions(read_db_))
      throw std::runtime_error("store: cannot register date_match");
    checkpoint_db_ = open_connection(opts.path, false);
    sqlite3_wal_hook(
        write_db_,
        [](void* self, sqlite3*, const char*, int frames) {
          static_cast<sqlite_store*>(self)->wal_frames_ = frames;
          return SQLITE_OK;
        },
        this);
    writer_ = std::thread([this] { writer_loop(); });
    checkpointer_ = std::thread([this] { checkpoint_loop(); });
  } catch (...) {
    sqlite3_close_v2(checkpoint_db_);
    sqlite3_close_v2(read_db_);
    sqlite3_close_v2(write_db_);
    throw;
  }
}

sqlite_store::~sqlite_store() {
  stop();
  writer_statements_.clear();
  read_statements_.clear();
  sqlite3_close_v2(checkpoint_db_);
  sqlite3_close_v2(read_db_);
  sqlite3_close_v2(write_db_);
}

bool sqlite_store::submit(job work, completion done) {
  {
    std::lock_guard lock(queue_mutex_);
    if (stopping_) return false;
    queue_.emplace_back(std::move(work), std::move(done));
  }
  queue_cv_.notify_one();
  return true;
}

void sqlite_store::stop() {
  {
    std::lock_guard lock(queue_mutex_);
    stopping_ = true;
  }
  queue_cv_.notify_all();
  if (writer_.joinable()) writer_.join();
  {
    std::lock_guard lock(checkpoint_mutex_);
    checkpoint_stop_ = true;
  }
  checkpoint_cv_.notify_all();
  if (checkpointer_.joinable()) checkpointer_.join();
}

void sqlite_store::checkpoint_loop() {
  // PASSIVE checkpoints copy committed WAL frames into the database without blocking the writer or the
  // readers; once a checkpoint has caught up, the next write transaction restarts the WAL from its start.
  std::unique_lock lock(checkpoint_mutex_);
  while (!checkpoint_stop_) {
    checkpoint_cv_.wait_for(lock, std::chrono::milliseconds(50));
    lock.unlock();
    int wal_frames = 0, copied = 0;
    sqlite3_wal_checkpoint_v2(checkpoint_db_, nullptr, SQLITE_CHECKPOINT_PASSIVE, &wal_frames, &copied);
    lock.lock();
  }
  lock.unlock();
  sqlite3_wal_checkpoint_v2(checkpoint_db_, nullptr, SQLITE_CHECKPOINT_TRUNCATE, nullptr, nullptr);
}

bool sqlite_store::run_batch(std::vector<std::pair<job, completion>>& batch, std::vector<bool>& results) {
  results.assign(batch.size(), false);
  if (exec(write_db_, "BEGIN IMMEDIATE") != SQLITE_OK) return false;
  // Any statement that fails in a way SQLite answers by rolling back the whole transaction (disk full,
  // I/O error, out of memory) leaves autocommit on: then nothing of the batch is kept, and it must not
  // be reported otherwise.
  auto in_transaction = [this] { return sqlite3_get_autocommit(write_db_) == 0; };
  bool intact = true;
  for (std::size_t i = 0; i < batch.size() && intact; ++i) {
    if (exec(write_db_, "SAVEPOINT job") != SQLITE_OK) {
      intact = false;
      break;
    }
    write_tx tx(write_db_, writer_statements_);
    bool ok = false;
    try {
      ok = batch[i].first(tx) && tx.ok();
    } catch (const std::exception&) {
      ok = false;  // e.g. bad_alloc in a job: that job fails, the others go on
    }
    if (!ok && exec(write_db_, "ROLLBACK TO job") != SQLITE_OK) intact = false;
    if (intact && exec(write_db_, "RELEASE job") != SQLITE_OK) intact = false;
    intact = intact && in_transaction();
    results[i] = ok;
  }
  if (intact && exec(write_db_, "COMMIT") == SQLITE_OK) return true;
  if (in_transaction()) exec(write_db_, "ROLLBACK");
  return false;
}

sqlite_store::writer_statistics sqlite_store::statistics() const {
  writer_statistics s;
  s.batches = batches_.load(std::memory_order_relaxed);
  s.jobs = batch_jobs_.load(std::memory_order_relaxed);
  for (std::size_t i = 0; i < batch_buckets_.size(); ++i)
    s.batch_buckets[i] = batch_buckets_[i].load(std::memory_order_relaxed);
  return s;
}

void sqlite_store::writer_loop() {
  std::vector<std::pair<job, completion>> batch;
  std::vector<bool> results;
  for (;;) {
    {
      std::unique_lock lock(queue_mutex_);
      queue_cv_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (queue_.empty() && stopping_) return;
      while (!queue_.empty() && static_cast<int>(batch.size()) < max_batch_) {
        batch.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
    }
    {
      auto n = batch.size();
      batches_.fetch_add(1, std::memory_order_relaxed);
      batch_jobs_.fetch_add(n, std::memory_order_relaxed);
      std::size_t bucket = 0;
      while (bucket < batch_size_bounds.size() && n > static_cast<std::size_t>(batch_size_bounds[bucket]))
        ++bucket;
      batch_buckets_[bucket].fetch_add(1, std::memory_order_relaxed);
    }
    bool committed = run_batch(batch, results);
    // The checkpoint thread copies most frames while the writer goes on; when the WAL has grown past the
    // threshold the writer completes a checkpoint itself (only the frames not yet copied), so that the
    // next transaction restarts the WAL from its beginning and it stays bounded.
    if (static_cast<std::int64_t>(wal_frames_) * page_size_ > wal_restart_bytes) {
      sqlite3_wal_checkpoint_v2(write_db_, nullptr, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
      wal_frames_ = 0;
    }
    for (std::size_t i = 0; i < batch.size(); ++i)
      if (batch[i].second) batch[i].second(committed && results[i]);
    batch.clear();
  }
}

void sqlite_store::read(const std::function<void(sqlite3*)>& reader) {
  std::lock_guard lock(read_mutex_);
  reader(read_db_);
}

sqlite_statement& sqlite_store::read_statement(const std::string& sql) {
  auto it = read_statements_.find(sql);
  if (it == read_statements_.end()) it = read_statements_.emplace(sql, sqlite_statement(read_db_, sql)).first;
  it->second.reset();
  return it->second;
}

bool sqlite_store::healthy() {
  std::lock_guard lock(read_mutex_);
  sqlite_statement s(read_db_, "SELECT COUNT(*) FROM schema_version");
  return s.valid() && s.step() == SQLITE_ROW;
}

}  // namespace homebase::gateway::store
