#include "gateway/store/retention_purge.hpp"

#include <vector>

namespace homebase::gateway::store::retention_purge {

batch_result purge_message_bodies(write_tx& tx, std::int64_t after_id, const std::string& cutoff, int limit) {
  batch_result r;
  r.cursor = after_id;
  std::vector<std::int64_t> doomed;
  int visited = 0;
  {
    // Only messages that still have a body are visited; the delivered test reads the message's outbox
    // rows through outbox_message.
    auto& s = tx.prepare(
        "SELECT b.message_id, m.received_at >= ?2, m.status = 'sent' AND NOT EXISTS ("
        "  SELECT 1 FROM outbox o WHERE o.message_id = b.message_id AND (o.status <> 'sent' OR o.updated_at "
        ">= ?2))"
        " FROM message_bodies b JOIN messages m ON m.id = b.message_id"
        " WHERE b.message_id > ?1 ORDER BY b.message_id LIMIT ?3");
    s.bind(1, after_id).bind(2, cutoff).bind(3, static_cast<std::int64_t>(limit));
    int rc = SQLITE_ROW;
    while ((rc = s.step()) == SQLITE_ROW) {
      ++visited;
      if (s.column_int(1) != 0) {  // received at or after the cutoff: so is every later message
        r.done = true;
        break;
      }
      r.cursor = s.column_int(0);
      if (s.column_int(2) != 0) doomed.push_back(r.cursor);
    }
    if (!tx.check(rc, "retention: select message bodies")) return r;
    s.reset();
  }
  if (visited < limit) r.done = true;
  for (auto id : doomed) {
    auto& d = tx.prepare("DELETE FROM message_bodies WHERE message_id = ?1");
    d.bind(1, id);
    if (!tx.check(d.step(), "retention: delete message body")) return r;
    r.purged += tx.changes();
  }
  return r;
}

batch_result purge_attempts(write_tx& tx, std::int64_t after_id, const std::string& cutoff, int limit) {
  batch_result r;
  r.cursor = after_id;
  std::vector<std::int64_t> doomed;
  int visited = 0;
  {
    auto& s = tx.prepare(
        "SELECT a.id, a.at >= ?2, o.status = 'sent' AND o.updated_at < ?2"
        " FROM attempts a JOIN outbox o ON o.id = a.outbox_id"
        " WHERE a.id > ?1 ORDER BY a.id LIMIT ?3");
    s.bind(1, after_id).bind(2, cutoff).bind(3, static_cast<std::int64_t>(limit));
    int rc = SQLITE_ROW;
    while ((rc = s.step()) == SQLITE_ROW) {
      ++visited;
      if (s.column_int(1) != 0) {
        r.done = true;
        break;
      }
      r.cursor = s.column_int(0);
      if (s.column_int(2) != 0) doomed.push_back(r.cursor);
    }
    if (!tx.check(rc, "retention: select attempts")) return r;
    s.reset();
  }
  if (visited < limit) r.done = true;
  for (auto id : doomed) {
    auto& d = tx.prepare("DELETE FROM attempts WHERE id = ?1");
    d.bind(1, id);
    if (!tx.check(d.step(), "retention: delete attempt")) return r;
    r.purged += tx.changes();
  }
  return r;
}

batch_result purge_audit_events(write_tx& tx, std::int64_t cutoff_ms, int limit) {
  batch_result r;
  auto& d = tx.prepare(
      "DELETE FROM audit_events WHERE id IN ("
      "  SELECT id FROM audit_events WHERE recorded_ms < ?1 ORDER BY recorded_ms, id LIMIT ?2)");
  d.bind(1, cutoff_ms).bind(2, static_cast<std::int64_t>(limit));
  if (!tx.check(d.step(), "retention: delete audit events")) return r;
  r.purged = tx.changes();
  r.done = r.purged < limit;
  return r;
}

}  // namespace homebase::gateway::store::retention_purge
