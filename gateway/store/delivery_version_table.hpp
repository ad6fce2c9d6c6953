// delivery_version_table: what Homebase knows about the resources it wrote at each medical home, so that
// the next delivery writes them versioned (mappers/outbound/versioned_writes; docs/ARCHITECTURE.md "Who
// owns which field"). Migration 14:
//   delivery_versions(destination, resource_type, business_key, child_id, server_id, version, written,
//                     practice, updated_ms)      PRIMARY KEY(destination, resource_type, business_key)
// One row per medical home and resource (type + the business identifier it is written with): the server's
// id and the versionId of Homebase's last write (from the transaction-response), the practice-owned fields
// of that write, and the practice's changes kept for every later write. Written in the store job that
// records the delivery attempt (or, after a 412, the one that merges the practice's change). Rows are
// only for the types with practice-owned fields (Task, Appointment, CarePlan): a few per child.
// Write functions run inside a store job (writer thread); `of_child` takes the read connection.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "gateway/store/sqlite_store.hpp"
#include "mappers/outbound/versioned_writes.hpp"

namespace homebase::gateway::store::delivery_version_table {

// ---- writer side ----
// Inserts or replaces each row of `versions` for `destination` and `child_id`.
void put(write_tx& tx, const std::string& destination, std::int64_t child_id,
         const std::vector<mappers::outbound::known_version>& versions, std::int64_t now_ms);
// Forgets one resource (the practice deleted it: the next write is conditional again).
void forget(write_tx& tx, const std::string& destination, const std::string& resource_type,
            const std::string& business_key);

// ---- read side ----
// Every row of the child at `destination`; empty when none (or the read failed).
[[nodiscard]] std::vector<mappers::outbound::known_version> of_child(sqlite_store& store,
                                                                     const std::string& destination,
                                                                     std::int64_t child_id);

}  // namespace homebase::gateway::store::delivery_version_table
