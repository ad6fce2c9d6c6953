#include "gateway/store/auth_table.hpp"

namespace homebase::gateway::store::auth_table {
namespace {

constexpr int expired_rows_per_call = 64;  // bounded clean-up per assertion

}  // namespace

std::string read_secret(sqlite_store& store, std::string_view name) {
  std::string secret;
  store.read([&](sqlite3* db) {
    sqlite_statement s(db, "SELECT key FROM auth_keys WHERE name = ?1");
    if (!s.valid()) return;
    s.bind(1, name);
    if (s.step() == SQLITE_ROW) secret = s.column_text(0);
  });
  return secret;
}

bool keep_secret(write_tx& tx, std::string_view name, const std::string& secret) {
  // INSERT OR IGNORE: another replica that made its secret first wins; everyone then reads the same one.
  auto& s = tx.prepare("INSERT OR IGNORE INTO auth_keys(name, key) VALUES(?1, ?2)");
  s.bind(1, name).bind_borrowed(2, secret);
  return tx.check(s.step(), "insert auth key");
}

bool remember_jti(write_tx& tx, const std::string& iss, const std::string& jti, std::int64_t expires_ms,
                  std::int64_t now_ms) {
  auto& clean = tx.prepare(
      "DELETE FROM auth_jti WHERE rowid IN (SELECT rowid FROM auth_jti WHERE expires_ms <= ?1 LIMIT ?2)");
  clean.bind(1, now_ms).bind(2, static_cast<std::int64_t>(expired_rows_per_call));
  if (!tx.check(clean.step(), "delete expired jti")) return false;
  // A row still there but expired (beyond the bounded clean-up) is taken over.
  auto& insert = tx.prepare(
      "INSERT INTO auth_jti(iss, jti, expires_ms) VALUES(?1, ?2, ?3) "
      "ON CONFLICT(iss, jti) DO UPDATE SET expires_ms = excluded.expires_ms WHERE auth_jti.expires_ms <= ?4");
  insert.bind(1, iss).bind(2, jti).bind(3, expires_ms).bind(4, now_ms);
  if (!tx.check(insert.step(), "remember jti")) return false;
  return tx.changes() == 1;
}

}  // namespace homebase::gateway::store::auth_table
