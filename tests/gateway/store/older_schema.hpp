// older_schema: SQL that takes a store back to what an older gateway made, for the migration tests.
// A migration that changes existing tables adds its undo at the top of undo_since_migration_11 (newest
// first), so that the tests of older migrations need no change.
#pragma once

namespace homebase::gateway::store::testing {

// Undoes migrations 12 (messages.request_id) and 11 (message_bodies). The caller then undoes what older
// migrations it tests did, and deletes their schema_version rows (11 and up included).
inline constexpr const char* undo_since_migration_11 = R"sql(
ALTER TABLE messages DROP COLUMN request_id;
ALTER TABLE messages ADD COLUMN body BLOB NOT NULL DEFAULT x'';
UPDATE messages SET body = (SELECT b.body FROM message_bodies b WHERE b.message_id = messages.id);
DROP TABLE message_bodies;
)sql";

}  // namespace homebase::gateway::store::testing
