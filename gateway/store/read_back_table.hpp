// read_back_table: the practice read-back's high-water marks (migration 13 in store/schema.cpp), one per
// medical home, behind a domain interface.
//   read_back_marks(medical_home, high_water, passed_ms, outcome)
//     high_water: the newest meta.lastUpdated (FHIR instant) read back from the home's server; the next
//     pass asks for what changed after it (_lastUpdated=gt...). Empty: never read back (everything).
// `set` runs inside a store job (writer thread); `mark` takes the read connection (any thread).
#pragma once

#include <cstdint>
#include <string>

#include "gateway/store/sqlite_store.hpp"
#include "gateway/store/write_tx.hpp"

namespace homebase::gateway::store::read_back_table {

struct read_back_mark {
  std::string high_water;
  std::int64_t passed_ms = 0;
  std::string outcome;  // "ok: N read, M applied" or why the pass failed
};

[[nodiscard]] read_back_mark mark(sqlite_store& store, const std::string& medical_home);
void set(write_tx& tx, const std::string& medical_home, const read_back_mark& value);

}  // namespace homebase::gateway::store::read_back_table
