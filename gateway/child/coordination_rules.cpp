#include "gateway/child/coordination_rules.hpp"

#include "mappers/coordination/coordination_rules.hpp"

namespace homebase::gateway::child {

coordination_outcome run_coordination(mappers::model::coordination_record& record,
                                      const config::coordination_settings& settings, std::int64_t now_ms,
                                      std::string_view source) {
  using namespace std::chrono;
  // The rules work in whole seconds; the due time is rounded up so that it is never early.
  auto now = mappers::coordination::time_point(duration_cast<seconds>(milliseconds(now_ms)));
  auto run = mappers::coordination::apply_rules(record, settings, now, source);
  coordination_outcome out;
  out.changed = run.changed();
  out.changes = std::move(run.changes);
  if (run.next_due) out.next_due_ms = duration_cast<milliseconds>(run.next_due->time_since_epoch()).count();
  return out;
}

void save_coordination_due(store::write_tx& tx, std::int64_t child_id, const coordination_outcome& outcome) {
  tx.set_coordination_due(child_id, outcome.next_due_ms);
}

}  // namespace homebase::gateway::child
