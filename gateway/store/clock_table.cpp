// clock_table: the `coordination_due` table, when a time-driven coordination rule must next run for each
// child (one row per child; scheduler/clock_scheduler fires them). Implements write_tx's coordination_due /
// set_coordination_due and sqlite_store's earliest_coordination_due / coordination_due_children /
// child_coordination_due.
#include <optional>
#include <vector>

#include "gateway/store/sqlite_statement.hpp"
#include "gateway/store/sqlite_store.hpp"
#include "gateway/store/write_tx.hpp"

namespace homebase::gateway::store {

std::optional<std::int64_t> write_tx::coordination_due(std::int64_t child_id) {
  auto& s = prepare("SELECT due_ms FROM coordination_due WHERE child_id = ?1");
  s.bind(1, child_id);
  auto rc = s.step();
  std::optional<std::int64_t> due;
  if (rc == SQLITE_ROW)
    due = s.column_int(0);
  else
    check(rc, "select coordination due");
  s.reset();
  return due;
}

void write_tx::set_coordination_due(std::int64_t child_id, std::optional<std::int64_t> due_ms) {
  if (due_ms) {
    auto& s = prepare(
        "INSERT INTO coordination_due(child_id, due_ms) VALUES(?1, ?2) "
        "ON CONFLICT(child_id) DO UPDATE SET due_ms = excluded.due_ms");
    s.bind(1, child_id).bind(2, *due_ms);
    check(s.step(), "set coordination due");
  } else {
    auto& s = prepare("DELETE FROM coordination_due WHERE child_id = ?1");
    s.bind(1, child_id);
    check(s.step(), "clear coordination due");
  }
}

std::optional<std::int64_t> sqlite_store::earliest_coordination_due() {
  std::lock_guard lock(read_mutex_);
  sqlite_statement s(read_db_, "SELECT MIN(due_ms) FROM coordination_due");
  if (s.step() != SQLITE_ROW || s.column_null(0)) return std::nullopt;
  return s.column_int(0);
}

std::vector<std::int64_t> sqlite_store::coordination_due_children(std::int64_t now_ms, int limit) {
  std::lock_guard lock(read_mutex_);
  sqlite_statement s(read_db_,
                     "SELECT child_id FROM coordination_due WHERE due_ms <= ?1 ORDER BY due_ms, child_id "
                     "LIMIT ?2");
  s.bind(1, now_ms).bind(2, static_cast<std::int64_t>(limit));
  std::vector<std::int64_t> out;
  while (s.step() == SQLITE_ROW) out.push_back(s.column_int(0));
  return out;
}

std::optional<std::int64_t> sqlite_store::child_coordination_due(std::int64_t child_id) {
  std::lock_guard lock(read_mutex_);
  sqlite_statement s(read_db_, "SELECT due_ms FROM coordination_due WHERE child_id = ?1");
  s.bind(1, child_id);
  if (!s.valid() || s.step() != SQLITE_ROW || s.column_null(0)) return std::nullopt;
  return s.column_int(0);
}

}  // namespace homebase::gateway::store
