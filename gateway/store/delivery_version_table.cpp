#include "gateway/store/delivery_version_table.hpp"

#include "gateway/store/sqlite_statement.hpp"

namespace homebase::gateway::store::delivery_version_table {

void put(write_tx& tx, const std::string& destination, std::int64_t child_id,
         const std::vector<mappers::outbound::known_version>& versions, std::int64_t now_ms) {
  for (const auto& v : versions) {
    auto& s = tx.prepare(
        "INSERT INTO delivery_versions(destination, resource_type, business_key, child_id, server_id, "
        "version, "
        "written, practice, updated_ms) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) "
        "ON CONFLICT(destination, resource_type, business_key) DO UPDATE SET child_id = ?4, server_id = ?5, "
        "version = ?6, written = ?7, practice = ?8, updated_ms = ?9");
    s.bind(1, destination).bind(2, v.resource_type).bind(3, v.business_key).bind(4, child_id);
    s.bind(5, v.server_id).bind(6, v.version).bind(7, v.written.empty() ? std::string("{}") : v.written);
    s.bind(8, v.practice.empty() ? std::string("{}") : v.practice).bind(9, now_ms);
    if (!tx.check(s.step(), "put delivery version")) return;
  }
}

void forget(write_tx& tx, const std::string& destination, const std::string& resource_type,
            const std::string& business_key) {
  auto& s = tx.prepare(
      "DELETE FROM delivery_versions WHERE destination = ?1 AND resource_type = ?2 AND business_key = ?3");
  s.bind(1, destination).bind(2, resource_type).bind(3, business_key);
  tx.check(s.step(), "forget delivery version");
}

std::vector<mappers::outbound::known_version> of_child(sqlite_store& store, const std::string& destination,
                                                       std::int64_t child_id) {
  std::vector<mappers::outbound::known_version> out;
  store.read([&](sqlite3* db) {
    sqlite_statement s(db,
                       "SELECT resource_type, business_key, server_id, version, written, practice "
                       "FROM delivery_versions WHERE child_id = ?1 AND destination = ?2");
    s.bind(1, child_id).bind(2, destination);
    if (!s.valid()) return;
    while (s.step() == SQLITE_ROW)
      out.push_back({s.column_text(0), s.column_text(1), s.column_text(2), s.column_text(3), s.column_text(4),
                     s.column_text(5)});
  });
  return out;
}

}  // namespace homebase::gateway::store::delivery_version_table
