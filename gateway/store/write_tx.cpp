#include "gateway/store/write_tx.hpp"

#include <string>

namespace homebase::gateway::store {

write_tx::write_tx(sqlite3* db, statement_cache& cache) : db_(db), cache_(cache) {}

sqlite_statement& write_tx::prepare(const std::string& sql) {
  auto it = cache_.find(sql);
  if (it == cache_.end()) it = cache_.emplace(sql, sqlite_statement(db_, sql)).first;
  if (!it->second.valid()) check(SQLITE_ERROR, sql.c_str());
  it->second.reset();
  return it->second;
}

bool write_tx::check(int rc, const char* what) {
  if (rc == SQLITE_OK || rc == SQLITE_DONE || rc == SQLITE_ROW) return true;
  if (ok_) error_ = std::string(what) + ": " + sqlite3_errmsg(db_);
  ok_ = false;
  return false;
}

}  // namespace homebase::gateway::store
