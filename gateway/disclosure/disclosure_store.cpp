#include "gateway/disclosure/disclosure_store.hpp"

#include <climits>

namespace homebase::gateway::disclosure {
namespace {

constexpr const char* letter_columns =
    "id, child_id, school_id, kind, request, status, reason, consent_id, attempts, next_attempt_ms, "
    "document, "
    "response, created_at, updated_at, sent_at";

letter_row read_letter_row(const store::sqlite_statement& s) {
  letter_row r;
  r.id = s.column_int(0);
  r.child_id = s.column_int(1);
  r.school_id = s.column_text(2);
  r.kind = s.column_text(3);
  r.request = s.column_text(4);
  r.status = s.column_text(5);
  r.reason = s.column_text(6);
  if (!s.column_null(7)) r.consent_id = s.column_int(7);
  r.attempts = static_cast<int>(s.column_int(8));
  r.next_attempt_ms = s.column_int(9);
  r.document = s.column_text(10);
  r.response = s.column_text(11);
  r.created_at = s.column_text(12);
  r.updated_at = s.column_text(13);
  r.sent_at = s.column_text(14);
  return r;
}

consent_row read_consent_row(const store::sqlite_statement& s) {
  return {s.column_int(0),  s.column_int(1), s.column_text(2), static_cast<int>(s.column_int(3)),
          s.column_text(4), s.column_text(5)};
}

constexpr const char* consent_columns = "id, child_id, status, version, body, received_at";

}  // namespace

std::int64_t insert_consent(store::write_tx& tx, std::int64_t child_id, const std::string& status,
                            const std::string& body, const std::string& now) {
  auto& s = tx.prepare(
      "INSERT INTO consents(child_id, status, version, body, received_at, updated_at) VALUES(?1, ?2, 1, ?3, "
      "?4, ?4)");
  s.bind(1, child_id).bind(2, status).bind(3, body).bind(4, now);
  if (!tx.check(s.step(), "insert consent")) return 0;
  auto id = tx.last_insert_id();
  auto& h =
      tx.prepare("INSERT INTO consent_history(consent_id, version, body, received_at) VALUES(?1, 1, ?2, ?3)");
  h.bind(1, id).bind(2, body).bind(3, now);
  tx.check(h.step(), "insert consent history");
  return id;
}

std::optional<consent_row> find_consent(store::write_tx& tx, std::int64_t id) {
  auto& s = tx.prepare(std::string("SELECT ") + consent_columns + " FROM consents WHERE id = ?1");
  s.bind(1, id);
  if (s.step() != SQLITE_ROW) return std::nullopt;
  auto r = read_consent_row(s);
  s.reset();
  return r;
}

void update_consent(store::write_tx& tx, std::int64_t id, const std::string& status, const std::string& body,
                    const std::string& now) {
  auto& s = tx.prepare(
      "UPDATE consents SET status = ?1, body = ?2, version = version + 1, updated_at = ?3 WHERE id = ?4");
  s.bind(1, status).bind(2, body).bind(3, now).bind(4, id);
  tx.check(s.step(), "update consent");
  auto& h = tx.prepare(
      "INSERT INTO consent_history(consent_id, version, body, received_at) "
      "SELECT id, version, body, ?2 FROM consents WHERE id = ?1");
  h.bind(1, id).bind(2, now);
  tx.check(h.step(), "insert consent history");
}

std::vector<consent_row> consents_of_child(store::write_tx& tx, std::int64_t child_id) {
  auto& s =
      tx.prepare(std::string("SELECT ") + consent_columns + " FROM consents WHERE child_id = ?1 ORDER BY id");
  s.bind(1, child_id);
  std::vector<consent_row> out;
  while (s.step() == SQLITE_ROW) out.push_back(read_consent_row(s));
  s.reset();
  return out;
}

std::int64_t insert_letter(store::write_tx& tx, const letter_row& l) {
  auto& s = tx.prepare(
      "INSERT INTO school_letters(child_id, school_id, kind, request, status, reason, consent_id, "
      "next_attempt_ms, created_at, updated_at) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?9)");
  s.bind(1, l.child_id)
      .bind(2, l.school_id)
      .bind(3, l.kind)
      .bind(4, l.request)
      .bind(5, l.status)
      .bind(6, l.reason);
  if (l.consent_id)
    s.bind(7, *l.consent_id);
  else
    s.bind_null(7);
  s.bind(8, l.next_attempt_ms).bind(9, l.created_at);
  if (!tx.check(s.step(), "insert letter")) return 0;
  return tx.last_insert_id();
}

std::optional<letter_row> find_letter(store::write_tx& tx, std::int64_t id) {
  auto& s = tx.prepare(std::string("SELECT ") + letter_columns + " FROM school_letters WHERE id = ?1");
  s.bind(1, id);
  if (s.step() != SQLITE_ROW) return std::nullopt;
  auto r = read_letter_row(s);
  s.reset();
  return r;
}

std::vector<letter_row> letters_of_consent(store::write_tx& tx, std::int64_t consent_id) {
  auto& s = tx.prepare(std::string("SELECT ") + letter_columns +
                       " FROM school_letters WHERE consent_id = ?1 ORDER BY id");
  s.bind(1, consent_id);
  std::vector<letter_row> out;
  while (s.step() == SQLITE_ROW) out.push_back(read_letter_row(s));
  s.reset();
  return out;
}

void update_letter(store::write_tx& tx, std::int64_t id, const std::string& status, const std::string& reason,
                   const std::string& now, bool attempted, std::int64_t next_attempt_ms,
                   const std::string* document, const std::string* response) {
  auto& s = tx.prepare(
      "UPDATE school_letters SET status = ?1, reason = ?2, updated_at = ?3, attempts = attempts + ?4, "
      "next_attempt_ms = ?5, document = COALESCE(?6, document), response = COALESCE(?7, response), "
      "sent_at = CASE WHEN ?1 = 'sent' THEN ?3 ELSE sent_at END WHERE id = ?8");
  s.bind(1, status).bind(2, reason).bind(3, now).bind(4, static_cast<std::int64_t>(attempted ? 1 : 0));
  s.bind(5, next_attempt_ms);
  if (document != nullptr)
    s.bind(6, *document);
  else
    s.bind_null(6);
  if (response != nullptr)
    s.bind(7, *response);
  else
    s.bind_null(7);
  s.bind(8, id);
  tx.check(s.step(), "update letter");
}

std::optional<letter_row> next_due_letter(store::sqlite_store& store, std::int64_t now_ms,
                                          std::int64_t& next_due_ms) {
  std::optional<letter_row> out;
  next_due_ms = INT64_MAX;
  store.read([&](sqlite3* db) {
    store::sqlite_statement s(db,
                              std::string("SELECT ") + letter_columns +
                                  " FROM school_letters WHERE status IN ('queued', 'retrying', 'sending') "
                                  "ORDER BY next_attempt_ms, id LIMIT 1");
    if (!s.valid() || s.step() != SQLITE_ROW) return;
    auto row = read_letter_row(s);
    if (row.next_attempt_ms <= now_ms)
      out = std::move(row);
    else
      next_due_ms = row.next_attempt_ms;
  });
  return out;
}

std::optional<letter_row> read_letter(store::sqlite_store& store, std::int64_t id) {
  std::optional<letter_row> out;
  store.read([&](sqlite3* db) {
    store::sqlite_statement s(db,
                              std::string("SELECT ") + letter_columns + " FROM school_letters WHERE id = ?1");
    s.bind(1, id);
    if (s.valid() && s.step() == SQLITE_ROW) out = read_letter_row(s);
  });
  return out;
}

std::optional<consent_row> read_consent(store::sqlite_store& store, std::int64_t id) {
  std::optional<consent_row> out;
  store.read([&](sqlite3* db) {
    store::sqlite_statement s(db, std::string("SELECT ") + consent_columns + " FROM consents WHERE id = ?1");
    s.bind(1, id);
    if (s.valid() && s.step() == SQLITE_ROW) out = read_consent_row(s);
  });
  return out;
}

}  // namespace homebase::gateway::disclosure
