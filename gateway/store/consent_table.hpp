// consent_table: the family's Consents (migration 5 in store/sqlite_store.cpp) behind a domain interface.
//   consents(id, child_id, status, version, body, received_at, updated_at)
//                                             the Consent as last received (raw JSON) and the status in force
//   consent_history(consent_id, version, body, received_at)
//                                             every version, so that a revocation never erases the grant
// What a Consent permits is read from its body by mappers/disclosure/authorization (gateway/disclosure).
// Write functions run inside a store job (writer thread); `read` takes the read connection (any thread).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "gateway/store/sqlite_store.hpp"

namespace homebase::gateway::store {

struct consent_row {
  std::int64_t id = 0;
  std::int64_t child_id = 0;
  std::string status;  // Consent.status in force (FHIR's codes: active, inactive, rejected, ...)
  int version = 1;
  std::string body;
  std::string received_at;
};

namespace consent_table {

// ---- writer side ----
// A new Consent (version 1, kept in the history too); returns its id, 0 when the write failed.
std::int64_t insert(write_tx& tx, std::int64_t child_id, const std::string& status, const std::string& body,
                    const std::string& now);
[[nodiscard]] std::optional<consent_row> find(write_tx& tx, std::int64_t id);
// A new version of the Consent `id` (kept in the history too).
void update(write_tx& tx, std::int64_t id, const std::string& status, const std::string& body,
            const std::string& now);
// Every Consent of the child, oldest first.
[[nodiscard]] std::vector<consent_row> of_child(write_tx& tx, std::int64_t child_id);

// ---- read side ----
[[nodiscard]] std::optional<consent_row> read(sqlite_store& store, std::int64_t id);

}  // namespace consent_table
}  // namespace homebase::gateway::store
