// audit_trail: every AuditEvent the gateway keeps goes through `record`, inside the store job that makes
// the effect it records (same transaction: no effect without its audit, no audit without the effect).
// It finds the child the event is about and its Patient id, builds the AuditEvent
// (mappers/audit/audit_event_builder) with the row's id as its id, and keeps it with its search columns
// through store/audit_table, which also serves the searches (audit/audit_api).
// Runs inside a store job (writer thread).
#pragma once

#include <cstdint>
#include <optional>

#include "gateway/store/sqlite_store.hpp"
#include "mappers/audit/audit_event_builder.hpp"

namespace homebase::gateway::audit {

// What the store knows beyond the record: the child row (when the caller has it) and a school letter.
struct audit_links {
  std::optional<std::int64_t> child_id;  // nullopt: found from the record's patient_id or identifier
  std::optional<std::int64_t> letter_id;
};

// Writes one AuditEvent in the caller's transaction; returns its id (0 when the write failed: the job's
// write_tx is then not ok and rolls back with the effect). A record without patient_id gets the child's
// Patient resource id when the child is known.
std::int64_t record(store::write_tx& tx, const mappers::audit::audit_record& record,
                    const audit_links& links = {});

}  // namespace homebase::gateway::audit
