// store_backup: an online, consistent copy of the store's SQLite file, taken while a gateway runs.
//
// How: SQLite's backup API (sqlite3_backup_init/step/finish) copies the pages in steps of a few hundred,
// all inside one read transaction on the source. In WAL mode a reader never blocks the writer, so the
// running gateway keeps committing throughout; the copy is the database as of the moment that read
// transaction began (every transaction committed before it, nothing after), and because the snapshot is
// held across steps, the backup never restarts when the writer commits meanwhile. While it runs, WAL
// checkpoints cannot pass the snapshot, so the WAL grows by what is written during the copy and shrinks
// again afterwards. The copy is then checked (`PRAGMA quick_check`) before success is reported; a failed
// copy is removed.
#pragma once

#include <string>

namespace homebase::gateway::store {
struct backup_result {
  bool ok = false;
  std::string error;
  long long pages = 0;
};
// An online, consistent copy of the store at `source` into `target` (must not exist yet), through SQLite's
// backup API in steps, so a running gateway's writer is never blocked for long.
backup_result backup_store(const std::string& source, const std::string& target);
}  // namespace homebase::gateway::store
