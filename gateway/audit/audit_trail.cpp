#include "gateway/audit/audit_trail.hpp"

#include "gateway/store/audit_table.hpp"

namespace homebase::gateway::audit {

namespace ma = mappers::audit;

std::int64_t record(store::write_tx& tx, const ma::audit_record& r, const audit_links& links) {
  namespace table = store::audit_table;
  std::optional<std::int64_t> child = links.child_id;
  if (!child && !r.patient_id.empty()) child = table::child_of_patient_id(tx, r.patient_id);
  if (!child && !r.patient_identifier.value.empty())
    child = table::child_of_identifier(tx, r.patient_identifier.system, r.patient_identifier.value);
  ma::audit_record full = r;
  if (full.patient_id.empty() && child) full.patient_id = table::patient_id_of_child(tx, *child);
  const auto codes = ma::codes_of(full);

  store::audit_entry entry;
  entry.child_id = child;
  entry.letter_id = links.letter_id;
  entry.recorded_ms = full.recorded_ms;
  entry.type_system = codes.type_system;
  entry.type_code = codes.type_code;
  entry.subtype_system = codes.subtype_system;
  entry.subtype_code = codes.subtype_code;
  entry.action = codes.action;
  entry.outcome = static_cast<int>(full.outcome);
  entry.agent = !full.client.id.empty() ? full.client.id : full.recipient.id;
  entry.patient_id = full.patient_id;
  entry.address = full.client.address;
  auto id = table::insert(tx, entry);
  if (id == 0) return 0;
  if (!table::set_body(tx, id, ma::build_audit_event(full, std::to_string(id)))) return 0;
  return id;
}

}  // namespace homebase::gateway::audit
