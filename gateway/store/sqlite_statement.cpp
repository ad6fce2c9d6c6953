#include "gateway/store/sqlite_statement.hpp"

#include <utility>

namespace homebase::gateway::store {

sqlite_statement::sqlite_statement(sqlite3* db, std::string_view sql) {
  if (sqlite3_prepare_v3(db, sql.data(), static_cast<int>(sql.size()), SQLITE_PREPARE_PERSISTENT, &stmt_,
                         nullptr) != SQLITE_OK)
    stmt_ = nullptr;
}

sqlite_statement::~sqlite_statement() {
  if (stmt_ != nullptr) sqlite3_finalize(stmt_);
}

sqlite_statement::sqlite_statement(sqlite_statement&& other) noexcept
    : stmt_(std::exchange(other.stmt_, nullptr)) {}

sqlite_statement& sqlite_statement::operator=(sqlite_statement&& other) noexcept {
  if (this != &other) {
    if (stmt_ != nullptr) sqlite3_finalize(stmt_);
    stmt_ = std::exchange(other.stmt_, nullptr);
  }
  return *this;
}

sqlite_statement& sqlite_statement::bind(int index, std::string_view text) {
  sqlite3_bind_text64(stmt_, index, text.data(), text.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
  return *this;
}

sqlite_statement& sqlite_statement::bind_borrowed(int index, std::string_view blob) {
  sqlite3_bind_blob64(stmt_, index, blob.data(), blob.size(), SQLITE_STATIC);
  return *this;
}

sqlite_statement& sqlite_statement::bind(int index, std::int64_t value) {
  sqlite3_bind_int64(stmt_, index, value);
  return *this;
}

sqlite_statement& sqlite_statement::bind_null(int index) {
  sqlite3_bind_null(stmt_, index);
  return *this;
}

int sqlite_statement::step() {
  return sqlite3_step(stmt_);
}

void sqlite_statement::reset() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

std::int64_t sqlite_statement::column_int(int index) const {
  return sqlite3_column_int64(stmt_, index);
}

std::string sqlite_statement::column_text(int index) const {
  const auto* text = sqlite3_column_text(stmt_, index);
  if (text == nullptr) return {};
  return {reinterpret_cast<const char*>(text), static_cast<std::size_t>(sqlite3_column_bytes(stmt_, index))};
}

bool sqlite_statement::column_null(int index) const {
  return sqlite3_column_type(stmt_, index) == SQLITE_NULL;
}

int exec(sqlite3* db, const char* sql, std::string* error) {
  char* message = nullptr;
  int rc = sqlite3_exec(db, sql, nullptr, nullptr, &message);
  if (rc != SQLITE_OK && error != nullptr) *error = message != nullptr ? message : sqlite3_errstr(rc);
  sqlite3_free(message);
  return rc;
}

}  // namespace homebase::gateway::store
