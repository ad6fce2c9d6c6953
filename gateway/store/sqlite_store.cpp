#include "gateway/store/sqlite_store.hpp"

#include <algorithm>
#include <chrono>
#include <map>
#include <set>
#include <stdexcept>
#include <variant>

#include "fhir/date_prefix.hpp"
#include "fhir/fhir_time.hpp"
#include "gateway/store/sqlite_statement.hpp"

namespace homebase::gateway::store {
namespace {

// Numbered migrations: index + 1 is the schema version it produces. Never edit one that has shipped;
// append a new one.
constexpr const char* migrations[] = {
    // 1: coordination model, inbox, outbox, delivery attempts.
    R"sql(
CREATE TABLE children(
  id INTEGER PRIMARY KEY,
  record TEXT NOT NULL,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL);
CREATE TABLE child_identifiers(
  system TEXT NOT NULL,
  value TEXT NOT NULL,
  child_id INTEGER NOT NULL REFERENCES children(id),
  PRIMARY KEY(system, value)) WITHOUT ROWID;
CREATE TABLE messages(
  id INTEGER PRIMARY KEY,
  bundle_id TEXT NOT NULL,
  header_id TEXT NOT NULL,
  partner_id TEXT NOT NULL,
  event_code TEXT NOT NULL,
  received_at TEXT NOT NULL,
  status TEXT NOT NULL,
  destination TEXT NOT NULL DEFAULT '',
  child_id INTEGER REFERENCES children(id),
  body BLOB NOT NULL,
  translation TEXT NOT NULL,
  route_note TEXT NOT NULL);
CREATE UNIQUE INDEX messages_header ON messages(partner_id, header_id);
CREATE INDEX messages_bundle ON messages(partner_id, bundle_id);
CREATE INDEX messages_status ON messages(status, id);
CREATE TABLE outbox(
  id INTEGER PRIMARY KEY,
  message_id INTEGER NOT NULL REFERENCES messages(id),
  child_id INTEGER NOT NULL REFERENCES children(id),
  destination TEXT NOT NULL,
  status TEXT NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt_ms INTEGER NOT NULL,
  updated_at TEXT NOT NULL);
CREATE INDEX outbox_pending ON outbox(destination, id) WHERE status IN ('queued', 'retrying');
CREATE INDEX outbox_message ON outbox(message_id);
CREATE TABLE attempts(
  id INTEGER PRIMARY KEY,
  outbox_id INTEGER NOT NULL REFERENCES outbox(id),
  at TEXT NOT NULL,
  http_status INTEGER NOT NULL,
  error TEXT NOT NULL,
  response TEXT NOT NULL);
CREATE INDEX attempts_outbox ON attempts(outbox_id);
)sql",
    // 2: patient matching (mappers/model/patient_match). A child's match keys (its birth date with its
    // family names and its parents' identifiers and phones) find the few children a message without a
    // known identifier could be about, without reading every record; a message held for a person to
    // decide keeps the children it could be about. Children stored before are keyed from their records.
    R"sql(
CREATE TABLE child_match_keys(
  birth_date TEXT NOT NULL,
  token TEXT NOT NULL,
  child_id INTEGER NOT NULL REFERENCES children(id),
  PRIMARY KEY(birth_date, token, child_id)) WITHOUT ROWID;
INSERT OR IGNORE INTO child_match_keys
  SELECT json_extract(c.record, '$.p.b'), 'family:' || lower(json_extract(n.value, '$.f')), c.id
  FROM children c, json_each(c.record, '$.p.n') n
  WHERE json_extract(c.record, '$.p.b') IS NOT NULL AND json_extract(n.value, '$.f') IS NOT NULL;
INSERT OR IGNORE INTO child_match_keys
  SELECT json_extract(c.record, '$.p.b'),
         'parent:' || COALESCE(json_extract(f.value, '$.k.s'), '') || '|' || json_extract(f.value, '$.k.v'), c.id
  FROM children c, json_each(c.record, '$.f') f
  WHERE json_extract(c.record, '$.p.b') IS NOT NULL AND json_extract(f.value, '$.k.v') IS NOT NULL
    AND COALESCE(json_extract(f.value, '$.k.s'), '') <> 'urn:homebase:source-id';
INSERT OR IGNORE INTO child_match_keys
  SELECT json_extract(c.record, '$.p.b'),
         'telecom:' || COALESCE(json_extract(t.value, '$.s'), '') || '|' || json_extract(t.value, '$.v'), c.id
  FROM children c, json_each(c.record, '$.f') f, json_each(f.value, '$.t') t
  WHERE json_extract(c.record, '$.p.b') IS NOT NULL AND json_extract(t.value, '$.v') IS NOT NULL;
ALTER TABLE messages ADD COLUMN match_candidates TEXT NOT NULL DEFAULT '';
)sql",
    // 3: the resource index of the read API: each FHIR resource the medical home is sent for a child,
    // with its version, and the values of its search parameters (one B-tree keyed by resource, one by
    // value: each index costs the writer on every intake). Rows of fhir_resources are never deleted.
    R"sql(
CREATE TABLE fhir_resources(
  seq INTEGER PRIMARY KEY,
  type TEXT NOT NULL,
  id TEXT NOT NULL,
  child_id INTEGER NOT NULL REFERENCES children(id),
  patient_id TEXT NOT NULL,
  status TEXT NOT NULL,
  version INTEGER NOT NULL,
  last_updated TEXT NOT NULL,
  last_updated_ms INTEGER NOT NULL,
  content_hash INTEGER NOT NULL,
  json TEXT NOT NULL);
CREATE UNIQUE INDEX fhir_resources_id ON fhir_resources(type, id);
CREATE TABLE fhir_search_values(
  resource_seq INTEGER NOT NULL REFERENCES fhir_resources(seq),
  param TEXT NOT NULL,
  system TEXT NOT NULL,
  value TEXT NOT NULL,
  low INTEGER NOT NULL,
  high INTEGER NOT NULL,
  PRIMARY KEY(resource_seq, param, system, value, low, high)) WITHOUT ROWID;
CREATE INDEX fhir_search_values_value ON fhir_search_values(param, value);
)sql",
    // 4: coordination clocks: per child, the next time a time-driven coordination rule must run
    // (gateway/scheduler/clock_scheduler). Written in the same transaction as the child's record.
    R"sql(
