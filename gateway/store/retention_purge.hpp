// retention_purge: the store side of retention (config `retention:`): deletes, in small batches, what is
// kept only for a while. Each function is one batch, run inside a write job (writer thread), so that a
// batch is one short piece of a group-commit transaction and intake jobs go on between batches
// (gateway/scheduler/retention_job drives the passes).
//
// What goes, and what stays:
//   message bodies   message_bodies rows of messages that were delivered: status `sent`, every outbox row
//                    of theirs `sent`, received and last delivered before the cutoff. Nothing queued,
//                    retrying, dead, unroutable or held for a match is touched. The messages row stays
//                    (ids, partner, event, status, times, destination, child, request id, merge notes), so
//                    a repeat of the message is still recognised (answered without the original's notes),
//                    the admin browser still lists it, and the AuditEvents that name it still resolve. A
//                    purged message has no message_bodies row.
//   attempts         attempts rows of deliveries that are `sent` and were last updated before the cutoff;
//                    the outbox row stays with its status and its count of attempts.
//   audit events     audit_events rows recorded before the cutoff (audit_events_recorded index).
// Bodies and attempts are visited in id order (ids grow with time), from a cursor the caller keeps between
// batches of one pass; a batch reads at most `limit` rows, and the pass ends at the first row received (or
// attempted) at or after the cutoff.
#pragma once

#include <cstdint>
#include <string>

#include "gateway/store/write_tx.hpp"

namespace homebase::gateway::store::retention_purge {

struct batch_result {
  std::int64_t purged = 0;  // rows deleted
  std::int64_t cursor = 0;  // the last id visited: the next batch starts after it
  bool done = false;        // nothing older than the cutoff is left to visit in this pass
};

// `cutoff` is an instant as the store keeps them (fhir::format_instant); rows at or after it stay.
[[nodiscard]] batch_result purge_message_bodies(write_tx& tx, std::int64_t after_id,
                                                const std::string& cutoff, int limit);
[[nodiscard]] batch_result purge_attempts(write_tx& tx, std::int64_t after_id, const std::string& cutoff,
                                          int limit);
// `cutoff_ms`: unix milliseconds (audit_events.recorded_ms).
[[nodiscard]] batch_result purge_audit_events(write_tx& tx, std::int64_t cutoff_ms, int limit);

}  // namespace homebase::gateway::store::retention_purge
