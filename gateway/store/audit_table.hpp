// audit_table: the rows of audit_events (migrations 5 and 9 in store/sqlite_store.cpp) behind a domain
// interface: write one event, search the trail.
//   audit_events(id, child_id?, letter_id?, recorded, recorded_ms, type_system, type_code, subtype_system,
//                subtype_code, action, outcome, agent, patient_id, address, body)
//     child_id   the child the event is about (NULL: none, e.g. a refusal before any child was named);
//                what the medical-home restriction of a search follows (children.medical_home)
//     agent      the client id that asked, or for a disclosure without a client the recipient's id
//     patient_id the child's Patient resource id in the read API ("" when it has none yet)
//     address    the client's network address
//     body       the AuditEvent JSON (built by gateway/audit/audit_trail), with id = the row id
// The AuditEvent itself (what it says, its codes) is gateway/audit/audit_trail's; this unit keeps what it is
// given. Writes run inside a store job (writer thread); searches take the read connection (any thread).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "fhir/date_prefix.hpp"
#include "gateway/store/sqlite_store.hpp"

namespace homebase::gateway::store {

// The search columns of one event (body is written once the row has its id: set_body).
struct audit_entry {
  std::optional<std::int64_t> child_id;
  std::optional<std::int64_t> letter_id;  // a school letter's event
  std::int64_t recorded_ms = 0;           // kept also as an instant (column recorded)
  std::string type_system;
  std::string type_code;
  std::string subtype_system;
  std::string subtype_code;
  std::string action;
  int outcome = 0;
  std::string agent;
  std::string patient_id;
  std::string address;
};

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
  all_of<std::string> agents;                // client ids
  std::optional<std::string> medical_home;   // only events about children of this medical home
  std::vector<std::string> excluded_agents;  // none of these agents (e.g. the medical homes: care team)
  int count = 20;
  std::int64_t after_id = 0;  // keyset paging: only rows with a higher id
  // Newest first (descending id); keyset paging then goes down: only rows with a lower id than
  // `before_id` (0: from the newest). after_id still bounds from below.
  bool newest_first = false;
  std::int64_t before_id = 0;
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

namespace audit_table {

// ---- writer side ----
// What an event's subject resolves through: the child of a Patient resource id (the resource index), the
// child of a business identifier, and the Patient resource id of a child ("" when it has none yet).
[[nodiscard]] std::optional<std::int64_t> child_of_patient_id(write_tx& tx, const std::string& patient_id);
[[nodiscard]] std::optional<std::int64_t> child_of_identifier(write_tx& tx, const std::string& system,
                                                              const std::string& value);
[[nodiscard]] std::string patient_id_of_child(write_tx& tx, std::int64_t child_id);
// Inserts the event's row with an empty body; returns its id (0 when the write failed: the job's write_tx
// is then not ok and rolls back).
std::int64_t insert(write_tx& tx, const audit_entry& entry);
// The AuditEvent JSON of the row `id`; false when the write failed.
bool set_body(write_tx& tx, std::int64_t id, const std::string& body);

// ---- read side ----
// One page (ascending id, or descending with newest_first) and the total, from one snapshot; nullopt when
// the store failed. The total counts every match, whatever the page bounds.
[[nodiscard]] std::optional<audit_page> search(sqlite_store& store, const audit_query& query);
// Every AuditEvent JSON about the child, oldest first.
[[nodiscard]] std::vector<std::string> events_of_child(sqlite_store& store, std::int64_t child_id);
// The child a business identifier belongs to.
[[nodiscard]] std::optional<std::int64_t> child_of_identifier(sqlite_store& store, const std::string& system,
                                                              const std::string& value);

}  // namespace audit_table
}  // namespace homebase::gateway::store
