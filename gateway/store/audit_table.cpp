#include "gateway/store/audit_table.hpp"

#include <variant>

#include "fhir/fhir_time.hpp"

namespace homebase::gateway::store::audit_table {
namespace {

using sql_arg = std::variant<std::int64_t, std::string>;

// "(a OR b)" over the alternatives; `one` appends one alternative's SQL and arguments.
template <typename T, typename F>
void any_of(std::string& where, std::vector<sql_arg>& args, const std::vector<std::vector<T>>& lists, F one) {
  for (const auto& list : lists) {
    if (list.empty()) continue;
    where += " AND (";
    for (std::size_t i = 0; i < list.size(); ++i) {
      if (i > 0) where += " OR ";
      where += one(list[i], args);
    }
    where += ")";
  }
}

std::string where_of(const audit_query& q, std::vector<sql_arg>& args) {
  std::string where = "1";
  if (q.no_match) return "0";
  if (q.child_id) {
    where += " AND e.child_id = ?";
    args.emplace_back(*q.child_id);
  }
  any_of(where, args, q.patient_ids, [](const std::string& id, std::vector<sql_arg>& a) {
    a.emplace_back(id);
    return std::string("e.patient_id = ?");
  });
  for (const auto& d : q.dates) {
    where += " AND date_match(?, ?, ?, e.recorded_ms, e.recorded_ms + 1)";
    args.emplace_back(static_cast<std::int64_t>(d.prefix));
    args.emplace_back(d.range.low);
    args.emplace_back(d.range.high);
  }
  auto token = [](const char* system_col, const char* code_col) {
    return [=](const audit_query::token& t, std::vector<sql_arg>& a) {
      a.emplace_back(t.code);
      std::string one = std::string("(e.") + code_col + " = ?";
      if (t.system) {
        one += std::string(" AND e.") + system_col + " = ?";
        a.emplace_back(*t.system);
      }
      return one + ")";
    };
  };
  any_of(where, args, q.types, token("type_system", "type_code"));
  any_of(where, args, q.subtypes, token("subtype_system", "subtype_code"));
  any_of(where, args, q.outcomes, [](int o, std::vector<sql_arg>& a) {
    a.emplace_back(static_cast<std::int64_t>(o));
    return std::string("e.outcome = ?");
  });
  any_of(where, args, q.agents, [](const std::string& id, std::vector<sql_arg>& a) {
    a.emplace_back(id);
    return std::string("e.agent = ?");
  });
  if (!q.excluded_agents.empty()) {
    where += " AND e.agent NOT IN (";
    for (std::size_t i = 0; i < q.excluded_agents.size(); ++i) {
      where += i == 0 ? "?" : ", ?";
      args.emplace_back(q.excluded_agents[i]);
    }
    where += ")";
  }
  if (q.medical_home) {
    where += " AND e.child_id IN (SELECT c.id FROM children c WHERE c.medical_home = ?)";
    args.emplace_back(*q.medical_home);
  }
  return where;
}

void bind_all(sqlite_statement& s, const std::vector<sql_arg>& args) {
  int n = 1;
  for (const auto& v : args) {
    if (const auto* i = std::get_if<std::int64_t>(&v))
      s.bind(n++, *i);
    else
      s.bind(n++, std::get<std::string>(v));
  }
}

}  // namespace

std::optional<std::int64_t> child_of_patient_id(write_tx& tx, const std::string& patient_id) {
  auto& s = tx.prepare("SELECT child_id FROM fhir_resources WHERE type = 'Patient' AND id = ?1");
  s.bind(1, patient_id);
  std::optional<std::int64_t> out;
  if (s.step() == SQLITE_ROW) out = s.column_int(0);
  s.reset();
  return out;
}

std::optional<std::int64_t> child_of_identifier(write_tx& tx, const std::string& system,
                                                const std::string& value) {
  auto& s = tx.prepare("SELECT child_id FROM child_identifiers WHERE system = ?1 AND value = ?2");
  s.bind(1, system).bind(2, value);
  std::optional<std::int64_t> out;
  if (s.step() == SQLITE_ROW) out = s.column_int(0);
  s.reset();
  return out;
}

std::string patient_id_of_child(write_tx& tx, std::int64_t child_id) {
  auto& s = tx.prepare(
      "SELECT id FROM fhir_resources WHERE type = 'Patient' AND child_id = ?1 ORDER BY seq LIMIT 1");
  s.bind(1, child_id);
  std::string out;
  if (s.step() == SQLITE_ROW) out = s.column_text(0);
  s.reset();
  return out;
}

std::int64_t insert(write_tx& tx, const audit_entry& e) {
  auto& s = tx.prepare(
      "INSERT INTO audit_events(child_id, letter_id, recorded, recorded_ms, type_system, type_code, "
      "subtype_system, subtype_code, action, outcome, agent, patient_id, address, body) "
      "VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, '')");
  if (e.child_id)
    s.bind(1, *e.child_id);
  else
    s.bind_null(1);
  if (e.letter_id)
    s.bind(2, *e.letter_id);
  else
    s.bind_null(2);
  s.bind(3, fhir::format_instant(e.recorded_ms)).bind(4, e.recorded_ms);
  s.bind(5, e.type_system).bind(6, e.type_code);
  s.bind(7, e.subtype_system).bind(8, e.subtype_code).bind(9, e.action);
  s.bind(10, static_cast<std::int64_t>(e.outcome)).bind(11, e.agent).bind(12, e.patient_id);
  s.bind(13, e.address);
  if (!tx.check(s.step(), "insert audit event")) return 0;
  return tx.last_insert_id();
}

bool set_body(write_tx& tx, std::int64_t id, const std::string& body) {
  auto& u = tx.prepare("UPDATE audit_events SET body = ?1 WHERE id = ?2");
  u.bind(1, body).bind(2, id);
  return tx.check(u.step(), "write audit event");
}

std::optional<audit_page> search(sqlite_store& store, const audit_query& q) {
  std::vector<sql_arg> args;
  const std::string where = where_of(q, args);
  std::optional<audit_page> out;
  const int count = q.count < 0 ? 0 : q.count;
  store.read([&](sqlite3* db) {
    // One snapshot for the total and the page.
    if (sqlite3_exec(db, "BEGIN", nullptr, nullptr, nullptr) != SQLITE_OK) return;
    audit_page page;
    bool ok = true;
    {
      sqlite_statement total(db, "SELECT COUNT(*) FROM audit_events e WHERE " + where);
      bind_all(total, args);
      if (total.valid() && total.step() == SQLITE_ROW)
        page.total = total.column_int(0);
      else
        ok = false;
    }
    if (ok && count > 0) {
      std::string bounds = " AND e.id > ?";
      if (q.newest_first && q.before_id > 0) bounds += " AND e.id < ?";
      sqlite_statement rows(db,
                            "SELECT e.id, e.body FROM audit_events e WHERE " + where + bounds +
                                (q.newest_first ? " ORDER BY e.id DESC LIMIT ?" : " ORDER BY e.id LIMIT ?"));
      auto paged = args;
      paged.emplace_back(q.after_id);
      if (q.newest_first && q.before_id > 0) paged.emplace_back(q.before_id);
      paged.emplace_back(static_cast<std::int64_t>(count) + 1);
      bind_all(rows, paged);
      if (!rows.valid()) ok = false;
      int rc = SQLITE_ROW;
      while (ok && (rc = rows.step()) == SQLITE_ROW) {
        if (static_cast<int>(page.rows.size()) == count) {
          page.more = true;
          break;
        }
        page.rows.push_back({rows.column_int(0), rows.column_text(1)});
      }
      if (rc != SQLITE_ROW && rc != SQLITE_DONE) ok = false;
    }
    sqlite3_exec(db, "COMMIT", nullptr, nullptr, nullptr);
    if (ok) out = std::move(page);
  });
  return out;
}

std::vector<std::string> events_of_child(sqlite_store& store, std::int64_t child_id) {
  std::vector<std::string> out;
  store.read([&](sqlite3* db) {
    sqlite_statement s(db, "SELECT body FROM audit_events WHERE child_id = ?1 ORDER BY id");
    s.bind(1, child_id);
    while (s.valid() && s.step() == SQLITE_ROW) out.push_back(s.column_text(0));
  });
  return out;
}

std::optional<std::int64_t> child_of_identifier(sqlite_store& store, const std::string& system,
                                                const std::string& value) {
  std::optional<std::int64_t> out;
  store.read([&](sqlite3* db) {
    sqlite_statement s(db, "SELECT child_id FROM child_identifiers WHERE system = ?1 AND value = ?2");
    s.bind(1, system).bind(2, value);
    if (s.valid() && s.step() == SQLITE_ROW) out = s.column_int(0);
  });
  return out;
}

}  // namespace homebase::gateway::store::audit_table
