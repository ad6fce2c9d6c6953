// child_consistency: what the store holds for a child, checked against its record, for the tests of every
// writer of a child (gateway/child/child_writer's callers). Consistent means: every resource the stored
// record gives the medical home is in the resource index with that content; and the outbox rows, the
// medical home and the latest message are what the caller expects (the test compares them).
#pragma once

#include <gtest/gtest.h>

#include <future>
#include <string>

#include "gateway/child/child_resources.hpp"
#include "gateway/store/sqlite_store.hpp"
#include "mappers/model/record_codec.hpp"

namespace homebase::gateway::child::testing {

struct child_snapshot {
  bool record_readable = false;
  int resources = 0;          // what the record projects
  std::string index_problem;  // empty: every projected resource is indexed with its current content
  int outbox_rows = 0;        // for the child, any status
  std::string medical_home;   // children.medical_home
};

inline child_snapshot snapshot(store::sqlite_store& s, std::int64_t child_id) {
  child_snapshot out;
  std::promise<bool> done;
  auto finished = done.get_future();
  store::sqlite_store::job job = [&out, child_id](store::write_tx& tx) {
    auto stored = tx.child_record(child_id);
    auto record = stored ? mappers::model::decode(*stored) : std::nullopt;
    out.record_readable = record.has_value();
    if (record) {
      auto projected = project_child_resources(*record);
      out.resources = static_cast<int>(projected.resources.size());
      for (const auto& p : projected.resources) {
        auto indexed = tx.indexed_version(p.type, p.id);
        if (!indexed)
          out.index_problem += p.type + "/" + p.id + " is not indexed; ";
        else if (indexed->content_hash != p.content_hash)
          out.index_problem += p.type + "/" + p.id + " is indexed with older content; ";
      }
    }
    auto& count = tx.prepare("SELECT COUNT(*) FROM outbox WHERE child_id = ?1");
    count.bind(1, child_id);
    if (count.step() == SQLITE_ROW) out.outbox_rows = static_cast<int>(count.column_int(0));
    count.reset();
    out.medical_home = tx.child_home(child_id);
    return tx.ok();
  };
  EXPECT_TRUE(s.submit(std::move(job), [&done](bool ok) { done.set_value(ok); }));
  EXPECT_TRUE(finished.get());
  return out;
}

}  // namespace homebase::gateway::child::testing
