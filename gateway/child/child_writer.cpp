#include "gateway/child/child_writer.hpp"

#include "fhir/fhir_time.hpp"
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
  p.config = &config;
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
    case save_kind::transfer:
      return "transfer";
    case save_kind::practice:
      return "practice";
  }
  return "unknown";
}

saved_child save_child(store::write_tx& tx, std::optional<std::int64_t> child_id, const prepared_child& child,
                       const save_cause& cause, std::int64_t now_ms) {
  saved_child out;
  // 0. The home: the operator's pin, else the record's routing. Another home than the child's: a transfer.
  const config::medical_home* home = child.destination.home;
  std::optional<transfer_plan> transfer;
  if (child_id) {
    auto current = tx.child_routing_of(*child_id);
    if (!current.home_override.empty() && child.config != nullptr)
      if (const auto* pinned = child.config->find_medical_home(current.home_override)) home = pinned;
    if (home != nullptr && !current.medical_home.empty() && current.medical_home != home->id) {
      transfer.emplace();
      transfer->from_id = current.medical_home;
      transfer->from =
          child.config != nullptr ? child.config->find_medical_home(current.medical_home) : nullptr;
      transfer->to = home;
      transfer->before_json = tx.child_record(*child_id);
    }
  }
  transfer_cause moved_by;
  const prepared_child* saving = &child;
  prepared_child with_event;
  if (transfer) {
    if (cause.kind == save_kind::transfer && cause.transfer != nullptr) {
      moved_by.by_operator = true;
      moved_by.reason = cause.transfer->reason;
      moved_by.who = cause.transfer->admin.client;
      moved_by.request_id = cause.transfer->admin.request_id;
    } else if (cause.kind == save_kind::message && cause.new_message != nullptr) {
      moved_by.partner_id = cause.new_message->partner_id;
      moved_by.message_id = cause.new_message->header_id;
      if (cause.audit != nullptr) {
        moved_by.who = cause.audit->client;
        moved_by.request_id = cause.audit->request_id;
      }
    }
    // The record keeps the transfer as an event (the new home's Provenance): encoded and projected again.
    if (auto record = model::decode(child.record_json)) {
      record->events.push_back(transfer_event(*transfer, moved_by, fhir::format_instant(now_ms)));
      with_event = child;
      with_event.record_json = model::encode(*record);
      with_event.resources = project_child_resources(*record);
      saving = &with_event;
    }
  }
  out.home = home != nullptr ? home->id : std::string();
  // 1-2. The record, its identifiers and its matching keys.
  out.child_id = tx.save_child(child_id, saving->record_json, saving->identifiers);
  if (!tx.ok()) return out;
  tx.add_match_keys(out.child_id, child.birth_date, child.match_keys);
  // 3. The rules' next due time commits with the items they added (counted by rule: a batch that rolls
  // back afterwards was counted all the same).
  save_coordination_due(tx, out.child_id, child.coordination);
  for (const auto& change : child.coordination.changes)
    metrics::gateway_metrics::instance().rule_change(change);
  // 4. The read API sees the record in the same transaction (read-your-writes).
  out.resources_changed = store_child_resources(tx, out.child_id, saving->resources, now_ms);
  if (!tx.ok()) return out;

  // 5. Routing: what the causing message became, and which message a delivery carries.
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
    case save_kind::transfer:
    case save_kind::practice:
      // Nothing new for the medical home: no delivery. Otherwise the newest message about the child
      // carries the current record (delivery always sends the record as it is). A new home (or an
      // operator's transfer) always gets the record.
      if (out.resources_changed > 0 || transfer || cause.kind == save_kind::transfer)
        carried = tx.latest_message_of_child(out.child_id);
      break;
  }
  if (!tx.ok()) return out;

  // 6. The delivery; a transfer first re-targets what waited for the old home and queues its farewell.
  model::identifier patient;
  for (const auto& id : saving->identifiers)
    if (!id.value.empty()) {
      patient = {id.system, id.value};
      break;
    }
  std::optional<transfer_written> moved;
  if (transfer && carried) {
    moved = write_transfer(tx, out.child_id, *transfer, moved_by, *carried, patient, now_ms);
    if (!tx.ok()) return out;
    out.transferred_from = transfer->from_id;
    out.retargeted = moved->retargeted;
  }
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