CREATE TABLE coordination_due(
  child_id INTEGER PRIMARY KEY REFERENCES children(id),
  due_ms INTEGER NOT NULL);
CREATE INDEX coordination_due_time ON coordination_due(due_ms);
)sql",
    // 5: disclosure to schools (gateway/disclosure): the family's Consents as received (every version
    // kept), school letters with their life cycle, and the AuditEvent of every send and every block.
    R"sql(
CREATE TABLE consents(
  id INTEGER PRIMARY KEY,
  child_id INTEGER NOT NULL REFERENCES children(id),
  status TEXT NOT NULL,
  version INTEGER NOT NULL,
  body TEXT NOT NULL,
  received_at TEXT NOT NULL,
  updated_at TEXT NOT NULL);
CREATE INDEX consents_child ON consents(child_id);
CREATE TABLE consent_history(
  consent_id INTEGER NOT NULL REFERENCES consents(id),
  version INTEGER NOT NULL,
  body TEXT NOT NULL,
  received_at TEXT NOT NULL,
  PRIMARY KEY(consent_id, version)) WITHOUT ROWID;
CREATE TABLE school_letters(
  id INTEGER PRIMARY KEY,
  child_id INTEGER NOT NULL REFERENCES children(id),
  school_id TEXT NOT NULL,
  kind TEXT NOT NULL,
  request TEXT NOT NULL,
  status TEXT NOT NULL,
  reason TEXT NOT NULL DEFAULT '',
  consent_id INTEGER REFERENCES consents(id),
  attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt_ms INTEGER NOT NULL DEFAULT 0,
  document TEXT NOT NULL DEFAULT '',
  response TEXT NOT NULL DEFAULT '',
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  sent_at TEXT NOT NULL DEFAULT '');
CREATE INDEX school_letters_pending ON school_letters(next_attempt_ms, id)
  WHERE status IN ('queued', 'retrying', 'sending');
CREATE INDEX school_letters_consent ON school_letters(consent_id);
CREATE TABLE audit_events(
  id INTEGER PRIMARY KEY,
  child_id INTEGER NOT NULL REFERENCES children(id),
  letter_id INTEGER REFERENCES school_letters(id),
  recorded TEXT NOT NULL,
  body TEXT NOT NULL);
CREATE INDEX audit_events_child ON audit_events(child_id, id);
)sql",
    // 6: what the merge said about a message (a referral transition refused, a
    // medication conflict), kept so that a repeat gets the same response.
    R"sql(
ALTER TABLE messages ADD COLUMN merge_notes TEXT NOT NULL DEFAULT '';
)sql",
    // 7: the medical home each child is routed to (gateway/auth: a medical_home client sees only its own
    // children). Children stored before take the destination of their newest routed message.
    R"sql(
ALTER TABLE children ADD COLUMN medical_home TEXT NOT NULL DEFAULT '';
UPDATE children SET medical_home = COALESCE(
  (SELECT m.destination FROM messages m WHERE m.child_id = children.id AND m.destination <> ''
   ORDER BY m.id DESC LIMIT 1), '');
CREATE INDEX children_medical_home ON children(medical_home);
)sql",
    // 8: SMART Backend Services (gateway/auth/auth_store): the key that signs our access tokens, and the
    // client assertions' jti seen per issuer until they expire (replay refused also across a restart).
    R"sql(
CREATE TABLE auth_keys(
  name TEXT PRIMARY KEY,
  key BLOB NOT NULL);
CREATE TABLE auth_jti(
  iss TEXT NOT NULL,
  jti TEXT NOT NULL,
  expires_ms INTEGER NOT NULL,
  PRIMARY KEY(iss, jti));
CREATE INDEX auth_jti_expiry ON auth_jti(expires_ms);
)sql",
    // 9: the general audit trail (gateway/audit/audit_store): every AuditEvent, not only a school
    // letter's, so child_id becomes nullable (a refusal may name no child; SQLite cannot drop NOT NULL:
    // new table, copy, drop, rename), with the columns GET /fhir/AuditEvent searches. Rows kept before
    // take their codes from their JSON and their patient from the child's Patient resource. A child's
    // Patient resource is found by a partial index (Patient rows only: no cost on other resources).
    R"sql(
CREATE INDEX fhir_resources_child_patient ON fhir_resources(child_id) WHERE type = 'Patient';
CREATE TABLE audit_events_v9(
  id INTEGER PRIMARY KEY,
  child_id INTEGER REFERENCES children(id),
  letter_id INTEGER REFERENCES school_letters(id),
  recorded TEXT NOT NULL,
  recorded_ms INTEGER NOT NULL,
  type_system TEXT NOT NULL,
  type_code TEXT NOT NULL,
  subtype_system TEXT NOT NULL,
  subtype_code TEXT NOT NULL,
  action TEXT NOT NULL,
  outcome INTEGER NOT NULL,
  agent TEXT NOT NULL,
  patient_id TEXT NOT NULL,
  address TEXT NOT NULL,
  body TEXT NOT NULL);
