#include "gateway/store/outbox_table.hpp"

#include <map>
#include <set>
#include <string>
#include <string_view>
#include <utility>

#include "fhir/fhir_time.hpp"
#include "gateway/store/sqlite_statement.hpp"
#include "gateway/store/sqlite_store.hpp"
#include "gateway/store/write_tx.hpp"

namespace homebase::gateway::store {
namespace {

constexpr std::pair<outbox_status, std::string_view> outbox_status_texts[] = {
    {outbox_status::queued, "queued"},
    {outbox_status::retrying, "retrying"},
    {outbox_status::sent, "sent"},
    {outbox_status::dead, "dead"},
};

// Only to_text writes the column; any other text (a foreign or damaged database) reads as a dead letter,
// which an operator sees and may replay, rather than as something to send.
outbox_status status_of(std::string_view text) {
  return outbox_status_from_text(text).value_or(outbox_status::dead);
}

}  // namespace

std::string_view to_text(outbox_status status) {
  for (const auto& [value, text] : outbox_status_texts)
    if (value == status) return text;
  return "dead";
}

std::optional<outbox_status> outbox_status_from_text(std::string_view text) {
  for (const auto& [value, name] : outbox_status_texts)
    if (name == text) return value;
  return std::nullopt;
}

std::string_view to_text(outbox_kind kind) {
  return kind == outbox_kind::transfer_out ? "transfer_out" : "record";
}

message_status message_status_of(outbox_status status) {
  switch (status) {
    case outbox_status::queued:
      return message_status::queued;
    case outbox_status::retrying:
      return message_status::retrying;
    case outbox_status::sent:
      return message_status::sent;
    case outbox_status::dead:
      break;
  }
  return message_status::dead;
}

std::int64_t write_tx::insert_outbox(std::int64_t message_id, std::int64_t child_id,
                                     const std::string& destination, std::int64_t due_ms) {
  auto& s = prepare(
      "INSERT INTO outbox(message_id, child_id, destination, status, next_attempt_ms, updated_at, queued_ms) "
      "VALUES(?1, ?2, ?3, 'queued', ?4, ?5, ?4)");
  s.bind(1, message_id)
      .bind(2, child_id)
      .bind(3, destination)
      .bind(4, due_ms)
      .bind(5, fhir::format_instant(now_ms()));
  if (!check(s.step(), "insert outbox")) return 0;
  auto row = sqlite3_last_insert_rowid(db_);
  // The child belongs to the home its record goes to (a medical_home client's view).
  set_child_home(child_id, destination);
  return row;
}

std::int64_t write_tx::insert_farewell_outbox(std::int64_t message_id, std::int64_t child_id,
                                              const std::string& destination, const std::string& farewell,
                                              std::int64_t due_ms) {
  auto& s = prepare(
      "INSERT INTO outbox(message_id, child_id, destination, status, next_attempt_ms, updated_at, queued_ms, "
      "kind, farewell) VALUES(?1, ?2, ?3, 'queued', ?4, ?5, ?4, 'transfer_out', ?6)");
  s.bind(1, message_id)
      .bind(2, child_id)
      .bind(3, destination)
      .bind(4, due_ms)
      .bind(5, fhir::format_instant(now_ms()))
      .bind(6, farewell);
  if (!check(s.step(), "insert farewell outbox")) return 0;
  return sqlite3_last_insert_rowid(db_);
}

retarget_count write_tx::retarget_outbox(std::int64_t child_id, const std::string& from,
                                         const std::string& to, std::int64_t due_ms) {
  retarget_count count;
  // Undelivered rows (outbox_child_pending), then dead letters (outbox_dead): the WHERE terms as the
  // partial indexes have them.
  auto& pending = prepare(
      "UPDATE outbox SET destination = ?3, status = 'queued', attempts = 0, next_attempt_ms = ?4, "
      "queued_ms = ?4, updated_at = ?5 WHERE child_id = ?1 AND destination = ?2 AND "
      "status IN ('queued', 'retrying') AND kind = 'record' RETURNING message_id");
  auto& dead = prepare(
      "UPDATE outbox SET destination = ?3, updated_at = ?5 WHERE destination = ?2 AND status = 'dead' "
      "AND child_id = ?1 AND kind = 'record' RETURNING message_id");
  std::set<std::int64_t> messages;
  for (auto* s : {&pending, &dead}) {
    s->bind(1, child_id).bind(2, from).bind(3, to).bind(4, due_ms).bind(5, fhir::format_instant(due_ms));
    int rc = SQLITE_ROW;
    while ((rc = s->step()) == SQLITE_ROW) {
      ++count.deliveries;
      messages.insert(s->column_int(0));
    }
    s->reset();
    if (!check(rc, "retarget outbox")) return count;
  }
  auto& m = prepare("UPDATE messages SET destination = ?1 WHERE id = ?2 AND destination = ?3");
  for (auto id : messages) {
    m.reset();
    m.bind(1, to).bind(2, id).bind(3, from);
    check(m.step(), "retarget message");
  }
  count.messages.assign(messages.begin(), messages.end());
  return count;
}

bool write_tx::move_outbox_row(std::int64_t outbox_id, const std::string& from, const std::string& to,
                               std::int64_t due_ms) {
  auto& s = prepare(
      "UPDATE outbox SET destination = ?3, next_attempt_ms = ?4, updated_at = ?5 WHERE id = ?1 AND "
      "destination = ?2 AND status IN ('queued', 'retrying') AND kind = 'record'");
  s.bind(1, outbox_id).bind(2, from).bind(3, to).bind(4, due_ms).bind(5, fhir::format_instant(due_ms));
  if (!check(s.step(), "move outbox row")) return false;
  if (sqlite3_changes(db_) == 0) return false;
  auto& m = prepare(
      "UPDATE messages SET destination = ?1 WHERE id = (SELECT message_id FROM outbox WHERE id = ?2) "
      "AND destination = ?3");
  m.bind(1, to).bind(2, outbox_id).bind(3, from);
  check(m.step(), "move message");
  return true;
}

void write_tx::record_attempt(std::int64_t outbox_id, const attempt_row& a, outbox_status new_status,
                              std::int64_t next_attempt_ms, const std::string& destination) {
  auto& ins = prepare(
      "INSERT INTO attempts(outbox_id, at, http_status, error, response) "
      "VALUES(?1, ?2, ?3, ?4, ?5)");
  ins.bind(1, outbox_id).bind(2, a.at).bind(3, static_cast<std::int64_t>(a.http_status)).bind(4, a.error);
  ins.bind(5, a.response);
  check(ins.step(), "insert attempt");
  auto& upd = prepare(
      "UPDATE outbox SET status = ?1, attempts = attempts + 1, next_attempt_ms = ?2, "
      "updated_at = ?3 WHERE id = ?4 AND (?5 = '' OR destination = ?5)");
  upd.bind(1, to_text(new_status))
      .bind(2, next_attempt_ms)
      .bind(3, a.at)
      .bind(4, outbox_id)
      .bind(5, destination);
  check(upd.step(), "update outbox");
  if (sqlite3_changes(db_) == 0) return;  // re-targeted meanwhile: still undelivered for its new home
  // Only a change (SQLite rewrites the whole row). The message shows its record deliveries; an old home's
  // last delivery after a transfer does not change it.
  auto& msg = prepare(
      "UPDATE messages SET status = ?1 WHERE id = (SELECT message_id FROM outbox WHERE id = ?2 AND "
      "kind = 'record') AND status <> ?1");
  msg.bind(1, to_text(message_status_of(new_status))).bind(2, outbox_id);
  check(msg.step(), "update message status");
}

void write_tx::record_round_trip(std::int64_t outbox_id, const attempt_row& a) {
  auto& ins = prepare(
      "INSERT INTO attempts(outbox_id, at, http_status, error, response) "
      "VALUES(?1, ?2, ?3, ?4, ?5)");
  ins.bind(1, outbox_id).bind(2, a.at).bind(3, static_cast<std::int64_t>(a.http_status)).bind(4, a.error);
  ins.bind(5, a.response);
  check(ins.step(), "insert round trip");
}

int write_tx::requeue_outbox(std::int64_t message_id, std::int64_t due_ms) {
  auto& s = prepare(
      "UPDATE outbox SET status = 'queued', attempts = 0, next_attempt_ms = ?1, updated_at = ?2, "
      "queued_ms = ?1 WHERE message_id = ?3 AND status = 'dead'");
  s.bind(1, due_ms).bind(2, fhir::format_instant(now_ms())).bind(3, message_id);
  check(s.step(), "requeue outbox");
  int changed = sqlite3_changes(db_);
  if (changed > 0) {
    auto& m = prepare("UPDATE messages SET status = 'queued' WHERE id = ?1");
    m.bind(1, message_id);
    check(m.step(), "requeue message");
  }
  return changed;
}

replay_count write_tx::replay_outbox(const replay_filter& f, std::int64_t due_ms) {
  replay_count count;
  if (f.statuses.empty()) return count;
  // The SQL depends on which filters are set (and how many statuses), so it is built and not cached.
  std::string sql =
      "UPDATE outbox SET status = 'queued', attempts = 0, next_attempt_ms = ?1, queued_ms = ?1, "
      "updated_at = ?2 WHERE status IN (";
  std::vector<std::string> args;
  for (std::size_t i = 0; i < f.statuses.size(); ++i) {
    sql += (i ? ", ?" : "?") + std::to_string(args.size() + 3);
    args.emplace_back(to_text(f.statuses[i]));
  }
  sql += ")";
  if (!f.destination.empty()) {
    sql += " AND destination = ?" + std::to_string(args.size() + 3);
    args.push_back(f.destination);
  }
  if (!f.received_from.empty() || !f.received_before.empty()) {
    sql += " AND message_id IN (SELECT m.id FROM messages m WHERE 1";
    if (!f.received_from.empty()) {
      sql += " AND m.received_at >= ?" + std::to_string(args.size() + 3);
      args.push_back(f.received_from);
    }
    if (!f.received_before.empty()) {
      sql += " AND m.received_at < ?" + std::to_string(args.size() + 3);
      args.push_back(f.received_before);
    }
    sql += ")";
  }
  sql += " RETURNING message_id, destination";
  sqlite_statement s(db_, sql);
  if (!s.valid()) {
    check(SQLITE_ERROR, "prepare replay");
    return count;
  }
  s.bind(1, due_ms).bind(2, fhir::format_instant(due_ms));
  for (std::size_t i = 0; i < args.size(); ++i) s.bind(static_cast<int>(i + 3), args[i]);
  std::set<std::int64_t> messages;
  std::set<std::string> destinations;
  int rc = SQLITE_ROW;
  while ((rc = s.step()) == SQLITE_ROW) {
    ++count.deliveries;
    messages.insert(s.column_int(0));
    destinations.insert(s.column_text(1));
  }
  if (!check(rc, "replay outbox")) return count;
  auto& m = prepare("UPDATE messages SET status = 'queued' WHERE id = ?1");
  for (auto id : messages) {
    m.reset();
    m.bind(1, id);
    check(m.step(), "replay message");
  }
  count.messages = static_cast<std::int64_t>(messages.size());
  count.destinations.assign(destinations.begin(), destinations.end());
  return count;
}

std::vector<outbox_row> sqlite_store::outbox_for_message(std::int64_t message_id) {
  std::lock_guard lock(read_mutex_);
  std::vector<outbox_row> out;
  sqlite_statement s(read_db_,
                     "SELECT id, destination, status, attempts, next_attempt_ms, kind, farewell FROM outbox "
                     "WHERE message_id = ?1 ORDER BY id");
  s.bind(1, message_id);
  while (s.step() == SQLITE_ROW) {
    outbox_row r;
    r.id = s.column_int(0);
    r.message_id = message_id;
    r.destination = s.column_text(1);
    r.status = status_of(s.column_text(2));
    r.attempts = static_cast<int>(s.column_int(3));
    r.next_attempt_ms = s.column_int(4);
    r.kind = s.column_text(5) == "transfer_out" ? outbox_kind::transfer_out : outbox_kind::record;
    if (r.kind == outbox_kind::transfer_out) r.farewell = s.column_text(6);
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

std::vector<outbox_row> sqlite_store::due_outbox(const std::string& destination, std::int64_t now_ms,
                                                 int limit) {
  std::lock_guard lock(read_mutex_);
  // A row is due and the oldest undelivered one of its child for this destination (outbox_due, then
  // outbox_child_pending for the older row); the partial indexes need their WHERE terms written alike.
  auto& s = read_statement(
      "SELECT o.id, o.message_id, o.child_id, o.status, o.attempts, o.next_attempt_ms, o.queued_ms, "
      "m.header_id, m.partner_id, m.request_id, o.kind, o.farewell FROM outbox o "
      "JOIN messages m ON m.id = o.message_id "
      "WHERE o.destination = ?1 AND o.status IN ('queued', 'retrying') AND o.next_attempt_ms <= ?2 "
      "AND NOT EXISTS (SELECT 1 FROM outbox p WHERE p.child_id = o.child_id AND p.destination = ?1 "
      "AND p.status IN ('queued', 'retrying') AND p.id < o.id) "
      "ORDER BY o.next_attempt_ms, o.id LIMIT ?3");
  std::vector<outbox_row> out;
  if (!s.valid()) return out;
  s.bind(1, destination).bind(2, now_ms).bind(3, static_cast<std::int64_t>(limit));
  while (s.step() == SQLITE_ROW) {
    outbox_row r;
    r.id = s.column_int(0);
    r.message_id = s.column_int(1);
    r.child_id = s.column_int(2);
    r.destination = destination;
    r.status = status_of(s.column_text(3));
    r.attempts = static_cast<int>(s.column_int(4));
    r.next_attempt_ms = s.column_int(5);
    r.queued_ms = s.column_int(6);
    r.header_id = s.column_text(7);
    r.partner_id = s.column_text(8);
    r.request_id = s.column_text(9);
    r.kind = s.column_text(10) == "transfer_out" ? outbox_kind::transfer_out : outbox_kind::record;
    if (r.kind == outbox_kind::transfer_out) r.farewell = s.column_text(11);
    out.push_back(std::move(r));
  }
  s.reset();
  return out;
}

std::optional<std::int64_t> sqlite_store::next_outbox_due(const std::string& destination,
                                                          std::int64_t after_ms) {
  std::lock_guard lock(read_mutex_);
  auto& s = read_statement(
      "SELECT MIN(next_attempt_ms) FROM outbox WHERE destination = ?1 AND "
      "status IN ('queued', 'retrying') AND next_attempt_ms > ?2");
  s.bind(1, destination).bind(2, after_ms);
  std::optional<std::int64_t> due;
  if (s.valid() && s.step() == SQLITE_ROW && !s.column_null(0)) due = s.column_int(0);
  s.reset();
  return due;
}

std::vector<delivery_counts> sqlite_store::outbox_counts() {
  std::lock_guard lock(read_mutex_);
  std::map<std::string, delivery_counts> by_destination;
  sqlite_statement pending(read_db_,
                           "SELECT destination, status, COUNT(*), MIN(queued_ms) FROM outbox "
                           "WHERE status IN ('queued', 'retrying') GROUP BY destination, status");
  while (pending.step() == SQLITE_ROW) {
    auto& c = by_destination[pending.column_text(0)];
    (status_of(pending.column_text(1)) == outbox_status::queued ? c.queued : c.retrying) =
        pending.column_int(2);
    auto oldest = pending.column_int(3);
    if (c.oldest_queued_ms == 0 || oldest < c.oldest_queued_ms) c.oldest_queued_ms = oldest;
  }
  sqlite_statement dead(
      read_db_, "SELECT destination, COUNT(*) FROM outbox WHERE status = 'dead' GROUP BY destination");
  while (dead.step() == SQLITE_ROW) by_destination[dead.column_text(0)].dead = dead.column_int(1);
  std::vector<delivery_counts> out;
  for (auto& [destination, c] : by_destination) {
    c.destination = destination;
    out.push_back(std::move(c));
  }
  return out;
}

}  // namespace homebase::gateway::store
