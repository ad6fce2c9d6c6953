// sqlite_statement: RAII for a prepared sqlite3 statement with typed binding and column access.
// Owned by one connection; used only on the thread that owns that connection.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <string>
#include <string_view>

namespace homebase::gateway::store {

class sqlite_statement {
 public:
  sqlite_statement() = default;
  sqlite_statement(sqlite3* db, std::string_view sql);
  ~sqlite_statement();
  sqlite_statement(const sqlite_statement&) = delete;
  sqlite_statement& operator=(const sqlite_statement&) = delete;
  sqlite_statement(sqlite_statement&& other) noexcept;
  sqlite_statement& operator=(sqlite_statement&& other) noexcept;

  [[nodiscard]] bool valid() const { return stmt_ != nullptr; }
  sqlite_statement& bind(int index, std::string_view text);
  sqlite_statement& bind(int index, std::int64_t value);
  // Binds without copying: `blob` must stay valid until this statement is reset or rebound.
  sqlite_statement& bind_borrowed(int index, std::string_view blob);
  sqlite_statement& bind_null(int index);

  // SQLITE_ROW, SQLITE_DONE or an error code.
  int step();
  void reset();

  [[nodiscard]] std::int64_t column_int(int index) const;
  [[nodiscard]] std::string column_text(int index) const;
  [[nodiscard]] bool column_null(int index) const;

 private:
  sqlite3_stmt* stmt_ = nullptr;
};

// Runs SQL without results; returns the sqlite result code and fills `error` on failure.
int exec(sqlite3* db, const char* sql, std::string* error = nullptr);

}  // namespace homebase::gateway::store