INSERT INTO audit_events_v9
  SELECT a.id, a.child_id, a.letter_id, a.recorded,
    COALESCE(CAST(round((julianday(a.recorded) - 2440587.5) * 86400000.0) AS INTEGER), 0),
    COALESCE(CASE WHEN json_valid(a.body) THEN json_extract(a.body, '$.type.system') END, ''),
    COALESCE(CASE WHEN json_valid(a.body) THEN json_extract(a.body, '$.type.code') END, ''),
    COALESCE(CASE WHEN json_valid(a.body) THEN json_extract(a.body, '$.subtype[0].system') END, ''),
    COALESCE(CASE WHEN json_valid(a.body) THEN json_extract(a.body, '$.subtype[0].code') END, ''),
    COALESCE(CASE WHEN json_valid(a.body) THEN json_extract(a.body, '$.action') END, ''),
    COALESCE(CASE WHEN json_valid(a.body) THEN CAST(json_extract(a.body, '$.outcome') AS INTEGER) END, 0),
    COALESCE(CASE WHEN json_valid(a.body) THEN json_extract(a.body, '$.agent[1].who.identifier.value') END, ''),
    COALESCE((SELECT f.id FROM fhir_resources f WHERE f.type = 'Patient' AND f.child_id = a.child_id
              ORDER BY f.seq LIMIT 1), ''),
    '', a.body
  FROM audit_events a;
DROP TABLE audit_events;
ALTER TABLE audit_events_v9 RENAME TO audit_events;
CREATE INDEX audit_events_child ON audit_events(child_id, id);
CREATE INDEX audit_events_patient ON audit_events(patient_id, id);
CREATE INDEX audit_events_recorded ON audit_events(recorded_ms, id);
CREATE INDEX audit_events_type ON audit_events(type_code, id);
CREATE INDEX audit_events_agent ON audit_events(agent, id);
)sql",
    // 10: delivery with a window (gateway/delivery/delivery_service): several children's rows in flight per
    // destination, FIFO per child. A row is found by when it is due (outbox_due), a child's older pending
    // row by outbox_child_pending, dead letters by outbox_dead (counted for the operator, replayed). A
    // delivery gives up after a period, counted from queued_ms (set when it is queued or requeued); rows
    // kept before take their last change, which only ever lengthens their period.
    R"sql(
ALTER TABLE outbox ADD COLUMN queued_ms INTEGER NOT NULL DEFAULT 0;
UPDATE outbox SET queued_ms =
  COALESCE(CAST(round((julianday(updated_at) - 2440587.5) * 86400000.0) AS INTEGER), 0)
  WHERE status IN ('queued', 'retrying', 'dead');
CREATE INDEX outbox_due ON outbox(destination, next_attempt_ms) WHERE status IN ('queued', 'retrying');
CREATE INDEX outbox_child_pending ON outbox(child_id, destination, id) WHERE status IN ('queued', 'retrying');
CREATE INDEX outbox_dead ON outbox(destination, id) WHERE status = 'dead';
)sql",
};
constexpr int latest_version = sizeof(migrations) / sizeof(migrations[0]);
constexpr int wal_restart_frames = 1024;  // 4 MiB of 4 KiB pages

constexpr const char* message_columns =
    "id, bundle_id, header_id, partner_id, event_code, received_at, status, destination, child_id, "
    "translation, route_note, match_candidates, merge_notes";

stored_message read_message(const sqlite_statement& s) {
  stored_message m;
  m.id = s.column_int(0);
  m.bundle_id = s.column_text(1);
  m.header_id = s.column_text(2);
  m.partner_id = s.column_text(3);
  m.event_code = s.column_text(4);
  m.received_at = s.column_text(5);
  m.status = s.column_text(6);
  m.destination = s.column_text(7);
  if (!s.column_null(8)) m.child_id = s.column_int(8);
  m.translation = s.column_text(9);
  m.route_note = s.column_text(10);
  m.match_candidates = s.column_text(11);
  m.merge_notes = s.column_text(12);
  return m;
}

std::optional<stored_message> one_message(sqlite3* db, const std::string& where, auto bind_value) {
  sqlite_statement s(db, std::string("SELECT ") + message_columns + " FROM messages WHERE " + where);
  if (!s.valid()) return std::nullopt;
  s.bind(1, bind_value);
  if (s.step() != SQLITE_ROW) return std::nullopt;
  return read_message(s);
}

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

int sqlite_store::latest_schema_version() {
  return latest_version;
}

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// ---- write_tx ----

write_tx::write_tx(sqlite3* db, statement_cache& cache) : db_(db), cache_(cache) {}

sqlite_statement& write_tx::prepare(const std::string& sql) {
  auto it = cache_.find(sql);
  if (it == cache_.end()) it = cache_.emplace(sql, sqlite_statement(db_, sql)).first;
  if (!it->second.valid()) check(SQLITE_ERROR, sql.c_str());
  it->second.reset();
  return it->second;
}

std::optional<stored_message> write_tx::one_message(const std::string& where, const std::string* text,
                                                    std::int64_t number, const std::string* partner_id) {
  auto& s = prepare(std::string("SELECT ") + message_columns + " FROM messages WHERE " + where);
  if (!s.valid()) return std::nullopt;
  if (text != nullptr)
    s.bind(1, *text);
  else
    s.bind(1, number);
  if (partner_id != nullptr) s.bind(2, *partner_id);
  auto rc = s.step();
  if (rc != SQLITE_ROW) {
    check(rc, "select message");
    return std::nullopt;
  }
  auto m = read_message(s);
  s.reset();
  return m;
}

