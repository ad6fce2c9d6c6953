// child_table: the coordination model's tables. `children` (one merged record per child, and the medical
// home it is routed to: what a medical_home client may read), `child_identifiers` (system, value) -> child,
// and `child_match_keys` (birth date + match token -> child, for patient matching).
// Implements write_tx's find_child / find_children / children_matching / child_record / save_child /
// child_home / set_child_home / child_routing_of / set_child_home_override / add_match_keys and
// sqlite_store's read_child_record / child_home (child_table.cpp).
#pragma once

#include <string>

namespace homebase::gateway::store {

struct identifier_key {
  std::string system;
  std::string value;
};

// children.medical_home (the home the child is routed to: what a medical_home client may see) and
// children.home_override (the home an operator transferred the child to; '' none, migration 13).
struct child_routing {
  std::string medical_home;
  std::string home_override;
};

}  // namespace homebase::gateway::store
