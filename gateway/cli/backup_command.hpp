// backup_command: `homebase backup --config CONFIG OUT`, an online, consistent copy of the store that
// CONFIG names (store.path), taken while the gateway runs (store/store_backup: SQLite's backup API in
// steps, inside one read snapshot, so the gateway's writer is never blocked). OUT must not exist yet.
// The copy is then checked (PRAGMA quick_check) and opened as a store, and what it holds is printed:
//   backup: /var/lib/homebase/homebase.db -> /backup/homebase-2026-12-06.db
//   copied 1234 pages (20217856 bytes), schema version 12, quick_check ok
//   messages: 812 sent, 3 queued, 0 retrying, 1 dead, 2 unroutable, 0 held_for_match
// Restore: stop the gateway, copy OUT over store.path (and remove any -wal/-shm files beside it), start it.
// Exit status: 0 copied and checked; 1 the copy failed (the reason on stderr; no partial file is left);
// 2 a usage or config error.
#pragma once

namespace homebase::gateway::cli {

// `argv` holds the arguments after the word `backup` (argc of them). Never throws.
[[nodiscard]] int run_backup_command(int argc, char** argv);

}  // namespace homebase::gateway::cli
