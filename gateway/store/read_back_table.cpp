#include "gateway/store/read_back_table.hpp"

namespace homebase::gateway::store::read_back_table {

read_back_mark mark(sqlite_store& store, const std::string& medical_home) {
  read_back_mark out;
  store.read([&](sqlite3* db) {
    sqlite_statement s(db,
                       "SELECT high_water, passed_ms, outcome FROM read_back_marks WHERE medical_home = ?1");
    s.bind(1, medical_home);
    if (s.valid() && s.step() == SQLITE_ROW) out = {s.column_text(0), s.column_int(1), s.column_text(2)};
  });
  return out;
}

void set(write_tx& tx, const std::string& medical_home, const read_back_mark& value) {
  auto& s = tx.prepare(
      "INSERT INTO read_back_marks(medical_home, high_water, passed_ms, outcome) VALUES(?1, ?2, ?3, ?4) "
      "ON CONFLICT(medical_home) DO UPDATE SET high_water = excluded.high_water, passed_ms = "
      "excluded.passed_ms, outcome = excluded.outcome");
  s.bind(1, medical_home).bind(2, value.high_water).bind(3, value.passed_ms).bind(4, value.outcome);
  tx.check(s.step(), "set read-back mark");
}

}  // namespace homebase::gateway::store::read_back_table
