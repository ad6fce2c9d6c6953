// schema: the store's tables as numbered migrations, applied in order when the store opens. Each table
// family's SQL lives in its own unit (message_table, outbox_table, child_table, resource_index,
// clock_table, and the units of the trust and disclosure tables); this file only creates and alters them.
#pragma once

#include <sqlite3.h>

namespace homebase::gateway::store {

// The version this binary's migrations produce.
[[nodiscard]] int latest_schema_version();

// Brings the database up to latest_schema_version(), one transaction per migration; returns the version
// it is at. Throws std::runtime_error (start-up only) when the database is newer than this binary or a
// migration fails (that migration is rolled back).
int migrate(sqlite3* db);

}  // namespace homebase::gateway::store
