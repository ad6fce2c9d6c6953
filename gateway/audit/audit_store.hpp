// audit_store: the rows of audit_events (migrations 5 and 9 in store/sqlite_store.cpp) and the SQL that
// writes and searches them. Every AuditEvent the gateway keeps goes through `record`, inside the store job
// that makes the effect it records (same transaction: no effect without its audit, no audit without the
// effect).
//   audit_events(id, child_id?, letter_id?, recorded, recorded_ms, type_system, type_code, subtype_system,
//                subtype_code, action, outcome, agent, patient_id, address, body)
//     child_id   the child the event is about (NULL: none, e.g. a refusal before any child was named);
//                what the medical-home restriction of a search follows (children.medical_home)
//     agent      the client id that asked, or for a disclosure without a client the recipient's id
//     patient_id the child's Patient resource id in the read API ("" when it has none yet)
//     address    the client's network address
//     body       the AuditEvent JSON (mappers/audit/audit_event_builder), with id = the row id
// Writes run inside a store job (writer thread); searches take the read connection (any thread).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "fhir/date_prefix.hpp"
#include "gateway/store/sqlite_store.hpp"
#include "mappers/audit/audit_event_builder.hpp"

namespace homebase::gateway::audit {

// What the store knows beyond the record: the child row (when the caller has it) and a school letter.
struct audit_links {
  std::optional<std::int64_t> child_id;  // nullopt: found from the record's patient_id or identifier
  std::optional<std::int64_t> letter_id;
};

// Writes one AuditEvent in the caller's transaction; returns its id (0 when the write failed: the job's
// write_tx is then not ok and rolls back with the effect). A record without patient_id gets the child's
// Patient resource id when the child is known.
std::int64_t record(store::write_tx& tx, const mappers::audit::audit_record& record,
                    const audit_links& links = {});

// A search of the trail. Every filter present must hold (AND); the alternatives of one filter are OR-ed.
struct audit_query {
  struct token {
    std::optional<std::string> system;  // nullopt: any system
    std::string code;
  };
  struct date {
    fhir::date_prefix prefix = fhir::date_prefix::eq;
    fhir::date_range range;
  };
  // Each inner list is one filter (its alternatives OR-ed); the lists are AND-ed.
  template <typename T>
  using all_of = std::vector<std::vector<T>>;
  all_of<std::string> patient_ids;       // Patient resource ids
  std::optional<std::int64_t> child_id;  // patient:identifier, resolved (see child_of_identifier)
  bool no_match = false;                 // a filter that nothing can match (unknown identifier)
  std::vector<date> dates;               // AND-ed
  all_of<token> types;
  all_of<token> subtypes;
  all_of<int> outcomes;
  all_of<std::string> agents;               // client ids
  std::optional<std::string> medical_home;  // only events about children of this medical home
  int count = 20;
  std::int64_t after_id = 0;  // keyset paging: only rows with a higher id
};

struct audit_row {
  std::int64_t id = 0;
  std::string body;
};

struct audit_page {
  std::int64_t total = 0;
  std::vector<audit_row> rows;
  bool more = false;
};

// One page (ascending id) and the total, from one snapshot; nullopt when the store failed.
[[nodiscard]] std::optional<audit_page> search(store::sqlite_store& store, const audit_query& query);

// Every AuditEvent JSON about the child, oldest first.
[[nodiscard]] std::vector<std::string> events_of_child(store::sqlite_store& store, std::int64_t child_id);

// The child a business identifier belongs to (read connection).
[[nodiscard]] std::optional<std::int64_t> child_of_identifier(store::sqlite_store& store,
                                                              const std::string& system,
                                                              const std::string& value);

}  // namespace homebase::gateway::audit
