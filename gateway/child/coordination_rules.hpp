// coordination_rules: the coordination rules (mappers/coordination) in the writer's path. The child writer
// (child_writer::prepare_child) runs them on a child's record before it is saved, and save_child writes
// the child's next rule due time into `coordination_due` in the same transaction, so the record's items
// and its clock commit together; the clock scheduler (gateway/scheduler) runs them when a due time comes.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/gateway_config.hpp"
#include "gateway/store/sqlite_store.hpp"
#include "mappers/model/coordination_record.hpp"

namespace homebase::gateway::child {

struct coordination_outcome {
  bool changed = false;
  std::optional<std::int64_t> next_due_ms;  // unix ms; nullopt: no clock pending
  std::vector<std::string> changes;         // the rules' changes ("added pcp-visit|ENC-1"), for the metrics
};

// Runs the rules on `record` at `now_ms` (unix ms). `source` names who ran them in the record's events.
coordination_outcome run_coordination(mappers::model::coordination_record& record,
                                      const config::coordination_settings& settings, std::int64_t now_ms,
                                      std::string_view source);

// Stores the child's next due time (or clears it); call inside the job that saves the record.
void save_coordination_due(store::write_tx& tx, std::int64_t child_id, const coordination_outcome& outcome);

}  // namespace homebase::gateway::child
