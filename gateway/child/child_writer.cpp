#include "gateway/child/child_writer.hpp"

#include "gateway/audit/audit_trail.hpp"
#include "gateway/metrics/gateway_metrics.hpp"
#include "mappers/model/patient_match.hpp"
#include "mappers/model/record_codec.hpp"

namespace homebase::gateway::child {

namespace model = mappers::model;

prepared_child prepare_child(model::coordination_record& record, const config::gateway_config& config,
                             std::int64_t now_ms, std::string_view rules_source) {
  prepared_child p;
  p.coordination = run_coordination(record, config.coordination, now_ms, rules_source);
  p.record_json = model::encode(record);
  for (const auto& id : record.patient.identifiers)
    if (!id.system.empty() && !id.value.empty()) p.identifiers.push_back({id.system, id.value});
  p.birth_date = record.patient.birth_date;
  p.match_keys = model::match_keys(record);
  p.destination = route_child(record, config);
  p.resources = project_child_resources(record);
  return p;
}

std::string_view to_string(save_kind kind) {
  switch (kind) {
    case save_kind::message:
      return "message";
    case save_kind::admin_retry:
      return "admin_retry";
    case save_kind::clock:
      return "clock";
    case save_kind::letter:
      return "letter";
    case save_kind::consent:
      return "consent";
    case save_kind::practice:
      return "practice";
  }
  return "unknown";
}

saved_child save_child(store::write_tx& tx, std::optional<std::int64_t> child_id, const prepared_child& child,
                       const save_cause& cause, std::int64_t now_ms) {
  saved_child out;
  // 1-2. The record, its identifiers and its matching keys.
  out.child_id = tx.save_child(child_id, child.record_json, child.identifiers);
  if (!tx.ok()) return out;
  tx.add_match_keys(out.child_id, child.birth_date, child.match_keys);
  // 3. The rules' next due time commits with the items they added (counted by rule: a batch that rolls
  // back afterwards was counted all the same).
  save_coordination_due(tx, out.child_id, child.coordination);
  for (const auto& change : child.coordination.changes)
    metrics::gateway_metrics::instance().rule_change(change);
  // 4. The read API sees the record in the same transaction (read-your-writes).
  out.resources_changed = store_child_resources(tx, out.child_id, child.resources, now_ms);
  if (!tx.ok()) return out;

  // 5. Routing: what the causing message became, and which message a delivery carries.
  const config::medical_home* home = child.destination.home;
  std::optional<std::int64_t> carried;
  switch (cause.kind) {
    case save_kind::message:
      if (cause.new_message != nullptr) {
        auto& m = *cause.new_message;
        m.status = home != nullptr ? store::message_status::queued : store::message_status::unroutable;
        m.destination = home != nullptr ? home->id : std::string();
        m.child_id = out.child_id;
        out.message_id = tx.insert_message(m, cause.new_message_body);
        carried = out.message_id;
      }
      break;
    case save_kind::admin_retry:
      if (cause.message_id) {
        tx.update_message(*cause.message_id,
                          home != nullptr ? store::message_status::queued : store::message_status::unroutable,
                          home != nullptr ? home->id : std::string(), out.child_id);
        out.message_id = cause.message_id;
        carried = cause.message_id;
      }
      break;
    case save_kind::clock:
    case save_kind::letter:
    case save_kind::consent:
    case save_kind::practice:
      // Nothing new for the medical home: no delivery. Otherwise the newest message about the child
      // carries the current record (delivery always sends the record as it is).
      if (out.resources_changed > 0) carried = tx.latest_message_of_child(out.child_id);
      break;
  }
  if (!tx.ok()) return out;

  // 6. The delivery.
  if (home != nullptr && carried && cause.queue_delivery) {
    tx.insert_outbox(*carried, out.child_id, home->id, now_ms);
    out.queued = tx.ok();
  }

  // 7. The cause's AuditEvent.
  if (cause.audit != nullptr) {
    audit::audit_links links;
    links.child_id = out.child_id;
    (void)audit::record(tx, *cause.audit, links);
  }
  return out;
}

}  // namespace homebase::gateway::child
