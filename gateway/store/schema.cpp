#include "gateway/store/schema.hpp"

#include <stdexcept>
#include <string>

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
    // 8: SMART Backend Services (store/auth_table): the key that signs our access tokens, and the
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
    // 9: the general audit trail (store/audit_table): every AuditEvent, not only a school
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
    // 11: a message's raw body in its own table (store/message_table). SQLite rewrites a whole row,
    // overflow pages included, on any UPDATE; each delivery attempt updates the message's status, which
    // rewrote the ~40 KB body it sat beside every time. The body is written once and read only for a
    // repeat, a retry or the admin API.
    R"sql(
CREATE TABLE message_bodies(
  message_id INTEGER PRIMARY KEY REFERENCES messages(id),
  body BLOB NOT NULL);
INSERT INTO message_bodies(message_id, body) SELECT id, body FROM messages;
ALTER TABLE messages DROP COLUMN body;
)sql",
    // 12: the correlation id (the request's X-Request-Id, or the one the gateway made) kept with each
    // message, so that the deliveries it causes carry it to the medical home (issue 13 item 2).
    R"sql(
ALTER TABLE messages ADD COLUMN request_id TEXT NOT NULL DEFAULT '';
)sql",
    // 13: a child changes medical home (gateway/child/medical_home_transfer). children.home_override is the
    // medical home an operator transferred the child to ($transfer): it outranks every routing signal of
    // the record until the next transfer ('' none). An outbox row's kind says what it carries: 'record'
    // (the child's record as it is when sent) or 'transfer_out' (the old home's last delivery, built from
    // `farewell`, the record as that home knew it with the transfer applied, frozen at the transfer).
    R"sql(
ALTER TABLE children ADD COLUMN home_override TEXT NOT NULL DEFAULT '';
ALTER TABLE outbox ADD COLUMN kind TEXT NOT NULL DEFAULT 'record';
ALTER TABLE outbox ADD COLUMN farewell TEXT;
)sql",
    // 14: the practice read-back (issue 11, gateway/scheduler/practice_read_back, store/read_back_table):
    // per medical home, the newest meta.lastUpdated read back from its server (the next pass asks for
    // what changed after it), with when and how the last pass went.
    R"sql(
CREATE TABLE read_back_marks(
  medical_home TEXT PRIMARY KEY,
  high_water TEXT NOT NULL DEFAULT '',
  passed_ms INTEGER NOT NULL DEFAULT 0,
  outcome TEXT NOT NULL DEFAULT '') WITHOUT ROWID;
)sql",
    // 15: versioned writes at the medical homes (store/delivery_version_table, issue 11 item 1): per
    // medical home and resource Homebase writes with practice-owned fields, the server's id and version
    // of Homebase's last write, so that the next one is an update with If-Match and never overwrites what
    // the practice changed since.
    R"sql(
CREATE TABLE delivery_versions(
  destination TEXT NOT NULL,
  resource_type TEXT NOT NULL,
  business_key TEXT NOT NULL,
  child_id INTEGER NOT NULL REFERENCES children(id),
  server_id TEXT NOT NULL,
  version TEXT NOT NULL,
  written TEXT NOT NULL DEFAULT '{}',
  practice TEXT NOT NULL DEFAULT '{}',
  updated_ms INTEGER NOT NULL,
  PRIMARY KEY(destination, resource_type, business_key)) WITHOUT ROWID;
CREATE INDEX delivery_versions_child ON delivery_versions(child_id, destination);
)sql",
    // 16: a school letter's life with a clinician in it (issue 12): drafts wait for the signer's approval,
    // the channel it goes by (email | fhir | hand_carry), who approved it and when, the request as
    // approved (free text edited), the rendered letter (PDF as base64, HTML), and whether the signer was
    // reminded of a draft waiting too long. Drafts are found by school_letters_drafts.
    R"sql(
ALTER TABLE school_letters ADD COLUMN channel TEXT NOT NULL DEFAULT 'fhir';
ALTER TABLE school_letters ADD COLUMN approved_by TEXT NOT NULL DEFAULT '';
ALTER TABLE school_letters ADD COLUMN approved_at TEXT NOT NULL DEFAULT '';
ALTER TABLE school_letters ADD COLUMN approved_request TEXT NOT NULL DEFAULT '';
ALTER TABLE school_letters ADD COLUMN pdf_base64 TEXT NOT NULL DEFAULT '';
ALTER TABLE school_letters ADD COLUMN html TEXT NOT NULL DEFAULT '';
ALTER TABLE school_letters ADD COLUMN reminded INTEGER NOT NULL DEFAULT 0;
CREATE INDEX school_letters_drafts ON school_letters(id) WHERE status = 'draft';
)sql",
};
constexpr int latest_version = sizeof(migrations) / sizeof(migrations[0]);

}  // namespace

int latest_schema_version() {
  return latest_version;
}

int migrate(sqlite3* db) {
  std::string error;
  exec(db, "CREATE TABLE IF NOT EXISTS schema_version(version INTEGER NOT NULL)");
  int version = 0;
  {
    sqlite_statement s(db, "SELECT COALESCE(MAX(version), 0) FROM schema_version");
    if (s.step() == SQLITE_ROW) version = static_cast<int>(s.column_int(0));
  }
  if (version > latest_version)
    throw std::runtime_error("store: database schema version " + std::to_string(version) +
                             " is newer than this gateway (" + std::to_string(latest_version) + ")");
  for (int v = version; v < latest_version; ++v) {
    std::string sql = std::string("BEGIN IMMEDIATE;") + migrations[v] +
                      "INSERT INTO schema_version(version) VALUES(" + std::to_string(v + 1) + ");COMMIT;";
    if (exec(db, sql.c_str(), &error) != SQLITE_OK) {
      exec(db, "ROLLBACK");
      throw std::runtime_error("store: migration " + std::to_string(v + 1) + " failed: " + error);
    }
    version = v + 1;
  }
  return version;
}

}  // namespace homebase::gateway::store
