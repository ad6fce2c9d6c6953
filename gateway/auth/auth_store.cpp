#include "gateway/auth/auth_store.hpp"

#include <openssl/rand.h>

#include <future>
#include <stdexcept>

namespace homebase::gateway::auth {
namespace {

constexpr const char* token_key_name = "access_token_hs256";
constexpr std::size_t token_key_bytes = 32;
constexpr int expired_rows_per_call = 64;  // bounded clean-up per assertion

std::string read_key(store::sqlite_store& store) {
  std::string key;
  store.read([&](sqlite3* db) {
    store::sqlite_statement s(db, "SELECT key FROM auth_keys WHERE name = ?1");
    if (!s.valid()) return;
    s.bind(1, std::string_view(token_key_name));
    if (s.step() == SQLITE_ROW) key = s.column_text(0);
  });
  return key;
}

}  // namespace

std::string load_or_create_token_key(store::sqlite_store& store) {
  auto key = read_key(store);
  if (key.size() == token_key_bytes) return key;
  if (!key.empty()) throw std::runtime_error("auth_keys: the access token key is damaged (not 32 bytes)");

  std::string fresh(token_key_bytes, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(fresh.data()), static_cast<int>(fresh.size())) != 1)
    throw std::runtime_error("cannot make the access token key: the random generator failed");
  // INSERT OR IGNORE: another replica that made its key first wins; everyone then reads the same one.
  auto job = [fresh](store::write_tx& tx) {
    auto& s = tx.prepare("INSERT OR IGNORE INTO auth_keys(name, key) VALUES(?1, ?2)");
    s.bind(1, std::string_view(token_key_name)).bind_borrowed(2, fresh);
    return tx.check(s.step(), "insert auth key");
  };
  std::promise<bool> done;
  auto committed = done.get_future();
  if (!store.submit(std::move(job), [&done](bool ok) { done.set_value(ok); }))
    throw std::runtime_error("cannot keep the access token key: the store is stopping");
  if (!committed.get()) throw std::runtime_error("cannot keep the access token key: the store failed");
  key = read_key(store);
  if (key.size() != token_key_bytes) throw std::runtime_error("cannot read back the access token key");
  return key;
}

bool remember_jti(store::write_tx& tx, const std::string& iss, const std::string& jti,
                  std::int64_t expires_ms, std::int64_t now_ms) {
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

}  // namespace homebase::gateway::auth