bool write_tx::check(int rc, const char* what) {
  if (rc == SQLITE_OK || rc == SQLITE_DONE || rc == SQLITE_ROW) return true;
  if (ok_) error_ = std::string(what) + ": " + sqlite3_errmsg(db_);
  ok_ = false;
  return false;
}

std::optional<stored_message> write_tx::message_by_header(const std::string& partner_id,
                                                          const std::string& header_id) {
  return one_message("partner_id = ?2 AND header_id = ?1", &header_id, 0, &partner_id);
}

std::optional<stored_message> write_tx::message_by_bundle(const std::string& partner_id,
                                                          const std::string& bundle_id) {
  return one_message("partner_id = ?2 AND bundle_id = ?1 ORDER BY id LIMIT 1", &bundle_id, 0, &partner_id);
}

std::optional<stored_message> write_tx::message_by_id(std::int64_t id) {
  return one_message("id = ?1", nullptr, id);
}

std::string write_tx::message_body(std::int64_t id) {
  auto& s = prepare("SELECT body FROM messages WHERE id = ?1");
  s.bind(1, id);
  std::string body;
  auto rc = s.step();
  if (rc == SQLITE_ROW)
    body = s.column_text(0);
  else
    check(rc, "select body");
  s.reset();
  return body;
}

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

