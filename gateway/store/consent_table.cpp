#include "gateway/store/consent_table.hpp"

namespace homebase::gateway::store::consent_table {
namespace {

constexpr const char* consent_columns = "id, child_id, status, version, body, received_at";

consent_row read_consent_row(const sqlite_statement& s) {
  return {s.column_int(0),  s.column_int(1), s.column_text(2), static_cast<int>(s.column_int(3)),
          s.column_text(4), s.column_text(5)};
}

}  // namespace

std::int64_t insert(write_tx& tx, std::int64_t child_id, const std::string& status, const std::string& body,
                    const std::string& now) {
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

std::optional<consent_row> find(write_tx& tx, std::int64_t id) {
  auto& s = tx.prepare(std::string("SELECT ") + consent_columns + " FROM consents WHERE id = ?1");
  s.bind(1, id);
  if (s.step() != SQLITE_ROW) return std::nullopt;
  auto r = read_consent_row(s);
  s.reset();
  return r;
}

void update(write_tx& tx, std::int64_t id, const std::string& status, const std::string& body,
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

std::vector<consent_row> of_child(write_tx& tx, std::int64_t child_id) {
  auto& s =
      tx.prepare(std::string("SELECT ") + consent_columns + " FROM consents WHERE child_id = ?1 ORDER BY id");
  s.bind(1, child_id);
  std::vector<consent_row> out;
  while (s.step() == SQLITE_ROW) out.push_back(read_consent_row(s));
  s.reset();
  return out;
}

std::optional<consent_row> read(sqlite_store& store, std::int64_t id) {
  std::optional<consent_row> out;
  store.read([&](sqlite3* db) {
    sqlite_statement s(db, std::string("SELECT ") + consent_columns + " FROM consents WHERE id = ?1");
    s.bind(1, id);
    if (s.valid() && s.step() == SQLITE_ROW) out = read_consent_row(s);
  });
  return out;
}

}  // namespace homebase::gateway::store::consent_table
