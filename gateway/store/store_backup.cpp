#include "gateway/store/store_backup.hpp"

#include <sqlite3.h>

#include <cstdio>
#include <filesystem>
#include <system_error>

#include "gateway/store/sqlite_statement.hpp"

namespace homebase::gateway::store {
namespace {

// Pages copied per sqlite3_backup_step: ~4 MiB at the store's 16 KiB pages.
constexpr int pages_per_step = 256;

struct connection {
  sqlite3* db = nullptr;
  ~connection() { sqlite3_close_v2(db); }
  std::string error() const { return db != nullptr ? sqlite3_errmsg(db) : "out of memory"; }
};

// Removes the target and its journal files after a failed copy.
void remove_copy(const std::string& target) {
  std::error_code ignored;
  for (const char* suffix : {"", "-wal", "-shm", "-journal"})
    std::filesystem::remove(target + suffix, ignored);
}

backup_result copy(const std::string& source, const std::string& target) {
  backup_result result;
  connection src;
  if (sqlite3_open_v2(source.c_str(), &src.db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, nullptr) !=
      SQLITE_OK) {
    result.error = "cannot open " + source + ": " + src.error();
    return result;
  }
  sqlite3_busy_timeout(src.db, 5000);
  // (Opened read-write only so that a WAL file left by a stopped gateway can be recovered; it never writes.)
  // One read transaction for the whole copy: every step reads the same snapshot, so a commit of the
  // running gateway neither blocks on us nor restarts the backup.
  std::string error;
  if (exec(src.db, "BEGIN", &error) != SQLITE_OK ||
      exec(src.db, "SELECT COUNT(*) FROM sqlite_schema", &error) != SQLITE_OK) {
    result.error = "cannot read " + source + ": " + error;
    return result;
  }
  {
    sqlite_statement version(src.db, "SELECT COUNT(*) FROM schema_version");
    if (!version.valid() || version.step() != SQLITE_ROW) {
      result.error = source + " is not a Homebase store (no schema_version table)";
      return result;
    }
  }
  connection dst;
  if (sqlite3_open_v2(target.c_str(), &dst.db,
                      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                      nullptr) != SQLITE_OK) {
    result.error = "cannot create " + target + ": " + dst.error();
    return result;
  }
  sqlite3_backup* backup = sqlite3_backup_init(dst.db, "main", src.db, "main");
  if (backup == nullptr) {
    result.error = "cannot start the backup: " + dst.error();
    return result;
  }
  int rc = SQLITE_OK;
  do {
    rc = sqlite3_backup_step(backup, pages_per_step);
    // The source is only read under our own snapshot, so BUSY/LOCKED can only come from the target,
    // which nobody else should have open: give up rather than spin.
  } while (rc == SQLITE_OK);
  result.pages = sqlite3_backup_pagecount(backup);
  sqlite3_backup_finish(backup);
  if (rc != SQLITE_DONE) {
    result.error = std::string("backup step failed: ") + sqlite3_errstr(rc);
    return result;
  }
  if (sqlite3_errcode(dst.db) != SQLITE_OK) {
    result.error = "backup failed: " + dst.error();
    return result;
  }
  exec(src.db, "COMMIT");
  // Verify the copy as a reader would find it.
  sqlite_statement check(dst.db, "PRAGMA quick_check");
  if (!check.valid() || check.step() != SQLITE_ROW || check.column_text(0) != "ok") {
    result.error = "the copy failed its check: " + (check.valid() ? check.column_text(0) : dst.error());
    return result;
  }
  result.ok = true;
  return result;
}

}  // namespace

backup_result backup_store(const std::string& source, const std::string& target) {
  std::error_code ec;
  if (std::filesystem::exists(target, ec) || ec) {
    return {.ok = false, .error = target + " already exists", .pages = 0};
  }
  if (!std::filesystem::exists(source, ec)) {
    return {.ok = false, .error = source + " does not exist", .pages = 0};
  }
  backup_result result = copy(source, target);
  if (!result.ok) remove_copy(target);
  return result;
}

}  // namespace homebase::gateway::store
