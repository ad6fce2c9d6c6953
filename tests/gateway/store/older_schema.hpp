// older_schema: SQL that takes a store back to what an older gateway made, for the migration tests.
// A migration that changes existing tables adds its undo at the top of undo_since_migration_11 (newest
// first), so that the tests of older migrations need no change.
#pragma once

#include <sqlite3.h>

#include <string>

namespace homebase::gateway::store::testing {

// Undoes migrations 16 (the school letters' approval, channel and rendering columns), 15
// (delivery_versions), 14 (read_back_marks), 13 (children.home_override, outbox.kind and outbox.farewell),
// 12 (messages.request_id) and 11 (message_bodies). The caller then undoes what older migrations it tests
// did, and deletes their schema_version rows (11 and up included).
inline constexpr const char* undo_since_migration_11 = R"sql(
DROP INDEX school_letters_drafts;
ALTER TABLE school_letters DROP COLUMN channel;
ALTER TABLE school_letters DROP COLUMN approved_by;
ALTER TABLE school_letters DROP COLUMN approved_at;
ALTER TABLE school_letters DROP COLUMN approved_request;
ALTER TABLE school_letters DROP COLUMN pdf_base64;
ALTER TABLE school_letters DROP COLUMN html;
ALTER TABLE school_letters DROP COLUMN reminded;
DROP TABLE delivery_versions;
DROP TABLE read_back_marks;
ALTER TABLE children DROP COLUMN home_override;
ALTER TABLE outbox DROP COLUMN kind;
ALTER TABLE outbox DROP COLUMN farewell;
ALTER TABLE messages DROP COLUMN request_id;
ALTER TABLE messages ADD COLUMN body BLOB NOT NULL DEFAULT x'';
UPDATE messages SET body = (SELECT b.body FROM message_bodies b WHERE b.message_id = messages.id);
DROP TABLE message_bodies;
)sql";

// Takes the store at `path` back past migration 11 and then runs `sql` (the older migrations' undo);
// returns SQLite's error, empty on success.
inline std::string take_back(const std::string& path, const char* sql) {
  sqlite3* db = nullptr;
  std::string failure;
  if (sqlite3_open(path.c_str(), &db) != SQLITE_OK) failure = "cannot open " + path;
  for (const char* step : {undo_since_migration_11, sql}) {
    char* error = nullptr;
    if (failure.empty() && sqlite3_exec(db, step, nullptr, nullptr, &error) != SQLITE_OK)
      failure = error != nullptr ? error : "exec failed";
    sqlite3_free(error);
  }
  sqlite3_close(db);
  return failure;
}

}  // namespace homebase::gateway::store::testing
