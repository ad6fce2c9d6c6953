#include "gateway/store/sqlite_store.hpp"

#include <chrono>
#include <ctime>
#include <stdexcept>

#include "gateway/store/sqlite_statement.hpp"

namespace homebase::gateway::store {
namespace {

// Numbered migrations: index + 1 is the schema version it produces. Never edit one that has shipped;
// append a new one.
constexpr const char* migrations[] = {
    // 1: coordination model, inbox, outbox, delivery attempts.
    R"sql(
CREATE TABLE children(
  id INTEGER PRIMARY KEY,
  record TEXT NOT NULL,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL);
CREATE TABLE child_identifiers(
  system TEXT NOT NULL,
  value TEXT NOT NULL,
  child_id INTEGER NOT NULL REFERENCES children(id),
  PRIMARY KEY(system, value)) WITHOUT ROWID;
CREATE TABLE messages(
  id INTEGER PRIMARY KEY,
  bundle_id TEXT NOT NULL,
  header_id TEXT NOT NULL,
  partner_id TEXT NOT NULL,
  event_code TEXT NOT NULL,
  received_at TEXT NOT NULL,
  status TEXT NOT NULL,
  destination TEXT NOT NULL DEFAULT '',
  child_id INTEGER REFERENCES children(id),
  body BLOB NOT NULL,
  translation TEXT NOT NULL,
  route_note TEXT NOT NULL);
CREATE UNIQUE INDEX messages_header ON messages(partner_id, header_id);
CREATE INDEX messages_bundle ON messages(partner_id, bundle_id);
CREATE INDEX messages_status ON messages(status, id);
CREATE TABLE outbox(
  id INTEGER PRIMARY KEY,
  message_id INTEGER NOT NULL REFERENCES messages(id),
  child_id INTEGER NOT NULL REFERENCES children(id),
  destination TEXT NOT NULL,
  status TEXT NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt_ms INTEGER NOT NULL,
  updated_at TEXT NOT NULL);
CREATE INDEX outbox_pending ON outbox(destination, id) WHERE status IN ('queued', 'retrying');
CREATE INDEX outbox_message ON outbox(message_id);
CREATE TABLE attempts(
  id INTEGER PRIMARY KEY,
  outbox_id INTEGER NOT NULL REFERENCES outbox(id),
  at TEXT NOT NULL,
  http_status INTEGER NOT NULL,
  error TEXT NOT NULL,
  response TEXT NOT NULL);
CREATE INDEX attempts_outbox ON attempts(outbox_id);
)sql",
    // inbound (issue 4): what the merge said about a message (a referral transition refused, a
    // medication conflict), kept so that a repeat gets the same response.
    R"sql(
ALTER TABLE messages ADD COLUMN merge_notes TEXT NOT NULL DEFAULT '';
)sql",
};
constexpr int latest_version = sizeof(migrations) / sizeof(migrations[0]);
constexpr int wal_restart_frames = 1024;  // 4 MiB of 4 KiB pages

constexpr const char* message_columns =
    "id, bundle_id, header_id, partner_id, event_code, received_at, status, destination, child_id, "
    "translation, "
    "route_note, merge_notes";

stored_message read_message(const sqlite_statement& s) {
  stored_message m;
  m.id = s.column_int(0);
  m.bundle_id = s.column_text(1);
  m.header_id = s.column_text(2);
  m.partner_id = s.column_text(3);
  m.event_code = s.column_text(4);
  m.received_at = s.column_text(5);
  m.status = s.column_text(6);
  m.destination = s.column_text(7);
  if (!s.column_null(8)) m.child_id = s.column_int(8);
  m.translation = s.column_text(9);
  m.route_note = s.column_text(10);
  m.merge_notes = s.column_text(11);
  return m;
}

std::optional<stored_message> one_message(sqlite3* db, const std::string& where, auto bind_value) {
  sqlite_statement s(db, std::string("SELECT ") + message_columns + " FROM messages WHERE " + where);
  if (!s.valid()) return std::nullopt;
  s.bind(1, bind_value);
  if (s.step() != SQLITE_ROW) return std::nullopt;
  return read_message(s);
}

}  // namespace

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string iso_utc(std::int64_t unix_ms) {
  std::time_t seconds = static_cast<std::time_t>(unix_ms / 1000);
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                static_cast<int>(unix_ms % 1000));
  return buffer;
}

// ---- write_tx ----

write_tx::write_tx(sqlite3* db, statement_cache& cache) : db_(db), cache_(cache) {}

sqlite_statement& write_tx::prepare(const std::string& sql) {
  auto it = cache_.find(sql);
  if (it == cache_.end()) it = cache_.emplace(sql, sqlite_statement(db_, sql)).first;
  if (!it->second.valid()) check(SQLITE_ERROR, sql.c_str());
  it->second.reset();
  return it->second;
}

