#include "gateway/child/medical_home_transfer.hpp"

#include "fhir/fhir_time.hpp"
#include "gateway/audit/audit_trail.hpp"
#include "mappers/model/record_codec.hpp"
#include "mappers/outbound/transfer_farewell.hpp"

namespace homebase::gateway::child {

namespace model = mappers::model;

namespace {

std::string home_name(const config::medical_home* home, const std::string& id) {
  if (home == nullptr) return id;
  return home->name.empty() ? home->id : home->name + " (" + home->id + ")";
}

}  // namespace

model::record_event transfer_event(const transfer_plan& plan, const transfer_cause& cause,
                                   const std::string& at) {
  model::record_event e;
  e.at = at;
  e.kind = std::string(mappers::outbound::transfer_event_kind);
  e.source = cause.by_operator ? std::string() : cause.partner_id;
  e.message_id = cause.by_operator ? std::string() : cause.message_id;
  e.detail = "Care moved from medical home " + home_name(plan.from, plan.from_id) + " to " +
             home_name(plan.to, plan.to != nullptr ? plan.to->id : std::string()) +
             (cause.by_operator          ? " by an operator"
              : cause.partner_id.empty() ? ""
                                         : " (" + cause.partner_id + ")") +
             (cause.reason.empty() ? std::string() : ": " + cause.reason);
  return e;
}

transfer_written write_transfer(store::write_tx& tx, std::int64_t child_id, const transfer_plan& plan,
                                const transfer_cause& cause, std::int64_t carried,
                                const model::identifier& patient, std::int64_t now_ms) {
  transfer_written out;
  if (plan.to == nullptr) return out;
  // What was waiting for the old home now waits for the new one.
  out.retargeted = tx.retarget_outbox(child_id, plan.from_id, plan.to->id, now_ms).deliveries;
  if (!tx.ok()) return out;

  // The old home's last delivery, frozen now from the record it knew.
  std::optional<model::coordination_record> before;
  if (plan.before_json) before = model::decode(*plan.before_json);
  if (plan.from != nullptr && before) {
    mappers::outbound::farewell_facts facts;
    facts.at = fhir::format_instant(now_ms);
    facts.source = cause.by_operator ? std::string() : cause.partner_id;
    facts.message_id = cause.by_operator ? std::string() : cause.message_id;
    for (const auto& id : plan.from->organization_identifiers)
      facts.old_home_organizations.push_back({id.system, id.value});
    auto farewell = model::encode(mappers::outbound::farewell_record(*before, facts));
    tx.insert_farewell_outbox(carried, child_id, plan.from_id, farewell, now_ms);
    out.farewell = tx.ok();
  }

  // The AuditEvent: who moved the child, from where to where, why.
  namespace ma = mappers::audit;
  ma::audit_record r;
  r.kind = ma::audit_kind::admin_action;
  r.action_name = "transfer";
  r.recorded_ms = now_ms;
  r.outcome = ma::audit_outcome::success;
  r.client = cause.who;
  r.request_id = cause.request_id;
  r.patient_identifier = patient;
  std::string by = cause.by_operator           ? "an operator's $transfer"
                   : !cause.partner_id.empty() ? "message " + cause.message_id + " of " + cause.partner_id
                                               : "the child's routing";
  r.outcome_desc = "child transferred from medical home " + plan.from_id + " to " + plan.to->id + " by " +
                   by + (cause.reason.empty() ? std::string() : " (reason: " + cause.reason + ")") + "; " +
                   std::to_string(out.retargeted) + " undelivered deliveries re-targeted; " +
                   (out.farewell ? "the old home's last delivery queued"
                                 : "no last delivery (the old home is not configured)");
  audit::audit_links links;
  links.child_id = child_id;
  (void)audit::record(tx, r, links);
  return out;
}

}  // namespace homebase::gateway::child
