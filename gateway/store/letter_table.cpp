#include "gateway/store/letter_table.hpp"

#include <climits>

namespace homebase::gateway::store::letter_table {
namespace {

constexpr const char* letter_columns =
    "id, child_id, school_id, kind, request, status, reason, consent_id, attempts, next_attempt_ms, "
    "document, "
    "response, created_at, updated_at, sent_at, channel, approved_by, approved_at, approved_request, "
    "pdf_base64, html, reminded";

// The row at the statement's cursor; nullopt, with `error` naming the row, when its status is unknown.
std::optional<letter_row> read_letter_row(const sqlite_statement& s, std::string& error) {
  letter_row r;
  r.id = s.column_int(0);
  const auto status_text = s.column_text(5);
  const auto status = parse_letter_status(status_text);
  if (!status) {
    error = "school_letters row " + std::to_string(r.id) + ": unknown status '" + status_text + "'";
    return std::nullopt;
  }
  r.child_id = s.column_int(1);
  r.school_id = s.column_text(2);
  r.kind = s.column_text(3);
  r.request = s.column_text(4);
  r.status = *status;
  r.reason = s.column_text(6);
  if (!s.column_null(7)) r.consent_id = s.column_int(7);
  r.attempts = static_cast<int>(s.column_int(8));
  r.next_attempt_ms = s.column_int(9);
  r.document = s.column_text(10);
  r.response = s.column_text(11);
  r.created_at = s.column_text(12);
  r.updated_at = s.column_text(13);
  r.sent_at = s.column_text(14);
  r.channel = s.column_text(15);
  r.approved_by = s.column_text(16);
  r.approved_at = s.column_text(17);
  r.approved_request = s.column_text(18);
  r.pdf_base64 = s.column_text(19);
  r.html = s.column_text(20);
  r.reminded = s.column_int(21) != 0;
  return r;
}

// A row the writer cannot read fails the job (SQLITE_CORRUPT: the row is not what this gateway writes).
std::optional<letter_row> read_or_fail(write_tx& tx, const sqlite_statement& s) {
  std::string error;
  auto row = read_letter_row(s, error);
  if (!row) tx.check(SQLITE_CORRUPT, error.c_str());
  return row;
}

letter_read read_error(std::string error) {
  return {boost::system::in_place_error, std::move(error)};
}

// "status IN ('queued', 'retrying', 'sending')": written out (not bound) so that the partial index
// school_letters_pending (migration 5, the same condition) serves the query.
std::string pending_condition() {
  using enum letter_status;
  std::string out = "status IN (";
  for (auto s : {queued, retrying, sending})
    out += std::string(s == queued ? "'" : ", '") + std::string(to_string(s)) + "'";
  return out + ")";
}

}  // namespace

std::int64_t insert(write_tx& tx, const letter_row& l) {
  auto& s = tx.prepare(
      "INSERT INTO school_letters(child_id, school_id, kind, request, status, reason, consent_id, "
      "next_attempt_ms, created_at, updated_at, channel) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?9, "
      "?10)");
  s.bind(1, l.child_id)
      .bind(2, l.school_id)
      .bind(3, l.kind)
      .bind(4, l.request)
      .bind(5, to_string(l.status))
      .bind(6, l.reason);
  if (l.consent_id)
    s.bind(7, *l.consent_id);
  else
    s.bind_null(7);
  s.bind(8, l.next_attempt_ms).bind(9, l.created_at).bind(10, l.channel);
  if (!tx.check(s.step(), "insert letter")) return 0;
  return tx.last_insert_id();
}

std::optional<letter_row> find(write_tx& tx, std::int64_t id) {
  auto& s = tx.prepare(std::string("SELECT ") + letter_columns + " FROM school_letters WHERE id = ?1");
  s.bind(1, id);
  if (s.step() != SQLITE_ROW) return std::nullopt;
  auto r = read_or_fail(tx, s);
  s.reset();
  return r;
}

std::vector<letter_row> of_consent(write_tx& tx, std::int64_t consent_id) {
  auto& s = tx.prepare(std::string("SELECT ") + letter_columns +
                       " FROM school_letters WHERE consent_id = ?1 ORDER BY id");
  s.bind(1, consent_id);
  std::vector<letter_row> out;
  while (s.step() == SQLITE_ROW)
    if (auto row = read_or_fail(tx, s)) out.push_back(std::move(*row));
  s.reset();
  return out;
}

void update(write_tx& tx, std::int64_t id, letter_status status, const std::string& reason,
            const std::string& now, bool attempted, std::int64_t next_attempt_ms, const std::string* document,
            const std::string* response) {
  auto& s = tx.prepare(
      "UPDATE school_letters SET status = ?1, reason = ?2, updated_at = ?3, attempts = attempts + ?4, "
      "next_attempt_ms = ?5, document = COALESCE(?6, document), response = COALESCE(?7, response), "
      "sent_at = CASE WHEN ?9 THEN ?3 ELSE sent_at END WHERE id = ?8");
  s.bind(1, to_string(status)).bind(2, reason).bind(3, now);
  s.bind(4, static_cast<std::int64_t>(attempted ? 1 : 0));
  s.bind(5, next_attempt_ms);
  if (document != nullptr)
    s.bind(6, *document);
  else
    s.bind_null(6);
  if (response != nullptr)
    s.bind(7, *response);
  else
    s.bind_null(7);
  s.bind(8, id).bind(9, static_cast<std::int64_t>(status == letter_status::sent ? 1 : 0));
  tx.check(s.step(), "update letter");
}

void set_consent(write_tx& tx, std::int64_t id, std::int64_t consent_id) {
  auto& s = tx.prepare("UPDATE school_letters SET consent_id = ?1 WHERE id = ?2");
  s.bind(1, consent_id).bind(2, id);
  tx.check(s.step(), "letter consent");
}

void set_rendering(write_tx& tx, std::int64_t id, const std::string& pdf_base64, const std::string& html) {
  auto& s = tx.prepare("UPDATE school_letters SET pdf_base64 = ?1, html = ?2 WHERE id = ?3");
  s.bind(1, pdf_base64).bind(2, html).bind(3, id);
  tx.check(s.step(), "letter rendering");
}

void approve(write_tx& tx, std::int64_t id, const std::string& approved_by, const std::string& approved_at,
             const std::string& approved_request, std::int64_t due_ms) {
  auto& s = tx.prepare(
      "UPDATE school_letters SET status = ?1, reason = '', approved_by = ?2, approved_at = ?3, "
      "approved_request = ?4, next_attempt_ms = ?5, updated_at = ?3 WHERE id = ?6");
  s.bind(1, to_string(letter_status::queued)).bind(2, approved_by).bind(3, approved_at);
  s.bind(4, approved_request).bind(5, due_ms).bind(6, id);
  tx.check(s.step(), "approve letter");
}

void set_reminded(write_tx& tx, std::int64_t id) {
  auto& s = tx.prepare("UPDATE school_letters SET reminded = 1 WHERE id = ?1");
  s.bind(1, id);
  tx.check(s.step(), "letter reminded");
}

letters_read drafts_to_remind(sqlite_store& store, const std::string& created_before, int limit) {
  letters_read out{std::vector<letter_row>()};
  store.read([&](sqlite3* db) {
    sqlite_statement s(db,
                       std::string("SELECT ") + letter_columns +
                           " FROM school_letters WHERE status = 'draft' AND reminded = 0 AND created_at < ?1 "
                           "ORDER BY id LIMIT ?2");
    if (!s.valid()) {
      out =
          letters_read(boost::system::in_place_error, "school_letters drafts: the query cannot be prepared");
      return;
    }
    s.bind(1, created_before).bind(2, static_cast<std::int64_t>(limit));
    std::vector<letter_row> rows;
    while (s.step() == SQLITE_ROW) {
      std::string error;
      if (auto row = read_letter_row(s, error)) rows.push_back(std::move(*row));
    }
    out = std::move(rows);
  });
  return out;
}

std::int64_t count_dead(sqlite_store& store) {
  std::int64_t n = 0;
  store.read([&](sqlite3* db) {
    sqlite_statement s(db, "SELECT COUNT(*) FROM school_letters WHERE status = 'dead'");
    if (s.valid() && s.step() == SQLITE_ROW) n = s.column_int(0);
  });
  return n;
}

letter_read next_due(sqlite_store& store, std::int64_t now_ms, std::int64_t& next_due_ms) {
  letter_read out{std::optional<letter_row>()};
  next_due_ms = INT64_MAX;
  store.read([&](sqlite3* db) {
    sqlite_statement s(db, std::string("SELECT ") + letter_columns + " FROM school_letters WHERE " +
                               pending_condition() + " ORDER BY next_attempt_ms, id LIMIT 1");
    if (!s.valid() || s.step() != SQLITE_ROW) return;
    std::string error;
    auto row = read_letter_row(s, error);
    if (!row) {
      out = read_error(std::move(error));
      return;
    }
    if (row->next_attempt_ms <= now_ms)
      out = std::move(row);
    else
      next_due_ms = row->next_attempt_ms;
  });
  return out;
}

letter_read read(sqlite_store& store, std::int64_t id) {
  letter_read out{std::optional<letter_row>()};
  store.read([&](sqlite3* db) {
    sqlite_statement s(db, std::string("SELECT ") + letter_columns + " FROM school_letters WHERE id = ?1");
    s.bind(1, id);
    if (!s.valid() || s.step() != SQLITE_ROW) return;
    std::string error;
    auto row = read_letter_row(s, error);
    if (row)
      out = std::move(row);
    else
      out = read_error(std::move(error));
  });
  return out;
}

letters_read of_medical_home(sqlite_store& store, const std::string& medical_home,
                             const std::vector<letter_status>& statuses, int limit) {
  letters_read out{std::vector<letter_row>()};
  if (statuses.empty() || limit <= 0) return out;
  std::string in;
  for (std::size_t i = 0; i < statuses.size(); ++i) in += (i == 0 ? "?" : ", ?") + std::to_string(i + 3);
  store.read([&](sqlite3* db) {
    sqlite_statement s(db, std::string("SELECT ") + letter_columns +
                               " FROM school_letters WHERE child_id IN "
                               "(SELECT id FROM children WHERE medical_home = ?1) AND status IN (" +
                               in + ") ORDER BY id DESC LIMIT ?2");
    if (!s.valid()) {
      out = letters_read(boost::system::in_place_error,
                         "school_letters of a medical home: the query cannot be prepared");
      return;
    }
    s.bind(1, medical_home).bind(2, static_cast<std::int64_t>(limit));
    for (std::size_t i = 0; i < statuses.size(); ++i)
      s.bind(static_cast<int>(i) + 3, std::string(to_string(statuses[i])));
    std::vector<letter_row> rows;
    for (int rc = s.step(); rc != SQLITE_DONE; rc = s.step()) {
      if (rc != SQLITE_ROW) {
        out =
            letters_read(boost::system::in_place_error, "school_letters of a medical home: the read failed");
        return;
      }
      std::string error;
      auto row = read_letter_row(s, error);
      if (!row) {
        out = letters_read(boost::system::in_place_error, std::move(error));
        return;
      }
      rows.push_back(std::move(*row));
    }
    out = std::move(rows);
  });
  return out;
}

}  // namespace homebase::gateway::store::letter_table