std::optional<stored_message> write_tx::one_message(const std::string& where, const std::string* text,
                                                    std::int64_t number, const std::string* partner_id) {
  auto& s = prepare(std::string("SELECT ") + message_columns + " FROM messages WHERE " + where);
  if (!s.valid()) return std::nullopt;
  if (text != nullptr)
    s.bind(1, *text);
  else
    s.bind(1, number);
  if (partner_id != nullptr) s.bind(2, *partner_id);
  auto rc = s.step();
  if (rc != SQLITE_ROW) {
    check(rc, "select message");
    return std::nullopt;
  }
  auto m = read_message(s);
  s.reset();
  return m;
}

bool write_tx::check(int rc, const char* what) {
  if (rc == SQLITE_OK || rc == SQLITE_DONE || rc == SQLITE_ROW) return true;
  if (ok_) error_ = std::string(what) + ": " + sqlite3_errmsg(db_);
  ok_ = false;
  return false;
}

std::optional<stored_message> write_tx::message_by_header(const std::string& partner_id,
                                                          const std::string& header_id) {
  return one_message("partner_id = ?2 AND header_id = ?1", &header_id, 0, &partner_id);
}

std::optional<stored_message> write_tx::message_by_bundle(const std::string& partner_id,
                                                          const std::string& bundle_id) {
  return one_message("partner_id = ?2 AND bundle_id = ?1 ORDER BY id LIMIT 1", &bundle_id, 0, &partner_id);
}

std::optional<stored_message> write_tx::message_by_id(std::int64_t id) {
  return one_message("id = ?1", nullptr, id);
}

std::string write_tx::message_body(std::int64_t id) {
  auto& s = prepare("SELECT body FROM messages WHERE id = ?1");
  s.bind(1, id);
  std::string body;
  auto rc = s.step();
  if (rc == SQLITE_ROW)
    body = s.column_text(0);
  else
    check(rc, "select body");
  s.reset();
  return body;
}

std::optional<std::pair<std::int64_t, std::string>> write_tx::find_child(
    const std::vector<identifier_key>& identifiers) {
  auto& s = prepare(
      "SELECT c.id, c.record FROM child_identifiers i JOIN children c ON c.id = i.child_id "
      "WHERE i.system = ?1 AND i.value = ?2");
  for (const auto& id : identifiers) {
    s.reset();
    s.bind(1, id.system).bind(2, id.value);
    if (s.step() == SQLITE_ROW) {
      auto found = std::make_pair(s.column_int(0), s.column_text(1));
      s.reset();
      return found;
    }
  }
  return std::nullopt;
}

std::int64_t write_tx::save_child(std::optional<std::int64_t> id, const std::string& record,
                                  const std::vector<identifier_key>& identifiers) {
  auto now = iso_utc(now_ms());
  std::int64_t child_id = 0;
  if (id) {
    auto& s = prepare("UPDATE children SET record = ?1, updated_at = ?2 WHERE id = ?3");
    s.bind(1, record).bind(2, now).bind(3, *id);
    check(s.step(), "update child");
    child_id = *id;
  } else {
    auto& s = prepare("INSERT INTO children(record, created_at, updated_at) VALUES(?1, ?2, ?2)");
    s.bind(1, record).bind(2, now);
    check(s.step(), "insert child");
    child_id = sqlite3_last_insert_rowid(db_);
  }
  auto& link = prepare("INSERT OR IGNORE INTO child_identifiers(system, value, child_id) VALUES(?1, ?2, ?3)");
  for (const auto& key : identifiers) {
    link.reset();
    link.bind(1, key.system).bind(2, key.value).bind(3, child_id);
    check(link.step(), "link child identifier");
  }
  return child_id;
}

std::int64_t write_tx::insert_message(const stored_message& m, std::string_view body) {
  auto& s = prepare(
      "INSERT INTO messages(bundle_id, header_id, partner_id, event_code, received_at, status, "
      "destination, child_id, body, translation, route_note, merge_notes) "
      "VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)");
  s.bind(1, m.bundle_id)
      .bind(2, m.header_id)
      .bind(3, m.partner_id)
      .bind(4, m.event_code)
      .bind(5, m.received_at);
  s.bind(6, m.status).bind(7, m.destination);
  if (m.child_id)
    s.bind(8, *m.child_id);
  else
    s.bind_null(8);
  s.bind_borrowed(9, body).bind(10, m.translation).bind(11, m.route_note).bind(12, m.merge_notes);
  auto rc = s.step();
  s.reset();  // drop the borrowed body before the caller can free it
  if (!check(rc, "insert message")) return 0;
  return sqlite3_last_insert_rowid(db_);
}