void write_tx::hold_message(std::int64_t id, const std::string& status, const std::string& route_note,
                            const std::string& match_candidates) {
  auto& s = prepare("UPDATE messages SET status = ?1, route_note = ?2, match_candidates = ?3 WHERE id = ?4");
  s.bind(1, status).bind(2, route_note).bind(3, match_candidates).bind(4, id);
  check(s.step(), "hold message");
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

std::int64_t write_tx::insert_message(const stored_message& m, std::string_view body) {
  auto& s = prepare(
      "INSERT INTO messages(bundle_id, header_id, partner_id, event_code, received_at, status, "
      "destination, child_id, body, translation, route_note, match_candidates, merge_notes) "
      "VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)");
  s.bind(1, m.bundle_id)
      .bind(2, m.header_id)
      .bind(3, m.partner_id)
      .bind(4, m.event_code)
      .bind(5, m.received_at);
  s.bind(6, m.status).bind(7, m.destination);
  if (m.child_id)
    s.bind(8, *m.child_id);
  else
    s.bind_null(8);
  s.bind_borrowed(9, body).bind(10, m.translation).bind(11, m.route_note).bind(12, m.match_candidates);
  s.bind(13, m.merge_notes);
  auto rc = s.step();
  s.reset();  // drop the borrowed body before the caller can free it
  if (!check(rc, "insert message")) return 0;
  return sqlite3_last_insert_rowid(db_);
}

void write_tx::update_message(std::int64_t id, const std::string& status, const std::string& destination,
                              std::optional<std::int64_t> child_id) {
  auto& s = prepare(
      "UPDATE messages SET status = ?1, destination = ?2, child_id = COALESCE(?3, child_id) "
      "WHERE id = ?4");
  s.bind(1, status).bind(2, destination);
  if (child_id)
    s.bind(3, *child_id);
  else
    s.bind_null(3);
  s.bind(4, id);
  check(s.step(), "update message");
}

std::int64_t write_tx::insert_outbox(std::int64_t message_id, std::int64_t child_id,
                                     const std::string& destination, std::int64_t due_ms) {
  auto& s = prepare(
      "INSERT INTO outbox(message_id, child_id, destination, status, next_attempt_ms, updated_at, queued_ms) "
      "VALUES(?1, ?2, ?3, 'queued', ?4, ?5, ?4)");
  s.bind(1, message_id)
      .bind(2, child_id)
      .bind(3, destination)
      .bind(4, due_ms)
      .bind(5, fhir::format_instant(now_ms()));
  if (!check(s.step(), "insert outbox")) return 0;
  auto row = sqlite3_last_insert_rowid(db_);
  // The child belongs to the home its record goes to (a medical_home client's view).
  set_child_home(child_id, destination);
  return row;
}

void write_tx::record_attempt(std::int64_t outbox_id, const attempt_row& a, const std::string& new_status,
                              std::int64_t next_attempt_ms) {
  auto& ins = prepare(
      "INSERT INTO attempts(outbox_id, at, http_status, error, response) "
      "VALUES(?1, ?2, ?3, ?4, ?5)");
  ins.bind(1, outbox_id).bind(2, a.at).bind(3, static_cast<std::int64_t>(a.http_status)).bind(4, a.error);
  ins.bind(5, a.response);
  check(ins.step(), "insert attempt");
  auto& upd = prepare(
      "UPDATE outbox SET status = ?1, attempts = attempts + 1, next_attempt_ms = ?2, "
      "updated_at = ?3 WHERE id = ?4");
  upd.bind(1, new_status).bind(2, next_attempt_ms).bind(3, a.at).bind(4, outbox_id);
  check(upd.step(), "update outbox");
  // Only a change: the row holds the message body, and SQLite rewrites all of it (every retry of a long
  // outage would otherwise rewrite ~40 KB).
  auto& msg = prepare(
      "UPDATE messages SET status = ?1 WHERE id = (SELECT message_id FROM outbox WHERE id = ?2) "
      "AND status <> ?1");
  msg.bind(1, new_status).bind(2, outbox_id);
  check(msg.step(), "update message status");
}

int write_tx::requeue_outbox(std::int64_t message_id, std::int64_t due_ms) {
  auto& s = prepare(
      "UPDATE outbox SET status = 'queued', attempts = 0, next_attempt_ms = ?1, updated_at = ?2, "
      "queued_ms = ?1 WHERE message_id = ?3 AND status = 'dead'");
  s.bind(1, due_ms).bind(2, fhir::format_instant(now_ms())).bind(3, message_id);
  check(s.step(), "requeue outbox");
  int changed = sqlite3_changes(db_);
  if (changed > 0) {
    auto& m = prepare("UPDATE messages SET status = 'queued' WHERE id = ?1");
    m.bind(1, message_id);
    check(m.step(), "requeue message");
  }
  return changed;
}

replay_count write_tx::replay_outbox(const replay_filter& f, std::int64_t due_ms) {
  replay_count count;
  if (f.statuses.empty()) return count;
  // The SQL depends on which filters are set (and how many statuses), so it is built and not cached.
  std::string sql =
      "UPDATE outbox SET status = 'queued', attempts = 0, next_attempt_ms = ?1, queued_ms = ?1, "
      "updated_at = ?2 WHERE status IN (";
  std::vector<std::string> args;
  for (std::size_t i = 0; i < f.statuses.size(); ++i) {
    sql += (i ? ", ?" : "?") + std::to_string(args.size() + 3);
    args.push_back(f.statuses[i]);
  }
  sql += ")";
  if (!f.destination.empty()) {
    sql += " AND destination = ?" + std::to_string(args.size() + 3);
    args.push_back(f.destination);
  }
  if (!f.received_from.empty() || !f.received_before.empty()) {
    sql += " AND message_id IN (SELECT m.id FROM messages m WHERE 1";
    if (!f.received_from.empty()) {
      sql += " AND m.received_at >= ?" + std::to_string(args.size() + 3);
      args.push_back(f.received_from);
    }
    if (!f.received_before.empty()) {
      sql += " AND m.received_at < ?" + std::to_string(args.size() + 3);
      args.push_back(f.received_before);
    }
    sql += ")";
  }
  sql += " RETURNING message_id, destination";
  sqlite_statement s(db_, sql);
  if (!s.valid()) {
    check(SQLITE_ERROR, "prepare replay");
    return count;
  }
  s.bind(1, due_ms).bind(2, fhir::format_instant(due_ms));
  for (std::size_t i = 0; i < args.size(); ++i) s.bind(static_cast<int>(i + 3), args[i]);
  std::set<std::int64_t> messages;
  std::set<std::string> destinations;
  int rc = SQLITE_ROW;
  while ((rc = s.step()) == SQLITE_ROW) {
    ++count.deliveries;
    messages.insert(s.column_int(0));
    destinations.insert(s.column_text(1));
  }
  if (!check(rc, "replay outbox")) return count;
  auto& m = prepare("UPDATE messages SET status = 'queued' WHERE id = ?1");
  for (auto id : messages) {
    m.reset();
    m.bind(1, id);
    check(m.step(), "replay message");
  }
  count.messages = static_cast<std::int64_t>(messages.size());
  count.destinations.assign(destinations.begin(), destinations.end());
  return count;
}

std::optional<write_tx::index_version> write_tx::indexed_version(const std::string& type,
                                                                 const std::string& id) {
  auto& s = prepare("SELECT seq, version, content_hash FROM fhir_resources WHERE type = ?1 AND id = ?2");
  s.bind(1, type).bind(2, id);
  auto rc = s.step();
  if (rc != SQLITE_ROW) {
    check(rc, "select indexed resource");
    return std::nullopt;
  }
  index_version v{s.column_int(0), s.column_int(1), s.column_int(2)};
  s.reset();
  return v;
}

void write_tx::put_indexed(const indexed_write& w, std::optional<std::int64_t> prior_seq) {
  const auto& r = w.row;
  std::int64_t seq = 0;
  if (prior_seq) {
    auto& s = prepare(
        "UPDATE fhir_resources SET child_id = ?1, patient_id = ?2, status = ?3, version = ?4, "
        "last_updated = ?5, last_updated_ms = ?6, content_hash = ?7, json = ?8 WHERE seq = ?9");
    s.bind(1, r.child_id).bind(2, r.patient_id).bind(3, r.status).bind(4, r.version);
    s.bind(5, fhir::format_instant(r.last_updated_ms)).bind(6, r.last_updated_ms).bind(7, w.content_hash);
    s.bind_borrowed(8, r.json).bind(9, *prior_seq);
    check(s.step(), "update indexed resource");
    s.reset();
    seq = *prior_seq;
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
    s.reset();
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

std::optional<std::int64_t> write_tx::coordination_due(std::int64_t child_id) {
  auto& s = prepare("SELECT due_ms FROM coordination_due WHERE child_id = ?1");
  s.bind(1, child_id);
  auto rc = s.step();
  std::optional<std::int64_t> due;
  if (rc == SQLITE_ROW)
    due = s.column_int(0);
  else
    check(rc, "select coordination due");
  s.reset();
  return due;
}

void write_tx::set_coordination_due(std::int64_t child_id, std::optional<std::int64_t> due_ms) {
  if (due_ms) {
    auto& s = prepare(
        "INSERT INTO coordination_due(child_id, due_ms) VALUES(?1, ?2) "
        "ON CONFLICT(child_id) DO UPDATE SET due_ms = excluded.due_ms");
    s.bind(1, child_id).bind(2, *due_ms);
    check(s.step(), "set coordination due");
  } else {
    auto& s = prepare("DELETE FROM coordination_due WHERE child_id = ?1");
    s.bind(1, child_id);
    check(s.step(), "clear coordination due");
  }
}

std::optional<std::int64_t> write_tx::latest_message_of_child(std::int64_t child_id) {
  auto& s = prepare("SELECT MAX(id) FROM messages WHERE child_id = ?1");
  s.bind(1, child_id);
  auto rc = s.step();
  std::optional<std::int64_t> id;
  if (rc == SQLITE_ROW && !s.column_null(0))
    id = s.column_int(0);
  else
    check(rc, "select latest message");
  s.reset();
  return id;
}

// ---- sqlite_store ----

sqlite3* sqlite_store::open_connection(const std::string& path, bool writer) {
  sqlite3* db = nullptr;
  int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | (writer ? SQLITE_OPEN_CREATE : 0);
  if (sqlite3_open_v2(path.c_str(), &db, flags, nullptr) != SQLITE_OK) {
    std::string message = db != nullptr ? sqlite3_errmsg(db) : "out of memory";
    sqlite3_close(db);
    throw std::runtime_error("store: cannot open " + path + ": " + message);
  }
  sqlite3_busy_timeout(db, 5000);
  std::string error;
  // The writer never checkpoints by itself (checkpoint_loop does), readers never write.
  const char* pragmas = writer ? "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;"
                                 "PRAGMA wal_autocheckpoint=0; PRAGMA journal_size_limit=67108864;"
                               : "PRAGMA foreign_keys=ON; PRAGMA wal_autocheckpoint=0;";
  if (exec(db, pragmas, &error) != SQLITE_OK) {
    sqlite3_close(db);
    throw std::runtime_error("store: " + error);
  }
  return db;
}

sqlite_store::sqlite_store(const options& opts) : max_batch_(opts.max_batch) {
  // A start-up failure (a newer schema, a failed migration) throws: the connections opened so far are
  // closed first, since the destructor will not run.
  try {
    write_db_ = open_connection(opts.path, true);
    std::string error;
    exec(write_db_, "CREATE TABLE IF NOT EXISTS schema_version(version INTEGER NOT NULL)");
    {
      sqlite_statement s(write_db_, "SELECT COALESCE(MAX(version), 0) FROM schema_version");
      if (s.step() == SQLITE_ROW) schema_version_ = static_cast<int>(s.column_int(0));
    }
    if (schema_version_ > latest_version)
      throw std::runtime_error("store: database schema version " + std::to_string(schema_version_) +
                               " is newer than this gateway (" + std::to_string(latest_version) + ")");
    for (int v = schema_version_; v < latest_version; ++v) {
      std::string sql = std::string("BEGIN IMMEDIATE;") + migrations[v] +
                        "INSERT INTO schema_version(version) VALUES(" + std::to_string(v + 1) + ");COMMIT;";
      if (exec(write_db_, sql.c_str(), &error) != SQLITE_OK) {
        exec(write_db_, "ROLLBACK");
        throw std::runtime_error("store: migration " + std::to_string(v + 1) + " failed: " + error);
      }
      schema_version_ = v + 1;
    }
    read_db_ = open_connection(opts.path, false);
    if (sqlite3_create_function(read_db_, "date_match", 5, SQLITE_UTF8 | SQLITE_DETERMINISTIC, nullptr,
                                date_match_sql, nullptr, nullptr) != SQLITE_OK)
      throw std::runtime_error("store: cannot register date_match");
    checkpoint_db_ = open_connection(opts.path, false);
    sqlite3_wal_hook(
        write_db_,
        [](void* self, sqlite3*, const char*, int frames) {
          static_cast<sqlite_store*>(self)->wal_frames_ = frames;
          return SQLITE_OK;
        },
        this);
    writer_ = std::thread([this] { writer_loop(); });
    checkpointer_ = std::thread([this] { checkpoint_loop(); });
  } catch (...) {
    sqlite3_close_v2(checkpoint_db_);
    sqlite3_close_v2(read_db_);
    sqlite3_close_v2(write_db_);
    throw;
  }
}

sqlite_store::~sqlite_store() {
  stop();
  writer_statements_.clear();
  read_statements_.clear();
  sqlite3_close_v2(checkpoint_db_);
  sqlite3_close_v2(read_db_);
  sqlite3_close_v2(write_db_);
}

bool sqlite_store::submit(job work, completion done) {
  {
    std::lock_guard lock(queue_mutex_);
    if (stopping_) return false;
    queue_.emplace_back(std::move(work), std::move(done));
  }
  queue_cv_.notify_one();
  return true;
}

void sqlite_store::stop() {
  {
    std::lock_guard lock(queue_mutex_);
    stopping_ = true;
  }
  queue_cv_.notify_all();
  if (writer_.joinable()) writer_.join();
  {
    std::lock_guard lock(checkpoint_mutex_);
    checkpoint_stop_ = true;
  }
  checkpoint_cv_.notify_all();
  if (checkpointer_.joinable()) checkpointer_.join();
}

void sqlite_store::checkpoint_loop() {
  // PASSIVE checkpoints copy committed WAL frames into the database without blocking the writer or the
  // readers; once a checkpoint has caught up, the next write transaction restarts the WAL from its start.
  std::unique_lock lock(checkpoint_mutex_);
  while (!checkpoint_stop_) {
    checkpoint_cv_.wait_for(lock, std::chrono::milliseconds(50));
    lock.unlock();
    int wal_frames = 0, copied = 0;
    sqlite3_wal_checkpoint_v2(checkpoint_db_, nullptr, SQLITE_CHECKPOINT_PASSIVE, &wal_frames, &copied);
    lock.lock();
  }
  lock.unlock();
  sqlite3_wal_checkpoint_v2(checkpoint_db_, nullptr, SQLITE_CHECKPOINT_TRUNCATE, nullptr, nullptr);
}

bool sqlite_store::run_batch(std::vector<std::pair<job, completion>>& batch, std::vector<bool>& results) {
  results.assign(batch.size(), false);
  if (exec(write_db_, "BEGIN IMMEDIATE") != SQLITE_OK) return false;
  // Any statement that fails in a way SQLite answers by rolling back the whole transaction (disk full,
  // I/O error, out of memory) leaves autocommit on: then nothing of the batch is kept, and it must not
  // be reported otherwise.
  auto in_transaction = [this] { return sqlite3_get_autocommit(write_db_) == 0; };
  bool intact = true;
  for (std::size_t i = 0; i < batch.size() && intact; ++i) {
    if (exec(write_db_, "SAVEPOINT job") != SQLITE_OK) {
      intact = false;
      break;
    }
    write_tx tx(write_db_, writer_statements_);
    bool ok = false;
    try {
      ok = batch[i].first(tx) && tx.ok();
    } catch (const std::exception&) {
      ok = false;  // e.g. bad_alloc in a job: that job fails, the others go on
    }
    if (!ok && exec(write_db_, "ROLLBACK TO job") != SQLITE_OK) intact = false;
    if (intact && exec(write_db_, "RELEASE job") != SQLITE_OK) intact = false;
    intact = intact && in_transaction();
    results[i] = ok;
  }
  if (intact && exec(write_db_, "COMMIT") == SQLITE_OK) return true;
  if (in_transaction()) exec(write_db_, "ROLLBACK");
  return false;
}

void sqlite_store::writer_loop() {
  std::vector<std::pair<job, completion>> batch;
  std::vector<bool> results;
  for (;;) {
    {
      std::unique_lock lock(queue_mutex_);
      queue_cv_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (queue_.empty() && stopping_) return;
      while (!queue_.empty() && static_cast<int>(batch.size()) < max_batch_) {
        batch.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
    }
    bool committed = run_batch(batch, results);
    // The checkpoint thread copies most frames while the writer goes on; when the WAL has grown past the
    // threshold the writer completes a checkpoint itself (only the frames not yet copied), so that the
    // next transaction restarts the WAL from its beginning and it stays bounded.
    if (wal_frames_ > wal_restart_frames) {
      sqlite3_wal_checkpoint_v2(write_db_, nullptr, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
      wal_frames_ = 0;
    }
    for (std::size_t i = 0; i < batch.size(); ++i)
      if (batch[i].second) batch[i].second(committed && results[i]);
    batch.clear();
  }
}

std::vector<stored_message> sqlite_store::list_messages(const std::string& status, int limit,
                                                        std::int64_t before_id) {
  std::lock_guard lock(read_mutex_);
  std::string sql = std::string("SELECT ") + message_columns + " FROM messages WHERE id < ?1" +
                    (status.empty() ? "" : " AND status = ?3") + " ORDER BY id DESC LIMIT ?2";
  sqlite_statement s(read_db_, sql);
  std::vector<stored_message> out;
  if (!s.valid()) return out;
  s.bind(1, before_id > 0 ? before_id : INT64_MAX).bind(2, static_cast<std::int64_t>(limit));
  if (!status.empty()) s.bind(3, status);
  while (s.step() == SQLITE_ROW) out.push_back(read_message(s));
  return out;
}

void sqlite_store::read(const std::function<void(sqlite3*)>& reader) {
  std::lock_guard lock(read_mutex_);
  reader(read_db_);
}

std::optional<stored_message> sqlite_store::get_message(std::int64_t id) {
  std::lock_guard lock(read_mutex_);
  return one_message(read_db_, "id = ?1", id);
}

std::string sqlite_store::get_message_body(std::int64_t id) {
  std::lock_guard lock(read_mutex_);
  sqlite_statement s(read_db_, "SELECT body FROM messages WHERE id = ?1");
  s.bind(1, id);
  return s.step() == SQLITE_ROW ? s.column_text(0) : std::string();
}

std::vector<outbox_row> sqlite_store::outbox_for_message(std::int64_t message_id) {
  std::lock_guard lock(read_mutex_);
  std::vector<outbox_row> out;
  sqlite_statement s(read_db_,
                     "SELECT id, destination, status, attempts, next_attempt_ms FROM outbox "
                     "WHERE message_id = ?1 ORDER BY id");
  s.bind(1, message_id);
  while (s.step() == SQLITE_ROW) {
    outbox_row r;
    r.id = s.column_int(0);
    r.message_id = message_id;
    r.destination = s.column_text(1);
    r.status = s.column_text(2);
    r.attempts = static_cast<int>(s.column_int(3));
    r.next_attempt_ms = s.column_int(4);
    out.push_back(std::move(r));
  }
  sqlite_statement a(
      read_db_, "SELECT at, http_status, error, response FROM attempts WHERE outbox_id = ?1 ORDER BY id");
  for (auto& r : out) {
    a.reset();
    a.bind(1, r.id);
    while (a.step() == SQLITE_ROW)
      r.history.push_back(
          {a.column_text(0), static_cast<int>(a.column_int(1)), a.column_text(2), a.column_text(3)});
  }
  return out;
}

std::optional<outbox_row> sqlite_store::next_outbox(const std::string& destination) {
  std::lock_guard lock(read_mutex_);
  sqlite_statement s(
      read_db_,
      "SELECT o.id, o.message_id, o.child_id, o.status, o.attempts, o.next_attempt_ms, m.header_id, "
      "m.partner_id, c.record FROM outbox o JOIN messages m ON m.id = o.message_id "
      "JOIN children c ON c.id = o.child_id "
      "WHERE o.destination = ?1 AND o.status IN ('queued', 'retrying') ORDER BY o.id LIMIT 1");
  s.bind(1, destination);
  if (s.step() != SQLITE_ROW) return std::nullopt;
  outbox_row r;
  r.id = s.column_int(0);
  r.message_id = s.column_int(1);
  r.child_id = s.column_int(2);
  r.destination = destination;
  r.status = s.column_text(3);
  r.attempts = static_cast<int>(s.column_int(4));
  r.next_attempt_ms = s.column_int(5);
  r.header_id = s.column_text(6);
  r.partner_id = s.column_text(7);
  r.record = s.column_text(8);
  return r;
}

sqlite_statement& sqlite_store::read_statement(const std::string& sql) {
  auto it = read_statements_.find(sql);
  if (it == read_statements_.end()) it = read_statements_.emplace(sql, sqlite_statement(read_db_, sql)).first;
  it->second.reset();
  return it->second;
}

std::vector<outbox_row> sqlite_store::due_outbox(const std::string& destination, std::int64_t now_ms,
                                                 int limit) {
  std::lock_guard lock(read_mutex_);
  // A row is due and the oldest undelivered one of its child for this destination (outbox_due, then
  // outbox_child_pending for the older row); the partial indexes need their WHERE terms written alike.
  auto& s = read_statement(
      "SELECT o.id, o.message_id, o.child_id, o.status, o.attempts, o.next_attempt_ms, o.queued_ms, "
      "m.header_id, m.partner_id FROM outbox o JOIN messages m ON m.id = o.message_id "
      "WHERE o.destination = ?1 AND o.status IN ('queued', 'retrying') AND o.next_attempt_ms <= ?2 "
      "AND NOT EXISTS (SELECT 1 FROM outbox p WHERE p.child_id = o.child_id AND p.destination = ?1 "
      "AND p.status IN ('queued', 'retrying') AND p.id < o.id) "
      "ORDER BY o.next_attempt_ms, o.id LIMIT ?3");
  std::vector<outbox_row> out;
  if (!s.valid()) return out;
  s.bind(1, destination).bind(2, now_ms).bind(3, static_cast<std::int64_t>(limit));
  while (s.step() == SQLITE_ROW) {
    outbox_row r;
    r.id = s.column_int(0);
    r.message_id = s.column_int(1);
    r.child_id = s.column_int(2);
    r.destination = destination;
    r.status = s.column_text(3);
    r.attempts = static_cast<int>(s.column_int(4));
    r.next_attempt_ms = s.column_int(5);
    r.queued_ms = s.column_int(6);
    r.header_id = s.column_text(7);
    r.partner_id = s.column_text(8);
    out.push_back(std::move(r));
  }
  s.reset();
  return out;
}

std::optional<std::int64_t> sqlite_store::next_outbox_due(const std::string& destination,
                                                          std::int64_t after_ms) {
  std::lock_guard lock(read_mutex_);
  auto& s = read_statement(
      "SELECT MIN(next_attempt_ms) FROM outbox WHERE destination = ?1 AND "
      "status IN ('queued', 'retrying') AND next_attempt_ms > ?2");
  s.bind(1, destination).bind(2, after_ms);
  std::optional<std::int64_t> due;
  if (s.valid() && s.step() == SQLITE_ROW && !s.column_null(0)) due = s.column_int(0);
  s.reset();
  return due;
}

std::vector<delivery_counts> sqlite_store::outbox_counts() {
  std::lock_guard lock(read_mutex_);
  std::map<std::string, delivery_counts> by_destination;
  sqlite_statement pending(read_db_,
                           "SELECT destination, status, COUNT(*), MIN(queued_ms) FROM outbox "
                           "WHERE status IN ('queued', 'retrying') GROUP BY destination, status");
  while (pending.step() == SQLITE_ROW) {
    auto& c = by_destination[pending.column_text(0)];
    (pending.column_text(1) == "queued" ? c.queued : c.retrying) = pending.column_int(2);
    auto oldest = pending.column_int(3);
    if (c.oldest_queued_ms == 0 || oldest < c.oldest_queued_ms) c.oldest_queued_ms = oldest;
  }
  sqlite_statement dead(
      read_db_, "SELECT destination, COUNT(*) FROM outbox WHERE status = 'dead' GROUP BY destination");
  while (dead.step() == SQLITE_ROW) by_destination[dead.column_text(0)].dead = dead.column_int(1);
  std::vector<delivery_counts> out;
  for (auto& [destination, c] : by_destination) {
    c.destination = destination;
    out.push_back(std::move(c));
  }
  return out;
}

std::int64_t sqlite_store::count_messages(const std::string& status) {
  std::lock_guard lock(read_mutex_);
  sqlite_statement s(read_db_, "SELECT COUNT(*) FROM messages WHERE status = ?1");
  s.bind(1, status);
  return s.valid() && s.step() == SQLITE_ROW ? s.column_int(0) : 0;
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

std::optional<std::int64_t> sqlite_store::earliest_coordination_due() {
  std::lock_guard lock(read_mutex_);
  sqlite_statement s(read_db_, "SELECT MIN(due_ms) FROM coordination_due");
  if (s.step() != SQLITE_ROW || s.column_null(0)) return std::nullopt;
  return s.column_int(0);
}

std::vector<std::int64_t> sqlite_store::coordination_due_children(std::int64_t now_ms, int limit) {
  std::lock_guard lock(read_mutex_);
  sqlite_statement s(read_db_,
                     "SELECT child_id FROM coordination_due WHERE due_ms <= ?1 ORDER BY due_ms, child_id "
                     "LIMIT ?2");
  s.bind(1, now_ms).bind(2, static_cast<std::int64_t>(limit));
  std::vector<std::int64_t> out;
  while (s.step() == SQLITE_ROW) out.push_back(s.column_int(0));
  return out;
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

bool sqlite_store::healthy() {
  std::lock_guard lock(read_mutex_);
  sqlite_statement s(read_db_, "SELECT COUNT(*) FROM schema_version");
  return s.valid() && s.step() == SQLITE_ROW;
}

}  // namespace homebase::gateway::store
