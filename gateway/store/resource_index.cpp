#include "gateway/store/resource_index.hpp"

#include <algorithm>
#include <string>
#include <unordered_map>
#include <variant>
#include <vector>

#include "fhir/date_prefix.hpp"
#include "fhir/fhir_time.hpp"
#include "gateway/store/sqlite_statement.hpp"
#include "gateway/store/sqlite_store.hpp"
#include "gateway/store/write_tx.hpp"

namespace homebase::gateway::store {

namespace {

// Keys per lookup statement (2 bound parameters each, far below SQLite's limit).
constexpr std::size_t lookup_chunk = 64;

constexpr const char* indexed_columns =
    "r.seq, r.type, r.id, r.child_id, r.patient_id, r.status, r.version, r.last_updated_ms, r.json";

indexed_resource read_indexed(const sqlite_statement& s) {
  indexed_resource r;
  r.seq = s.column_int(0);
  r.type = s.column_text(1);
  r.id = s.column_text(2);
  r.child_id = s.column_int(3);
  r.patient_id = s.column_text(4);
  r.status = s.column_text(5);
  r.version = s.column_int(6);
  r.last_updated_ms = s.column_int(7);
  r.json = s.column_text(8);
  return r;
}

// SQL: date_match(prefix, search_low, search_high, low, high), R4's date comparison (fhir::date_matches).
void date_match_sql(sqlite3_context* ctx, int, sqlite3_value** args) {
  fhir::date_range search{sqlite3_value_int64(args[1]), sqlite3_value_int64(args[2])};
  fhir::date_range target{sqlite3_value_int64(args[3]), sqlite3_value_int64(args[4])};
  auto prefix = static_cast<fhir::date_prefix>(sqlite3_value_int(args[0]));
  sqlite3_result_int(ctx, fhir::date_matches(prefix, search, target) ? 1 : 0);
}

using sql_arg = std::variant<std::int64_t, std::string>;

// The WHERE clause of an index search (without paging), with its arguments in order.
std::string search_where(const index_search& q, std::vector<sql_arg>& args) {
  std::string where = "r.type = ?";
  args.emplace_back(q.type);
  for (const auto& f : q.filters) {
    std::string any;
    for (const auto& alt : f.any_of) {
      std::string one;
      switch (f.what) {
        case index_filter::on::id:
          one = "r.id = ?";
          args.emplace_back(alt.value);
          break;
        case index_filter::on::status:
          one = "r.status = ?";
          args.emplace_back(alt.value);
          break;
        case index_filter::on::last_updated:
          one = "date_match(?, ?, ?, r.last_updated_ms, r.last_updated_ms + 1)";
          args.emplace_back(static_cast<std::int64_t>(alt.prefix));
          args.emplace_back(alt.low);
          args.emplace_back(alt.high);
          break;
        case index_filter::on::token:
        case index_filter::on::reference:
        case index_filter::on::date: {
          if (f.what == index_filter::on::token || f.what == index_filter::on::reference) {
            if (alt.match_value) {
              // By value first (fhir_search_values_value), not by scanning every row of the type.
              one =
                  "r.seq IN (SELECT v.resource_seq FROM fhir_search_values v WHERE v.param = ? AND "
                  "v.value = ?";
              args.emplace_back(f.param);
              args.emplace_back(alt.value);
            } else {
              one = "EXISTS(SELECT 1 FROM fhir_search_values v WHERE v.resource_seq = r.seq AND v.param = ?";
              args.emplace_back(f.param);
            }
            if (!alt.any_system) {
              one += " AND v.system = ?";
              args.emplace_back(alt.system);
            }
          } else {
            one =
                "EXISTS(SELECT 1 FROM fhir_search_values v WHERE v.resource_seq = r.seq AND v.param = ? AND "
                "date_match(?, ?, ?, v.low, v.high)";
            args.emplace_back(f.param);
            args.emplace_back(static_cast<std::int64_t>(alt.prefix));
            args.emplace_back(alt.low);
            args.emplace_back(alt.high);
          }
          one += ")";
          break;
        }
      }
      any += (any.empty() ? "(" : " OR (") + one + ")";
    }
    if (any.empty()) any = "0";  // a filter without alternatives matches nothing
    where += " AND (" + any + ")";
  }
  if (q.medical_home) {
    where += " AND r.child_id IN (SELECT id FROM children WHERE medical_home = ?)";
    args.emplace_back(*q.medical_home);
  }
  return where;
}

void bind_all(sqlite_statement& s, const std::vector<sql_arg>& args) {
  int i = 1;
  for (const auto& a : args) {
    if (const auto* n = std::get_if<std::int64_t>(&a))
      s.bind(i++, *n);
    else
      s.bind(i++, std::get<std::string>(a));
  }
}

}  // namespace

std::vector<std::optional<write_tx::index_version>> write_tx::indexed_versions(
    const std::vector<resource_key>& keys) {
  std::vector<std::optional<index_version>> out(keys.size());
  // One statement per chunk of keys: the VALUES list drives the loop (CROSS JOIN keeps that order), and
  // each key is one search of fhir_resources_id.
  std::unordered_map<std::string, std::size_t> position;
  for (std::size_t i = 0; i < keys.size(); ++i)
    position.emplace(std::string(keys[i].type) + '/' + std::string(keys[i].id), i);
  for (std::size_t start = 0; start < keys.size() && ok_; start += lookup_chunk) {
    auto n = std::min(lookup_chunk, keys.size() - start);
    std::string sql = "SELECT r.type, r.id, r.seq, r.version, r.content_hash FROM (VALUES ";
    for (std::size_t i = 0; i < n; ++i) sql += i ? ",(?,?)" : "(?,?)";
    sql += ") k CROSS JOIN fhir_resources r ON r.type = k.column1 AND r.id = k.column2";
    auto& s = prepare(sql);
    if (!s.valid()) return out;
    for (std::size_t i = 0; i < n; ++i) {
      s.bind(static_cast<int>(2 * i + 1), keys[start + i].type);
      s.bind(static_cast<int>(2 * i + 2), keys[start + i].id);
    }
    int rc = SQLITE_ROW;
    while ((rc = s.step()) == SQLITE_ROW) {
      auto it = position.find(s.column_text(0) + '/' + s.column_text(1));
      if (it != position.end())
        out[it->second] = index_version{s.column_int(2), s.column_int(3), s.column_int(4)};
    }
    check(rc, "select indexed resources");
    s.reset();
  }
  return out;
}

std::optional<write_tx::index_version> write_tx::indexed_version(const std::string& type,
                                                                 const std::string& id) {
  return indexed_versions({{type, id}}).front();
}

void write_tx::put_indexed(const std::vector<indexed_write>& writes) {
  // One statement per row and per search value, on purpose: multi-row INSERTs of the same rows cost about
  // 75% more writer CPU per child here (SQLite 3.40; bench/index_writer, bench/README.md, "Intake speed with
  // everything on").
  for (const auto& w : writes) {
    if (!ok_) return;
    const auto& r = w.row;
    std::int64_t seq = 0;
    if (w.prior_seq) {
      auto& s = prepare(
          "UPDATE fhir_resources SET child_id = ?1, patient_id = ?2, status = ?3, version = ?4, "
          "last_updated = ?5, last_updated_ms = ?6, content_hash = ?7, json = ?8 WHERE seq = ?9");
      s.bind(1, r.child_id).bind(2, r.patient_id).bind(3, r.status).bind(4, r.version);
      s.bind(5, fhir::format_instant(r.last_updated_ms)).bind(6, r.last_updated_ms).bind(7, w.content_hash);
      s.bind_borrowed(8, r.json).bind(9, *w.prior_seq);
      check(s.step(), "update indexed resource");
      s.reset();
      seq = *w.prior_seq;
      auto& d = prepare("DELETE FROM fhir_search_values WHERE resource_seq = ?1");
      d.bind(1, seq);
      check(d.step(), "delete search values");
    } else {
      auto& s = prepare(
          "INSERT INTO fhir_resources(type, id, child_id, patient_id, status, version, last_updated, "
          "last_updated_ms, content_hash, json) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)");
      s.bind(1, r.type).bind(2, r.id).bind(3, r.child_id).bind(4, r.patient_id).bind(5, r.status);
      s.bind(6, r.version).bind(7, fhir::format_instant(r.last_updated_ms)).bind(8, r.last_updated_ms);
      s.bind(9, w.content_hash).bind_borrowed(10, r.json);
      auto rc = s.step();
      s.reset();  // drop the borrowed JSON before the caller can free it
      if (!check(rc, "insert indexed resource")) return;
      seq = sqlite3_last_insert_rowid(db_);
    }
    auto& v = prepare(
        "INSERT OR IGNORE INTO fhir_search_values(resource_seq, param, system, value, low, high) "
        "VALUES(?1, ?2, ?3, ?4, ?5, ?6)");
    for (const auto& value : w.values) {
      v.reset();
      v.bind(1, seq).bind(2, value.param).bind(3, value.system).bind(4, value.value);
      v.bind(5, value.low).bind(6, value.high);
      check(v.step(), "insert search value");
    }
  }
}

void write_tx::put_indexed(const indexed_write& w, std::optional<std::int64_t> prior_seq) {
  std::vector<indexed_write> one{w};
  one.front().prior_seq = prior_seq;
  put_indexed(one);
}

std::optional<indexed_resource> sqlite_store::get_indexed(const std::string& type, const std::string& id) {
  std::lock_guard lock(read_mutex_);
  sqlite_statement s(read_db_, std::string("SELECT ") + indexed_columns +
                                   " FROM fhir_resources r WHERE r.type = ?1 AND r.id = ?2");
  s.bind(1, type).bind(2, id);
  if (!s.valid() || s.step() != SQLITE_ROW) return std::nullopt;
  return read_indexed(s);
}

std::optional<index_page> sqlite_store::search_indexed(const index_search& q) {
  std::vector<sql_arg> args;
  auto where = search_where(q, args);
  std::lock_guard lock(read_mutex_);
  // The total and the page from one snapshot.
  if (exec(read_db_, "BEGIN") != SQLITE_OK) return std::nullopt;
  index_page page;
  bool ok = false;
  {
    sqlite_statement count(read_db_, "SELECT COUNT(*) FROM fhir_resources r WHERE " + where);
    sqlite_statement rows(read_db_, std::string("SELECT ") + indexed_columns +
                                        " FROM fhir_resources r WHERE " + where +
                                        " AND r.seq > ? ORDER BY r.seq LIMIT ?");
    if (count.valid() && rows.valid()) {
      bind_all(count, args);
      if (count.step() == SQLITE_ROW) {
        page.total = count.column_int(0);
        bind_all(rows, args);
        auto n = static_cast<int>(args.size());
        rows.bind(n + 1, q.after_seq).bind(n + 2, static_cast<std::int64_t>(q.count) + 1);
        int rc = SQLITE_ROW;
        while ((rc = rows.step()) == SQLITE_ROW) {
          if (static_cast<int>(page.rows.size()) == q.count) {
            page.more = true;
            break;
          }
          page.rows.push_back(read_indexed(rows));
        }
        ok = rc == SQLITE_ROW || rc == SQLITE_DONE;
      }
    }
  }
  exec(read_db_, "COMMIT");
  if (!ok) return std::nullopt;
  return page;
}

namespace detail {

bool register_search_functions(sqlite3* db) {
  return sqlite3_create_function(db, "date_match", 5, SQLITE_UTF8 | SQLITE_DETERMINISTIC, nullptr,
                                 date_match_sql, nullptr, nullptr) == SQLITE_OK;
}

}  // namespace detail

}  // namespace homebase::gateway::store