void write_tx::update_message(std::int64_t id, const std::string& status, const std::string& destination,
                              std::optional<std::int64_t> child_id) {
  auto& s = prepare(
      "UPDATE messages SET status = ?1, destination = ?2, child_id = COALESCE(?3, child_id) "
      "WHERE id = ?4");
  s.bind(1, status).bind(2, destination);
  if (child_id)
    s.bind(3, *child_id);
  else
    s.bind_null(3);
  s.bind(4, id);
  check(s.step(), "update message");
}

std::int64_t write_tx::insert_outbox(std::int64_t message_id, std::int64_t child_id,
                                     const std::string& destination, std::int64_t due_ms) {
  auto& s = prepare(
      "INSERT INTO outbox(message_id, child_id, destination, status, next_attempt_ms, updated_at) "
      "VALUES(?1, ?2, ?3, 'queued', ?4, ?5)");
  s.bind(1, message_id).bind(2, child_id).bind(3, destination).bind(4, due_ms).bind(5, iso_utc(now_ms()));
  if (!check(s.step(), "insert outbox")) return 0;
  return sqlite3_last_insert_rowid(db_);
}

void write_tx::record_attempt(std::int64_t outbox_id, const attempt_row& a, const std::string& new_status,
                              std::int64_t next_attempt_ms) {
  auto& ins = prepare(
      "INSERT INTO attempts(outbox_id, at, http_status, error, response) "
      "VALUES(?1, ?2, ?3, ?4, ?5)");
  ins.bind(1, outbox_id).bind(2, a.at).bind(3, static_cast<std::int64_t>(a.http_status)).bind(4, a.error);
  ins.bind(5, a.response);
  check(ins.step(), "insert attempt");
  auto& upd = prepare(
      "UPDATE outbox SET status = ?1, attempts = attempts + 1, next_attempt_ms = ?2, "
      "updated_at = ?3 WHERE id = ?4");
  upd.bind(1, new_status).bind(2, next_attempt_ms).bind(3, a.at).bind(4, outbox_id);
  check(upd.step(), "update outbox");
  auto& msg =
      prepare("UPDATE messages SET status = ?1 WHERE id = (SELECT message_id FROM outbox WHERE id = ?2)");
  msg.bind(1, new_status).bind(2, outbox_id);
  check(msg.step(), "update message status");
}

int write_tx::requeue_outbox(std::int64_t message_id, std::int64_t due_ms) {
  auto& s = prepare(
      "UPDATE outbox SET status = 'queued', attempts = 0, next_attempt_ms = ?1, updated_at = ?2 "
      "WHERE message_id = ?3 AND status = 'dead'");
  s.bind(1, due_ms).bind(2, iso_utc(now_ms())).bind(3, message_id);
  check(s.step(), "requeue outbox");
  int changed = sqlite3_changes(db_);
  if (changed > 0) {
    auto& m = prepare("UPDATE messages SET status = 'queued' WHERE id = ?1");
    m.bind(1, message_id);
    check(m.step(), "requeue message");
  }
  return changed;
}

// ---- sqlite_store ----

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
  // The writer never checkpoints by itself (checkpoint_loop does), readers never write.
  const char* pragmas = writer ? "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;"
                                 "PRAGMA wal_autocheckpoint=0; PRAGMA journal_size_limit=67108864;"
                               : "PRAGMA foreign_keys=ON; PRAGMA wal_autocheckpoint=0;";
  if (exec(db, pragmas, &error) != SQLITE_OK) {
    sqlite3_close(db);
    throw std::runtime_error("store: " + error);
  }
  return db;
}

sqlite_store::sqlite_store(const options& opts) : max_batch_(opts.max_batch) {
  write_db_ = open_connection(opts.path, true);
  std::string error;
  exec(write_db_, "CREATE TABLE IF NOT EXISTS schema_version(version INTEGER NOT NULL)");
  {
    sqlite_statement s(write_db_, "SELECT COALESCE(MAX(version), 0) FROM schema_version");
    if (s.step() == SQLITE_ROW) schema_version_ = static_cast<int>(s.column_int(0));
  }
  if (schema_version_ > latest_version)
    throw std::runtime_error("store: database schema version " + std::to_string(schema_version_) +
                             " is newer than this gateway (" + std::to_string(latest_version) + ")");
  for (int v = schema_version_; v < latest_version; ++v) {
    std::string sql = std::string("BEGIN IMMEDIATE;") + migrations[v] +
                      "INSERT INTO schema_version(version) VALUES(" + std::to_string(v + 1) + ");COMMIT;";
    if (exec(write_db_, sql.c_str(), &error) != SQLITE_OK) {
      exec(write_db_, "ROLLBACK");
      throw std::runtime_error("store: migration " + std::to_string(v + 1) + " failed: " + error);
    }
    schema_version_ = v + 1;
  }
  read_db_ = open_connection(opts.path, false);
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
}

