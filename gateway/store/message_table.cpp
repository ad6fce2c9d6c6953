#include "gateway/store/message_table.hpp"

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

#include "gateway/store/sqlite_statement.hpp"
#include "gateway/store/sqlite_store.hpp"
#include "gateway/store/write_tx.hpp"

namespace homebase::gateway::store {

namespace {

constexpr std::pair<message_status, std::string_view> message_status_texts[] = {
    {message_status::unroutable, "unroutable"},
    {message_status::held_for_match, "held_for_match"},
    {message_status::queued, "queued"},
    {message_status::retrying, "retrying"},
    {message_status::sent, "sent"},
    {message_status::dead, "dead"},
};

constexpr const char* message_columns =
    "id, bundle_id, header_id, partner_id, event_code, received_at, status, destination, child_id, "
    "translation, route_note, match_candidates, merge_notes";

stored_message read_message(const sqlite_statement& s) {
  stored_message m;
  m.id = s.column_int(0);
  m.bundle_id = s.column_text(1);
  m.header_id = s.column_text(2);
  m.partner_id = s.column_text(3);
  m.event_code = s.column_text(4);
  m.received_at = s.column_text(5);
  // Only to_text writes this column; any other text (a foreign or damaged database) shows the message as
  // unroutable, so that it waits for an operator instead of being sent or dropped.
  m.status = message_status_from_text(s.column_text(6)).value_or(message_status::unroutable);
  m.destination = s.column_text(7);
  if (!s.column_null(8)) m.child_id = s.column_int(8);
  m.translation = s.column_text(9);
  m.route_note = s.column_text(10);
  m.match_candidates = s.column_text(11);
  m.merge_notes = s.column_text(12);
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

std::string_view to_text(message_status status) {
  for (const auto& [value, text] : message_status_texts)
    if (value == status) return text;
  return "unroutable";
}

std::optional<message_status> message_status_from_text(std::string_view text) {
  for (const auto& [value, name] : message_status_texts)
    if (name == text) return value;
  return std::nullopt;
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
  auto& s = prepare("SELECT body FROM message_bodies WHERE message_id = ?1");
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

std::int64_t write_tx::insert_message(const stored_message& m, std::string_view body) {
  auto& s = prepare(
      "INSERT INTO messages(bundle_id, header_id, partner_id, event_code, received_at, status, "
      "destination, child_id, translation, route_note, match_candidates, merge_notes, request_id) "
      "VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)");
  s.bind(1, m.bundle_id)
      .bind(2, m.header_id)
      .bind(3, m.partner_id)
      .bind(4, m.event_code)
      .bind(5, m.received_at);
  s.bind(6, to_text(m.status)).bind(7, m.destination);
  if (m.child_id)
    s.bind(8, *m.child_id);
  else
    s.bind_null(8);
  s.bind(9, m.translation).bind(10, m.route_note).bind(11, m.match_candidates).bind(12, m.merge_notes);
  s.bind(13, m.request_id);
  if (!check(s.step(), "insert message")) return 0;
  auto id = sqlite3_last_insert_rowid(db_);
  auto& b = prepare("INSERT INTO message_bodies(message_id, body) VALUES(?1, ?2)");
  b.bind(1, id).bind_borrowed(2, body);
  auto rc = b.step();
  b.reset();  // drop the borrowed body before the caller can free it
  if (!check(rc, "insert message body")) return 0;
  return id;
}

void write_tx::update_message(std::int64_t id, message_status status, const std::string& destination,
                              std::optional<std::int64_t> child_id) {
  auto& s = prepare(
      "UPDATE messages SET status = ?1, destination = ?2, child_id = COALESCE(?3, child_id) "
      "WHERE id = ?4");
  s.bind(1, to_text(status)).bind(2, destination);
  if (child_id)
    s.bind(3, *child_id);
  else
    s.bind_null(3);
  s.bind(4, id);
  check(s.step(), "update message");
}

std::optional<std::int64_t> write_tx::latest_message_of_child(std::int64_t child_id) {
  auto& s = prepare("SELECT MAX(id) FROM messages WHERE child_id = ?1");
  s.bind(1, child_id);
  auto rc = s.step();
  std::optional<std::int64_t> id;
  if (rc == SQLITE_ROW && !s.column_null(0))
    id = s.column_int(0);
  else
    check(rc, "select latest message");
  s.reset();
  return id;
}

std::vector<stored_message> sqlite_store::list_messages(std::optional<message_status> status, int limit,
                                                        std::int64_t before_id) {
  message_filter f;
  f.status = status;
  f.limit = limit;
  f.before_id = before_id;
  return list_messages(f);
}

std::vector<stored_message> sqlite_store::list_messages(const message_filter& f) {
  std::lock_guard lock(read_mutex_);
  std::string sql = std::string("SELECT ") + message_columns + " FROM messages WHERE id < ?1";
  if (f.status) sql += " AND status = ?3";
  if (!f.partner_id.empty()) sql += " AND partner_id = ?4";
  if (!f.event_code.empty()) sql += " AND event_code = ?5";
  if (!f.destination.empty()) sql += " AND destination = ?6";
  if (f.child_id) sql += " AND child_id = ?7";
  if (!f.received_from.empty()) sql += " AND received_at >= ?8";
  if (!f.received_before.empty()) sql += " AND received_at < ?9";
  sql += " ORDER BY id DESC LIMIT ?2";
  sqlite_statement s(read_db_, sql);
  std::vector<stored_message> out;
  if (!s.valid()) return out;
  s.bind(1, f.before_id > 0 ? f.before_id : INT64_MAX).bind(2, static_cast<std::int64_t>(f.limit));
  if (f.status) s.bind(3, to_text(*f.status));
  if (!f.partner_id.empty()) s.bind(4, f.partner_id);
  if (!f.event_code.empty()) s.bind(5, f.event_code);
  if (!f.destination.empty()) s.bind(6, f.destination);
  if (f.child_id) s.bind(7, *f.child_id);
  if (!f.received_from.empty()) s.bind(8, f.received_from);
  if (!f.received_before.empty()) s.bind(9, f.received_before);
  while (s.step() == SQLITE_ROW) out.push_back(read_message(s));
  return out;
}

std::optional<stored_message> sqlite_store::get_message(std::int64_t id) {
  std::lock_guard lock(read_mutex_);
  return one_message(read_db_, "id = ?1", id);
}

std::string sqlite_store::get_message_body(std::int64_t id) {
  std::lock_guard lock(read_mutex_);
  sqlite_statement s(read_db_, "SELECT body FROM message_bodies WHERE message_id = ?1");
  s.bind(1, id);
  return s.step() == SQLITE_ROW ? s.column_text(0) : std::string();
}

std::int64_t sqlite_store::count_messages(message_status status) {
  std::lock_guard lock(read_mutex_);
  sqlite_statement s(read_db_, "SELECT COUNT(*) FROM messages WHERE status = ?1");
  s.bind(1, to_text(status));
  return s.valid() && s.step() == SQLITE_ROW ? s.column_int(0) : 0;
}

}  // namespace homebase::gateway::store
