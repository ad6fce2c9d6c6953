// record_merge: applies what a new message says about a child to what the gateway already knows.
// Entities are matched on their business identifier (`key`, or for the child any shared identifier):
// a matching entity is replaced by the newer one, a new one is appended, nothing is ever dropped.
#pragma once

#include "mappers/model/coordination_record.hpp"

namespace homebase::mappers::model {

struct merge_summary {
  int added = 0;
  int updated = 0;
  int unchanged = 0;
};

// True when both records describe the same child (they share at least one identifier system|value).
[[nodiscard]] bool same_child(const child& a, const child& b);

// Merges `incoming` into `existing` in place.
merge_summary merge(coordination_record& existing, const coordination_record& incoming);

}  // namespace homebase::mappers::model