sqlite_store::~sqlite_store() {
  stop();
  writer_statements_.clear();
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
    bool committed = run_batch(batch, results);
    // The checkpoint thread copies most frames while the writer goes on; when the WAL has grown past the
    // threshold the writer completes a checkpoint itself (only the frames not yet copied), so that the
    // next transaction restarts the WAL from its beginning and it stays bounded.
    if (wal_frames_ > wal_restart_frames) {
      sqlite3_wal_checkpoint_v2(write_db_, nullptr, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
      wal_frames_ = 0;
    }
    for (std::size_t i = 0; i < batch.size(); ++i)
      if (batch[i].second) batch[i].second(committed && results[i]);
    batch.clear();
  }
}

std::vector<stored_message> sqlite_store::list_messages(const std::string& status, int limit,
                                                        std::int64_t before_id) {
  std::lock_guard lock(read_mutex_);
  std::string sql = std::string("SELECT ") + message_columns + " FROM messages WHERE id < ?1" +
                    (status.empty() ? "" : " AND status = ?3") + " ORDER BY id DESC LIMIT ?2";
  sqlite_statement s(read_db_, sql);
  std::vector<stored_message> out;
  if (!s.valid()) return out;
  s.bind(1, before_id > 0 ? before_id : INT64_MAX).bind(2, static_cast<std::int64_t>(limit));
  if (!status.empty()) s.bind(3, status);
  while (s.step() == SQLITE_ROW) out.push_back(read_message(s));
  return out;
}

std::optional<stored_message> sqlite_store::get_message(std::int64_t id) {
  std::lock_guard lock(read_mutex_);
  return one_message(read_db_, "id = ?1", id);
}

std::string sqlite_store::get_message_body(std::int64_t id) {
  std::lock_guard lock(read_mutex_);
  sqlite_statement s(read_db_, "SELECT body FROM messages WHERE id = ?1");
  s.bind(1, id);
  return s.step() == SQLITE_ROW ? s.column_text(0) : std::string();
}

std::vector<outbox_row> sqlite_store::outbox_for_message(std::int64_t message_id) {
  std::lock_guard lock(read_mutex_);
  std::vector<outbox_row> out;
  sqlite_statement s(read_db_,
                     "SELECT id, destination, status, attempts, next_attempt_ms FROM outbox "
                     "WHERE message_id = ?1 ORDER BY id");
  s.bind(1, message_id);
  while (s.step() == SQLITE_ROW) {
    outbox_row r;
    r.id = s.column_int(0);
    r.message_id = message_id;
    r.destination = s.column_text(1);
    r.status = s.column_text(2);
    r.attempts = static_cast<int>(s.column_int(3));
    r.next_attempt_ms = s.column_int(4);
    out.push_back(std::move(r));
  }
  sqlite_statement a(
      read_db_, "SELECT at, http_status, error, response FROM attempts WHERE outbox_id = ?1 ORDER BY id");
  for (auto& r : out) {
    a.reset();
    a.bind(1, r.id);
    while (a.step() == SQLITE_ROW)
      r.history.push_back(
          {a.column_text(0), static_cast<int>(a.column_int(1)), a.column_text(2), a.column_text(3)});
  }
  return out;
}

std::optional<outbox_row> sqlite_store::next_outbox(const std::string& destination) {
  std::lock_guard lock(read_mutex_);
  sqlite_statement s(
      read_db_,
      "SELECT o.id, o.message_id, o.child_id, o.status, o.attempts, o.next_attempt_ms, m.header_id, "
      "m.partner_id, c.record FROM outbox o JOIN messages m ON m.id = o.message_id "
      "JOIN children c ON c.id = o.child_id "
      "WHERE o.destination = ?1 AND o.status IN ('queued', 'retrying') ORDER BY o.id LIMIT 1");
  s.bind(1, destination);
  if (s.step() != SQLITE_ROW) return std::nullopt;
  outbox_row r;
  r.id = s.column_int(0);
  r.message_id = s.column_int(1);
  r.child_id = s.column_int(2);
  r.destination = destination;
  r.status = s.column_text(3);
  r.attempts = static_cast<int>(s.column_int(4));
  r.next_attempt_ms = s.column_int(5);
  r.header_id = s.column_text(6);
  r.partner_id = s.column_text(7);
  r.record = s.column_text(8);
  return r;
}

bool sqlite_store::healthy() {
  std::lock_guard lock(read_mutex_);
  sqlite_statement s(read_db_, "SELECT COUNT(*) FROM schema_version");
  return s.valid() && s.step() == SQLITE_ROW;
}

}  // namespace homebase::gateway::store
