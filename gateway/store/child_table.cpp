#include "gateway/store/child_table.hpp"

#include <algorithm>
#include <string>

#include "fhir/fhir_time.hpp"
#include "gateway/store/sqlite_statement.hpp"
#include "gateway/store/sqlite_store.hpp"
#include "gateway/store/write_tx.hpp"

namespace homebase::gateway::store {

std::optional<std::pair<std::int64_t, std::string>> write_tx::find_child(
    const std::vector<identifier_key>& identifiers) {
  auto& s = prepare(
      "SELECT c.id, c.record FROM child_identifiers i JOIN children c ON c.id = i.child_id "
      "WHERE i.system = ?1 AND i.value = ?2");
  for (const auto& id : identifiers) {
    s.reset();
    s.bind(1, id.system).bind(2, id.value);
    if (s.step() == SQLITE_ROW) {
      auto found = std::make_pair(s.column_int(0), s.column_text(1));
      s.reset();
      return found;
    }
  }
  return std::nullopt;
}

std::vector<std::pair<std::int64_t, std::string>> write_tx::find_children(
    const std::vector<identifier_key>& identifiers) {
  std::vector<std::pair<std::int64_t, std::string>> found;
  auto& s = prepare(
      "SELECT c.id, c.record FROM child_identifiers i JOIN children c ON c.id = i.child_id "
      "WHERE i.system = ?1 AND i.value = ?2");
  for (const auto& id : identifiers) {
    s.reset();
    s.bind(1, id.system).bind(2, id.value);
    if (s.step() != SQLITE_ROW) continue;
    auto child_id = s.column_int(0);
    bool seen = std::any_of(found.begin(), found.end(), [&](const auto& f) { return f.first == child_id; });
    if (!seen) found.emplace_back(child_id, s.column_text(1));
  }
  s.reset();
  return found;
}

std::vector<std::pair<std::int64_t, std::string>> write_tx::children_matching(
    const std::string& birth_date, const std::vector<std::string>& tokens) {
  std::vector<std::pair<std::int64_t, std::string>> found;
  auto& s = prepare(
      "SELECT c.id, c.record FROM child_match_keys k JOIN children c ON c.id = k.child_id "
      "WHERE k.birth_date = ?1 AND k.token = ?2");
  for (const auto& token : tokens) {
    s.reset();
    s.bind(1, birth_date).bind(2, token);
    while (s.step() == SQLITE_ROW) {
      auto child_id = s.column_int(0);
      bool seen = std::any_of(found.begin(), found.end(), [&](const auto& f) { return f.first == child_id; });
      if (!seen) found.emplace_back(child_id, s.column_text(1));
    }
  }
  s.reset();
  return found;
}

std::optional<std::string> write_tx::child_record(std::int64_t child_id) {
  auto& s = prepare("SELECT record FROM children WHERE id = ?1");
  s.bind(1, child_id);
  std::optional<std::string> record;
  if (s.step() == SQLITE_ROW) record = s.column_text(0);
  s.reset();
  return record;
}

void write_tx::add_match_keys(std::int64_t child_id, const std::string& birth_date,
                              const std::vector<std::string>& tokens) {
  if (birth_date.empty()) return;
  auto& s = prepare("INSERT OR IGNORE INTO child_match_keys(birth_date, token, child_id) VALUES(?1, ?2, ?3)");
  for (const auto& token : tokens) {
    s.reset();
    s.bind(1, birth_date).bind(2, token).bind(3, child_id);
    check(s.step(), "add match key");
  }
}

std::int64_t write_tx::save_child(std::optional<std::int64_t> id, const std::string& record,
                                  const std::vector<identifier_key>& identifiers) {
  auto now = fhir::format_instant(now_ms());
  std::int64_t child_id = 0;
  if (id) {
    auto& s = prepare("UPDATE children SET record = ?1, updated_at = ?2 WHERE id = ?3");
    s.bind(1, record).bind(2, now).bind(3, *id);
    check(s.step(), "update child");
    child_id = *id;
  } else {
    auto& s = prepare("INSERT INTO children(record, created_at, updated_at) VALUES(?1, ?2, ?2)");
    s.bind(1, record).bind(2, now);
    check(s.step(), "insert child");
    child_id = sqlite3_last_insert_rowid(db_);
  }
  auto& link = prepare("INSERT OR IGNORE INTO child_identifiers(system, value, child_id) VALUES(?1, ?2, ?3)");
  for (const auto& key : identifiers) {
    link.reset();
    link.bind(1, key.system).bind(2, key.value).bind(3, child_id);
    check(link.step(), "link child identifier");
  }
  return child_id;
}

std::string write_tx::child_home(std::int64_t child_id) {
  auto& s = prepare("SELECT medical_home FROM children WHERE id = ?1");
  s.bind(1, child_id);
  return s.step() == SQLITE_ROW ? s.column_text(0) : std::string();
}

void write_tx::set_child_home(std::int64_t child_id, const std::string& medical_home) {
  auto& s = prepare("UPDATE children SET medical_home = ?1 WHERE id = ?2 AND medical_home <> ?1");
  s.bind(1, medical_home).bind(2, child_id);
  check(s.step(), "set child medical home");
}

child_routing write_tx::child_routing_of(std::int64_t child_id) {
  auto& s = prepare("SELECT medical_home, home_override FROM children WHERE id = ?1");
  s.bind(1, child_id);
  child_routing out;
  if (s.step() == SQLITE_ROW) {
    out.medical_home = s.column_text(0);
    out.home_override = s.column_text(1);
  }
  s.reset();
  return out;
}

void write_tx::set_child_home_override(std::int64_t child_id, const std::string& medical_home) {
  auto& s = prepare("UPDATE children SET home_override = ?1 WHERE id = ?2");
  s.bind(1, medical_home).bind(2, child_id);
  check(s.step(), "set child medical home override");
}

std::optional<std::string> sqlite_store::read_child_record(std::int64_t child_id) {
  std::lock_guard lock(read_mutex_);
  auto& s = read_statement("SELECT record FROM children WHERE id = ?1");  // once per delivery: cached
  s.bind(1, child_id);
  std::optional<std::string> record;
  if (s.valid() && s.step() == SQLITE_ROW) record = s.column_text(0);
  s.reset();
  return record;
}

std::string sqlite_store::child_home(std::int64_t child_id) {
  std::lock_guard lock(read_mutex_);
  sqlite_statement s(read_db_, "SELECT medical_home FROM children WHERE id = ?1");
  s.bind(1, child_id);
  if (!s.valid() || s.step() != SQLITE_ROW) return {};
  return s.column_text(0);
}

}  // namespace homebase::gateway::store
